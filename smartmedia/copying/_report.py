"""What a copy run did: one outcome per task, the media it could not copy, the totals.

A report is ``ok`` only if every medium the selection asked to copy was copied: a
task that failed and a medium the planner could not place (no scratch tape left, no
drive, outside the window...) both make it not ok, and :attr:`CopyReport.missed` names
the latter with the planner's reason. Media the selection named that need no copy
(copies, empty media, media that have their copies already) are not missed.
"""

from __future__ import annotations

import datetime as _dt
import enum

import attrs

from smartmedia.model import Barcode, CopyTrigger, MediumId, SessionId
from smartmedia.model import _validators as v
from smartmedia.planning import CopyPlan, Reason, Unplaced

__all__ = ["CopyReport", "OutcomeState", "TaskOutcome"]

#: Reasons for leaving a medium out of a plan that mean it needs no copy.
_NOTHING_TO_DO = frozenset({Reason.IS_A_COPY, Reason.NO_DATA, Reason.ALREADY_COPIED})


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
    """A run of a plan: every task's outcome (in plan order) and when the run took place.

    The media the plan could not place are in ``plan.unplaced``; :attr:`missed` keeps
    those that needed a copy and did not get one.
    """

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
    def missed(self) -> tuple[Unplaced, ...]:
        """Media the selection asked to copy that the plan could not place, with the
        planner's reason (not those that need no copy: copies, empty, already copied)."""
        return tuple(u for u in self.plan.unplaced if u.reason not in _NOTHING_TO_DO)

    @property
    def ok(self) -> bool:
        """Every planned task committed and no medium that needed a copy was left out."""
        return not self.missed and all(o.state is OutcomeState.COMMITTED for o in self.outcomes)
