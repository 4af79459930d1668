"""``SqliteCatalog``: the embedded catalog, one SQLite file (or ``":memory:"``).

Opening applies the schema's forward migrations (:mod:`._schema`). The file runs in WAL
mode with ``synchronous = FULL`` and foreign keys on: a committed change survives a
crash of the process or of the machine, and a change that did not commit leaves no
trace. Each public method is one transaction. Several processes may open the same file;
writers wait up to ``timeout`` seconds for each other. One instance is meant for one
thread.
"""

from __future__ import annotations

import datetime as _dt
import os
import sqlite3
from collections.abc import Callable, Sequence
from types import TracebackType

from smartmedia.catalog import _copies, _media, _queries, _sessions
from smartmedia.catalog._check import check
from smartmedia.catalog._db import Db
from smartmedia.catalog._export import CatalogExport, export, load
from smartmedia.catalog._import import import_contents
from smartmedia.catalog._lookup import get_medium, get_pool, get_session
from smartmedia.catalog._protocol import Catalog
from smartmedia.catalog._schema import migrate
from smartmedia.catalog._values import (
    Allocation,
    CheckReport,
    CopyJob,
    CopyJobState,
    CopyRecord,
    ImportReport,
    Position,
    RecycleResult,
    RestoreCandidate,
)
from smartmedia.errors import ConflictError, InvalidRecord, SchemaError
from smartmedia.format import MediumContents
from smartmedia.model import (
    Barcode,
    Library,
    Location,
    MediaPool,
    Medium,
    MediumId,
    ObjectVersion,
    Protection,
    Session,
    SessionId,
    SessionStatus,
    new_medium_id,
)

__all__ = ["SqliteCatalog"]


class SqliteCatalog:
    """The :class:`~smartmedia.catalog.Catalog` in a SQLite database at ``path``.

    ``path`` is a file name (created if missing) or ``":memory:"``. ``new_id`` makes
    the medium IDs handed out by :meth:`allocate` (default: the process-wide
    :class:`~smartmedia.model.MediumIdGenerator`); ``timeout`` is how long a writer waits
    for another one (seconds); ``cache_kib`` the page cache of the connection. Raises
    :class:`~smartmedia.errors.SchemaError` for a file of a newer schema, of another
    application, or that is not a database. Use as a context manager, or call
    :meth:`close`.
    """

    def __init__(
        self,
        path: str | os.PathLike[str],
        *,
        new_id: Callable[[], MediumId] = new_medium_id,
        timeout: float = 10.0,
        cache_kib: int = 65536,
    ) -> None:
        where = os.fspath(path)
        if type(cache_kib) is not int or cache_kib < 0:
            raise InvalidRecord(f"cache_kib must be an integer >= 0, not {cache_kib!r}")
        try:
            conn = sqlite3.connect(where, timeout=timeout, isolation_level=None)
        except sqlite3.Error as e:
            raise SchemaError(f"cannot open catalog {where}: {e}") from None
        try:
            conn.execute("PRAGMA foreign_keys = ON")
            conn.execute("PRAGMA journal_mode = WAL")
            conn.execute("PRAGMA synchronous = FULL")
            conn.execute(f"PRAGMA cache_size = -{cache_kib}")
            migrate(conn, where)
        except sqlite3.Error as e:
            conn.close()
            raise SchemaError(f"{where} cannot be used as a catalog: {e}") from None
        except BaseException:
            conn.close()
            raise
        self._db = Db(conn, where)
        self._new_id = new_id
        self.path = where

    def __repr__(self) -> str:
        return f"SqliteCatalog({self.path!r})"

    def __enter__(self) -> SqliteCatalog:
        return self

    def __exit__(
        self,
        kind: type[BaseException] | None,
        error: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self.close()

    def close(self) -> None:
        self._db.close()

    # ------------------------------------------------------------------------ pools

    def add_pool(self, pool: MediaPool) -> None:
        with self._db.write(f"adding pool {pool.name!r}"):
            _media.add_pool(self._db, pool)

    def pool(self, name: str) -> MediaPool:
        return get_pool(self._db, name)

    def pools(self) -> list[MediaPool]:
        return _queries.pools(self._db)

    def allocate(self, pool: str) -> Allocation:
        with self._db.write(f"allocating a medium of pool {pool!r}"):
            return _media.allocate(self._db, pool, self._new_id)

    # -------------------------------------------------------------------- libraries

    def add_library(self, library: Library) -> None:
        with self._db.write(f"adding library {library.name!r}"):
            _media.add_library(self._db, library)

    def library(self, name: str) -> Library:
        with self._db.read(f"reading library {name!r}"):
            return _queries.library(self._db, name)

    def libraries(self) -> list[Library]:
        with self._db.read("reading libraries"):
            return _queries.libraries(self._db)

    # ------------------------------------------------------------------------ media

    def add_medium(self, medium: Medium) -> None:
        with self._db.write(f"adding medium {medium.id}"):
            _media.add_medium(self._db, medium)

    def update_medium(self, medium: Medium) -> None:
        with self._db.write(f"updating medium {medium.id}"):
            _media.update_medium(self._db, medium)

    def move_medium(self, medium_id: MediumId, location: Location) -> Medium:
        with self._db.write(f"moving medium {medium_id}"):
            return _media.move_medium(self._db, medium_id, location)

    def medium(self, medium_id: MediumId) -> Medium:
        return get_medium(self._db, medium_id)

    def media(self, *, pool: str | None = None) -> list[Medium]:
        with self._db.read("listing media"):
            return _queries.media(self._db, pool)

    def media_with_barcode(self, barcode: Barcode) -> list[Medium]:
        return _queries.media_with_barcode(self._db, barcode)

    # --------------------------------------------------------------------- sessions

    def record_session(
        self,
        session: Session,
        versions: Sequence[ObjectVersion] = (),
        positions: Sequence[Position] = (),
    ) -> None:
        with self._db.write(f"recording session {session.id}"):
            _sessions.record_session(self._db, session, versions, positions)

    def extend_session(
        self,
        session_id: SessionId,
        versions: Sequence[ObjectVersion] = (),
        positions: Sequence[Position] = (),
    ) -> None:
        with self._db.write(f"extending session {session_id}"):
            _sessions.extend_session(self._db, session_id, versions, positions)

    def finish_session(
        self, session_id: SessionId, status: SessionStatus, ended: _dt.datetime
    ) -> Session:
        with self._db.write(f"finishing session {session_id}"):
            return _sessions.finish_session(self._db, session_id, status, ended)

    def session(self, session_id: SessionId) -> Session:
        return get_session(self._db, session_id)

    def sessions(self, *, since: _dt.datetime | None = None) -> list[Session]:
        return _queries.sessions(self._db, since)

    def object_versions(self, session_id: SessionId) -> list[ObjectVersion]:
        with self._db.read(f"listing versions of session {session_id}"):
            return _queries.object_versions(self._db, session_id)

    def media_of_session(self, session_id: SessionId, *, copies: bool = False) -> list[Medium]:
        with self._db.read(f"listing media of session {session_id}"):
            return _queries.media_of_session(self._db, session_id, copies)

    def positions_on_medium(self, medium_id: MediumId) -> list[Position]:
        with self._db.read(f"listing positions on medium {medium_id}"):
            return _queries.positions_on_medium(self._db, medium_id)

    def sessions_on_medium(self, medium_id: MediumId) -> list[Session]:
        with self._db.read(f"listing sessions on medium {medium_id}"):
            return _queries.sessions_on_medium(self._db, medium_id)

    # ----------------------------------------------------------------------- copies

    def copies_of(self, medium_id: MediumId) -> list[CopyRecord]:
        with self._db.read(f"listing copies of {medium_id}"):
            return _queries.copies_of(self._db, medium_id)

    def not_yet_copied(self, pool: str, *, since: _dt.datetime, copies: int = 1) -> list[Medium]:
        with self._db.read(f"listing media of pool {pool!r} not yet copied"):
            return _queries.not_yet_copied(self._db, pool, since, copies)

    def restore_candidates(self, version: ObjectVersion) -> list[RestoreCandidate]:
        with self._db.read(f"finding restore candidates of {version}"):
            return _queries.restore_candidates(self._db, version)

    def copy_job(self, job_id: int) -> CopyJob:
        with self._db.read(f"reading copy job {job_id}"):
            return _copies.get_job(self._db, job_id)

    def copy_jobs(self, *, state: CopyJobState | None = None) -> list[CopyJob]:
        with self._db.read("listing copy jobs"):
            if state is None:
                ids = self._db.all("SELECT id FROM copy_jobs ORDER BY id")
            else:
                ids = self._db.all(
                    "SELECT id FROM copy_jobs WHERE state = ? ORDER BY id", (state.value,)
                )
            return [_copies.get_job(self._db, r[0]) for r in ids]

    def reserve_copy(
        self, source: MediumId, targets: Sequence[MediumId], *, at: _dt.datetime
    ) -> CopyJob:
        with self._db.write(f"reserving a copy of {source}"):
            return _copies.reserve_copy(self._db, source, targets, at)

    def complete_copy(
        self,
        job_id: int,
        copies: Sequence[Medium],
        *,
        verified: bool,
        digest: str,
        at: _dt.datetime,
        positions: Sequence[Position] | None = None,
    ) -> CopyJob:
        with self._db.write(f"completing copy job {job_id}"):
            source = _copies.get_job(self._db, job_id).source
            return _copies.complete_copy(
                self._db,
                job_id,
                copies,
                verified=verified,
                digest=digest,
                at=at,
                positions=positions,
                source_positions=_queries.positions_on_medium(self._db, source),
            )

    def release_copy(self, job_id: int, *, reason: str, at: _dt.datetime) -> CopyJob:
        with self._db.write(f"releasing copy job {job_id}"):
            return _copies.release_copy(self._db, job_id, reason, at)

    def promote_copy(self, copy_id: MediumId) -> Medium:
        with self._db.write(f"promoting copy {copy_id}"):
            return _copies.promote_copy(self._db, copy_id)

    # -------------------------------------------------------------------- recycling

    def latest_time(self) -> _dt.datetime | None:
        with self._db.read("finding the latest recorded time"):
            return _queries.latest_time(self._db)

    def expired_media(self, at: _dt.datetime, *, pool: str | None = None) -> list[Medium]:
        with self._db.read("listing expired media"):
            return _queries.expired_media(self._db, at, pool)

    def recycle(self, medium_id: MediumId, *, at: _dt.datetime) -> RecycleResult:
        with self._db.write(f"recycling medium {medium_id}"):
            return _copies.recycle(self._db, medium_id, at)

    def expire(self, at: _dt.datetime, *, pool: str | None = None) -> list[RecycleResult]:
        with self._db.write("recycling expired media"):
            done = []
            for medium in _queries.expired_media(self._db, at, pool):
                if get_medium(self._db, medium.id).state.holds_data:
                    done.append(_copies.recycle(self._db, medium.id, at))
            return done

    # ------------------------------------------------------------- whole catalog

    def check(self) -> CheckReport:
        return check(self._db)

    def export(self) -> CatalogExport:
        return export(self._db)

    def import_contents(
        self, contents: MediumContents, *, location: Location, protection: Protection
    ) -> ImportReport:
        name = contents.header.medium_id if isinstance(contents, MediumContents) else "?"
        with self._db.write(f"importing medium {name}"):
            return import_contents(self._db, contents, location=location, protection=protection)

    def load(self, export: CatalogExport) -> None:
        if not isinstance(export, CatalogExport):
            raise ConflictError(f"expected a CatalogExport, got {type(export).__name__}")
        with self._db.write("loading a catalog export"):
            load(self._db, export)


def _conforms(catalog: SqliteCatalog) -> Catalog:
    """Never called: makes the type checker prove that SqliteCatalog is a Catalog."""
    return catalog
