"""Copy jobs, promotion and recycling: the changes that move media between roles.

A copy job's life is RESERVED -> COMPLETED | RELEASED (:data:`COPY_JOB_TRANSITIONS`).
While reserved, its source and targets each have a row in ``reservations``; completing
or releasing the job deletes those rows in the same transaction that records the result,
so a job is never completed or released while still holding media, and a crash leaves
either the reservation or the result, never half of one. A copy is recorded only with
``verified=True`` and a digest.
"""

from __future__ import annotations

import datetime as _dt
from collections.abc import Sequence

import attrs

from smartmedia.catalog._codec import from_micros, micros, opt_from_micros
from smartmedia.catalog._db import Db
from smartmedia.catalog._lookup import get_medium, reserving_job
from smartmedia.catalog._media import check_medium, write_medium, write_new_medium
from smartmedia.catalog._sessions import add_positions
from smartmedia.catalog._values import (
    COPY_JOB_TRANSITIONS,
    CopyJob,
    CopyJobState,
    Position,
    RecycleResult,
)
from smartmedia.errors import ConflictError, InvalidRecord, ProtectedMedium, UnknownEntity
from smartmedia.model import Medium, MediumId, MediumState, ObjectVersion, Protection

__all__ = [
    "complete_copy",
    "get_job",
    "promote_copy",
    "recycle",
    "release_copy",
    "reserve_copy",
]


def get_job(db: Db, job_id: int) -> CopyJob:
    if type(job_id) is not int:
        raise InvalidRecord(f"a copy job ID is an integer, not {job_id!r}")
    row = db.one(
        "SELECT id, source, state, reserved_at, finished_at, digest, reason FROM copy_jobs "
        "WHERE id = ?",
        (job_id,),
    )
    if row is None:
        raise UnknownEntity(f"copy job {job_id} is not in the catalog")
    media = db.all(
        "SELECT role, medium FROM copy_job_media WHERE job = ? ORDER BY role, ordinal", (job_id,)
    )
    return CopyJob(
        id=row[0],
        source=MediumId(row[1]),
        targets=tuple(MediumId(m) for r, m in media if r == "target"),
        state=CopyJobState(row[2]),
        reserved_at=from_micros(row[3]),
        finished_at=opt_from_micros(row[4]),
        copies=tuple(MediumId(m) for r, m in media if r == "copy"),
        digest=row[5],
        reason=row[6],
    )


def _move_job(job: CopyJob, state: CopyJobState) -> None:
    if state not in COPY_JOB_TRANSITIONS[job.state]:
        raise ConflictError(
            f"copy job {job.id} is {job.state.value}; it cannot become {state.value}"
        )


def _check_free(db: Db, medium_id: MediumId, role: str) -> None:
    job = reserving_job(db, medium_id)
    if job is not None:
        raise ConflictError(f"{role} {medium_id} is held by copy job {job}")


def reserve_copy(
    db: Db, source_id: MediumId, targets: Sequence[MediumId], at: _dt.datetime
) -> CopyJob:
    if not targets:
        raise InvalidRecord("a copy needs at least one target", path="targets")
    if len(set(targets)) != len(targets) or source_id in targets:
        raise InvalidRecord("source and targets must be distinct media", path="targets")
    source = get_medium(db, source_id, "copy source")
    if source.is_copy:
        raise ConflictError(
            f"copy source {source_id} is a copy (of {source.original}); copy from an original"
        )
    if not source.state.holds_data:
        raise ConflictError(f"copy source {source_id} is {source.state.value}: nothing to copy")
    _check_free(db, source_id, "copy source")
    for i, target_id in enumerate(targets):
        target = get_medium(db, target_id, f"targets[{i}]")
        if target.state.holds_data:
            raise ConflictError(
                f"copy target {target_id} holds data ({target.state.value}); recycle it first"
            )
        if target.protection.is_active(at):
            raise ProtectedMedium(f"copy target {target_id} is protected ({target.protection})")
        _check_free(db, target_id, "copy target")
    job_id = db.insert(
        "INSERT INTO copy_jobs (source, state, reserved_at) VALUES (?, 'reserved', ?)",
        (str(source_id), micros(at)),
    )
    db.many(
        "INSERT INTO copy_job_media (job, role, ordinal, medium) VALUES (?, 'target', ?, ?)",
        [(job_id, i, str(t)) for i, t in enumerate(targets)],
    )
    db.many(
        "INSERT INTO reservations (medium, job, role) VALUES (?, ?, ?)",
        [(str(source_id), job_id, "source")] + [(str(t), job_id, "target") for t in targets],
    )
    return get_job(db, job_id)


def _finish(db: Db, job: CopyJob, state: CopyJobState, at: _dt.datetime, **columns: object) -> None:
    if at < job.reserved_at:
        raise InvalidRecord(
            f"copy job {job.id} cannot finish ({at.isoformat()}) before it was reserved "
            f"({job.reserved_at.isoformat()})",
            path="at",
        )
    sets = ", ".join(f"{name} = ?" for name in columns)
    db.run(
        f"UPDATE copy_jobs SET state = ?, finished_at = ?{', ' if sets else ''}{sets} WHERE id = ?",
        (state.value, micros(at), *columns.values(), job.id),
    )
    db.run("DELETE FROM reservations WHERE job = ?", (job.id,))


def release_copy(db: Db, job_id: int, reason: str, at: _dt.datetime) -> CopyJob:
    """Release job ``job_id``: its media are free again, nothing of the copy is recorded.

    The release is recorded at ``max(at, reserved_at)``: releasing records nothing that
    could contradict the past, and a clock that is behind the reservation (a device clock
    restored from an older state, a host whose time went back) must never make a job
    impossible to settle — a reservation that cannot be released holds its media for ever.
    """
    job = get_job(db, job_id)
    _move_job(job, CopyJobState.RELEASED)
    _finish(db, job, CopyJobState.RELEASED, max(at, job.reserved_at), reason=reason)
    return get_job(db, job_id)


def _copy_positions(
    source_positions: list[Position], copies: Sequence[Medium], given: Sequence[Position] | None
) -> list[Position]:
    """The positions the copies get: ``given`` (checked against the source), or the
    source's own block numbers on a single copy."""
    copy_ids = {c.id for c in copies}
    if given is None:
        if len(copies) != 1:
            raise InvalidRecord(
                "a copy onto several media needs the positions of the pieces on them",
                path="positions",
            )
        return [attrs.evolve(p, medium=copies[0].id) for p in source_positions]
    wanted = {(p.object_version, p.span): p.blocks for p in source_positions}
    got: dict[tuple[ObjectVersion, int], int] = {}
    for i, p in enumerate(given):
        if p.medium not in copy_ids:
            raise InvalidRecord(
                f"medium {p.medium} is not one of the copies", path=f"positions[{i}].medium"
            )
        key = (p.object_version, p.span)
        if key not in wanted:
            raise ConflictError(
                f"positions[{i}]: span {p.span} of {p.object_version} is not on the source"
            )
        got[key] = got.get(key, 0) + p.blocks
    for (version, span), blocks in wanted.items():
        if got.get((version, span), 0) != blocks:
            raise ConflictError(
                f"the copies hold {got.get((version, span), 0)} blocks of span {span} of "
                f"{version}, the source {blocks}"
            )
    return list(given)


def complete_copy(
    db: Db,
    job_id: int,
    copies: Sequence[Medium],
    *,
    verified: bool,
    digest: str,
    at: _dt.datetime,
    positions: Sequence[Position] | None,
    source_positions: list[Position],
) -> CopyJob:
    job = get_job(db, job_id)
    _move_job(job, CopyJobState.COMPLETED)
    if verified is not True:
        raise ConflictError(f"copy job {job_id}: refusing to record a copy that is not verified")
    if not isinstance(digest, str) or not digest.strip():
        raise ConflictError(f"copy job {job_id}: refusing to record a copy without its digest")
    if len(copies) != len(job.targets):
        raise InvalidRecord(
            f"copy job {job_id} has {len(job.targets)} targets, but {len(copies)} copies "
            "were given",
            path="copies",
        )
    source = get_medium(db, job.source)
    if len({c.id for c in copies}) != len(copies):
        raise InvalidRecord("the copies must be distinct media", path="copies")
    for i, (copy, target_id) in enumerate(zip(copies, job.targets, strict=True)):
        where = f"copies[{i}]"
        target = get_medium(db, target_id)
        if copy.original != source.id or copy.copy_generation != 1:
            raise ConflictError(
                f"{where}: a copy of {source.id} names it as its original, with generation 1"
            )
        if target.barcode is not None and copy.barcode != target.barcode:
            raise ConflictError(
                f"{where}: the copy is on cartridge {target.barcode} (target {target_id}), "
                f"not {copy.barcode}"
            )
        if copy.state not in (MediumState.FULL, MediumState.NON_APPENDABLE):
            raise ConflictError(
                f"{where}: a copy holds data and takes no more: full or non_appendable, "
                f"not {copy.state.value}"
            )
        if copy.id != target_id and db.value("SELECT 1 FROM media WHERE id = ?", (str(copy.id),)):
            raise ConflictError(f"{where}: medium ID {copy.id} is taken by another medium")
    placed = _copy_positions(source_positions, copies, positions)
    for copy, target_id in zip(copies, job.targets, strict=True):
        db.run("DELETE FROM reservations WHERE medium = ?", (str(target_id),))
        db.run("DELETE FROM media WHERE id = ?", (str(target_id),))
        check_medium(db, copy, f"copy {copy.id}")
        write_new_medium(db, copy)
        db.run("UPDATE media SET copy_job = ? WHERE id = ?", (job_id, str(copy.id)))
    add_positions(db, placed, {}, session_id=None, label="positions", allow_copies=True)
    if source.state is MediumState.APPENDABLE:
        db.run(
            "UPDATE media SET state = ? WHERE id = ?",
            (MediumState.NON_APPENDABLE.value, str(source.id)),
        )
    db.many(
        "INSERT INTO copy_job_media (job, role, ordinal, medium) VALUES (?, 'copy', ?, ?)",
        [(job_id, i, str(c.id)) for i, c in enumerate(copies)],
    )
    _finish(db, job, CopyJobState.COMPLETED, at, digest=digest)
    return get_job(db, job_id)


def _promote(db: Db, copy_id: str, old: str) -> list[str]:
    """Make ``copy_id`` and the other copies its job made (one line of the original's
    data) originals; every other copy of ``old`` becomes a copy of ``copy_id``.
    Returns the promoted IDs."""
    job = db.value("SELECT copy_job FROM media WHERE id = ?", (copy_id,))
    group = [copy_id]
    if job is not None:
        group = [
            r[0]
            for r in db.all(
                "SELECT id FROM media WHERE copy_job = ? AND original = ? ORDER BY id", (job, old)
            )
        ]
    marks = ", ".join("?" * len(group))
    db.run(f"UPDATE media SET original = NULL, copy_generation = 0 WHERE id IN ({marks})", group)
    db.run("UPDATE media SET original = ?, copy_generation = 1 WHERE original = ?", (copy_id, old))
    return group


def promote_copy(db: Db, copy_id: MediumId) -> Medium:
    copy = get_medium(db, copy_id)
    if copy.original is None:
        raise ConflictError(f"medium {copy_id} is an original already")
    _check_free(db, copy_id, "medium")
    old = str(copy.original)
    _check_free(db, copy.original, "its original")
    _promote(db, str(copy_id), old)
    if get_medium(db, copy.original).state.holds_data:
        db.run(
            "UPDATE media SET original = ?, copy_generation = 1 WHERE id = ?",
            (str(copy_id), old),
        )
    return get_medium(db, copy_id)


def recycle(db: Db, medium_id: MediumId, at: _dt.datetime) -> RecycleResult:
    medium = get_medium(db, medium_id)
    if not medium.state.holds_data:
        raise ConflictError(f"medium {medium_id} is {medium.state.value}: nothing to recycle")
    if medium.is_protected(at):
        raise ProtectedMedium(
            f"medium {medium_id} is protected ({medium.protection}) at {at.isoformat()}"
        )
    _check_free(db, medium_id, "medium")
    promoted = None
    if not medium.is_copy:
        oldest = db.value(
            "SELECT m.id FROM media m LEFT JOIN copy_jobs j ON j.id = m.copy_job "
            "WHERE m.original = ? ORDER BY coalesce(j.finished_at, m.formatted_at), m.id LIMIT 1",
            (str(medium_id),),
        )
        if oldest is not None:
            promoted = MediumId(oldest)
            _promote(db, oldest, str(medium_id))
    db.run("DELETE FROM positions WHERE medium = ?", (str(medium_id),))
    emptied = attrs.evolve(
        medium,
        state=MediumState.EMPTY,
        bytes_used=0,
        protection=Protection.none(),
        original=None,
        copy_generation=0,
    )
    write_medium(db, emptied)
    db.run("UPDATE media SET copy_job = NULL WHERE id = ?", (str(medium_id),))
    return RecycleResult(medium=medium_id, promoted=promoted)
