"""Fuzzing the format's decoders and the medium reader with mutated media.

Seed media are written with ``MediumWriter`` (small blocks, several segments, several
objects, a session spanning two media). Mutations: bit flips, truncations, random bytes,
hostile length fields with their header CRC recomputed (so the mutation reaches the
payload parsers), blocks deleted, duplicated or swapped, filemarks inserted, and splices
of two media. Every block input goes to every decoder; every medium input goes through
``MediumReader`` (``verify``, ``scan``, ``read_object`` of every object). The rule: only
``FormatError`` subclasses (or the device's ``MediumError``) come out, and reading holds
memory bounded by the block size (peak Python allocations of the reads are printed).

``--blocks N`` block inputs (default 1,000,000) and ``--media M`` medium inputs (default
20,000); ``--quick`` runs 5,000 and 200. Deterministic for ``--seed``.
"""

from __future__ import annotations

import argparse
import datetime as dt
import random
import time
import tracemalloc

import crc32c

from smartmedia.errors import FormatError, MediumError
from smartmedia.format import (
    FILEMARK,
    Filemark,
    MediumHeader,
    MediumReader,
    MediumWriter,
    MemoryTape,
    decode_block,
    decode_block_header,
    decode_catalog_segment,
    decode_end_of_data,
    decode_medium_header,
    decode_object_start,
    decode_record,
    decode_session_end,
    decode_session_start,
    identify,
)
from smartmedia.model import BackupObject, MediaType, MediumId, ObjectType, ObjectVersion, SessionId

NOW = dt.datetime(2026, 11, 25, tzinfo=dt.timezone.utc)
SESSION = SessionId(date=NOW.date(), number=1)
DECODERS = (
    decode_block_header,
    decode_block,
    decode_medium_header,
    decode_session_start,
    decode_object_start,
    decode_session_end,
    decode_catalog_segment,
    decode_end_of_data,
    decode_record,
)


def seed_media(rng: random.Random) -> list[list[bytes | Filemark]]:
    media: list[list[bytes | Filemark]] = []
    tapes: list[MemoryTape] = []

    def header(n: int) -> MediumHeader:
        return MediumHeader(
            medium_id=MediumId.from_fields(0x0A000001, 1_790_000_000, 3, n),
            label=f"Fuzz_{n}",
            media_type=MediaType.LTO9,
            pool="Fuzz",
            created=NOW,
            block_size=4096,
            segment_size=1 << 20,
        )

    def next_medium(_: MediumHeader) -> tuple[MemoryTape, MediumHeader]:
        tape = MemoryTape(capacity=600_000, early_warning=40_000)
        tapes.append(tape)
        return tape, header(len(tapes))

    first = MemoryTape(capacity=600_000, early_warning=40_000)
    tapes.append(first)
    writer = MediumWriter(first, header(0), next_medium=next_medium, now=lambda: NOW)
    writer.begin_session(SESSION)
    for i in range(6):
        obj = BackupObject(type=ObjectType.FILESYSTEM, host=f"h{i}", mount=f"/m/{i}")
        size = rng.choice((0, 1, 4040, 100_000, 300_000))
        writer.write_object(
            ObjectVersion(object=obj, session=SESSION, backup_time=NOW), [rng.randbytes(size)]
        )
    writer.end_session()
    writer.close()
    for tape in tapes:
        media.append(list(tape.items))
    return media


def mutate_block(rng: random.Random, block: bytes) -> bytes:
    data = bytearray(block)
    kind = rng.randrange(6)
    if kind == 0 and data:  # bit flips
        for _ in range(rng.randint(1, 3)):
            i = rng.randrange(len(data))
            data[i] ^= 1 << rng.randrange(8)
    elif kind == 1:  # truncation
        del data[rng.randrange(len(data) + 1) :]
    elif kind == 2:  # random bytes
        return rng.randbytes(rng.randrange(0, 600))
    elif kind == 3 and len(data) >= 56:  # hostile length or count, header CRC made right
        offset = rng.choice((10, 40, 56, 58, 60, 88, 92))
        if offset + 4 <= len(data):
            data[offset : offset + 4] = rng.choice((b"\xff\xff\xff\xff", b"\x00\x00\x10\x00"))
        data[52:56] = crc32c.crc32c(bytes(data[:52])).to_bytes(4, "little")
        if rng.random() < 0.5 and len(data) > 56:  # and the payload CRC too
            payload_length = int.from_bytes(data[40:44], "little")
            payload = bytes(data[56 : 56 + payload_length])
            data[44:48] = crc32c.crc32c(payload).to_bytes(4, "little")
            data[52:56] = crc32c.crc32c(bytes(data[:52])).to_bytes(4, "little")
    elif kind == 4:  # splice two halves
        cut = rng.randrange(len(data) + 1)
        data = data[:cut] + data[: len(data) - cut]
    elif data:
        i = rng.randrange(len(data))
        data[i : i + 8] = rng.randbytes(8)
    return bytes(data)


def mutate_medium(
    rng: random.Random, media: list[list[bytes | Filemark]]
) -> list[bytes | Filemark]:
    items = list(rng.choice(media))
    for _ in range(rng.randint(1, 3)):
        kind = rng.randrange(6)
        i = rng.randrange(len(items))
        if kind == 0 and isinstance(items[i], bytes):
            items[i] = mutate_block(rng, items[i])  # type: ignore[arg-type]
        elif kind == 1:
            del items[i]
        elif kind == 2:
            items.insert(i, items[rng.randrange(len(items))])
        elif kind == 3:
            j = rng.randrange(len(items))
            items[i], items[j] = items[j], items[i]
        elif kind == 4:
            items.insert(i, FILEMARK)
        else:
            other = rng.choice(media)
            items = items[:i] + other[rng.randrange(len(other)) :]
    return [x for x in items if isinstance(x, Filemark) or len(x) > 0]


def read_everything(items: list[bytes | Filemark]) -> None:
    tape = MemoryTape(items)
    try:
        reader = MediumReader(tape)
    except (FormatError, MediumError):
        return
    reader.verify()
    contents = reader.scan()
    for found in contents.objects:
        try:
            for _ in reader.read_object(found.session, found.index, first_block=found.first_block):
                pass
        except (FormatError, MediumError):
            pass


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--quick", action="store_true")
    parser.add_argument("--blocks", type=int, default=1_000_000)
    parser.add_argument("--media", type=int, default=20_000)
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args()
    blocks_n, media_n = (5_000, 200) if args.quick else (args.blocks, args.media)
    rng = random.Random(args.seed)
    media = seed_media(rng)
    blocks = [b for m in media for b in m if isinstance(b, bytes)]
    escaped: list[str] = []
    t0 = time.process_time()
    for _ in range(blocks_n):
        block = mutate_block(rng, rng.choice(blocks))
        for decode in DECODERS:
            try:
                decode(block)
            except FormatError:
                pass
            except Exception as error:
                escaped.append(f"{decode.__name__}: {type(error).__name__}: {error}")
        identify(block)
    t1 = time.process_time()
    peak = 0
    for n in range(media_n):
        items = mutate_medium(rng, media)
        measure = n % 50 == 0
        if measure:
            tracemalloc.start()
        try:
            read_everything(items)
        except (FormatError, MediumError):
            pass
        except Exception as error:
            escaped.append(f"medium: {type(error).__name__}: {error}")
        if measure:
            peak = max(peak, tracemalloc.get_traced_memory()[1])
            tracemalloc.stop()
    t2 = time.process_time()
    print(f"block inputs  {blocks_n:>10,} x {len(DECODERS)} decoders  {t1 - t0:7.1f} s CPU")
    print(f"medium inputs {media_n:>10,} (verify, scan, read)   {t2 - t1:7.1f} s CPU")
    print(
        f"peak Python allocations while reading a medium: {peak / 1024:.0f} KiB (block size 4 KiB)"
    )
    print(f"errors other than FormatError/MediumError: {len(escaped)}")
    for line in escaped[:10]:
        print("  ", line)
    if escaped:
        raise SystemExit(1)


if __name__ == "__main__":
    main()
