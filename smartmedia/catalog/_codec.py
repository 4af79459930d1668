"""Rows of the catalog's tables <-> model values.

Times are stored as integer microseconds since the epoch in UTC and come back as UTC
datetimes: the same instants (``==`` holds) whatever offset they were given in.
Decoding a row builds the model value, so a row that some other program wrote wrongly
is reported (as :class:`~smartmedia.errors.SchemaError`, naming the row) instead of
leaking an invalid value.
"""

from __future__ import annotations

import datetime as _dt
from typing import Any

from smartmedia.errors import InvalidRecord, SchemaError, ValidationError
from smartmedia.model import (
    AllocationPolicy,
    BackupObject,
    Barcode,
    CopyTrigger,
    Drive,
    DriveSerial,
    Library,
    Location,
    LocationKind,
    MailSlot,
    MediaPool,
    MediaType,
    Medium,
    MediumCondition,
    MediumId,
    MediumState,
    ObjectType,
    ObjectVersion,
    Protection,
    ProtectionKind,
    Session,
    SessionId,
    SessionStatus,
    SessionType,
    Slot,
    UsagePolicy,
)

__all__ = [
    "MEDIUM_COLUMNS",
    "SESSION_COLUMNS",
    "from_micros",
    "library_rows",
    "medium_from_row",
    "medium_row",
    "micros",
    "pool_from_row",
    "pool_row",
    "session_from_row",
    "session_row",
]

EPOCH = _dt.datetime(1970, 1, 1, tzinfo=_dt.timezone.utc)
_MICRO = _dt.timedelta(microseconds=1)

Row = tuple[Any, ...]


def micros(value: _dt.datetime) -> int:
    """``value`` as integer microseconds since the epoch (UTC); ``value`` must be aware."""
    if value.utcoffset() is None:
        raise InvalidRecord(f"{value.isoformat()} has no time zone")
    return (value - EPOCH) // _MICRO


def opt_micros(value: _dt.datetime | None) -> int | None:
    return None if value is None else micros(value)


def from_micros(value: int) -> _dt.datetime:
    return EPOCH + _dt.timedelta(microseconds=value)


def opt_from_micros(value: int | None) -> _dt.datetime | None:
    return None if value is None else from_micros(value)


class _Decoding:
    """Reports a stored row that no longer makes a valid value, naming the row."""

    __slots__ = ("key", "what")

    def __init__(self, what: str, key: object) -> None:
        self.what = what
        self.key = key

    def __enter__(self) -> None:
        return None

    def __exit__(self, kind: object, error: BaseException | None, _: object) -> None:
        if isinstance(error, ValidationError | ValueError | KeyError | TypeError):
            raise SchemaError(f"stored {self.what} {self.key} is not valid: {error}") from None


_decoding = _Decoding


# ----------------------------------------------------------------------------- pools

POOL_COLUMNS = (
    "name, media_type, allocation, usage, valid_months, max_overwrites, free_pool, description"
)


def pool_row(pool: MediaPool) -> Row:
    return (
        pool.name,
        pool.media_type.value,
        pool.allocation.value,
        pool.usage.value,
        pool.valid_months,
        pool.max_overwrites,
        pool.free_pool,
        pool.description,
    )


def pool_from_row(row: Row) -> MediaPool:
    with _decoding("pool", row[0]):
        return MediaPool(
            name=row[0],
            media_type=MediaType(row[1]),
            allocation=AllocationPolicy(row[2]),
            usage=UsagePolicy(row[3]),
            valid_months=row[4],
            max_overwrites=row[5],
            free_pool=row[6],
            description=row[7],
        )


# ----------------------------------------------------------------------------- media

MEDIUM_COLUMNS = (
    "id, label, media_type, pool, capacity, formatted_at, barcode, bytes_used, write_count, "
    "first_written, last_written, protection, protected_until, loc_kind, loc_library, "
    "loc_ordinal, loc_vault, condition, state, original, copy_generation"
)


def location_columns(location: Location) -> Row:
    return (location.kind.value, location.library, location.ordinal, location.vault)


def medium_row(m: Medium) -> Row:
    """The values of :data:`MEDIUM_COLUMNS` for ``m``."""
    return (
        str(m.id),
        m.label,
        m.media_type.value,
        m.pool,
        m.capacity,
        micros(m.formatted_at),
        None if m.barcode is None else str(m.barcode),
        m.bytes_used,
        m.write_count,
        opt_micros(m.first_written),
        opt_micros(m.last_written),
        m.protection.kind.value,
        opt_micros(m.protection.until),
        *location_columns(m.location),
        m.condition.value,
        m.state.value,
        None if m.original is None else str(m.original),
        m.copy_generation,
    )


def location_from_columns(
    kind: str, library: str | None, ordinal: int | None, vault: str | None
) -> Location:
    return Location(kind=LocationKind(kind), library=library, ordinal=ordinal, vault=vault)


def medium_from_row(row: Row) -> Medium:
    """The medium stored in a row of :data:`MEDIUM_COLUMNS`."""
    with _decoding("medium", row[0]):
        until = opt_from_micros(row[12])
        return Medium(
            id=MediumId(row[0]),
            label=row[1],
            media_type=MediaType(row[2]),
            pool=row[3],
            capacity=row[4],
            formatted_at=from_micros(row[5]),
            barcode=None if row[6] is None else Barcode(row[6]),
            bytes_used=row[7],
            write_count=row[8],
            first_written=opt_from_micros(row[9]),
            last_written=opt_from_micros(row[10]),
            protection=Protection(kind=ProtectionKind(row[11]), until=until),
            location=location_from_columns(row[13], row[14], row[15], row[16]),
            condition=MediumCondition(row[17]),
            state=MediumState(row[18]),
            original=None if row[19] is None else MediumId(row[19]),
            copy_generation=row[20],
        )


# -------------------------------------------------------------------------- sessions

SESSION_COLUMNS = "id, type, status, started, ended, specification, trigger"


def session_row(s: Session) -> Row:
    """Columns ``id, day, number, type, status, started, ended, specification, trigger``."""
    return (
        str(s.id),
        s.id.date.toordinal(),
        s.id.number,
        s.type.value,
        s.status.value,
        micros(s.started),
        opt_micros(s.ended),
        s.specification,
        None if s.trigger is None else s.trigger.value,
    )


def session_from_row(row: Row) -> Session:
    with _decoding("session", row[0]):
        return Session(
            id=SessionId.parse(row[0]),
            type=SessionType(row[1]),
            status=SessionStatus(row[2]),
            started=from_micros(row[3]),
            ended=opt_from_micros(row[4]),
            specification=row[5],
            trigger=None if row[6] is None else CopyTrigger(row[6]),
        )


def object_from_row(row: Row) -> BackupObject:
    """From columns ``type, host, mount, description``."""
    with _decoding("object", row[1:3]):
        return BackupObject(type=ObjectType(row[0]), host=row[1], mount=row[2], description=row[3])


def version_from_row(row: Row) -> ObjectVersion:
    """From columns ``type, host, mount, description, session, backup_time, size``."""
    with _decoding("object version", row[4]):
        return ObjectVersion(
            object=object_from_row(row[:4]),
            session=SessionId.parse(row[4]),
            backup_time=from_micros(row[5]),
            size=row[6],
        )


# ------------------------------------------------------------------------- libraries


def library_rows(library: Library) -> list[Row]:
    """Rows of ``elements``: ``kind, ordinal, address, serial, generation``."""
    rows: list[Row] = [("slot", s.ordinal, s.address, None, None) for s in library.slots]
    rows += [
        ("drive", d.ordinal, d.address, str(d.serial), d.generation.value) for d in library.drives
    ]
    rows += [("mail_slot", m.ordinal, m.address, None, None) for m in library.mail_slots]
    return rows


def library_from_rows(name: str, virtual: int, visible: int, rows: list[Row]) -> Library:
    """The layout of a library (no cartridges) from its ``elements`` rows."""
    with _decoding("library", name):
        return Library(
            name=name,
            virtual=bool(virtual),
            visible=bool(visible),
            slots=tuple(Slot(ordinal=r[1], address=r[2]) for r in rows if r[0] == "slot"),
            drives=tuple(
                Drive(
                    ordinal=r[1],
                    address=r[2],
                    serial=DriveSerial(r[3]),
                    generation=MediaType(r[4]),
                )
                for r in rows
                if r[0] == "drive"
            ),
            mail_slots=tuple(
                MailSlot(ordinal=r[1], address=r[2]) for r in rows if r[0] == "mail_slot"
            ),
        )
