"""Reading single records by key, with the errors a caller sees when they are missing.

Shared by the changes (which check what they build on) and by the queries.
"""

from __future__ import annotations

from smartmedia.catalog._codec import (
    MEDIUM_COLUMNS,
    POOL_COLUMNS,
    SESSION_COLUMNS,
    medium_from_row,
    pool_from_row,
    session_from_row,
)
from smartmedia.catalog._db import Db
from smartmedia.errors import UnknownEntity
from smartmedia.model import BackupObject, MediaPool, Medium, MediumId, Session, SessionId

__all__ = ["get_medium", "get_pool", "get_session", "object_id", "reserving_job", "version_id"]


def get_medium(db: Db, medium_id: MediumId, where: str = "") -> Medium:
    row = db.one(f"SELECT {MEDIUM_COLUMNS} FROM media WHERE id = ?", (str(medium_id),))
    if row is None:
        prefix = f"{where}: " if where else ""
        raise UnknownEntity(f"{prefix}medium {medium_id} is not in the catalog")
    return medium_from_row(row)


def get_pool(db: Db, name: str, where: str = "") -> MediaPool:
    row = db.one(f"SELECT {POOL_COLUMNS} FROM pools WHERE name = ?", (name,))
    if row is None:
        prefix = f"{where}: " if where else ""
        raise UnknownEntity(f"{prefix}pool {name!r} is not in the catalog")
    return pool_from_row(row)


def get_session(db: Db, session_id: SessionId, where: str = "") -> Session:
    row = db.one(f"SELECT {SESSION_COLUMNS} FROM sessions WHERE id = ?", (str(session_id),))
    if row is None:
        prefix = f"{where}: " if where else ""
        raise UnknownEntity(f"{prefix}session {session_id} is not in the catalog")
    return session_from_row(row)


def object_id(db: Db, obj: BackupObject) -> int | None:
    value = db.value(
        "SELECT id FROM objects WHERE host = ? AND mount = ? AND type = ? AND description = ?",
        (obj.host, obj.mount, obj.type.value, obj.description),
    )
    return None if value is None else int(value)


def version_id(db: Db, obj: BackupObject, session: SessionId) -> int | None:
    """The row ID of the version of ``obj`` made by ``session``, if recorded."""
    oid = object_id(db, obj)
    if oid is None:
        return None
    value = db.value(
        "SELECT id FROM versions WHERE object = ? AND session = ?", (oid, str(session))
    )
    return None if value is None else int(value)


def reserving_job(db: Db, medium_id: MediumId) -> int | None:
    """The copy job that holds the medium now, if any."""
    value = db.value("SELECT job FROM reservations WHERE medium = ?", (str(medium_id),))
    return None if value is None else int(value)
