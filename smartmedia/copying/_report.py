"""What a copy run did: one outcome per task, and the totals."""

from __future__ import annotations

import datetime as _dt
import enum

import attrs

from smartmedia.model import Barcode, CopyTrigger, MediumId, SessionId
from smartmedia.model import _validators as v
from smartmedia.planning import CopyPlan

__all__ = ["CopyReport", "OutcomeState", "TaskOutcome"]


class OutcomeState(enum.Enum):
    COMMITTED = "committed"  # copied, verified and recorded
    FAILED = "failed"  # not copied; nothing recorded; ``reason`` says why
    CANCELLED = "cancelled"  # stopped by cancel(); nothing recorded


@attrs.frozen(kw_only=True)
class TaskOutcome:
    """How one task of the plan ended. ``copies`` are the new media (span order)."""

    source: MediumId = attrs.field(validator=v.instance_of(MediumId))
    state: OutcomeState = attrs.field(validator=v.instance_of(OutcomeState))
    copies: tuple[MediumId, ...] = attrs.field(default=(), validator=v.tuple_of(MediumId))
    targets: tuple[Barcode, ...] = attrs.field(default=(), validator=v.tuple_of(Barcode))
    bytes: int = attrs.field(default=0, validator=v.natural)
    digest: str | None = attrs.field(default=None)
    attempts: int = attrs.field(default=1, validator=v.natural)
    reason: str = attrs.field(default="", validator=v.instance_of(str))
    started: _dt.datetime | None = attrs.field(default=None)
    finished: _dt.datetime | None = attrs.field(default=None)


@attrs.frozen(kw_only=True)
class CopyReport:
    """A run of a plan: every task's outcome (in plan order) and when the run took place."""

    plan: CopyPlan = attrs.field(validator=v.instance_of(CopyPlan))
    outcomes: tuple[TaskOutcome, ...] = attrs.field(validator=v.tuple_of(TaskOutcome))
    started: _dt.datetime = attrs.field(validator=v.aware_datetime)
    finished: _dt.datetime = attrs.field(validator=v.aware_datetime)
    trigger: CopyTrigger | None = attrs.field(default=None)
    session: SessionId | None = attrs.field(default=None)

    @property
    def committed(self) -> tuple[TaskOutcome, ...]:
        return tuple(o for o in self.outcomes if o.state is OutcomeState.COMMITTED)

    @property
    def failed(self) -> tuple[TaskOutcome, ...]:
        return tuple(o for o in self.outcomes if o.state is not OutcomeState.COMMITTED)

    @property
    def bytes(self) -> int:
        return sum(o.bytes for o in self.committed)

    @property
    def ok(self) -> bool:
        """Every planned task committed."""
        return all(o.state is OutcomeState.COMMITTED for o in self.outcomes)
