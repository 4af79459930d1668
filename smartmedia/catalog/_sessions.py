"""Recording sessions, their object versions, and the positions of their pieces.

Invariants kept here: a version belongs to the session it is recorded with and is
recorded once; the session ID is not dated after the session's own records (its start,
its versions' backup times — compared in the latest time zone on Earth, so local dates
are never wrongly refused); positions never overlap on a medium; on originals, a
(version, span) piece lies on one medium only; positions lie on media that hold data.
"""

from __future__ import annotations

import datetime as _dt
from collections.abc import Sequence

from smartmedia.catalog._codec import micros, session_row
from smartmedia.catalog._db import Db
from smartmedia.catalog._lookup import get_medium, get_session, object_id, reserving_job
from smartmedia.catalog._values import Position
from smartmedia.errors import ConflictError, DuplicateEntity, InvalidRecord
from smartmedia.model import (
    BackupObject,
    Medium,
    ObjectVersion,
    Session,
    SessionId,
    SessionStatus,
)

__all__ = [
    "add_positions",
    "add_versions",
    "extend_session",
    "finish_session",
    "insert_session",
    "record_session",
    "touch_media",
]

#: the furthest a local calendar date runs ahead of UTC (UTC+14, Line Islands)
_AHEAD = _dt.timedelta(hours=14)


def _latest_local_date(at: _dt.datetime) -> _dt.date:
    """The latest calendar date anywhere on Earth at the instant ``at``."""
    return (at.astimezone(_dt.timezone.utc) + _AHEAD).date()


def _check_dated(session_id: SessionId, at: _dt.datetime, what: str, path: str) -> None:
    if session_id.date > _latest_local_date(at):
        raise InvalidRecord(
            f"session {session_id} is dated {session_id.date}, after {what} "
            f"({at.isoformat()}): a session ID cannot come from the future of its records",
            path=path,
        )


def _object_row(db: Db, obj: BackupObject, cache: dict[BackupObject, int]) -> int:
    if obj in cache:
        return cache[obj]
    oid = object_id(db, obj)
    if oid is None:
        oid = db.insert(
            "INSERT INTO objects (type, host, mount, description) VALUES (?, ?, ?, ?)",
            (obj.type.value, obj.host, obj.mount, obj.description),
        )
    cache[obj] = oid
    return oid


def add_versions(
    db: Db, session_id: SessionId, versions: Sequence[ObjectVersion]
) -> dict[tuple[BackupObject, SessionId], tuple[int, ObjectVersion]]:
    cache: dict[BackupObject, int] = {}
    added: dict[tuple[BackupObject, SessionId], tuple[int, ObjectVersion]] = {}
    for i, version in enumerate(versions):
        path = f"versions[{i}]"
        if not isinstance(version, ObjectVersion):
            raise InvalidRecord(
                f"expected an ObjectVersion, got {type(version).__name__}", path=path
            )
        if version.session != session_id:
            raise InvalidRecord(
                f"the version of {version.object} belongs to session {version.session}, "
                f"not {session_id}",
                path=f"{path}.session",
            )
        _check_dated(session_id, version.backup_time, "its backup time", f"{path}.backup_time")
        key = (version.object, version.session)
        if key in added:
            raise DuplicateEntity(f"{path}: {version} appears twice")
        oid = _object_row(db, version.object, cache)
        if db.value(
            "SELECT 1 FROM versions WHERE object = ? AND session = ?", (oid, str(session_id))
        ):
            raise DuplicateEntity(f"{path}: {version} is already in the catalog")
        vid = db.insert(
            "INSERT INTO versions (object, session, backup_time, size) VALUES (?, ?, ?, ?)",
            (oid, str(session_id), micros(version.backup_time), version.size),
        )
        added[key] = (vid, version)
    return added


def _recorded_version(db: Db, version: ObjectVersion, where: str) -> int:
    oid = object_id(db, version.object)
    row = None
    if oid is not None:
        row = db.one(
            "SELECT id, backup_time, size FROM versions WHERE object = ? AND session = ?",
            (oid, str(version.session)),
        )
    if row is None:
        raise ConflictError(
            f"{where}: {version} is neither among the versions given nor in the catalog"
        )
    if (row[1], row[2]) != (micros(version.backup_time), version.size):
        raise ConflictError(
            f"{where}: {version} differs from the recorded version (backup time or size)"
        )
    return int(row[0])


def add_positions(
    db: Db,
    positions: Sequence[Position],
    version_ids: dict[tuple[BackupObject, SessionId], tuple[int, ObjectVersion]],
    *,
    session_id: SessionId | None,
    label: str = "positions",
    allow_copies: bool = False,
) -> dict[str, list[Position]]:
    """Insert ``positions`` after checking each; returns them grouped by medium ID.

    Versions are looked up in ``version_ids`` first, then in the catalog. With
    ``session_id`` given, every position must be of that session.
    """
    media: dict[str, Medium] = {}
    by_medium: dict[str, list[Position]] = {}
    for i, position in enumerate(positions):
        where = f"{label}[{i}]"
        if not isinstance(position, Position):
            raise InvalidRecord(f"expected a Position, got {type(position).__name__}", path=where)
        version = position.object_version
        if session_id is not None and version.session != session_id:
            raise InvalidRecord(
                f"{version} is not of session {session_id}", path=f"{where}.object_version"
            )
        key = str(position.medium)
        if key not in media:
            media[key] = get_medium(db, position.medium, where)
            job = reserving_job(db, position.medium)
            if job is not None:
                raise ConflictError(
                    f"{where}: medium {key} is held by copy job {job}; data written now "
                    "would be missing from the copy"
                )
        medium = media[key]
        if medium.is_copy and not allow_copies:
            raise ConflictError(
                f"{where}: medium {medium.id} is a copy; copies get their positions when "
                "the copy is completed"
            )
        if not medium.state.holds_data:
            raise ConflictError(
                f"{where}: medium {medium.id} is {medium.state.value}; record that it holds "
                "data (update_medium) before recording positions on it"
            )
        found = version_ids.get((version.object, version.session))
        if found is not None and found[1] != version:
            raise ConflictError(f"{where}: {version} differs from the version given")
        vid = found[0] if found is not None else _recorded_version(db, version, where)
        before = db.one(
            "SELECT first_block, last_block FROM positions WHERE medium = ? AND first_block <= ? "
            "ORDER BY first_block DESC LIMIT 1",
            (key, position.last_block),
        )
        if before is not None and before[1] >= position.first_block:
            raise ConflictError(
                f"{where}: blocks {position.first_block}..{position.last_block} of medium "
                f"{key} overlap recorded blocks {before[0]}..{before[1]}"
            )
        if not medium.is_copy:
            twin = db.value(
                "SELECT p.medium FROM positions p JOIN media m ON m.id = p.medium "
                "WHERE p.version = ? AND p.span = ? AND m.original IS NULL",
                (vid, position.span),
            )
            if twin is not None:
                raise DuplicateEntity(
                    f"{where}: span {position.span} of {version} is already recorded "
                    f"on medium {twin}"
                )
        db.run(
            "INSERT INTO positions (medium, first_block, last_block, version, span) "
            "VALUES (?, ?, ?, ?, ?)",
            (key, position.first_block, position.last_block, vid, position.span),
        )
        by_medium.setdefault(key, []).append(position)
    return by_medium


def touch_media(db: Db, by_medium: dict[str, list[Position]]) -> None:
    """Bring each medium's first/last written times to cover the versions written on it."""
    for key, placed in by_medium.items():
        times = [micros(p.object_version.backup_time) for p in placed]
        db.run(
            "UPDATE media SET first_written = min(coalesce(first_written, ?), ?), "
            "last_written = max(coalesce(last_written, ?), ?) WHERE id = ?",
            (min(times), min(times), max(times), max(times), key),
        )


def insert_session(db: Db, session: Session) -> None:
    """Insert a new session after checking that it is new and not dated after its start."""
    if db.value("SELECT 1 FROM sessions WHERE id = ?", (str(session.id),)):
        raise DuplicateEntity(f"session {session.id} is already in the catalog")
    _check_dated(session.id, session.started, "its own start", "id")
    db.run(
        "INSERT INTO sessions (id, day, number, type, status, started, ended, specification, "
        "trigger) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
        session_row(session),
    )


def record_session(
    db: Db,
    session: Session,
    versions: Sequence[ObjectVersion],
    positions: Sequence[Position],
) -> None:
    insert_session(db, session)
    added = add_versions(db, session.id, versions)
    touch_media(db, add_positions(db, positions, added, session_id=session.id))


def extend_session(
    db: Db,
    session_id: SessionId,
    versions: Sequence[ObjectVersion],
    positions: Sequence[Position],
) -> None:
    session = get_session(db, session_id)
    if session.status.is_finished:
        raise ConflictError(
            f"session {session_id} is finished ({session.status.label}); it takes no more data"
        )
    added = add_versions(db, session_id, versions)
    touch_media(db, add_positions(db, positions, added, session_id=session_id))


def finish_session(
    db: Db, session_id: SessionId, status: SessionStatus, ended: _dt.datetime
) -> Session:
    session = get_session(db, session_id)
    if session.status.is_finished:
        raise ConflictError(f"session {session_id} is finished already ({session.status.label})")
    if not status.is_finished:
        raise InvalidRecord(f"{status.value} is not a final status", path="status")
    if ended < session.started:
        raise InvalidRecord(
            f"session {session_id} cannot end ({ended.isoformat()}) before it started "
            f"({session.started.isoformat()})",
            path="ended",
        )
    db.run(
        "UPDATE sessions SET status = ?, ended = ? WHERE id = ?",
        (status.value, micros(ended), str(session_id)),
    )
    return get_session(db, session_id)
