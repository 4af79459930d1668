"""Read-only queries: media of a session, contents of a medium, copies, restore sources.

Every query that can grow with the number of object versions runs on an index:
``positions (medium, first_block)``, ``positions_version (version, span)``,
``versions_session``, ``media_pool_written`` and ``media_original``.
"""

from __future__ import annotations

import datetime as _dt

from smartmedia.catalog._codec import (
    MEDIUM_COLUMNS,
    POOL_COLUMNS,
    SESSION_COLUMNS,
    library_from_rows,
    medium_from_row,
    micros,
    opt_from_micros,
    pool_from_row,
    session_from_row,
    version_from_row,
)
from smartmedia.catalog._db import Db
from smartmedia.catalog._lookup import get_medium, get_pool, get_session, version_id
from smartmedia.catalog._values import CopyRecord, Position, RestoreCandidate
from smartmedia.errors import InvalidRecord, UnknownEntity
from smartmedia.model import (
    Barcode,
    Library,
    MediaPool,
    Medium,
    MediumId,
    ObjectVersion,
    Session,
    SessionId,
)

__all__ = [
    "copies_of",
    "expired_media",
    "latest_time",
    "libraries",
    "library",
    "media",
    "media_of_session",
    "media_with_barcode",
    "not_yet_copied",
    "object_versions",
    "pools",
    "positions_on_medium",
    "restore_candidates",
    "sessions",
    "sessions_on_medium",
]

_M = ", ".join(f"m.{c.strip()}" for c in MEDIUM_COLUMNS.split(","))
_VERSION = "o.type, o.host, o.mount, o.description, v.session, v.backup_time, v.size"


def pools(db: Db) -> list[MediaPool]:
    return [pool_from_row(r) for r in db.all(f"SELECT {POOL_COLUMNS} FROM pools ORDER BY name")]


def library(db: Db, name: str) -> Library:
    row = db.one("SELECT name, virtual, visible FROM libraries WHERE name = ?", (name,))
    if row is None:
        raise UnknownEntity(f"library {name!r} is not in the catalog")
    elements = db.all(
        "SELECT kind, ordinal, address, serial, generation FROM elements WHERE library = ? "
        "ORDER BY kind, ordinal",
        (name,),
    )
    return library_from_rows(row[0], row[1], row[2], elements)


def libraries(db: Db) -> list[Library]:
    return [library(db, r[0]) for r in db.all("SELECT name FROM libraries ORDER BY name")]


def media(db: Db, pool: str | None) -> list[Medium]:
    if pool is None:
        rows = db.all(f"SELECT {MEDIUM_COLUMNS} FROM media ORDER BY id")
    else:
        get_pool(db, pool)
        rows = db.all(f"SELECT {MEDIUM_COLUMNS} FROM media WHERE pool = ? ORDER BY id", (pool,))
    return [medium_from_row(r) for r in rows]


def media_with_barcode(db: Db, barcode: Barcode) -> list[Medium]:
    rows = db.all(
        f"SELECT {MEDIUM_COLUMNS} FROM media WHERE barcode = ? ORDER BY id", (str(barcode),)
    )
    return [medium_from_row(r) for r in rows]


def sessions(db: Db, since: _dt.datetime | None) -> list[Session]:
    if since is None:
        rows = db.all(f"SELECT {SESSION_COLUMNS} FROM sessions ORDER BY day, number")
    else:
        rows = db.all(
            f"SELECT {SESSION_COLUMNS} FROM sessions WHERE started >= ? ORDER BY day, number",
            (micros(since),),
        )
    return [session_from_row(r) for r in rows]


def object_versions(db: Db, session_id: SessionId) -> list[ObjectVersion]:
    get_session(db, session_id)
    rows = db.all(
        f"SELECT {_VERSION} FROM versions v JOIN objects o ON o.id = v.object "
        "WHERE v.session = ? ORDER BY o.host, o.mount, o.type, o.description",
        (str(session_id),),
    )
    return [version_from_row(r) for r in rows]


def media_of_session(db: Db, session_id: SessionId, copies: bool) -> list[Medium]:
    get_session(db, session_id)
    only_originals = "" if copies else "AND m.original IS NULL"
    # A medium's place in the session is that of the first piece it holds, pieces ordered
    # by version (in the order the session recorded them), then span: a medium holding the
    # end of one version and the start of the next comes after the one before it.
    rows = db.all(
        f"SELECT {_M}, min(v.id * 1048576 + p.span) AS first_piece, "
        "min(p.first_block) AS first_block "
        "FROM versions v JOIN positions p ON p.version = v.id JOIN media m ON m.id = p.medium "
        f"WHERE v.session = ? {only_originals} GROUP BY m.id "
        "ORDER BY m.original IS NOT NULL, first_piece, m.last_written, m.id",
        (str(session_id),),
    )
    return [medium_from_row(r[:-2]) for r in rows]


def positions_on_medium(db: Db, medium_id: MediumId) -> list[Position]:
    get_medium(db, medium_id)
    rows = db.all(
        f"SELECT p.first_block, p.last_block, p.span, {_VERSION} FROM positions p "
        "JOIN versions v ON v.id = p.version JOIN objects o ON o.id = v.object "
        "WHERE p.medium = ? ORDER BY p.first_block",
        (str(medium_id),),
    )
    return [
        Position(
            medium=medium_id,
            object_version=version_from_row(r[3:]),
            first_block=r[0],
            last_block=r[1],
            span=r[2],
        )
        for r in rows
    ]


def sessions_on_medium(db: Db, medium_id: MediumId) -> list[Session]:
    get_medium(db, medium_id)
    columns = ", ".join(f"s.{c.strip()}" for c in SESSION_COLUMNS.split(","))
    rows = db.all(
        f"SELECT {columns} FROM sessions s WHERE s.id IN ("
        "SELECT v.session FROM positions p JOIN versions v ON v.id = p.version "
        "WHERE p.medium = ?) ORDER BY s.day, s.number",
        (str(medium_id),),
    )
    return [session_from_row(r) for r in rows]


def copies_of(db: Db, medium_id: MediumId) -> list[CopyRecord]:
    get_medium(db, medium_id)
    rows = db.all(
        "SELECT m.id, m.copy_generation, m.copy_job, j.finished_at FROM media m "
        "LEFT JOIN copy_jobs j ON j.id = m.copy_job WHERE m.original = ? "
        "ORDER BY coalesce(j.finished_at, m.formatted_at), m.id",
        (str(medium_id),),
    )
    return [
        CopyRecord(
            copy=MediumId(r[0]),
            original=medium_id,
            generation=r[1],
            job=r[2],
            recorded_at=opt_from_micros(r[3]),
        )
        for r in rows
    ]


def not_yet_copied(db: Db, pool: str, since: _dt.datetime, copies: int) -> list[Medium]:
    if type(copies) is not int or copies < 1:
        raise InvalidRecord(f"the number of copies wanted is >= 1, not {copies!r}", path="copies")
    get_pool(db, pool)
    rows = db.all(
        f"SELECT {_M} FROM media m WHERE m.pool = ? AND m.last_written >= ? "
        "AND m.original IS NULL AND m.state IN ('appendable', 'full', 'non_appendable') "
        "AND (SELECT count(*) FROM media c WHERE c.original = m.id) < ? "
        "AND NOT EXISTS (SELECT 1 FROM reservations r WHERE r.medium = m.id) "
        "ORDER BY m.last_written, m.id",
        (pool, micros(since), copies),
    )
    return [medium_from_row(r) for r in rows]


def restore_candidates(db: Db, version: ObjectVersion) -> list[RestoreCandidate]:
    vid = version_id(db, version.object, version.session)
    if vid is None:
        raise UnknownEntity(f"object version {version} is not in the catalog")
    rows = db.all(
        f"SELECT p.first_block, p.last_block, p.span, coalesce(l.visible, 0), {_M} "
        "FROM positions p JOIN media m ON m.id = p.medium "
        "LEFT JOIN libraries l ON l.name = m.loc_library "
        "WHERE p.version = ? "
        "ORDER BY p.span, coalesce(l.visible, 0) DESC, m.original IS NOT NULL, m.id",
        (vid,),
    )
    stored = version_from_row(
        db.one(
            f"SELECT {_VERSION} FROM versions v JOIN objects o ON o.id = v.object WHERE v.id = ?",
            (vid,),
        )
        or ()
    )
    found = []
    for r in rows:
        medium = medium_from_row(r[4:])
        found.append(
            RestoreCandidate(
                medium=medium,
                position=Position(
                    medium=medium.id,
                    object_version=stored,
                    first_block=r[0],
                    last_block=r[1],
                    span=r[2],
                ),
                location=medium.location,
                visible=bool(r[3]) and medium.location.is_in_library,
                is_copy=medium.is_copy,
            )
        )
    return found


def expired_media(db: Db, at: _dt.datetime, pool: str | None) -> list[Medium]:
    if pool is not None:
        get_pool(db, pool)
    rows = db.all(
        f"SELECT {_M} FROM media m WHERE m.state IN ('appendable', 'full', 'non_appendable') "
        "AND (m.protection = 'none' OR (m.protection = 'until' AND m.protected_until <= ?)) "
        "AND (? IS NULL OR m.pool = ?) "
        "AND NOT EXISTS (SELECT 1 FROM reservations r WHERE r.medium = m.id) "
        "ORDER BY m.id",
        (micros(at), pool, pool),
    )
    return [medium_from_row(r) for r in rows]


def latest_time(db: Db) -> _dt.datetime | None:
    """The latest instant the catalog recorded anywhere (session starts and ends, copy
    jobs, media written or formatted); ``None`` for an empty catalog."""
    value = db.value(
        "SELECT MAX(t) FROM ("
        " SELECT MAX(MAX(started), COALESCE(MAX(ended), 0)) AS t FROM sessions"
        " UNION ALL SELECT MAX(MAX(reserved_at), COALESCE(MAX(finished_at), 0)) FROM copy_jobs"
        " UNION ALL SELECT MAX(MAX(formatted_at), COALESCE(MAX(last_written), 0)) FROM media"
        " UNION ALL SELECT MAX(backup_time) FROM versions)"
    )
    return opt_from_micros(value)
