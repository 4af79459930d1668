"""Codec cost: writing, then reading and verifying, a medium in memory.

For each block size, writes a medium of SIZE bytes of object data with ``MediumWriter``
onto a ``MemoryTape``, then reads it back with ``MediumReader.verify()`` (every block
decoded, both CRC32Cs checked, the payload digest computed) and with ``read_object``
(the data handed to the caller block by block). The baseline, measured in the same run,
is a plain memory copy of the same bytes into blocks of the same size (256 KiB and 64
KiB blocks, then 32 KiB, 1 MiB and 2 MiB for the throughput curve). The target is at
most 1.5x (one copy plus a CRC32C pass on each side is about 1.3x: the floor).

Memory: the peak of Python allocations while verifying a tape image file of the
same medium, against the block size: reading holds one block, whatever the medium's size.
``--quick`` runs a small size only, to check that the bench works.
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import tempfile
import time
import tracemalloc
from collections.abc import Callable
from pathlib import Path

from smartmedia.format import MediumHeader, MediumReader, MediumWriter, MemoryTape, TapeImage
from smartmedia.model import BackupObject, MediaType, MediumId, ObjectType, ObjectVersion, SessionId

NOW = dt.datetime(2026, 11, 25, tzinfo=dt.timezone.utc)
SESSION = SessionId(date=NOW.date(), number=1)
VERSION = ObjectVersion(
    object=BackupObject(type=ObjectType.FILESYSTEM, host="bench", mount="/data"),
    session=SESSION,
    backup_time=NOW,
)
CHUNK = 1 << 20


def header(block_size: int) -> MediumHeader:
    return MediumHeader(
        medium_id=MediumId("0a000001:67000000:0001:0001"),
        label="Bench_1",
        media_type=MediaType.LTO9,
        pool="Bench",
        created=NOW,
        block_size=block_size,
        segment_size=256 * CHUNK,
    )


def source(size: int) -> memoryview:
    pattern = os.urandom(CHUNK)
    return memoryview(pattern * (size // CHUNK))


def chunks(data: memoryview) -> list[memoryview]:
    return [data[i : i + CHUNK] for i in range(0, len(data), CHUNK)]


def write(data: memoryview, block_size: int) -> MemoryTape:
    tape = MemoryTape()
    writer = MediumWriter(tape, header(block_size), now=lambda: NOW)
    writer.begin_session(SESSION)
    writer.write_object(VERSION, chunks(data))
    writer.end_session()
    writer.close()
    return tape


def read_object(tape: MemoryTape) -> int:
    total = 0
    for view in MediumReader(tape).read_object(SESSION, 1):
        total += len(view)
    return total


def copy_baseline(data: memoryview, block_size: int) -> list[bytes]:
    step = block_size - 56
    return [bytes(data[i : i + step]) for i in range(0, len(data), step)]


def best_of(repeats: int, action: Callable[[], object]) -> float:
    times = []
    for _ in range(repeats):
        t0 = time.perf_counter()
        action()
        times.append(time.perf_counter() - t0)
    return min(times)


def peak_verify_memory(tape: MemoryTape, directory: Path) -> tuple[int, int]:
    path = directory / "bench.img"
    with TapeImage.create(path, exist_ok=True) as image:
        for item in tape.items:
            if isinstance(item, bytes):
                image.write_block(item)
            else:
                image.write_filemarks(1)
    tracemalloc.start()
    with TapeImage.open(path) as image:
        report = MediumReader(image).verify()
    peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    assert report.ok
    size = path.stat().st_size
    path.unlink()
    return size, peak


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--quick", action="store_true", help="small size, just check it runs")
    args = parser.parse_args()
    size = (16 if args.quick else 1024) * CHUNK
    repeats = 1 if args.quick else 3
    data = source(size)
    print(f"medium of {size / 2**30:.3f} GiB of object data, best of {repeats}")
    print(
        f"{'block':>8} {'copy s':>8} {'write s':>8} {'verify s':>9} {'read s':>8} "
        f"{'w+verify':>9} {'w+read':>8}"
    )
    sizes = (256, 64) if args.quick else (256, 64, 32, 1024, 2048)
    for block_size in (k * 1024 for k in sizes):
        baseline = best_of(repeats, lambda b=block_size: copy_baseline(data, b))
        write_time = best_of(repeats, lambda b=block_size: write(data, b))
        tape = write(data, block_size)
        verify_time = best_of(repeats, lambda t=tape: MediumReader(t).verify())
        read_time = best_of(repeats, lambda t=tape: read_object(t))
        assert read_object(tape) == size
        print(
            f"{block_size // 1024:>6}Ki {baseline:>8.3f} {write_time:>8.3f} {verify_time:>9.3f} "
            f"{read_time:>8.3f} {(write_time + verify_time) / baseline:>8.2f}x "
            f"{(write_time + read_time) / baseline:>7.2f}x"
        )
        del tape
    with tempfile.TemporaryDirectory() as directory:
        tape = write(source((8 if args.quick else 256) * CHUNK), 256 * 1024)
        image_size, peak = peak_verify_memory(tape, Path(directory))
        print(
            f"verify of a {image_size / 2**20:.0f} MiB image file: peak Python allocations "
            f"{peak / 2**20:.2f} MiB (largest block 2 MiB)"
        )


if __name__ == "__main__":
    main()
