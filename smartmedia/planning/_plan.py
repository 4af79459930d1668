"""The plan: tasks, the items that could not be placed and why, a summary, an account.

Times in a plan are seconds from its ``start``, as the schedule predicts them from the
timing profiles; the plan itself is a value (JSON round trip through the converter).
"""

from __future__ import annotations

import datetime as _dt
import enum

import attrs

from smartmedia.errors import ValidationError
from smartmedia.model import Barcode, DriveSerial, MediaType, MediumId
from smartmedia.model import _validators as v
from smartmedia.planning._request import CopyPolicy, Selection

__all__ = ["CopyPlan", "CopyTask", "PlanSummary", "Reason", "TargetPiece", "Unplaced"]


class Reason(enum.Enum):
    """Why a selected medium is not in the plan."""

    UNKNOWN_MEDIUM = "unknown_medium"  # not a medium of the catalog (blank or foreign)
    IS_A_COPY = "is_a_copy"  # copies are not copied again
    NO_DATA = "no_data"  # the medium holds nothing to copy
    ALREADY_COPIED = "already_copied"  # it has the copies the policy asks for
    SOURCE_IN_USE = "source_in_use"  # another copy job holds it
    SOURCE_NOT_ON_VLS = "source_not_on_vls"  # not in a virtual library: the VLS cannot read it
    NO_DRIVE = "no_drive"  # no usable drive can write a target that fits
    NO_COMPATIBLE_TARGET = "no_compatible_target"  # no scratch medium of a usable type
    TARGET_TOO_SMALL = "target_too_small"  # would need several targets; spanning not allowed
    NO_TARGET_LEFT = "no_target_left"  # the usable targets are all taken by earlier tasks
    OUTSIDE_WINDOW = "outside_window"  # would end after the policy's time window


@attrs.frozen(kw_only=True)
class Unplaced:
    """A medium the plan leaves out, the reason, and the particulars in words."""

    medium: MediumId | None = attrs.field(validator=v.optional(v.instance_of(MediumId)))
    reason: Reason = attrs.field(validator=v.instance_of(Reason))
    detail: str = attrs.field(validator=v.instance_of(str))
    barcode: Barcode | None = attrs.field(
        default=None, validator=v.optional(v.instance_of(Barcode))
    )


@attrs.frozen(kw_only=True)
class TargetPiece:
    """One target cartridge of a task: which, what it becomes, what it will hold.

    ``kind`` says where it came from: ``scratch`` (empty medium of the target pool),
    ``free_pool``, ``blank`` (unformatted or unknown to the catalog) or ``recyclable``.
    ``medium_id`` and ``label`` are those the copy will get.
    """

    barcode: Barcode = attrs.field(validator=v.instance_of(Barcode))
    media_type: MediaType = attrs.field(validator=v.instance_of(MediaType))
    slot: int = attrs.field(validator=v.positive)
    kind: str = attrs.field(validator=v.instance_of(str))
    medium_id: MediumId = attrs.field(validator=v.instance_of(MediumId))
    label: str = attrs.field(validator=v.text(max_length=80))
    bytes: int = attrs.field(validator=v.natural)
    capacity: int = attrs.field(validator=v.positive)
    previous: MediumId | None = attrs.field(
        default=None, validator=v.optional(v.instance_of(MediumId))
    )


def _seconds(_: object, attribute: attrs.Attribute[float], value: object) -> None:
    if isinstance(value, bool) or not isinstance(value, int | float) or not value >= 0:
        raise ValidationError(
            f"must be a number of seconds >= 0, not {value!r}", path=attribute.name
        )


@attrs.frozen(kw_only=True)
class CopyTask:
    """Copy ``source`` onto ``targets`` (in span order) on drive ``drive``.

    ``order`` is the order tasks start in; ``start`` and ``end`` are predicted seconds
    from the plan's start (robot moves, load, streaming, rewind and unload included);
    ``robot_wait`` is how much of that was waiting for the robot.
    """

    order: int = attrs.field(validator=v.positive)
    source: MediumId = attrs.field(validator=v.instance_of(MediumId))
    source_barcode: Barcode | None = attrs.field(validator=v.optional(v.instance_of(Barcode)))
    source_label: str = attrs.field(validator=v.instance_of(str))
    bytes: int = attrs.field(validator=v.natural)
    targets: tuple[TargetPiece, ...] = attrs.field(validator=v.tuple_of(TargetPiece))
    drive: DriveSerial = attrs.field(validator=v.instance_of(DriveSerial))
    drive_ordinal: int = attrs.field(validator=v.positive)
    start: float = attrs.field(validator=_seconds)
    end: float = attrs.field(validator=_seconds)
    robot_wait: float = attrs.field(default=0.0, validator=_seconds)


@attrs.frozen(kw_only=True)
class PlanSummary:
    """The plan in figures. ``gap`` is ``makespan / lower_bound - 1`` (0 when optimal)."""

    sources: int = attrs.field(validator=v.natural)
    unplaced: int = attrs.field(validator=v.natural)
    bytes: int = attrs.field(validator=v.natural)
    drives: int = attrs.field(validator=v.natural)
    makespan: float = attrs.field(validator=_seconds)
    lower_bound: float = attrs.field(validator=_seconds)
    gap: float = attrs.field(validator=_seconds)
    robot_moves: int = attrs.field(validator=v.natural)


@attrs.frozen(kw_only=True)
class CopyPlan:
    """What to copy where, in which order, on which drive, and what was left out."""

    start: _dt.datetime = attrs.field(validator=v.aware_datetime)
    selection: Selection = attrs.field(validator=v.instance_of(Selection))
    policy: CopyPolicy = attrs.field(validator=v.instance_of(CopyPolicy))
    library: str = attrs.field(validator=v.instance_of(str))
    tasks: tuple[CopyTask, ...] = attrs.field(validator=v.tuple_of(CopyTask))
    unplaced: tuple[Unplaced, ...] = attrs.field(validator=v.tuple_of(Unplaced))
    summary: PlanSummary = attrs.field(validator=v.instance_of(PlanSummary))

    def task_for(self, source: MediumId) -> CopyTask | None:
        return next((t for t in self.tasks if t.source == source), None)

    def explain(self) -> str:
        """Every decision of the plan, in words, one line each."""
        s = self.summary
        lines = [
            f"Copy plan from {self.start.isoformat()} into pool '{self.policy.target_pool}' "
            f"on library '{self.library}':",
            f"  {s.sources} media ({_size(s.bytes)}) on {s.drives} drives, predicted to take "
            f"{_duration(s.makespan)}; lower bound {_duration(s.lower_bound)} "
            f"(gap {s.gap:.1%}); {s.robot_moves} robot moves.",
        ]
        for task in self.tasks:
            name = task.source_barcode or task.source_label
            targets = ", ".join(
                f"{t.barcode} ({t.kind} {t.media_type.value} in slot {t.slot}, "
                f"{_size(t.bytes)} of {_size(t.capacity)}, becomes {t.medium_id} '{t.label}')"
                for t in task.targets
            )
            wait = f", {task.robot_wait:.0f} s waiting for the robot" if task.robot_wait else ""
            lines.append(
                f"  {task.order}. {name} [{task.source}] {_size(task.bytes)} -> {targets} "
                f"on drive {task.drive_ordinal} ({task.drive}), "
                f"{_duration(task.start)} to {_duration(task.end)}{wait}."
            )
        for item in self.unplaced:
            who = item.barcode or item.medium or "?"
            lines.append(
                f"  not planned: {who}: {item.reason.value.replace('_', ' ')}: {item.detail}"
            )
        return "\n".join(lines)


def _size(n: int) -> str:
    for unit, scale in (("TB", 10**12), ("GB", 10**9), ("MB", 10**6), ("kB", 10**3)):
        if n >= scale:
            return f"{n / scale:.1f} {unit}"
    return f"{n} B"


def _duration(seconds: float) -> str:
    whole = round(seconds)
    hours, rest = divmod(whole, 3600)
    minutes, secs = divmod(rest, 60)
    return f"{hours}:{minutes:02d}:{secs:02d}"
