"""The catalog's SQLite schema and its forward migrations.

The schema version lives in ``PRAGMA user_version`` and the file is marked as a
smartmedia catalog by ``PRAGMA application_id``. Opening a file applies every migration
newer than its version, each in its own transaction together with the version bump, so
a crash during an upgrade leaves the file at the last complete version. A file written
by a newer schema, a SQLite file of another application, or a file that is not a
database is refused with :class:`~smartmedia.errors.SchemaError`.

Rules of the stored data (the ``CHECK`` and ``UNIQUE`` constraints below hold them in the
database itself, whatever program writes the file):

* times are integer microseconds since 1970-01-01 UTC;
* enumerations are stored as their values (``"LTO-9"``, ``"completed"``);
* a place in a library (library, element kind, ordinal) holds at most one medium, and a
  barcode appears at most once among the media of one library;
* a medium that takes part in a running copy job has a row in ``reservations`` (one
  per medium: the primary key makes a second reservation impossible).
"""

from __future__ import annotations

import sqlite3

from smartmedia.errors import SchemaError

__all__ = ["APPLICATION_ID", "MIGRATIONS", "SCHEMA_VERSION", "migrate"]

#: ``PRAGMA application_id`` of a smartmedia catalog ("SmCa")
APPLICATION_ID = 0x536D4361

_V1 = """
CREATE TABLE pools (
    name TEXT PRIMARY KEY,
    media_type TEXT NOT NULL,
    allocation TEXT NOT NULL,
    usage TEXT NOT NULL,
    valid_months INTEGER NOT NULL CHECK (valid_months >= 1),
    max_overwrites INTEGER NOT NULL CHECK (max_overwrites >= 1),
    free_pool TEXT REFERENCES pools (name),
    description TEXT NOT NULL,
    counter INTEGER NOT NULL DEFAULT 0 CHECK (counter >= 0),
    CHECK (free_pool IS NULL OR free_pool <> name)
);

CREATE TABLE libraries (
    name TEXT PRIMARY KEY,
    virtual INTEGER NOT NULL CHECK (virtual IN (0, 1)),
    visible INTEGER NOT NULL CHECK (visible IN (0, 1))
);

CREATE TABLE elements (
    library TEXT NOT NULL REFERENCES libraries (name) ON DELETE CASCADE,
    kind TEXT NOT NULL CHECK (kind IN ('slot', 'drive', 'mail_slot')),
    ordinal INTEGER NOT NULL CHECK (ordinal >= 1),
    address INTEGER NOT NULL CHECK (address >= 0),
    serial TEXT,
    generation TEXT,
    PRIMARY KEY (library, kind, ordinal),
    CHECK ((kind = 'drive') = (serial IS NOT NULL AND generation IS NOT NULL))
);

CREATE TABLE copy_jobs (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    source TEXT NOT NULL,
    state TEXT NOT NULL CHECK (state IN ('reserved', 'completed', 'released')),
    reserved_at INTEGER NOT NULL,
    finished_at INTEGER,
    digest TEXT,
    reason TEXT NOT NULL DEFAULT '',
    CHECK ((state = 'reserved') = (finished_at IS NULL)),
    CHECK ((state = 'completed') = (digest IS NOT NULL AND digest <> ''))
);

CREATE TABLE copy_job_media (
    job INTEGER NOT NULL REFERENCES copy_jobs (id),
    role TEXT NOT NULL CHECK (role IN ('target', 'copy')),
    ordinal INTEGER NOT NULL CHECK (ordinal >= 0),
    medium TEXT NOT NULL,
    PRIMARY KEY (job, role, ordinal)
);

CREATE TABLE media (
    id TEXT PRIMARY KEY,
    label TEXT NOT NULL,
    media_type TEXT NOT NULL,
    pool TEXT NOT NULL REFERENCES pools (name),
    capacity INTEGER NOT NULL CHECK (capacity >= 1),
    formatted_at INTEGER NOT NULL,
    barcode TEXT,
    bytes_used INTEGER NOT NULL CHECK (bytes_used BETWEEN 0 AND capacity),
    write_count INTEGER NOT NULL CHECK (write_count >= 0),
    first_written INTEGER,
    last_written INTEGER,
    protection TEXT NOT NULL CHECK (protection IN ('none', 'until', 'permanent')),
    protected_until INTEGER,
    loc_kind TEXT NOT NULL,
    loc_library TEXT REFERENCES libraries (name),
    loc_ordinal INTEGER,
    loc_vault TEXT,
    condition TEXT NOT NULL,
    state TEXT NOT NULL,
    original TEXT REFERENCES media (id),
    copy_generation INTEGER NOT NULL CHECK (copy_generation >= 0),
    copy_job INTEGER REFERENCES copy_jobs (id),
    CHECK ((original IS NULL) = (copy_generation = 0)),
    CHECK (original IS NULL OR original <> id),
    CHECK ((protection = 'until') = (protected_until IS NOT NULL)),
    CHECK ((loc_library IS NULL) = (loc_ordinal IS NULL))
);

CREATE UNIQUE INDEX media_place ON media (loc_library, loc_kind, loc_ordinal)
    WHERE loc_library IS NOT NULL;
CREATE UNIQUE INDEX media_barcode_in_library ON media (loc_library, barcode)
    WHERE loc_library IS NOT NULL AND barcode IS NOT NULL;
CREATE INDEX media_pool_written ON media (pool, last_written);
CREATE INDEX media_original ON media (original) WHERE original IS NOT NULL;
CREATE INDEX media_barcode ON media (barcode) WHERE barcode IS NOT NULL;

CREATE TABLE reservations (
    medium TEXT PRIMARY KEY REFERENCES media (id),
    job INTEGER NOT NULL REFERENCES copy_jobs (id),
    role TEXT NOT NULL CHECK (role IN ('source', 'target'))
);
CREATE INDEX reservations_job ON reservations (job);

CREATE TABLE objects (
    id INTEGER PRIMARY KEY,
    type TEXT NOT NULL,
    host TEXT NOT NULL,
    mount TEXT NOT NULL,
    description TEXT NOT NULL,
    UNIQUE (host, mount, type, description)
);

CREATE TABLE sessions (
    id TEXT PRIMARY KEY,
    day INTEGER NOT NULL,
    number INTEGER NOT NULL CHECK (number >= 1),
    type TEXT NOT NULL,
    status TEXT NOT NULL,
    started INTEGER NOT NULL,
    ended INTEGER,
    specification TEXT NOT NULL,
    trigger TEXT,
    UNIQUE (day, number),
    CHECK (ended IS NULL OR ended >= started)
);

CREATE TABLE versions (
    id INTEGER PRIMARY KEY,
    object INTEGER NOT NULL REFERENCES objects (id),
    session TEXT NOT NULL REFERENCES sessions (id),
    backup_time INTEGER NOT NULL,
    size INTEGER NOT NULL CHECK (size >= 0),
    UNIQUE (object, session)
);
CREATE INDEX versions_session ON versions (session);

CREATE TABLE positions (
    medium TEXT NOT NULL REFERENCES media (id),
    first_block INTEGER NOT NULL CHECK (first_block >= 0),
    last_block INTEGER NOT NULL CHECK (last_block >= first_block),
    version INTEGER NOT NULL REFERENCES versions (id),
    span INTEGER NOT NULL CHECK (span >= 0),
    PRIMARY KEY (medium, first_block),
    UNIQUE (medium, version, span)
) WITHOUT ROWID;
CREATE INDEX positions_version ON positions (version, span);
"""

# Version 2: what importing media learns about each piece it records, beyond its position:
# the session's piece number on that medium (``SessionStart.span``), the sequence number
# of the piece's first data block and its payload bytes. Import derives a version's spans
# and size from these rows (docs/catalog.md, "Importing media"); a piece goes when its
# position goes (recycling).
_V2 = """
CREATE TABLE imported_pieces (
    medium TEXT NOT NULL,
    first_block INTEGER NOT NULL,
    session_span INTEGER NOT NULL CHECK (session_span >= 0),
    first_sequence INTEGER NOT NULL CHECK (first_sequence >= 0),
    bytes INTEGER NOT NULL CHECK (bytes >= 0),
    PRIMARY KEY (medium, first_block),
    FOREIGN KEY (medium, first_block) REFERENCES positions (medium, first_block)
        ON DELETE CASCADE
) WITHOUT ROWID;
"""

#: ``MIGRATIONS[n - 1]`` takes a catalog from schema version ``n - 1`` to ``n``.
MIGRATIONS: tuple[str, ...] = (_V1, _V2)

#: the schema version this code writes
SCHEMA_VERSION = len(MIGRATIONS)


def _statements(script: str) -> list[str]:
    """The SQL statements of ``script``, one by one (``executescript`` would commit)."""
    statements, current = [], ""
    for line in script.splitlines(keepends=True):
        current += line
        if sqlite3.complete_statement(current):
            statements.append(current.strip())
            current = ""
    if current.strip():
        raise SchemaError(f"incomplete statement in a migration: {current.strip()[:60]!r}")
    return statements


def _version(conn: sqlite3.Connection) -> tuple[int, int]:
    (app,) = conn.execute("PRAGMA application_id").fetchone()
    (version,) = conn.execute("PRAGMA user_version").fetchone()
    return int(app), int(version)


def _check_identity(conn: sqlite3.Connection, where: str) -> int:
    """The file's schema version; refuses files that are not (usable) catalogs."""
    app, version = _version(conn)
    if app not in (0, APPLICATION_ID):
        raise SchemaError(f"{where} is a SQLite database of another application, not a catalog")
    if version > SCHEMA_VERSION:
        raise SchemaError(
            f"{where} has catalog schema version {version}, newer than the version "
            f"{SCHEMA_VERSION} this smartmedia knows; open it with a newer smartmedia"
        )
    if app == 0 and version == 0:
        (tables,) = conn.execute("SELECT count(*) FROM sqlite_master").fetchone()
        if tables:
            raise SchemaError(f"{where} holds tables but is not a smartmedia catalog")
    elif app == 0 or version == 0:
        raise SchemaError(f"{where} is marked as a catalog, but without a schema version")
    return version


def migrate(conn: sqlite3.Connection, where: str) -> int:
    """Bring the catalog in ``conn`` to :data:`SCHEMA_VERSION`; returns the version found.

    ``conn`` is in autocommit mode. Each migration runs in an ``IMMEDIATE`` transaction
    that re-reads the version first, so two processes opening one old file at once
    upgrade it once.
    """
    try:
        found = _check_identity(conn, where)
        version = found
        while version < SCHEMA_VERSION:
            conn.execute("BEGIN IMMEDIATE")
            try:
                version = _check_identity(conn, where)
                if version < SCHEMA_VERSION:
                    for statement in _statements(MIGRATIONS[version]):
                        conn.execute(statement)
                    version += 1
                    conn.execute(f"PRAGMA application_id = {APPLICATION_ID}")
                    conn.execute(f"PRAGMA user_version = {version}")
                conn.execute("COMMIT")
            except BaseException:
                conn.execute("ROLLBACK")
                raise
        return found
    except sqlite3.DatabaseError as e:
        raise SchemaError(f"{where} cannot be used as a catalog: {e}") from None
