"""A stream of catalog writes, for the crash tests: run as a script, killed at random.

Operation ``i`` of the stream is a fixed function of ``i`` (five per medium ``k``: add
the source, add a blank target, record a backup session on the source, reserve a copy,
then complete it (even ``k``) or release it (odd ``k``)). After each commit the writer
prints the operation's number and flushes, so the parent knows what was acknowledged.
:func:`applied` reads back from a catalog which operations it holds, checking that each
is there whole or not at all. A started writer resumes after the operations it finds.
"""

import datetime as dt
import sys

from smartmedia.catalog import CatalogExport, CopyJobState, Position, SqliteCatalog
from smartmedia.model import (
    BackupObject,
    Barcode,
    Library,
    Location,
    MediaPool,
    MediaType,
    Medium,
    MediumId,
    MediumState,
    ObjectType,
    ObjectVersion,
    Protection,
    Session,
    SessionId,
    SessionStatus,
    SessionType,
    Slot,
)

UTC = dt.timezone.utc
T0 = dt.datetime(2026, 1, 1, 12, 0, tzinfo=UTC)
VERSIONS = 40
STEPS = 5


def source_id(k):
    return MediumId.from_fields(1, k, 1, 0)


def target_id(k):
    return MediumId.from_fields(1, k, 2, 0)


def copy_id(k):
    return MediumId.from_fields(1, k, 3, 0)


def session_id(k):
    return SessionId(date=(T0 + dt.timedelta(days=k // 1000)).date(), number=k % 1000 + 1)


def source(k):
    return Medium(
        id=source_id(k),
        label=f"VTL_{k}",
        media_type=MediaType.VIRTUAL,
        pool="VTL",
        capacity=10**12,
        formatted_at=T0,
        barcode=Barcode(f"V{k:06d}"),
        bytes_used=10**9,
        write_count=1,
        first_written=T0,
        last_written=T0,
        protection=Protection.permanent(),
        state=MediumState.APPENDABLE,
    )


def target(k):
    return Medium(
        id=target_id(k),
        label=f"Vault_{k}",
        media_type=MediaType.LTO9,
        pool="Vault",
        capacity=18 * 10**12,
        formatted_at=T0,
        barcode=Barcode(f"P{k:05d}L9"),
        state=MediumState.BLANK,
        location=Location.slot("MSL", k + 1),
    )


def versions(k):
    sid = session_id(k)
    at = dt.datetime.combine(sid.date, dt.time(12), tzinfo=UTC)
    return [
        ObjectVersion(
            object=BackupObject(type=ObjectType.FILESYSTEM, host=f"host{i}", mount="/"),
            session=sid,
            backup_time=at,
            size=i * 1000,
        )
        for i in range(VERSIONS)
    ]


def session(k):
    at = versions(k)[0].backup_time
    return Session(
        id=session_id(k),
        type=SessionType.BACKUP,
        status=SessionStatus.COMPLETED,
        started=at,
        ended=at,
    )


def positions(k):
    return [
        Position(
            medium=source_id(k), object_version=v, first_block=1 + 10 * i, last_block=9 + 10 * i
        )
        for i, v in enumerate(versions(k))
    ]


def setup(catalog):
    if not catalog.pools():
        catalog.load(
            CatalogExport(
                pools=(
                    MediaPool(name="VTL", media_type=MediaType.VIRTUAL),
                    MediaPool(name="Vault", media_type=MediaType.LTO9),
                ),
                libraries=(
                    Library(
                        name="MSL",
                        virtual=False,
                        visible=False,
                        slots=tuple(Slot(ordinal=i, address=i) for i in range(1, 5001)),
                    ),
                ),
            )
        )


def run(catalog, i):
    """Apply operation ``i``."""
    k, step = divmod(i, STEPS)
    at = T0 + dt.timedelta(days=1 + k // 1000)
    if step == 0:
        catalog.add_medium(source(k))
    elif step == 1:
        catalog.add_medium(target(k))
    elif step == 2:
        catalog.record_session(session(k), versions(k), positions(k))
    elif step == 3:
        catalog.reserve_copy(source_id(k), [target_id(k)], at=at)
    else:
        (job,) = catalog.copy_jobs(state=CopyJobState.RESERVED)
        if k % 2 == 0:
            made = catalog.medium(target_id(k))
            copy = Medium(
                id=copy_id(k),
                label=made.label,
                media_type=made.media_type,
                pool=made.pool,
                capacity=made.capacity,
                formatted_at=at,
                barcode=made.barcode,
                bytes_used=10**9,
                write_count=1,
                first_written=at,
                last_written=at,
                location=made.location,
                state=MediumState.NON_APPENDABLE,
                original=source_id(k),
                copy_generation=1,
            )
            catalog.complete_copy(job.id, [copy], verified=True, digest=f"d{k}", at=at)
        else:
            catalog.release_copy(job.id, reason="cancelled", at=at)


def applied(catalog, *, whole_from=0):
    """How many operations of the stream the catalog holds.

    Raises AssertionError if the applied operations are not a prefix of the stream, or
    if an operation of medium ``k >= whole_from`` is there in part (earlier ones were
    checked after earlier kills).
    """
    media = {m.id: m for m in catalog.media()}
    jobs = {j.source: j for j in catalog.copy_jobs()}
    sessions = {s.id for s in catalog.sessions()}
    done = []
    k = 0
    while True:
        flags = [
            source_id(k) in media,
            target_id(k) in media or copy_id(k) in media,
            session_id(k) in sessions,
            source_id(k) in jobs,
            source_id(k) in jobs and jobs[source_id(k)].state is not CopyJobState.RESERVED,
        ]
        if not any(flags):
            break
        done.extend(flags)
        if k < whole_from:
            k += 1
            continue
        if flags[2]:
            assert len(catalog.object_versions(session_id(k))) == VERSIONS
            on_source = catalog.positions_on_medium(source_id(k))
            assert on_source == positions(k), f"session {k} is there in part"
        if flags[4]:
            job = jobs[source_id(k)]
            if k % 2 == 0:
                assert job.state is CopyJobState.COMPLETED
                assert target_id(k) not in media
                assert len(catalog.positions_on_medium(copy_id(k))) == VERSIONS
            else:
                assert job.state is CopyJobState.RELEASED
                assert copy_id(k) not in media
                assert target_id(k) in media
        k += 1
    count = done.index(False) if False in done else len(done)
    assert not any(done[count:]), f"not a prefix of the stream: {done}"
    return count


def main(path, limit):
    with SqliteCatalog(path) as catalog:
        setup(catalog)
        start = applied(catalog, whole_from=sys.maxsize)
        print(f"start {start}", flush=True)
        for i in range(start, limit):
            run(catalog, i)
            print(i, flush=True)


if __name__ == "__main__":
    main(sys.argv[1], int(sys.argv[2]))
