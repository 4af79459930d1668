"""Catalog scale: recording object versions, and the restore and not-yet-copied queries.

For each size N (object versions; default 10k, 100k and 1M), builds a file catalog of
N / 100 virtual media, each written by one backup session of 100 versions, and copies
every tenth medium onto a physical tape. Prints the time to record, then the median
time of two queries:

* ``restore_candidates`` of a random recorded version;
* ``not_yet_copied`` of the pool, for the media written in the last 50 sessions (the
  answer has the same size at every N, so an index-backed query should barely grow).

and the growth ratio of each figure between successive sizes. The target: both
queries grow by less than 2x from 100k to 1M rows. ``--quick`` runs tiny sizes only
(5k and 20k: the smallest at which both sizes give the same not-yet-copied answer).
"""

from __future__ import annotations

import argparse
import datetime as dt
import itertools
import random
import statistics
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

from smartmedia.catalog import Position, SqliteCatalog
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
T0 = dt.datetime(2026, 1, 1, tzinfo=UTC)
PER_SESSION = 100
COPY_EVERY = 10
RECENT = 50


def medium_id(kind: int, k: int) -> MediumId:
    return MediumId.from_fields(0x0A000001, k, kind, 0)


def session_time(k: int) -> dt.datetime:
    return T0 + dt.timedelta(minutes=10 * k)


def build(path: Path, rows: int) -> tuple[SqliteCatalog, list[ObjectVersion], float]:
    """A catalog of ``rows`` versions; returns it, a sample of versions, and record time."""
    catalog = SqliteCatalog(path)
    n_media = rows // PER_SESSION
    catalog.add_pool(MediaPool(name="VTL", media_type=MediaType.VIRTUAL))
    catalog.add_pool(MediaPool(name="Vault", media_type=MediaType.LTO9))
    catalog.add_library(
        Library(
            name="MSL",
            virtual=False,
            visible=False,
            slots=tuple(Slot(ordinal=i, address=i) for i in range(1, n_media // COPY_EVERY + 2)),
        )
    )
    sample: list[ObjectVersion] = []
    rng = random.Random(rows)
    started = time.perf_counter()
    for k in range(n_media):
        at = session_time(k)
        medium = Medium(
            id=medium_id(1, k),
            label=f"VTL_{k + 1}",
            media_type=MediaType.VIRTUAL,
            pool="VTL",
            capacity=10**12,
            formatted_at=T0,
            barcode=Barcode(f"V{k:07d}"),
            bytes_used=PER_SESSION * 10**8,
            write_count=1,
            first_written=at,
            last_written=at,
            protection=Protection.for_period(at, dt.timedelta(days=90)),
            state=MediumState.FULL,
        )
        catalog.add_medium(medium)
        sid = SessionId(date=at.date(), number=k + 1)
        versions = [
            ObjectVersion(
                object=BackupObject(type=ObjectType.FILESYSTEM, host=f"host{i}", mount="/"),
                session=sid,
                backup_time=at,
                size=10**8,
            )
            for i in range(PER_SESSION)
        ]
        positions = [
            Position(
                medium=medium.id,
                object_version=v,
                first_block=2 + 400 * i,
                last_block=2 + 400 * i + 380,
            )
            for i, v in enumerate(versions)
        ]
        catalog.record_session(
            Session(
                id=sid,
                type=SessionType.BACKUP,
                status=SessionStatus.COMPLETED,
                started=at,
                ended=at + dt.timedelta(minutes=5),
            ),
            versions,
            positions,
        )
        sample.append(rng.choice(versions))
        if k % COPY_EVERY == 0:
            copy_medium(catalog, medium, k)
    return catalog, sample, time.perf_counter() - started


def copy_medium(catalog: SqliteCatalog, source: Medium, k: int) -> None:
    slot = k // COPY_EVERY + 1
    target = Medium(
        id=medium_id(2, k),
        label=f"Vault_{slot}",
        media_type=MediaType.LTO9,
        pool="Vault",
        capacity=18 * 10**12,
        formatted_at=T0,
        barcode=Barcode(f"P{slot:05d}L9"),
        state=MediumState.BLANK,
        location=Location.slot("MSL", slot),
    )
    catalog.add_medium(target)
    at = session_time(k) + dt.timedelta(minutes=6)
    job = catalog.reserve_copy(source.id, [target.id], at=at)
    copy = Medium(
        id=medium_id(3, k),
        label=target.label,
        media_type=target.media_type,
        pool="Vault",
        capacity=target.capacity,
        formatted_at=at,
        barcode=target.barcode,
        bytes_used=source.bytes_used,
        write_count=1,
        first_written=at,
        last_written=at,
        protection=source.protection,
        location=target.location,
        state=MediumState.NON_APPENDABLE,
        original=source.id,
        copy_generation=1,
    )
    catalog.complete_copy(job.id, [copy], verified=True, digest=f"crc32c:{k:08x}", at=at)


def median_time(repeats: int, action: Callable[[int], object]) -> float:
    times = []
    for i in range(repeats):
        t0 = time.perf_counter()
        action(i)
        times.append(time.perf_counter() - t0)
    return statistics.median(times)


def measure(rows: int, directory: Path) -> dict[str, float]:
    catalog, sample, record = build(directory / f"catalog-{rows}.db", rows)
    n_media = rows // PER_SESSION
    since = session_time(max(n_media - RECENT, 0))
    try:
        found = catalog.not_yet_copied("VTL", since=since)
        assert 0 < len(found) <= RECENT, len(found)
        assert catalog.restore_candidates(sample[0])
        restore = median_time(200, lambda i: catalog.restore_candidates(sample[i % len(sample)]))
        uncopied = median_time(50, lambda _: catalog.not_yet_copied("VTL", since=since))
        report = catalog.check()
        assert report.ok, str(report)
    finally:
        catalog.close()
    return {"record": record, "per_row": record / rows, "restore": restore, "uncopied": uncopied}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="tiny sizes, to check the bench")
    parser.add_argument("--sizes", type=int, nargs="*", help="object versions per run")
    args = parser.parse_args()
    sizes = args.sizes or ([5_000, 20_000] if args.quick else [10_000, 100_000, 1_000_000])
    results: dict[int, dict[str, float]] = {}
    print(
        f"{'rows':>10} {'media':>7} {'record s':>9} {'us/row':>7} "
        f"{'restore ms':>10} {'uncopied ms':>11}"
    )
    with tempfile.TemporaryDirectory() as tmp:
        for rows in sizes:
            r = measure(rows, Path(tmp))
            results[rows] = r
            print(
                f"{rows:>10,} {rows // PER_SESSION:>7,} {r['record']:>9.1f} "
                f"{r['per_row'] * 1e6:>7.1f} {r['restore'] * 1e3:>10.3f} "
                f"{r['uncopied'] * 1e3:>11.3f}",
                flush=True,
            )
    print("\ngrowth between sizes (1.0 = flat; target < 2x for the queries, 100k -> 1M):")
    for small, big in itertools.pairwise(sizes):
        a, b = results[small], results[big]
        print(
            f"  {small:,} -> {big:,} rows: record per row {b['per_row'] / a['per_row']:.2f}x, "
            f"restore {b['restore'] / a['restore']:.2f}x, "
            f"not-yet-copied {b['uncopied'] / a['uncopied']:.2f}x"
        )


if __name__ == "__main__":
    main()
