"""Tape image files: round trips, tape semantics, torn tails, damage, AWSTAPE."""

import contextlib
import io
import os

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from smartmedia.errors import (
    DamagedMedium,
    EndOfMedium,
    FieldOutOfRange,
    FormatError,
    MediumError,
    TruncatedRecord,
    ValidationError,
)
from smartmedia.format import (
    END_OF_DATA,
    FILEMARK,
    MediumReader,
    MediumWriter,
    MemoryTape,
    TapeImage,
    export_awstape,
    import_awstape,
)

from .conftest import NOW, SID, new_header, version


def _read_all(source):
    out = []
    while (item := source.read_block()) is not END_OF_DATA:
        out.append(item if item is FILEMARK else bytes(item))
    return out


ITEMS = [b"first block", FILEMARK, os.urandom(70_000), b"x", FILEMARK, FILEMARK, b"last"]


def _fill(image, items):
    for item in items:
        if item is FILEMARK:
            image.write_filemarks(1)
        else:
            image.write_block(item)


def test_an_image_keeps_blocks_and_filemarks_across_reopening(tmp_path):
    path = tmp_path / "tape.img"
    with TapeImage.create(path) as image:
        _fill(image, ITEMS)
    with TapeImage.open(path) as image:
        assert len(image) == len(ITEMS)
        assert image.recovered_bytes == 0
        assert _read_all(image) == ITEMS
        image.locate(2)
        assert bytes(image.read_block()) == ITEMS[2]
        assert image.position == 3
        image.locate(100)
        assert image.read_block() is END_OF_DATA


def test_a_medium_written_to_an_image_reads_and_verifies(tmp_path):
    path = tmp_path / "medium.img"
    data = os.urandom(300_000)
    with TapeImage.create(path) as image:
        writer = MediumWriter(image, new_header(), now=lambda: NOW)
        writer.begin_session(SID)
        writer.write_object(version(1), [data])
        writer.end_session()
        writer.close()
    with TapeImage.open(path) as image:
        reader = MediumReader(image)
        assert reader.verify().ok
        assert b"".join(bytes(v) for v in reader.read_object(SID, 1)) == data


def test_writing_in_the_middle_makes_the_new_end_of_data(tmp_path):
    path = tmp_path / "tape.img"
    with TapeImage.create(path) as image:
        _fill(image, ITEMS)
        image.locate(3)
        image.write_block(b"new")
        assert len(image) == 4
        assert image.bytes_used == len(b"first block") + 70_000 + 3
    with TapeImage.open(path) as image:
        assert _read_all(image) == [*ITEMS[:3], b"new"]


def test_read_only_images_refuse_writes(tmp_path):
    path = tmp_path / "tape.img"
    TapeImage.create(path).close()
    with TapeImage.open(path) as image, pytest.raises(ValidationError, match="read-only"):
        image.write_block(b"x")
    with pytest.raises(ValidationError, match="exists"):
        TapeImage.create(path)


def test_capacity_gives_early_warning_then_end_of_medium(tmp_path):
    with TapeImage.create(tmp_path / "t.img", capacity=10_000, early_warning=3_000) as image:
        assert image.write_block(bytes(6_000)) is False
        assert image.write_block(bytes(2_000)) is True
        with pytest.raises(EndOfMedium):
            image.write_block(bytes(2_001))
        assert len(image) == 2


@given(st.integers(min_value=1, max_value=10_000))
@settings(max_examples=30, deadline=None)
def test_a_torn_tail_is_cut_back_to_the_last_complete_frame(tmp_path_factory, cut):
    path = tmp_path_factory.mktemp("torn") / "tape.img"
    with TapeImage.create(path) as image:
        _fill(image, [b"a" * 5000, FILEMARK, b"b" * 5000])
    size = path.stat().st_size
    cut = min(cut, 5000 + 16)
    with open(path, "r+b") as raw:
        raw.truncate(size - cut)
    with TapeImage.open(path, writable=True) as image:
        assert _read_all(image) == [b"a" * 5000, FILEMARK]
        assert image.recovered_bytes == size - cut - (size - 5000 - 16)
        image.write_block(b"c")
    with TapeImage.open(path) as image:
        assert _read_all(image) == [b"a" * 5000, FILEMARK, b"c"]
        assert image.recovered_bytes == 0


def test_a_torn_tail_with_garbage_is_cut_too(tmp_path):
    path = tmp_path / "tape.img"
    with TapeImage.create(path) as image:
        _fill(image, [b"a" * 100, b"b" * 100])
    with open(path, "r+b") as raw:
        raw.seek(-50, os.SEEK_END)
        raw.write(os.urandom(50))
    with TapeImage.open(path) as image:
        assert _read_all(image) == [b"a" * 100]


def test_damage_in_the_middle_is_a_bad_block_not_a_cut(tmp_path):
    path = tmp_path / "tape.img"
    blocks = [os.urandom(4096) for _ in range(5)]
    with TapeImage.create(path) as image:
        _fill(image, blocks)
    with open(path, "r+b") as raw:
        raw.seek(48 + 2 * (16 + 4096) + 16 + 100)
        raw.write(b"\xff")
    with TapeImage.open(path) as image:
        assert len(image) == 5
        image.locate(2)
        with pytest.raises(MediumError) as caught:
            image.read_block()
        assert caught.value.block == 2
        assert bytes(image.read_block()) == blocks[3]


def test_a_damaged_frame_header_mid_file_is_a_bad_block_not_a_cut(tmp_path):
    path = tmp_path / "tape.img"
    blocks = [os.urandom(1 << 20) for _ in range(4)]
    with TapeImage.create(path) as image:
        _fill(image, blocks)
    with open(path, "r+b") as raw:
        raw.seek(48 + 4)
        raw.write(b"\xff\xff")
    size = path.stat().st_size
    with TapeImage.open(path, writable=True) as image:
        assert (len(image), image.damaged_positions, image.recovered_bytes) == (4, (0,), 0)
        with pytest.raises(MediumError) as caught:
            image.read_block()
        assert caught.value.block == 0
        assert [bytes(image.read_block()) for _ in range(3)] == blocks[1:]
    assert path.stat().st_size == size


def _frames(items):
    offsets, at = [], 48
    for item in items:
        offsets.append(at)
        at += 16 + (0 if item is FILEMARK else len(item))
    return offsets, at


SMALL = [os.urandom(300) for _ in range(12)]


def test_a_damaged_header_near_the_end_cuts_nothing_but_the_torn_frame(tmp_path):
    """Small blocks: many frames lie within the last 2 MiB + 16 bytes."""
    path = tmp_path / "tape.img"
    with TapeImage.create(path) as image:
        _fill(image, SMALL)
    offsets, _ = _frames(SMALL)
    data = bytearray(path.read_bytes())
    data[offsets[5] + 6] ^= 0x04
    path.write_bytes(bytes(data))
    with TapeImage.open(path, writable=True) as image:
        assert (len(image), image.damaged_positions, image.recovered_bytes) == (12, (5,), 0)
        got = []
        for _ in range(12):
            try:
                got.append(bytes(image.read_block()))
            except MediumError:
                got.append(None)
    assert got == [None if i == 5 else b for i, b in enumerate(SMALL)]
    assert path.read_bytes() == bytes(data)


LAST_FRAMES = [b"a" * 200, FILEMARK, b"b" * 300, FILEMARK, b"c" * 100]


def test_bit_flips_at_every_offset_of_the_last_frames(tmp_path):
    """Only the last frame can be a torn tail; any other damage is one bad block."""
    path = tmp_path / "tape.img"
    with TapeImage.create(path) as image:
        _fill(image, LAST_FRAMES)
    original = path.read_bytes()
    offsets, end = _frames(LAST_FRAMES)
    cases = 0
    for at in range(offsets[0], end):
        data = bytearray(original)
        data[at] ^= 1 << (at % 8)
        path.write_bytes(bytes(data))
        cases += 1
        hit = sum(at >= o for o in offsets) - 1
        with TapeImage.open(path, writable=True) as image:
            got = []
            while True:
                try:
                    item = image.read_block()
                except MediumError:
                    got.append("bad")
                    continue
                if item is END_OF_DATA:
                    break
                got.append(item if item is FILEMARK else bytes(item))
            if hit == len(LAST_FRAMES) - 1:  # the last frame: cut as a torn tail
                assert got == LAST_FRAMES[:-1]
                assert image.recovered_bytes == end - offsets[-1]
                assert path.stat().st_size == offsets[-1]
            else:
                assert got == ["bad" if i == hit else x for i, x in enumerate(LAST_FRAMES)]
                assert image.recovered_bytes == 0
                assert path.stat().st_size == end
    assert cases == end - 48


def test_a_reader_reports_a_damaged_span_and_reads_on(tmp_path):
    path = tmp_path / "medium.img"
    with TapeImage.create(path) as image:
        writer = MediumWriter(image, new_header(block_size=4096), now=lambda: NOW)
        writer.begin_session(SID)
        writer.write_object(version(1), [os.urandom(40_000)])
        writer.end_session()
        writer.close()
    with TapeImage.open(path) as image:
        offsets, _ = _frames(_read_all(image))
    data = bytearray(path.read_bytes())
    data[offsets[5] + 2] ^= 0x01
    path.write_bytes(bytes(data))
    with TapeImage.open(path) as image:
        report = MediumReader(image).verify()
    assert [d.block for d in report.damaged] == [5]
    assert report.complete


def test_a_fifo_is_refused_without_waiting(tmp_path):
    fifo = tmp_path / "pipe.img"
    os.mkfifo(fifo)
    with pytest.raises(ValidationError, match="not a regular file"):
        TapeImage.open(fifo)
    with pytest.raises(ValidationError, match="not a regular file"):
        TapeImage.open(fifo, writable=True)
    with pytest.raises(ValidationError, match="not a regular file"):
        TapeImage.create(fifo, exist_ok=True)


def test_not_an_image_is_refused(tmp_path):
    path = tmp_path / "x.img"
    path.write_bytes(b"hello world" * 10)
    with pytest.raises(DamagedMedium, match="not a tape image"):
        TapeImage.open(path)


# ------------------------------------------------------------------------------ AWSTAPE


def test_awstape_round_trip_splits_long_blocks():
    items = [b"short", FILEMARK, os.urandom(200_000), FILEMARK, FILEMARK, b"end"]
    out = io.BytesIO()
    assert export_awstape(MemoryTape(items), out) == len(items)
    back = MemoryTape()
    assert import_awstape(io.BytesIO(out.getvalue()), back) == len(items)
    assert list(back.items) == items


def test_awstape_known_bytes():
    out = io.BytesIO()
    export_awstape(MemoryTape([b"AB", FILEMARK]), out)
    assert out.getvalue().hex() == "02000000a0004142000002004000"


@pytest.mark.parametrize(
    ("data", "error"),
    [
        (b"\x02\x00\x00\x00", TruncatedRecord),
        (b"\x05\x00\x00\x00\xa0\x00AB", TruncatedRecord),
        (b"\x02\x00\x00\x00\x20\x00AB", FieldOutOfRange),
        (b"\x02\x00\x00\x00\x80\x00AB", TruncatedRecord),
        (b"\x00\x00\x00\x00\xa0\x00", FieldOutOfRange),
    ],
)
def test_awstape_malformed_input_is_a_format_error(data, error):
    with pytest.raises(error):
        import_awstape(io.BytesIO(data), MemoryTape())


@given(st.binary(max_size=300))
def test_awstape_arbitrary_bytes_raise_only_format_errors(data):
    with contextlib.suppress(FormatError):
        import_awstape(io.BytesIO(data), MemoryTape())
