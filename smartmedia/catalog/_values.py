"""The catalog's own public values: positions, copies, copy jobs, restore candidates, reports.

Frozen attrs classes, validated at construction like the model's values: a bad field
raises :class:`~smartmedia.errors.InvalidRecord` (a ``CatalogError`` and a
``ValidationError``) naming the field. All of them go through
:data:`smartmedia.serialization.converter` unchanged.
"""

from __future__ import annotations

import datetime as _dt
import enum
from typing import Any

import attrs

from smartmedia.errors import InvalidRecord, ValidationError, quote
from smartmedia.model import Location, Medium, MediumId, ObjectVersion, SessionId
from smartmedia.model._validators import check_int64

__all__ = [
    "Allocation",
    "CheckReport",
    "CopyJob",
    "CopyJobState",
    "CopyRecord",
    "ImportReport",
    "Position",
    "RecycleResult",
    "RestoreCandidate",
]


def _at_most_int64(attribute: attrs.Attribute[Any], value: int) -> None:
    try:
        check_int64(value, path=attribute.name)
    except ValidationError as e:
        raise InvalidRecord.from_problems(e.problems) from None


def natural(_: object, attribute: attrs.Attribute[Any], value: object) -> None:
    if type(value) is not int or value < 0:
        raise InvalidRecord(f"must be an integer >= 0, not {quote(value)}", path=attribute.name)
    _at_most_int64(attribute, value)


def _positive(_: object, attribute: attrs.Attribute[Any], value: object) -> None:
    if type(value) is not int or value < 1:
        raise InvalidRecord(f"must be an integer >= 1, not {quote(value)}", path=attribute.name)
    _at_most_int64(attribute, value)


def of(kind: type) -> Any:
    def check(_: object, attribute: attrs.Attribute[Any], value: object) -> None:
        if not isinstance(value, kind) or (isinstance(value, bool) and kind is not bool):
            raise InvalidRecord(
                f"expected {kind.__name__}, got {type(value).__name__} {quote(value)}",
                path=attribute.name,
            )

    return check


def _optional(check: Any) -> Any:
    def optional(instance: object, attribute: attrs.Attribute[Any], value: object) -> None:
        if value is not None:
            check(instance, attribute, value)

    return optional


def _aware(_: object, attribute: attrs.Attribute[Any], value: object) -> None:
    if not isinstance(value, _dt.datetime) or value.utcoffset() is None:
        raise InvalidRecord(f"expected an aware datetime, got {quote(value)}", path=attribute.name)


def _tuple_of(kind: type) -> Any:
    def check(_: object, attribute: attrs.Attribute[Any], value: object) -> None:
        if not isinstance(value, tuple):
            raise InvalidRecord(
                f"expected a tuple, got {type(value).__name__}", path=attribute.name
            )
        for i, item in enumerate(value):
            if not isinstance(item, kind):
                raise InvalidRecord(
                    f"expected {kind.__name__}, got {type(item).__name__}",
                    path=f"{attribute.name}[{i}]",
                )

    return check


@attrs.frozen(kw_only=True)
class Position:
    """Where a piece of an object version lies: blocks ``first_block..last_block`` of a medium.

    Block numbers count tape blocks from the start of the medium (0 is the medium
    header) and include both ends. An object version that spans media has one position
    per piece; ``span`` numbers the pieces in order from 0. A copy records the pieces of
    its original under the same ``span`` numbers (at the copy's own block numbers), so a
    restore may take each piece from the original or from any copy.
    """

    medium: MediumId = attrs.field(validator=of(MediumId))
    object_version: ObjectVersion = attrs.field(validator=of(ObjectVersion))
    first_block: int = attrs.field(validator=natural)
    last_block: int = attrs.field(validator=natural)
    span: int = attrs.field(default=0, validator=natural)

    def __attrs_post_init__(self) -> None:
        if self.last_block < self.first_block:
            raise InvalidRecord(
                f"last block {self.last_block} comes before first block {self.first_block}",
                path="last_block",
            )

    @property
    def blocks(self) -> int:
        """How many blocks the piece takes."""
        return self.last_block - self.first_block + 1

    def overlaps(self, other: Position) -> bool:
        """True if both pieces claim a block of the same medium."""
        return (
            self.medium == other.medium
            and self.first_block <= other.last_block
            and other.first_block <= self.last_block
        )


class CopyJobState(enum.Enum):
    """Where a copy job is in its life; the only moves are RESERVED -> COMPLETED | RELEASED.

    ``RESERVED``: source and targets are held while the copy runs; ``COMPLETED``: the
    copy verified and is recorded; ``RELEASED``: the copy failed or was cancelled, the
    media are free again and nothing of the copy was recorded.
    """

    RESERVED = "reserved"
    COMPLETED = "completed"
    RELEASED = "released"


#: allowed state changes of a copy job
COPY_JOB_TRANSITIONS: dict[CopyJobState, frozenset[CopyJobState]] = {
    CopyJobState.RESERVED: frozenset({CopyJobState.COMPLETED, CopyJobState.RELEASED}),
    CopyJobState.COMPLETED: frozenset(),
    CopyJobState.RELEASED: frozenset(),
}


@attrs.frozen(kw_only=True)
class CopyJob:
    """A copy of ``source`` onto ``targets`` (in span order), and what became of it.

    ``targets`` are the catalog media reserved to receive the copy; ``copies`` are the
    media the completed copy is recorded as (each has a new medium ID). ``digest`` is
    the verification digest the copy was recorded with; ``reason`` says why a released
    job did not complete. A finished job never finished before it was reserved.
    """

    id: int = attrs.field(validator=_positive)
    source: MediumId = attrs.field(validator=of(MediumId))
    targets: tuple[MediumId, ...] = attrs.field(validator=_tuple_of(MediumId))
    state: CopyJobState = attrs.field(validator=of(CopyJobState))
    reserved_at: _dt.datetime = attrs.field(validator=_aware)
    finished_at: _dt.datetime | None = attrs.field(default=None, validator=_optional(_aware))
    copies: tuple[MediumId, ...] = attrs.field(default=(), validator=_tuple_of(MediumId))
    digest: str | None = attrs.field(default=None, validator=_optional(of(str)))
    reason: str = attrs.field(default="", validator=of(str))

    def __attrs_post_init__(self) -> None:
        if not self.targets:
            raise InvalidRecord("a copy job has at least one target", path="targets")
        finished = self.state is not CopyJobState.RESERVED
        if finished != (self.finished_at is not None):
            raise InvalidRecord(
                f"a {self.state.value} copy job "
                + ("has a finish time" if finished else "has no finish time"),
                path="finished_at",
            )
        if self.finished_at is not None and self.finished_at < self.reserved_at:
            raise InvalidRecord(
                f"a copy job cannot finish ({self.finished_at.isoformat()}) before it was "
                f"reserved ({self.reserved_at.isoformat()})",
                path="finished_at",
            )
        completed = self.state is CopyJobState.COMPLETED
        if completed != bool(self.copies) or completed != bool(self.digest):
            raise InvalidRecord(
                "a completed copy job, and only one, names its copies and their digest",
                path="copies",
            )


@attrs.frozen(kw_only=True)
class CopyRecord:
    """``copy`` is a copy of ``original``, of generation ``generation``.

    ``job`` and ``recorded_at`` are those of the copy job that made it, when the copy
    was recorded through one (``None`` for copies found by importing media).
    """

    copy: MediumId = attrs.field(validator=of(MediumId))
    original: MediumId = attrs.field(validator=of(MediumId))
    generation: int = attrs.field(validator=_positive)
    job: int | None = attrs.field(default=None, validator=_optional(_positive))
    recorded_at: _dt.datetime | None = attrs.field(default=None, validator=_optional(_aware))


@attrs.frozen(kw_only=True)
class RestoreCandidate:
    """A medium that holds a piece of an object version, and whether it can be read now.

    ``visible`` is True when the medium sits in a library (slot, drive or mail slot) that
    the backup application sees and drives; otherwise it must first be brought to one
    (from a vault, or from the physical library behind a VLS).
    """

    medium: Medium = attrs.field(validator=of(Medium))
    position: Position = attrs.field(validator=of(Position))
    location: Location = attrs.field(validator=of(Location))
    visible: bool = attrs.field(validator=of(bool))
    is_copy: bool = attrs.field(validator=of(bool))

    @property
    def span(self) -> int:
        return self.position.span


@attrs.frozen(kw_only=True)
class Allocation:
    """A new medium identity: a medium ID nobody holds and the pool's next label."""

    medium: MediumId = attrs.field(validator=of(MediumId))
    label: str = attrs.field(validator=of(str))
    pool: str = attrs.field(validator=of(str))
    counter: int = attrs.field(validator=_positive)


@attrs.frozen(kw_only=True)
class RecycleResult:
    """A medium that was recycled, and the copy promoted to original in its place, if any."""

    medium: MediumId = attrs.field(validator=of(MediumId))
    promoted: MediumId | None = attrs.field(default=None, validator=_optional(of(MediumId)))


@attrs.frozen(kw_only=True)
class CheckReport:
    """What :meth:`Catalog.check` found: one line per broken invariant (none: ``ok``)."""

    problems: tuple[str, ...] = attrs.field(default=(), validator=_tuple_of(str))
    media: int = attrs.field(default=0, validator=natural)
    positions: int = attrs.field(default=0, validator=natural)

    @property
    def ok(self) -> bool:
        return not self.problems

    def __str__(self) -> str:
        if self.ok:
            return f"catalog ok: {self.media} media, {self.positions} positions"
        return "catalog broken:\n" + "\n".join(f"- {p}" for p in self.problems)


@attrs.frozen(kw_only=True)
class ImportReport:
    """What importing a medium did to the catalog, and what the medium could not tell.

    ``already_known`` is True when the catalog held the medium before (a re-import of
    the same contents changes nothing: every tuple is then empty). ``as_copy_of`` names
    the original the medium was recorded as a copy of (``None`` for an original, also
    for a copy whose original the catalog does not hold: see ``warnings``).
    ``pool_added`` names the pool created for the medium, if its pool was unknown.
    ``versions_added`` and ``positions_added`` are given as the catalog holds them after
    the import (sizes and spans included). ``warnings`` say, one line each, what was
    read from damaged or unclosed media, what could not be recorded and why, and which
    decisions the import took for the caller.
    """

    medium: MediumId = attrs.field(validator=of(MediumId))
    already_known: bool = attrs.field(validator=of(bool))
    as_copy_of: MediumId | None = attrs.field(default=None, validator=_optional(of(MediumId)))
    pool_added: str | None = attrs.field(default=None, validator=_optional(of(str)))
    sessions_added: tuple[SessionId, ...] = attrs.field(default=(), validator=_tuple_of(SessionId))
    sessions_finished: tuple[SessionId, ...] = attrs.field(
        default=(), validator=_tuple_of(SessionId)
    )
    versions_added: tuple[ObjectVersion, ...] = attrs.field(
        default=(), validator=_tuple_of(ObjectVersion)
    )
    positions_added: tuple[Position, ...] = attrs.field(default=(), validator=_tuple_of(Position))
    warnings: tuple[str, ...] = attrs.field(default=(), validator=_tuple_of(str))

    @property
    def changed(self) -> bool:
        """True if the import recorded anything."""
        return bool(
            not self.already_known
            or self.pool_added
            or self.sessions_added
            or self.sessions_finished
            or self.versions_added
            or self.positions_added
        )

    def __str__(self) -> str:
        if self.already_known and not self.changed:
            head = f"medium {self.medium}: already known, nothing changed"
        else:
            role = f"copy of {self.as_copy_of}" if self.as_copy_of else "original"
            known = "known medium" if self.already_known else "new medium"
            head = (
                f"medium {self.medium} ({known}, {role}): {len(self.sessions_added)} sessions, "
                f"{len(self.versions_added)} versions, {len(self.positions_added)} positions "
                "added"
            )
        return "\n".join([head, *(f"- {w}" for w in self.warnings)])
