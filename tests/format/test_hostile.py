"""Hostile media: crafted catalog chains, out-of-range integers and strings, with every
checksum made right so that only the crafted field is wrong."""

import os
import struct

import attrs
import crc32c
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from smartmedia.errors import FieldOutOfRange, FormatError, ValidationError
from smartmedia.format import (
    FILEMARK,
    BlockHeader,
    CatalogSegment,
    DamagedBlock,
    EndOfDataRecord,
    Extent,
    MediumReader,
    MediumWriter,
    MemoryTape,
    RecordAt,
    decode_block_header,
    decode_catalog_segment,
    decode_medium_header,
    decode_record,
)
from smartmedia.model import ObjectVersion

from .conftest import NOW, SID, new_header, version
from .test_medium import _Counting, chunked, write_medium


def _recrc(block: bytearray) -> bytes:
    """Make the payload and header CRC32Cs of a block of the format right again."""
    length = struct.unpack_from("<I", block, 40)[0]
    struct.pack_into("<I", block, 44, crc32c.crc32c(bytes(block[56 : 56 + length])))
    struct.pack_into("<I", block, 52, crc32c.crc32c(bytes(block[:52])))
    return bytes(block)


def patch(items, position, offset, fmt, value):
    """``items`` with ``value`` packed at payload ``offset`` of block ``position``."""
    items = list(items)
    block = bytearray(items[position])
    struct.pack_into(fmt, block, 56 + offset, value)
    items[position] = _recrc(block)
    return items


def three_segments():
    tape, _ = write_medium(
        new_header(segment_size=1 << 20), [chunked(os.urandom(3_000_000), 1 << 16)]
    )
    reader = MediumReader(tape)
    catalogs = [
        r.block
        for r in reader.records()
        if isinstance(r, RecordAt) and isinstance(r.value, CatalogSegment)
    ]
    eod = next(
        r.block
        for r in reader.records()
        if isinstance(r, RecordAt) and isinstance(r.value, EndOfDataRecord)
    )
    return tape, catalogs, eod


def _chains():
    """Crafted chains: (name, [(block key, payload offset, format, value)])."""
    # keys: "c0".."c2" catalog part 1 blocks, "eod"; values may name blocks by key
    many = 0xFFFFFFFF  # an end of data claiming 2^32 - 1 segments
    return [
        ("to itself", [("c2", 24, "<Q", "c2"), ("eod", 12, "<I", many)]),
        ("forwards", [("c1", 24, "<Q", "c2"), ("eod", 12, "<I", many)]),
        ("to the last from the first", [("c0", 24, "<Q", "c2"), ("eod", 12, "<I", many)]),
        ("same segment twice", [("c2", 24, "<Q", "c1"), ("c1", 24, "<Q", "c1")]),
        ("end of data forwards", [("eod", 0, "<Q", "eod")]),
        ("end of data far away", [("eod", 0, "<Q", 1 << 62)]),
        ("skips a segment", [("c2", 24, "<Q", "c0"), ("eod", 12, "<I", 2)]),
        ("hides the last segment", [("eod", 0, "<Q", "c1"), ("eod", 12, "<I", 2)]),
        ("hides every segment", [("eod", 0, "<Q", 0), ("eod", 12, "<I", 0)]),
        ("starts after data", [("c0", 8, "<Q", 3)]),
    ]


CHAINS = _chains()


@pytest.mark.parametrize("edits", [c[1] for c in CHAINS], ids=[c[0] for c in CHAINS])
def test_a_catalog_chain_that_does_not_go_strictly_back_is_damage(edits):
    tape, catalogs, eod = three_segments()
    where = {"c0": catalogs[0], "c1": catalogs[1], "c2": catalogs[2], "eod": eod}
    items = list(tape.items)
    for key, offset, fmt, value in edits:
        items = patch(items, where[key], offset, fmt, where.get(value, value))
    crafted = MemoryTape(items)
    counting = _Counting(crafted)
    contents = MediumReader(counting).scan()
    assert counting.reads <= 2 * len(items)  # bounded: a fall-back to one full read
    assert contents.objects == MediumReader(tape).scan().objects
    assert not MediumReader(crafted).verify().ok


# ------------------------------------------------------------ records the catalog can hold


def _with_mount(mount):
    base = version(1)
    obj = attrs.evolve(base.object, host="h", mount=mount)
    return ObjectVersion(object=obj, session=SID, backup_time=NOW)


def test_a_record_that_fits_a_block_but_not_a_catalog_part_is_refused_when_written():
    header = new_header(block_size=4096)
    tape = MemoryTape()
    writer = MediumWriter(tape, header, now=lambda: NOW)
    writer.begin_session(SID)
    unfit = _with_mount("/" + "\U0001f600" * 987)  # a 4058-byte block, a 4019-byte entry
    before = len(tape)
    with pytest.raises(ValidationError, match="catalog entry") as caught:
        writer.write_object(unfit, [b"data"])
    assert caught.value.path == "object"
    assert len(tape) == before
    writer.write_object(_with_mount("/fits"), [b"data"])  # the writer is still usable
    writer.end_session()
    writer.close()
    reader = MediumReader(tape)
    assert reader.verify().ok
    assert [o.index for o in reader.scan().objects] == [1]


def test_the_largest_record_that_fits_a_catalog_part_is_written_and_read_back():
    header = new_header(block_size=4096)
    tape = MemoryTape()
    writer = MediumWriter(tape, header, now=lambda: NOW)
    writer.begin_session(SID)
    mount = "/" + "\U0001f600" * 983 + "abc"  # catalog entry of exactly 4004 bytes
    writer.write_object(_with_mount(mount), [b"data"])
    writer.end_session()
    writer.close()
    contents = MediumReader(tape).scan()
    assert contents.objects[0].start.object.mount == mount


# ----------------------------------------------------------------------- integers >= 2^63


def test_catalog_numbers_of_2_63_or_more_are_damage_and_the_segment_is_rebuilt():
    tape, catalogs, _ = three_segments()
    extent = 36 + 1  # segment 2 holds only data: its catalog is one extent entry
    for field in (16, 24, 32, 40):  # first block, last block, first sequence, bytes
        items = patch(tape.items, catalogs[1], extent + field, "<Q", 1 << 63)
        with pytest.raises(FieldOutOfRange):
            decode_catalog_segment(items[catalogs[1]], block_index=catalogs[1])
        reader = MediumReader(MemoryTape(items))
        assert [d.block for d in reader.verify().damaged] == [catalogs[1]]
        contents = reader.scan()
        assert contents.rebuilt_segments == (2,)
        assert contents.objects == MediumReader(tape).scan().objects


@pytest.mark.parametrize(
    ("kind", "offset"),
    [("catalog", 8), ("catalog", 16), ("catalog", 24), ("eod", 0), ("eod", 16), ("eod", 24)],
)
def test_record_numbers_of_2_63_or_more_are_field_out_of_range(kind, offset):
    tape, catalogs, eod = three_segments()
    position = catalogs[0] if kind == "catalog" else eod
    items = patch(tape.items, position, offset, "<Q", (1 << 64) - 1)
    with pytest.raises(FieldOutOfRange):
        decode_record(items[position], block_index=position)
    reader = MediumReader(MemoryTape(items))
    assert position in [d.block for d in reader.verify().damaged]
    reader.scan()


@pytest.mark.parametrize("offset", [24, 32])  # sequence, block index in the block header
def test_block_header_numbers_of_2_63_or_more_are_field_out_of_range(offset):
    tape, _, _ = three_segments()
    items = list(tape.items)
    block = bytearray(items[5])
    struct.pack_into("<Q", block, offset, 1 << 63)
    items[5] = _recrc(block)
    with pytest.raises(FieldOutOfRange):
        decode_block_header(items[5], block_index=5)
    reader = MediumReader(MemoryTape(items))
    assert [d.block for d in reader.verify().damaged] == [5]
    reader.scan(full=True)


@pytest.mark.parametrize(
    ("build", "path"),
    [
        (
            lambda: Extent(session=SID, object_index=1, first_block=1 << 63, last_block=1 << 63),
            "first_block",
        ),
        (
            lambda: Extent(session=SID, object_index=1, first_block=1, last_block=2, bytes=1 << 64),
            "bytes",
        ),
        (lambda: BlockHeader(type=4, sequence=1 << 63), "sequence"),
        (lambda: EndOfDataRecord(last_catalog=10**5000), "last_catalog"),
        (lambda: CatalogSegment(number=1, data_first=1, data_last=1 << 63), "data_last"),
    ],
)
def test_writer_inputs_of_2_63_or_more_are_refused_with_their_field(build, path):
    with pytest.raises(ValidationError) as caught:
        build()
    assert caught.value.path == path
    assert len(str(caught.value)) < 200


# --------------------------------------------------------------------------------- strings


def _block(kind, payload, index, *, session=(20261125, 1), obj=0, flags=0):
    head = struct.pack(
        "<4sBBHHHIIIQQIII",
        b"SMTB",
        1,
        0,
        kind,
        flags,
        56,
        *session,
        obj,
        0,
        index,
        len(payload),
        crc32c.crc32c(payload),
        0,
    )
    return head + struct.pack("<I", crc32c.crc32c(head)) + payload


def _text(value, raw=None):
    data = value.encode() if raw is None else raw
    return struct.pack("<H", len(data)) + data


def object_start(index, *, host="h", mount="/m", description="", kind="filesystem"):
    payload = struct.pack("<IIIIqQ", 20261125, 1, 1, 0, 1_795_599_000_000_000, 0)
    payload += _text(kind) + _text(host) + _text(mount) + _text(description)
    return _block(3, payload, index, obj=1)


SPEC_LEGAL_MODEL_ILLEGAL = {
    "host of 256 characters": {"host": "h" * 256},
    "host of 1024 bytes": {"host": "\u00e9" * 512},
    "mount of 4096 bytes": {"mount": "/" * 4096},
    "mount of 1025 characters": {"mount": "m" * 1025},
    "description of 257 characters": {"description": "d" * 257},
    "empty host": {"host": ""},
    "empty mount": {"mount": ""},
    "control character": {"host": "a\x07b"},
    "line break": {"mount": "/a\nb"},
    "no-break space": {"host": "a\u00a0b"},
    "unknown object type": {"kind": "tarball"},
}


@pytest.mark.parametrize(
    "fields", SPEC_LEGAL_MODEL_ILLEGAL.values(), ids=SPEC_LEGAL_MODEL_ILLEGAL.keys()
)
def test_out_of_limit_strings_on_tape_are_damage_never_validation_errors(fields):
    tape, _ = write_medium(new_header(), [[b"x" * 100]])
    items = list(tape.items)
    start = next(i for i, b in enumerate(items) if b is not FILEMARK and b[6] == 3)
    items[start] = object_start(start, **fields)
    with pytest.raises(FieldOutOfRange):
        decode_record(items[start], block_index=start)
    reader = MediumReader(MemoryTape(items))
    report = reader.verify()
    assert [d.block for d in report.damaged] == [start]
    assert all(len(d.message) <= 300 for d in report.damaged)
    contents = reader.scan(full=True)  # the catalog still describes the object
    assert [d.block for d in contents.damaged] == [start]
    assert [o.index for o in contents.objects] == [1]
    assert [r.block for r in reader.records() if isinstance(r, DamagedBlock)] == [start]
    with pytest.raises(FormatError):
        b"".join(bytes(v) for v in reader.read_object(SID, 1))


def medium_header(**fields):
    strings = {"label": "L", "barcode": "", "media_type": "LTO-9", "pool": "P", **fields}
    payload = bytes.fromhex("c0a801054f6b3a101b2c0001") + bytes(12)
    payload += struct.pack("<HHIQqII", 0, 0, 16384, 1 << 20, 0, 1, 0)
    for name in ("label", "barcode", "media_type", "pool"):
        payload += _text(strings[name])
    return _block(1, payload, 0, session=(0, 0))


@pytest.mark.parametrize(
    "fields",
    [
        {"label": "L" * 81},
        {"label": ""},
        {"pool": "p" * 65},
        {"pool": "\t"},
        {"barcode": "AB.C"},
        {"barcode": "A B"},
        {"barcode": "X" * 17},
        {"media_type": "LTO-99"},
    ],
)
def test_an_out_of_limit_medium_header_is_a_format_error(fields):
    assert decode_medium_header(medium_header()).label == "L"
    with pytest.raises(FieldOutOfRange):
        decode_medium_header(medium_header(**fields))
    with pytest.raises(FormatError):
        MediumReader(MemoryTape([medium_header(**fields), FILEMARK]))


_LIMITS = {"host": 1024, "mount": 4096, "description": 1024}


@given(
    st.sampled_from(sorted(_LIMITS)),
    st.text(max_size=1100) | st.text(alphabet=st.characters(codec="utf-8"), max_size=300),
)
@settings(max_examples=300, deadline=None)
def test_any_string_a_field_can_hold_decodes_or_is_damage(field, value):
    if len(value.encode()) > _LIMITS[field]:
        value = value.encode()[: _LIMITS[field]].decode(errors="ignore")
    block = object_start(9, **{field: value})
    try:
        record = decode_record(block, block_index=9).value
    except FieldOutOfRange:
        return
    assert getattr(record.object, field) == value
