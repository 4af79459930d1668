"""Export of the whole catalog as one value, and loading it into an empty catalog.

The export is plain model and catalog values, so :data:`smartmedia.serialization.converter`
writes it as JSON and reads it back with every field validated (a bad document reports
each bad field with its path, e.g. ``media[3].barcode``). Loading first checks that the
document agrees with itself (every medium, pool and session a record names is in it;
identities are unique; a reserved job's media are held by it alone), reporting each
disagreement with its path, then checks every record as the changes do, in one
transaction: a document that contradicts itself loads not at all.
"""

from __future__ import annotations

import json

import attrs

from smartmedia.catalog._codec import micros, opt_micros, version_from_row
from smartmedia.catalog._copies import get_job
from smartmedia.catalog._db import Db
from smartmedia.catalog._media import add_library, add_pool, check_medium, write_new_medium
from smartmedia.catalog._queries import libraries, media, pools, positions_on_medium, sessions
from smartmedia.catalog._sessions import add_positions, add_versions, insert_session
from smartmedia.catalog._values import CopyJob, CopyJobState, Position, natural, of
from smartmedia.errors import (
    ConflictError,
    DuplicateEntity,
    InvalidRecord,
    Problem,
    ValidationError,
    quote,
)
from smartmedia.model import Library, MediaPool, Medium, MediumId, ObjectVersion, Session, SessionId
from smartmedia.serialization import loads_document, structure, unstructure

__all__ = [
    "EXPORT_FORMAT",
    "CatalogExport",
    "PoolCounter",
    "export",
    "from_json",
    "load",
    "to_json",
]

#: version of the export document's layout
EXPORT_FORMAT = 1


@attrs.frozen(kw_only=True)
class PoolCounter:
    """The last label counter a pool handed out."""

    pool: str = attrs.field(validator=of(str))
    counter: int = attrs.field(validator=natural)


@attrs.frozen(kw_only=True)
class CatalogExport:
    """Everything a catalog holds, as values (see ``docs/catalog.md``)."""

    format: int = EXPORT_FORMAT
    pools: tuple[MediaPool, ...] = ()
    counters: tuple[PoolCounter, ...] = ()
    libraries: tuple[Library, ...] = ()
    media: tuple[Medium, ...] = ()
    sessions: tuple[Session, ...] = ()
    object_versions: tuple[ObjectVersion, ...] = ()
    positions: tuple[Position, ...] = ()
    copy_jobs: tuple[CopyJob, ...] = ()


def export(db: Db) -> CatalogExport:
    with db.read("exporting the catalog"):
        everything = media(db, None)
        version_rows = db.all(
            "SELECT o.type, o.host, o.mount, o.description, v.session, v.backup_time, v.size "
            "FROM versions v JOIN objects o ON o.id = v.object ORDER BY v.id"
        )
        job_ids = [r[0] for r in db.all("SELECT id FROM copy_jobs ORDER BY id")]
        return CatalogExport(
            pools=tuple(pools(db)),
            counters=tuple(
                PoolCounter(pool=r[0], counter=r[1])
                for r in db.all("SELECT name, counter FROM pools ORDER BY name")
            ),
            libraries=tuple(libraries(db)),
            media=tuple(everything),
            sessions=tuple(sessions(db, None)),
            object_versions=tuple(version_from_row(r) for r in version_rows),
            positions=tuple(p for m in everything for p in positions_on_medium(db, m.id)),
            copy_jobs=tuple(get_job(db, j) for j in job_ids),
        )


def load(db: Db, data: CatalogExport) -> None:
    if data.format != EXPORT_FORMAT:
        raise InvalidRecord(f"export format {data.format} is not {EXPORT_FORMAT}", path="format")
    if db.value("SELECT count(*) FROM media") or db.value("SELECT count(*) FROM pools"):
        raise ConflictError("a catalog export loads only into an empty catalog")
    problems = references(data)
    if problems:
        raise InvalidRecord.from_problems(problems)
    db.run("PRAGMA defer_foreign_keys = ON")
    for pool in sorted(data.pools, key=lambda p: p.free_pool is not None):
        add_pool(db, pool)
    for c in data.counters:
        db.run("UPDATE pools SET counter = ? WHERE name = ?", (c.counter, c.pool))
    for library in data.libraries:
        add_library(db, library)
    order = sorted(range(len(data.media)), key=lambda i: data.media[i].is_copy)
    for i in order:
        medium = data.media[i]
        if db.value("SELECT 1 FROM media WHERE id = ?", (str(medium.id),)):
            raise DuplicateEntity(f"media[{i}]: medium {medium.id} appears twice")
        check_medium(db, medium, f"media[{i}]")
        write_new_medium(db, medium)
    for session in data.sessions:
        insert_session(db, session)
    by_session: dict[SessionId, list[ObjectVersion]] = {}
    for version in data.object_versions:
        by_session.setdefault(version.session, []).append(version)
    for session_id, versions in by_session.items():
        add_versions(db, session_id, versions)
    add_positions(db, data.positions, {}, session_id=None, allow_copies=True)
    for job in data.copy_jobs:
        _load_job(db, job)


def references(data: CatalogExport) -> list[Problem]:
    """What in ``data`` names something the document does not hold, or holds twice.

    Each record's own fields were checked when it was made; these are the rules between
    records, which a loaded catalog relies on: counters of known pools, versions of
    known sessions, copy jobs of known media with unique IDs, a medium reserved by one
    running job at most and recorded as the copy of one job at most.
    """
    problems: list[Problem] = []
    pools = {p.name for p in data.pools}
    media = {m.id for m in data.media}
    sessions = {s.id for s in data.sessions}
    counted: set[str] = set()
    for i, counter in enumerate(data.counters):
        where = f"counters[{i}].pool"
        if counter.pool not in pools:
            problems.append(Problem(where, f"pool {quote(counter.pool)} is not among the pools"))
        elif counter.pool in counted:
            problems.append(Problem(where, f"pool {quote(counter.pool)} has a second counter"))
        counted.add(counter.pool)
    for i, version in enumerate(data.object_versions):
        if version.session not in sessions:
            problems.append(
                Problem(
                    f"object_versions[{i}].session",
                    f"session {version.session} is not among the sessions",
                )
            )
    job_ids: set[int] = set()
    reserved: dict[MediumId, int] = {}
    copied: dict[MediumId, int] = {}

    def medium(where: str, medium_id: MediumId) -> None:
        if medium_id not in media:
            problems.append(Problem(where, f"medium {medium_id} is not among the media"))

    for i, job in enumerate(data.copy_jobs):
        where = f"copy_jobs[{i}]"
        if job.id in job_ids:
            problems.append(Problem(f"{where}.id", f"copy job {job.id} appears twice"))
        job_ids.add(job.id)
        medium(f"{where}.source", job.source)
        for j, copy in enumerate(job.copies):
            medium(f"{where}.copies[{j}]", copy)
            if copy in copied:
                problems.append(
                    Problem(
                        f"{where}.copies[{j}]",
                        f"medium {copy} is already the copy of job {copied[copy]}",
                    )
                )
            copied[copy] = job.id
        if job.state is not CopyJobState.RESERVED:
            continue
        held = [(f"{where}.source", job.source)]
        held += [(f"{where}.targets[{j}]", t) for j, t in enumerate(job.targets)]
        for path, medium_id in held:
            if path != f"{where}.source":
                medium(path, medium_id)
            if medium_id in reserved:
                other = reserved[medium_id]
                problems.append(
                    Problem(path, f"medium {medium_id} is already reserved by job {other}")
                )
            reserved[medium_id] = job.id
    return problems


def _load_job(db: Db, job: CopyJob) -> None:
    db.run(
        "INSERT INTO copy_jobs (id, source, state, reserved_at, finished_at, digest, reason) "
        "VALUES (?, ?, ?, ?, ?, ?, ?)",
        (
            job.id,
            str(job.source),
            job.state.value,
            micros(job.reserved_at),
            opt_micros(job.finished_at),
            job.digest,
            job.reason,
        ),
    )
    rows = [(job.id, "target", i, str(m)) for i, m in enumerate(job.targets)]
    rows += [(job.id, "copy", i, str(m)) for i, m in enumerate(job.copies)]
    db.many("INSERT INTO copy_job_media (job, role, ordinal, medium) VALUES (?, ?, ?, ?)", rows)
    if job.state is CopyJobState.RESERVED:
        db.many(
            "INSERT INTO reservations (medium, job, role) VALUES (?, ?, ?)",
            [(str(job.source), job.id, "source")]
            + [(str(t), job.id, "target") for t in job.targets],
        )
    for copy in job.copies:
        db.run("UPDATE media SET copy_job = ? WHERE id = ?", (job.id, str(copy)))


def to_json(data: CatalogExport, *, indent: int | None = None) -> str:
    """The export as JSON text."""
    return json.dumps(unstructure(data), indent=indent, ensure_ascii=False)


def from_json(text: str | bytes) -> CatalogExport:
    """The export in JSON ``text``; :class:`InvalidRecord` naming every bad field.

    The text is read by :func:`smartmedia.serialization.loads_document` (bounded depth,
    integers, sizes; no ``NaN``, duplicate keys or lone surrogates).
    """
    try:
        return structure(loads_document(text, what="a catalog export"), CatalogExport)
    except ValidationError as e:
        raise InvalidRecord.from_problems(e.problems) from None
