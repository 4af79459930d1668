"""Lab cartridge files (``SMTAPE``): torn tails, damage in the middle, hostile headers.

The rules are those of docs/format.md, "Lab cartridge files": opening never changes a
file; only a torn tail (nothing valid after it) is left out, and cut by the next write;
a damaged record header with good records after it is one bad block.
"""

from __future__ import annotations

import json
import os
import struct

import crc32c
import pytest

from smartmedia.errors import MediumError, ValidationError
from smartmedia.format import FILEMARK
from smartmedia.model import MediaType
from smartmedia.sim import DirectoryStore, FileImage

HEADER = 4096
RECORDS = [b"a" * 100, FILEMARK, b"c" * 100]


def _make(tmp_path, objects=RECORDS, name="CART01L9"):
    store = DirectoryStore(tmp_path)
    image = store.create(name, MediaType.LTO9, capacity=10**9)
    image.append_objects(objects)
    image.flush()
    store.close()
    return tmp_path / f"{name}.img"


def _open(path, *, writable=False):
    fd = os.open(path, os.O_RDWR if writable else os.O_RDONLY)
    return FileImage(fd, name=str(path), sync=False)


def _objects(image):
    out = []
    for p in range(image.count):
        try:
            out.append(image.read(p))
        except MediumError:
            out.append("damaged")
    return out


def _record_offsets(objects):
    offsets, at = [], HEADER
    for obj in objects:
        offsets.append(at)
        at += 16 + (0 if obj is FILEMARK else len(obj))
    return offsets, at


def test_one_flipped_bit_mid_file_is_a_bad_block_and_opening_changes_nothing(tmp_path):
    blocks = [os.urandom(3000) for _ in range(40)]
    path = _make(tmp_path, blocks)
    offsets, _ = _record_offsets(blocks)
    data = bytearray(path.read_bytes())
    data[offsets[20] + 5] ^= 0x10  # the length field of record 20's header
    path.write_bytes(bytes(data))
    store = DirectoryStore(tmp_path)
    image = store.get("CART01L9")
    assert path.read_bytes() == bytes(data)  # opening wrote nothing
    assert image.count == 40
    assert image.damaged_positions == (20,)
    with pytest.raises(MediumError) as caught:
        image.read(20)
    assert caught.value.block == 20
    assert [image.read(p) for p in (19, 21, 39)] == [blocks[19], blocks[21], blocks[39]]
    with pytest.raises(MediumError):
        list(image.iter_from(18))
    store.close()


def test_bit_flips_at_every_byte_of_a_three_record_image(tmp_path):
    path = _make(tmp_path)
    original = path.read_bytes()
    offsets, end = _record_offsets(RECORDS)
    meta_end = 12 + struct.unpack_from("<I", original, 8)[0]
    cases = 0
    messages = []
    for at in range(len(original)):
        data = bytearray(original)
        data[at] ^= 1 << (at % 8)
        path.write_bytes(bytes(data))
        cases += 1
        if at < meta_end:
            try:  # the file header: refused by name, or another (valid) header
                _open(path).close()
            except ValidationError as error:
                messages.append(str(error))
            continue
        image = _open(path)
        got = _objects(image)
        assert path.read_bytes() == bytes(data)
        if offsets[2] <= at < offsets[2] + 16:  # the last header: a torn tail
            assert got == RECORDS[:2]
            assert image.torn_bytes == end - offsets[2]
        elif at >= HEADER:  # one record is a bad block, the others read as written
            damaged = sum(at >= o for o in offsets) - 1
            assert got == [("damaged" if i == damaged else r) for i, r in enumerate(RECORDS)]
        else:
            assert got == RECORDS  # padding of the file header
        image.close()
    assert cases == end
    assert messages
    assert all(str(path) in m for m in messages)


def test_a_torn_tail_is_cut_only_by_the_next_write(tmp_path):
    path = _make(tmp_path, [b"whole", b"x" * 5000])
    os.truncate(path, path.stat().st_size - 100)  # a crash in the middle of the write
    size = path.stat().st_size
    image = _open(path)  # read-only descriptor: opening must not need to write
    assert image.count == 1
    assert image.torn_bytes == 16 + 5000 - 100
    image.close()
    assert path.stat().st_size == size
    image = _open(path, writable=True)
    image.append_block(b"after")
    image.flush()
    image.close()
    image = _open(path)
    assert (_objects(image), image.torn_bytes) == ([b"whole", b"after"], 0)
    image.close()


def test_a_span_that_swallowed_several_records_takes_one_position(tmp_path):
    blocks = [bytes([i]) * 200 for i in range(6)]
    path = _make(tmp_path, blocks)
    offsets, _ = _record_offsets(blocks)
    data = bytearray(path.read_bytes())
    data[offsets[1] : offsets[4]] = os.urandom(offsets[4] - offsets[1])  # 3 records lost
    path.write_bytes(bytes(data))
    image = _open(path)
    assert _objects(image) == [blocks[0], "damaged", blocks[4], blocks[5]]
    image.close()


def test_writing_after_a_damaged_span_keeps_it(tmp_path):
    path = _make(tmp_path, [b"a" * 50, b"b" * 50, b"c" * 50])
    offsets, _ = _record_offsets([b"a" * 50] * 3)
    data = bytearray(path.read_bytes())
    data[offsets[1]] ^= 0xFF
    path.write_bytes(bytes(data))
    image = _open(path, writable=True)
    image.append_block(b"d")
    image.truncate(4)
    image.close()
    image = _open(path)
    assert _objects(image) == [b"a" * 50, "damaged", b"c" * 50, b"d"]
    assert image.damaged_positions == (1,)
    image.close()


def _header(meta: bytes, length: int | None = None) -> bytes:
    size = len(meta) if length is None else length
    return (b"SMTAPE\x00\x01" + struct.pack("<I", size) + meta).ljust(HEADER, b"\x00")[:HEADER]


GOOD = {"barcode": "CART01L9", "media_type": "LTO-9", "capacity": 10**9}


@pytest.mark.parametrize(
    "meta",
    [
        b"[" * 3000 + b"]" * 3000,
        b'{"a":' * 1300 + b"1" + b"}" * 1300,
        b'{"barcode": "CART01L9", "media_type": "LTO-9", "capacity": ' + b"9" * 4000 + b"}",
        b"[1, 2, 3]",
        b'"text"',
        b"null",
        b'{"barcode": "CART01L9", "media_type": "LTO-9", "capacity": NaN}',
        b'{"barcode": "CART01L9", "media_type": "LTO-9", "capacity": Infinity}',
        b'{"barcode": "CART01L9", "media_type": "LTO-9", "capacity": 1e300}',
        json.dumps({**GOOD, "capacity": 1 << 63}).encode(),
        json.dumps({**GOOD, "capacity": 0}).encode(),
        json.dumps({**GOOD, "capacity": -5}).encode(),
        json.dumps({**GOOD, "capacity": True}).encode(),
        json.dumps({**GOOD, "media_type": "LTO-99"}).encode(),
        json.dumps({**GOOD, "media_type": 9}).encode(),
        json.dumps({**GOOD, "barcode": "../x"}).encode(),
        json.dumps({**GOOD, "barcode": ["CART01L9"]}).encode(),
        json.dumps({**GOOD, "write_protected": "yes"}).encode(),
        json.dumps({"barcode": "CART01L9", "media_type": "LTO-9"}).encode(),
        b'{"barcode": "\xff\xfe"}',
        b"\x00" * 100,
    ],
)
def test_a_hostile_file_header_is_a_validation_error_naming_the_file(tmp_path, meta):
    path = tmp_path / "CART01L9.img"
    path.write_bytes(_header(meta))
    with pytest.raises(ValidationError, match=r"CART01L9\.img"):
        _open(path)


@pytest.mark.parametrize("length", [HEADER - 11, HEADER, 1 << 31, (1 << 32) - 1])
def test_a_json_length_past_the_header_is_refused(tmp_path, length):
    path = tmp_path / "CART01L9.img"
    path.write_bytes(_header(json.dumps(GOOD).encode(), length))
    with pytest.raises(ValidationError, match=r"JSON length \d+ exceeds"):
        _open(path)


def test_the_largest_header_json_is_accepted(tmp_path):
    meta = json.dumps({**GOOD, "note": ""}).encode()
    meta = meta[:-2] + b" " * (HEADER - 12 - len(meta)) + meta[-2:]
    path = tmp_path / "CART01L9.img"
    path.write_bytes(_header(meta))
    image = _open(path)
    assert (image.count, image.capacity) == (0, 10**9)
    image.close()


def test_a_record_crc_is_what_the_spec_says(tmp_path):
    path = _make(tmp_path, [b"abc"])
    raw = path.read_bytes()[HEADER:]
    tag, length, crc, check = struct.unpack_from("<4sIII", raw)
    assert (tag, length, crc) == (b"BLK\x00", 3, crc32c.crc32c(b"abc"))
    assert check == crc32c.crc32c(raw[:12])
