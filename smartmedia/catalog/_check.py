"""The invariants of a catalog, verified from the stored rows (whoever wrote them).

Each check is one query that lists the rows breaking a rule, so a report names the
media, jobs and blocks concerned. The rules are those the changes keep; this module
exists to prove that they held (after a crash, an import, or another program's writes).
"""

from __future__ import annotations

from smartmedia.catalog._codec import (
    MEDIUM_COLUMNS,
    SESSION_COLUMNS,
    medium_from_row,
    session_from_row,
)
from smartmedia.catalog._db import Db
from smartmedia.catalog._values import CheckReport
from smartmedia.errors import SchemaError

__all__ = ["check"]

_HOLDS_DATA = "('appendable', 'full', 'non_appendable')"

# (rule, query listing the offending rows, message built from one row)
_RULES: tuple[tuple[str, str, str], ...] = (
    (
        "every copy links to an existing original",
        "SELECT c.id, c.original FROM media c LEFT JOIN media o ON o.id = c.original "
        "WHERE c.original IS NOT NULL AND o.id IS NULL",
        "copy {0} names original {1}, which is not in the catalog",
    ),
    (
        "a copy's original is not itself a copy",
        "SELECT c.id, o.id, o.original FROM media c JOIN media o ON o.id = c.original "
        "WHERE o.original IS NOT NULL",
        "copy {0} names {1} as its original, but {1} is a copy of {2}",
    ),
    (
        "lineage is consistent",
        "SELECT id, original, copy_generation FROM media "
        "WHERE (original IS NULL) <> (copy_generation = 0) OR original = id",
        "medium {0}: original {1} with copy generation {2}",
    ),
    (
        "no place holds two media",
        "SELECT loc_library, loc_kind, loc_ordinal, group_concat(id, ', ') FROM media "
        "WHERE loc_library IS NOT NULL GROUP BY loc_library, loc_kind, loc_ordinal "
        "HAVING count(*) > 1",
        "{1} {2} of library {0} holds several media: {3}",
    ),
    (
        "a library place is an element of a recorded library",
        "SELECT m.id, m.loc_library, m.loc_kind, m.loc_ordinal FROM media m "
        "LEFT JOIN elements e ON e.library = m.loc_library AND e.kind = m.loc_kind "
        "AND e.ordinal = m.loc_ordinal WHERE m.loc_library IS NOT NULL AND e.library IS NULL",
        "medium {0} is at {2} {3} of library {1}, which has no such element",
    ),
    (
        "a barcode is once in a library",
        "SELECT loc_library, barcode, group_concat(id, ', ') FROM media "
        "WHERE loc_library IS NOT NULL AND barcode IS NOT NULL "
        "GROUP BY loc_library, barcode HAVING count(*) > 1",
        "library {0} holds barcode {1} on several media: {2}",
    ),
    (
        "positions never overlap on a medium",
        "SELECT medium, prev_first, prev_last, first_block, last_block FROM ("
        " SELECT medium, first_block, last_block,"
        " lag(first_block) OVER w AS prev_first, lag(last_block) OVER w AS prev_last"
        " FROM positions WINDOW w AS (PARTITION BY medium ORDER BY first_block))"
        " WHERE prev_last >= first_block",
        "medium {0}: blocks {1}..{2} and {3}..{4} overlap",
    ),
    (
        "positions lie on media that hold data",
        "SELECT DISTINCT m.id, m.state FROM positions p JOIN media m ON m.id = p.medium "
        f"WHERE m.state NOT IN {_HOLDS_DATA}",
        "medium {0} is {1} but has recorded positions",
    ),
    (
        "a reserved job holds its source and targets",
        "SELECT j.id, jm.medium FROM copy_jobs j JOIN ("
        " SELECT job, medium FROM copy_job_media WHERE role = 'target'"
        " UNION ALL SELECT id, source FROM copy_jobs) jm ON jm.job = j.id"
        " LEFT JOIN reservations r ON r.medium = jm.medium AND r.job = j.id"
        " WHERE j.state = 'reserved' AND r.medium IS NULL",
        "reserved copy job {0} does not hold medium {1}",
    ),
    (
        "only reserved jobs hold media",
        "SELECT r.medium, r.job, coalesce(j.state, 'missing') FROM reservations r "
        "LEFT JOIN copy_jobs j ON j.id = r.job WHERE j.state IS NOT 'reserved'",
        "medium {0} is held by copy job {1}, which is {2}",
    ),
    (
        "a completed job has a verified copy",
        "SELECT j.id FROM copy_jobs j WHERE j.state = 'completed' AND (j.digest IS NULL "
        "OR j.digest = '' OR NOT EXISTS (SELECT 1 FROM copy_job_media c "
        "WHERE c.job = j.id AND c.role = 'copy'))",
        "completed copy job {0} has no verified copy recorded",
    ),
    (
        "a released job recorded no copy",
        "SELECT j.id, c.medium FROM copy_jobs j JOIN copy_job_media c ON c.job = j.id "
        "WHERE j.state = 'released' AND c.role = 'copy'",
        "released copy job {0} names copy {1}",
    ),
    (
        "a medium's pool exists and holds its media type",
        "SELECT m.id, m.pool, m.media_type, p.media_type FROM media m "
        "LEFT JOIN pools p ON p.name = m.pool WHERE p.media_type IS NOT m.media_type",
        "medium {0} ({2}) is in pool {1}, which holds {3}",
    ),
)


def check(db: Db) -> CheckReport:
    problems: list[str] = []
    with db.read("checking the catalog"):
        integrity = [r[0] for r in db.all("PRAGMA quick_check")]
        if integrity != ["ok"]:
            problems += [f"SQLite integrity: {line}" for line in integrity]
        for table, rowid, parent, _ in db.all("PRAGMA foreign_key_check"):
            problems.append(f"{table} row {rowid} refers to a missing {parent} row")
        for rule, query, message in _RULES:
            for row in db.all(query):
                problems.append(f"{rule}: {message.format(*row)}")
        for row in db.all(f"SELECT {MEDIUM_COLUMNS} FROM media"):
            try:
                medium_from_row(row)
            except SchemaError as e:
                problems.append(str(e))
        for row in db.all(f"SELECT {SESSION_COLUMNS} FROM sessions"):
            try:
                session_from_row(row)
            except SchemaError as e:
                problems.append(str(e))
        media = int(db.value("SELECT count(*) FROM media"))
        positions = int(db.value("SELECT count(*) FROM positions"))
    return CheckReport(problems=tuple(problems), media=media, positions=positions)
