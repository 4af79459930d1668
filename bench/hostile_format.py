"""Hostile input to the format's containers and readers, by attack class, with counts.

Each class builds media and files with the library, damages them the way an attacker or
a failing disk would — with checksums recomputed where the attack is on a field, so that
only the field is wrong — and checks the rules of ``docs/format.md``:

* lab cartridge files (``SMTAPE``) and tape images: opening never changes a file opened
  read-only; only a torn tail (nothing good after it) is left out; damage in the middle
  is one bad block, and every other record reads as written;
* cartridge file headers: anything hostile is a ``ValidationError`` naming the file;
* catalog chains that do not go strictly backwards: a bounded fall-back to reading the
  blocks, with the same contents as the intact medium;
* strings outside their limits, integers of 2^63 or more: ``FormatError`` (damage) from
  decoders and readers, never another exception.

Prints, per class, the cases tried and how many held, then
``N cases; K broke the rules``. ``--quick`` tries fewer cases (seconds); ``--seed``.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import random
import struct
import tempfile
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import crc32c

from smartmedia.errors import FormatError, MediumError, ValidationError
from smartmedia.format import (
    END_OF_DATA,
    FILEMARK,
    CatalogSegment,
    EndOfDataRecord,
    Filemark,
    MediumHeader,
    MediumReader,
    MediumWriter,
    MemoryTape,
    RecordAt,
    TapeImage,
    decode_record,
)
from smartmedia.model import BackupObject, MediaType, MediumId, ObjectType, ObjectVersion, SessionId
from smartmedia.sim import DirectoryStore, FileImage

NOW = dt.datetime(2026, 11, 25, tzinfo=dt.timezone.utc)
SESSION = SessionId(date=NOW.date(), number=1)
Outcome = Iterator[str | None]  # one item per case: None if it held, else what broke


# ------------------------------------------------------------------ lab cartridge files


def _cartridge(directory: Path, objects: list[bytes | Filemark]) -> Path:
    store = DirectoryStore(directory, sync=False)
    image = store.create("HOST01L9", MediaType.LTO9, capacity=10**9)
    image.append_objects(objects)
    image.flush()
    store.close()
    return directory / "HOST01L9.img"


def _read_cartridge(path: Path) -> tuple[list[object], int]:
    fd = os.open(path, os.O_RDONLY)
    image = FileImage(fd, name=str(path), sync=False)
    try:
        got: list[object] = []
        for p in range(image.count):
            try:
                item = image.read(p)
                got.append(item if item is FILEMARK else bytes(item))  # type: ignore[arg-type]
            except MediumError:
                got.append("bad")
        return got, image.torn_bytes
    finally:
        image.close()


def _offsets(objects: list[bytes | Filemark], start: int) -> tuple[list[int], int]:
    offsets, at = [], start
    for obj in objects:
        offsets.append(at)
        at += 16 + (0 if isinstance(obj, Filemark) else len(obj))
    return offsets, at


def cartridge_bit_flips(directory: Path, rng: random.Random, quick: bool) -> Outcome:
    objects: list[bytes | Filemark] = [rng.randbytes(120), FILEMARK, rng.randbytes(80)]
    path = _cartridge(directory, objects)
    original = path.read_bytes()
    offsets, end = _offsets(objects, 4096)
    meta_end = 12 + struct.unpack_from("<I", original, 8)[0]
    spots = [*range(meta_end), *range(4096, end)]
    for at in spots[:: 3 if quick else 1]:
        for bit in (rng.randrange(8),) if quick else range(8):
            data = bytearray(original)
            data[at] ^= 1 << bit
            path.write_bytes(data)
            try:
                got, torn = _read_cartridge(path)
            except ValidationError as error:
                yield None if at < meta_end and str(path) in str(error) else f"{at}: {error}"
                continue
            if path.read_bytes() != data:
                yield f"byte {at}: opening changed the file"
                continue
            if at < meta_end:
                yield None
                continue
            hit = sum(at >= o for o in offsets) - 1
            if hit == 2 and at < offsets[2] + 16:
                ok = got == objects[:2] and torn == end - offsets[2]
            else:
                ok = got == ["bad" if i == hit else o for i, o in enumerate(objects)]
            yield None if ok else f"byte {at} bit {bit}: read {got!r:.80}"


def cartridge_truncations(directory: Path, rng: random.Random, quick: bool) -> Outcome:
    objects: list[bytes | Filemark] = [rng.randbytes(100), FILEMARK, rng.randbytes(3000)]
    path = _cartridge(directory, objects)
    original = path.read_bytes()
    offsets, end = _offsets(objects, 4096)
    for size in range(4096, end, 7 if quick else 1):
        path.write_bytes(original[:size])
        got, torn = _read_cartridge(path)
        whole = sum(
            o + 16 + (0 if isinstance(x, Filemark) else len(x)) <= size
            for o, x in zip(offsets, objects, strict=True)
        )
        ok = got == objects[:whole] and len(path.read_bytes()) == size
        yield None if ok else f"cut at {size}: {len(got)} records, torn {torn}"


def cartridge_headers(directory: Path, rng: random.Random, quick: bool) -> Outcome:
    del quick
    good = {"barcode": "HOST01L9", "media_type": "LTO-9", "capacity": 10**9}
    metas = [
        b"[" * 3000 + b"]" * 3000,
        b'{"a":' * 1300 + b"1" + b"}" * 1300,
        b'{"barcode": "HOST01L9", "media_type": "LTO-9", "capacity": ' + b"9" * 4000 + b"}",
        b"[1]",
        b"null",
        b'"x"',
        b"1e999",
        b"\xff\xfe",
        b"",
        *(
            json.dumps({**good, key: value}).encode()
            for key, value in (
                ("capacity", 1 << 63),
                ("capacity", 0),
                ("capacity", -1),
                ("capacity", True),
                ("capacity", 1.5),
                ("capacity", "9"),
                ("media_type", "LTO-99"),
                ("media_type", None),
                ("barcode", "../x"),
                ("barcode", "A" * 17),
                ("barcode", 7),
                ("write_protected", 1),
            )
        ),
        b'{"barcode": "HOST01L9", "media_type": "LTO-9", "capacity": NaN}',
        b'{"barcode": "HOST01L9", "media_type": "LTO-9", "capacity": -Infinity}',
    ]
    lengths = [None] * len(metas) + [4085, 4096, 1 << 31, (1 << 32) - 1]
    metas += [json.dumps(good).encode()] * 4
    metas += [rng.randbytes(rng.randrange(1, 4000)) for _ in range(200)]
    lengths += [None] * 200
    path = directory / "HOST01L9.img"
    for meta, length in zip(metas, lengths, strict=True):
        size = len(meta) if length is None else length
        head = b"SMTAPE\x00\x01" + struct.pack("<I", size) + meta
        path.write_bytes(head.ljust(4096, b"\x00")[:4096])
        try:
            _read_cartridge(path)
        except ValidationError as error:
            yield None if str(path) in str(error) else f"unnamed: {error}"
        except Exception as error:
            yield f"{type(error).__name__}: {error!s:.80}"
        else:
            yield None if meta.startswith(b"{") else f"accepted {meta[:40]!r}"


# --------------------------------------------------------------------------- tape images


def _read_image(path: Path, *, writable: bool) -> list[object]:
    got: list[object] = []
    with TapeImage.open(path, writable=writable) as image:
        while True:
            try:
                item = image.read_block()
            except MediumError:
                got.append("bad")
                continue
            if item is END_OF_DATA:
                return got
            got.append(item if item is FILEMARK else bytes(item))  # type: ignore[arg-type]


def image_bit_flips(directory: Path, rng: random.Random, quick: bool) -> Outcome:
    frames: list[bytes | Filemark] = [rng.randbytes(200), FILEMARK, rng.randbytes(300), FILEMARK]
    frames += [rng.randbytes(100)]
    path = directory / "tape.img"
    with TapeImage.create(path, exist_ok=True) as image:
        for frame in frames:
            if isinstance(frame, Filemark):
                image.write_filemarks(1)
            else:
                image.write_block(frame)
    original = path.read_bytes()
    offsets, end = _offsets(frames, 48)
    for at in range(48, end, 2 if quick else 1):
        for bit in (rng.randrange(8),) if quick else range(8):
            data = bytearray(original)
            data[at] ^= 1 << bit
            path.write_bytes(data)
            hit = sum(at >= o for o in offsets) - 1
            got = _read_image(path, writable=False)
            unchanged = path.read_bytes() == data
            got_writable = _read_image(path, writable=True)
            if hit == len(frames) - 1:
                ok = got == got_writable == frames[:-1] and path.stat().st_size == offsets[-1]
            else:
                want = ["bad" if i == hit else f for i, f in enumerate(frames)]
                ok = got == got_writable == want and path.read_bytes() == data
            yield None if ok and unchanged else f"byte {at} bit {bit}: {got!r:.80}"


# ----------------------------------------------------------------------- readers, codecs


def _medium(rng: random.Random) -> tuple[list[bytes | Filemark], list[int], int]:
    header = MediumHeader(
        medium_id=MediumId.from_fields(0x0A000001, 1_790_000_000, 3, 1),
        label="Hostile",
        media_type=MediaType.LTO9,
        pool="Hostile",
        created=NOW,
        block_size=16384,
        segment_size=1 << 20,
    )
    tape = MemoryTape()
    writer = MediumWriter(tape, header, now=lambda: NOW)
    writer.begin_session(SESSION)
    for i in range(3):
        obj = BackupObject(type=ObjectType.FILESYSTEM, host=f"h{i}", mount=f"/m/{i}")
        version = ObjectVersion(object=obj, session=SESSION, backup_time=NOW)
        writer.write_object(version, [rng.randbytes(1_100_000)])
    writer.end_session()
    writer.close()
    items = list(tape.items)
    reader = MediumReader(MemoryTape(items))
    catalogs, eod = [], 0
    for record in reader.records():
        if isinstance(record, RecordAt) and isinstance(record.value, CatalogSegment):
            if record.value.part == 1:
                catalogs.append(record.block)
        elif isinstance(record, RecordAt) and isinstance(record.value, EndOfDataRecord):
            eod = record.block
    return items, catalogs, eod


def _patched(
    items: list[bytes | Filemark],
    position: int,
    offset: int,
    fmt: str,
    value: int,
) -> list[bytes | Filemark]:
    out = list(items)
    block = bytearray(out[position])  # type: ignore[arg-type]
    struct.pack_into(fmt, block, offset, value)
    length = struct.unpack_from("<I", block, 40)[0]
    struct.pack_into("<I", block, 44, crc32c.crc32c(bytes(block[56 : 56 + length])))
    struct.pack_into("<I", block, 52, crc32c.crc32c(bytes(block[:52])))
    out[position] = bytes(block)
    return out


class _Counting:
    def __init__(self, tape: MemoryTape) -> None:
        self.tape, self.reads = tape, 0

    def read_block(self) -> object:
        self.reads += 1
        return self.tape.read_block()

    @property
    def position(self) -> int:
        return self.tape.position

    def locate(self, position: int) -> None:
        self.tape.locate(position)


def catalog_chains(directory: Path, rng: random.Random, quick: bool) -> Outcome:
    del directory
    items, catalogs, eod = _medium(rng)
    intact = MediumReader(MemoryTape(items)).scan().objects
    targets = [*catalogs, eod, 0, 1, len(items) - 1, len(items) + 5, (1 << 63) - 1]
    for _ in range(60 if quick else 1500):
        crafted = items
        for _ in range(rng.randint(1, 3)):
            if rng.random() < 0.3:
                crafted = _patched(crafted, eod, 56, "<Q", rng.choice(targets))
            else:  # a catalog's previous_catalog
                crafted = _patched(
                    crafted, rng.choice(catalogs), 56 + 24, "<Q", rng.choice(targets)
                )
        if rng.random() < 0.5:
            crafted = _patched(crafted, eod, 56 + 12, "<I", rng.choice((0xFFFFFFFF, 2, 3, 4)))
        counting = _Counting(MemoryTape(crafted))
        try:
            found = MediumReader(counting).scan().objects  # type: ignore[arg-type]
        except Exception as error:
            yield f"{type(error).__name__}: {error!s:.80}"
            continue
        ok = counting.reads <= 2 * len(crafted) + 8 and found == intact
        yield None if ok else f"reads {counting.reads} of {len(crafted)}, same {found == intact}"


def _object_start(index: int, strings: list[bytes]) -> bytes:
    payload = struct.pack("<IIIIqQ", 20261125, 1, 1, 0, 0, 0)
    payload += b"".join(struct.pack("<H", len(s)) + s for s in strings)
    head = struct.pack(
        "<4sBBHHHIIIQQIII",
        b"SMTB",
        1,
        0,
        3,
        0,
        56,
        20261125,
        1,
        1,
        0,
        index,
        len(payload),
        crc32c.crc32c(payload),
        0,
    )
    return head + struct.pack("<I", crc32c.crc32c(head)) + payload


def _hostile_text(rng: random.Random, limit: int) -> bytes:
    pick = rng.randrange(5)
    if pick == 0:
        return rng.randbytes(rng.randrange(limit + 1))  # any bytes, maybe not UTF-8
    if pick == 1:
        return b"x" * rng.choice((0, 255, 256, 1024, 1025, limit))
    if pick == 2:
        return "".join(chr(rng.randrange(0x110000)) for _ in range(rng.randrange(300))).encode(
            errors="ignore"
        )[:limit]
    if pick == 3:
        return rng.choice(("\x00", "\n", "\u00a0", "\u200b", "\ufeff", "a\tb")).encode()
    return ("\U0001f600" * rng.randrange(1100)).encode()[:limit]


def strings_out_of_limits(directory: Path, rng: random.Random, quick: bool) -> Outcome:
    del directory
    items, _, _ = _medium(rng)
    start = next(i for i, b in enumerate(items) if isinstance(b, bytes) and b[6] == 3)
    for _ in range(300 if quick else 10_000):
        strings = [
            rng.choice((b"filesystem", b"integration", rng.randbytes(8))),
            _hostile_text(rng, 1024),
            _hostile_text(rng, 4096),
            _hostile_text(rng, 1024),
        ]
        block = _object_start(start, strings)
        try:
            decode_record(block, block_index=start)
            crafted = [*items[:start], block, *items[start + 1 :]]
            reader = MediumReader(MemoryTape(crafted))
            reader.verify()
            reader.scan(full=True)
            yield None
        except FormatError:
            yield None
        except Exception as error:
            yield f"{type(error).__name__}: {error!s:.80}"


def _extents(block: bytes | Filemark) -> list[int]:
    """Offsets in ``block`` of the extent entries of a catalog part (after the kind)."""
    assert isinstance(block, bytes)
    (count,) = struct.unpack_from("<I", block, 56 + 32)
    at, found = 56 + 36, []
    for _ in range(count):
        if block[at] == 1:
            at += 17 + struct.unpack_from("<I", block, at + 13)[0]
        else:
            found.append(at + 1)
            at += 49
    return found


def integers_past_2_63(directory: Path, rng: random.Random, quick: bool) -> Outcome:
    del directory
    items, catalogs, eod = _medium(rng)
    fields = [(eod, 56 + o) for o in (0, 16, 24)]
    fields += [(c, 56 + o) for c in catalogs for o in (8, 16, 24)]
    fields += [(c, e + o) for c in catalogs for e in _extents(items[c]) for o in (16, 24, 32, 40)]
    fields += [(p, o) for p in (3, 5, 9) for o in (24, 32)]  # block header sequence, index
    values = [1 << 63, (1 << 64) - 1, (1 << 63) + 1]
    for position, offset in fields * (1 if quick else 20):
        crafted = _patched(items, position, offset, "<Q", rng.choice(values))
        try:
            decode_record(crafted[position], block_index=position)  # type: ignore[arg-type]
            yield f"block {position} offset {offset}: decoded"
            continue
        except FormatError:
            pass
        except Exception as error:
            yield f"{type(error).__name__}: {error!s:.80}"
            continue
        try:
            reader = MediumReader(MemoryTape(crafted))
            damaged = [d.block for d in reader.verify().damaged]
            reader.scan()
            yield None if position in damaged else f"block {position} not reported"
        except Exception as error:
            yield f"{type(error).__name__}: {error!s:.80}"


ATTACKS: list[tuple[str, Callable[[Path, random.Random, bool], Outcome]]] = [
    ("cartridge file: bit flips", cartridge_bit_flips),
    ("cartridge file: truncations", cartridge_truncations),
    ("cartridge file: hostile headers", cartridge_headers),
    ("tape image: bit flips in last frames", image_bit_flips),
    ("catalog chains not going back", catalog_chains),
    ("strings out of limits", strings_out_of_limits),
    ("integers of 2^63 or more", integers_past_2_63),
]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--quick", action="store_true", help="fewer cases of each class")
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args()
    rng = random.Random(args.seed)
    failures: list[str] = []
    rows: list[tuple[str, int, int, float]] = []
    for name, attack in ATTACKS:
        start = time.process_time()
        cases = held = 0
        with tempfile.TemporaryDirectory() as scratch:
            for outcome in attack(Path(scratch), rng, args.quick):
                cases += 1
                if outcome is None:
                    held += 1
                else:
                    failures.append(f"{name}: {outcome}")
        rows.append((name, cases, held, time.process_time() - start))
    print(f"{'attack class':<38} {'cases':>8} {'held':>8} {'CPU s':>7}")
    for name, cases, held, cpu in rows:
        print(f"{name:<38} {cases:>8} {held:>8} {cpu:>7.1f}")
    total = sum(r[1] for r in rows)
    print(f"{total} cases; {len(failures)} broke the rules")
    for failure in failures[:10]:
        print("  ", failure)
    if failures:
        raise SystemExit(1)


if __name__ == "__main__":
    main()
