"""Writing and reading whole media: objects, segments, spanning, damage, scans."""

import os

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from smartmedia.errors import (
    ChecksumMismatch,
    DamagedMedium,
    EndOfMedium,
    FormatError,
    MediumError,
    NotOnMedium,
    ValidationError,
    WriterStateError,
)
from smartmedia.format import (
    FILEMARK,
    CatalogSegment,
    EndOfDataRecord,
    MediumReader,
    MediumWriter,
    MemoryTape,
    RecordAt,
    SessionStart,
)
from smartmedia.model import SessionId, SessionStatus

from .conftest import NOW, SID, new_header, version


def chunked(data, size):
    return [data[i : i + size] for i in range(0, len(data), size)] or [b""]


def write_medium(header, objects, *, tape=None):
    tape = tape if tape is not None else MemoryTape()
    writer = MediumWriter(tape, header, now=lambda: NOW)
    writer.begin_session(SID)
    placements = [writer.write_object(version(i + 1), chunks) for i, chunks in enumerate(objects)]
    writer.end_session()
    writer.close()
    return tape, placements


def records_of(reader, kind):
    return [r for r in reader.records() if isinstance(r, RecordAt) and isinstance(r.value, kind)]


def read_all(reader, session, index, first_block=1):
    return b"".join(bytes(v) for v in reader.read_object(session, index, first_block=first_block))


@given(
    st.lists(st.binary(max_size=40_000), min_size=1, max_size=4),
    st.integers(1, 50_000),
)
@settings(max_examples=40, deadline=None)
def test_any_chunking_reads_back_the_same_bytes(payloads, chunk):
    tape, placements = write_medium(new_header(), [chunked(p, chunk) for p in payloads])
    reader = MediumReader(tape)
    contents = reader.scan()
    for i, (payload, placement) in enumerate(zip(payloads, placements, strict=True)):
        assert placement.version.size == len(payload)
        (piece,) = placement.pieces
        assert read_all(reader, SID, i + 1, piece.first_block) == payload
        found = contents.object(SID, i + 1)
        assert found is not None
        assert found.whole
        assert (found.first_block, found.last_block, found.bytes) == (
            piece.first_block,
            piece.last_block,
            len(payload),
        )
        assert found.version().object == placement.version.object
    report = reader.verify()
    assert report.ok
    assert report.bytes == sum(map(len, payloads))
    assert report.objects == len(payloads)


def test_blocks_are_full_whatever_the_chunk_sizes(header):
    data = os.urandom(100_000)
    tape, _ = write_medium(header, [chunked(data, 777)])
    sizes = [len(b) for b in tape.items if b is not FILEMARK]
    data_sizes = [s for s in sizes if s == header.block_size]
    assert len(data_sizes) == 100_000 // header.payload_per_block


def test_writer_lays_out_the_medium_as_the_spec_says(header):
    tape, _ = write_medium(header, [[b"abc"]])
    kinds = []
    reader = MediumReader(tape)
    for item in reader.records(0 + 1):
        kinds.append(item.header.type if isinstance(item, RecordAt) else "FM")
    # header, FM | session start, object start, data, session end, FM, catalog, FM, EOD, FM
    assert tape.items[1] is FILEMARK
    assert kinds == ["FM", 2, 3, 4, 5, "FM", 6, "FM", 7]
    assert tape.items[-1] is FILEMARK


def test_segments_close_with_catalogs_and_link_backwards():
    header = new_header(segment_size=1 << 20)
    data = os.urandom(3_500_000)
    tape, (_placement,) = write_medium(header, [chunked(data, 1 << 16)])
    reader = MediumReader(tape)
    catalogs = [
        r
        for r in reader.records()
        if isinstance(r, RecordAt) and isinstance(r.value, CatalogSegment)
    ]
    assert [c.value.number for c in catalogs] == [1, 2, 3, 4]
    assert [c.value.previous_catalog for c in catalogs] == [0] + [c.block for c in catalogs[:-1]]
    extents = [e for c in catalogs for e in c.value.extents]
    assert sum(e.bytes for e in extents) == len(data)
    assert [e.complete for e in extents] == [False, False, False, True]
    eod = [
        r
        for r in reader.records()
        if isinstance(r, RecordAt) and isinstance(r.value, EndOfDataRecord)
    ]
    assert eod[0].value.last_catalog == catalogs[-1].block
    assert eod[0].value.segments == 4
    assert read_all(reader, SID, 1) == data
    assert reader.scan().rebuilt_segments == ()


def test_many_small_objects_split_the_catalog_into_parts():
    header = new_header(block_size=4096)
    tape, _placements = write_medium(header, [[b"x"]] * 300)
    reader = MediumReader(tape)
    parts = [
        r.value
        for r in reader.records()
        if isinstance(r, RecordAt) and isinstance(r.value, CatalogSegment)
    ]
    assert len(parts) > 1
    assert {p.parts for p in parts} == {len(parts)}
    contents = reader.scan()
    assert len(contents.objects) == 300
    assert contents.rebuilt_segments == ()


def test_zero_byte_objects_are_recorded(header):
    tape, (placement,) = write_medium(header, [[]])
    assert placement.version.size == 0
    reader = MediumReader(tape)
    assert read_all(reader, SID, 1) == b""
    assert reader.scan().object(SID, 1).complete


# --------------------------------------------------------------------------- spanning


def test_a_session_spans_media_linked_both_ways():
    first = new_header()
    media = {first.medium_id: MemoryTape(capacity=600_000, early_warning=100_000)}
    order = [first]

    def next_medium(full):
        header = new_header()
        media[header.medium_id] = MemoryTape(capacity=600_000, early_warning=100_000)
        order.append(header)
        return media[header.medium_id], header

    data = os.urandom(1_700_000)
    writer = MediumWriter(media[first.medium_id], first, next_medium=next_medium, now=lambda: NOW)
    writer.begin_session(SID)
    placement = writer.write_object(version(1), chunked(data, 100_000))
    writer.end_session()
    summary = writer.close()
    assert [m.medium_id for m in summary.media] == [h.medium_id for h in order]
    assert len(order) >= 3
    assert [p.medium_id for p in placement.pieces] == [h.medium_id for h in order]
    assert sum(p.bytes for p in placement.pieces) == len(data)

    joined = b""
    for i, header in enumerate(order):
        reader = MediumReader(media[header.medium_id])
        contents = reader.scan()
        assert contents.closed
        (piece,) = contents.sessions
        assert piece.start.span == i
        assert piece.start.previous_medium == (order[i - 1].medium_id if i else None)
        if i < len(order) - 1:
            assert piece.end.continues_on == order[i + 1].medium_id
            assert piece.end.status is SessionStatus.IN_PROGRESS
        else:
            assert piece.end.continues_on is None
            assert piece.end.status is SessionStatus.COMPLETED
        obj = contents.object(SID, 1)
        assert obj.first_sequence == placement.pieces[i].first_sequence
        assert obj.complete == (i == len(order) - 1)
        joined += read_all(reader, SID, 1)
        assert reader.verify().ok
    assert joined == data


def test_without_a_next_medium_a_full_medium_is_closed_and_reported():
    tape = MemoryTape(capacity=300_000, early_warning=100_000)
    writer = MediumWriter(tape, new_header(), now=lambda: NOW)
    writer.begin_session(SID)
    with pytest.raises(EndOfMedium, match="no next medium"):
        writer.write_object(version(1), chunked(os.urandom(500_000), 50_000))
    contents = MediumReader(tape).scan()
    assert contents.closed
    assert contents.sessions[0].end.status is SessionStatus.ABORTED
    assert not contents.object(SID, 1).complete
    with pytest.raises(WriterStateError):
        writer.begin_session(SID)


# ------------------------------------------------------------------------------ misuse


def test_writer_calls_out_of_order_are_refused(header):
    writer = MediumWriter(MemoryTape(), header)
    with pytest.raises(WriterStateError):
        writer.write_object(version(1), [b"x"])
    with pytest.raises(WriterStateError):
        writer.end_session()
    writer.begin_session(SID)
    with pytest.raises(WriterStateError):
        writer.begin_session(SID)
    with pytest.raises(WriterStateError):
        writer.write_object(version(1, SessionId.parse("2026/11/25-2")), [b"x"])
    with pytest.raises(WriterStateError):
        writer.close()
    with pytest.raises(ValidationError):
        writer.end_session(SessionStatus.IN_PROGRESS)
    writer.end_session()
    writer.close()
    with pytest.raises(WriterStateError):
        writer.begin_session(SID)


def test_a_failing_source_leaves_an_incomplete_object_and_a_usable_writer(header):
    def chunks():
        yield b"a" * 50_000
        raise OSError("source disk failed")

    tape = MemoryTape()
    writer = MediumWriter(tape, header, now=lambda: NOW)
    writer.begin_session(SID)
    with pytest.raises(OSError, match="source disk"):
        writer.write_object(version(1), chunks())
    good = writer.write_object(version(2), [b"fine"])
    writer.end_session(SessionStatus.COMPLETED_ERRORS)
    writer.close()
    contents = MediumReader(tape).scan()
    assert not contents.object(SID, 1).complete
    assert contents.object(SID, 2).complete
    assert good.complete
    assert contents.sessions[0].end.status is SessionStatus.COMPLETED_ERRORS
    with pytest.raises(DamagedMedium, match="without its last block"):
        read_all(MediumReader(tape), SID, 1)


def test_reused_chunk_buffers_are_safe(header):
    buffer = bytearray(5000)
    expected = b""

    def chunks():
        nonlocal expected
        for i in range(10):
            buffer[:] = bytes([i]) * 5000
            expected += bytes(buffer)
            yield buffer

    tape, _ = write_medium(header, [chunks()])
    assert read_all(MediumReader(tape), SID, 1) == expected


def test_names_too_long_for_small_blocks_are_refused_before_writing():
    header = new_header(block_size=4096)
    tape = MemoryTape()
    writer = MediumWriter(tape, header)
    writer.begin_session(SID)
    long = version(1)
    long = long.__class__(
        object=long.object.__class__(
            type=long.object.type, host="h", mount="/" + "\U0001f600" * 1023
        ),
        session=SID,
        backup_time=NOW,
    )
    before = len(tape)
    with pytest.raises(ValidationError, match="does not fit"):
        writer.write_object(long, [b"x"])
    assert len(tape) == before


# ----------------------------------------------------------------------------- damage


def _damage(tape, position, offset=100):
    items = list(tape.items)
    block = bytearray(items[position])
    block[offset] ^= 0x40
    items[position] = bytes(block)
    return MemoryTape(items)


def test_verify_reports_each_damaged_block_and_goes_on(header):
    data = os.urandom(200_000)
    tape, (placement,) = write_medium(header, [chunked(data, 10_000)])
    first = placement.pieces[0].first_block
    damaged = _damage(_damage(tape, first + 2), first + 5, offset=10)
    report = MediumReader(damaged).verify()
    assert [(d.block, d.error, d.field) for d in report.damaged] == [
        (first + 2, "ChecksumMismatch", "payload_crc"),
        (first + 5, "ChecksumMismatch", "header_crc"),
    ]
    assert report.complete
    assert not report.ok
    assert report.data_blocks == report.blocks - 6 - 2  # every other data block still counted


def test_read_object_names_the_damaged_block(header):
    tape, (placement,) = write_medium(header, [chunked(os.urandom(100_000), 10_000)])
    bad = placement.pieces[0].first_block + 3
    with pytest.raises(ChecksumMismatch) as caught:
        read_all(MediumReader(_damage(tape, bad)), SID, 1)
    assert caught.value.block == bad


class _BadBlockSource:
    """A tape that reports one unreadable block, as a drive does."""

    def __init__(self, tape, bad):
        self.tape = tape
        self.bad = bad

    def read_block(self):
        position = self.tape.position
        item = self.tape.read_block()
        if position == self.bad:
            raise MediumError("unrecovered read error", block=position)
        return item

    @property
    def position(self):
        return self.tape.position

    def locate(self, position):
        self.tape.locate(position)


def test_device_read_errors_are_reported_and_skipped(header):
    tape, (placement,) = write_medium(header, [chunked(os.urandom(100_000), 10_000)])
    bad = placement.pieces[0].first_block + 1
    reader = MediumReader(_BadBlockSource(tape, bad))
    report = reader.verify()
    assert [(d.block, d.error) for d in report.damaged] == [(bad, "MediumError")]
    assert report.complete
    with pytest.raises(MediumError):
        read_all(reader, SID, 1)


def test_scan_rebuilds_a_segment_whose_catalog_is_damaged():
    header = new_header(segment_size=1 << 20)
    data = os.urandom(2_500_000)
    tape, _ = write_medium(header, [chunked(data, 1 << 16)])
    reader = MediumReader(tape)
    catalogs = [
        r.block
        for r in reader.records()
        if isinstance(r, RecordAt) and isinstance(r.value, CatalogSegment)
    ]
    contents = MediumReader(_damage(tape, catalogs[1], offset=70)).scan()
    assert contents.rebuilt_segments == (2,)
    assert [d.block for d in contents.damaged] == [catalogs[1]]
    intact = MediumReader(tape).scan()
    assert (contents.sessions, contents.objects) == (intact.sessions, intact.objects)


def test_scan_of_a_medium_never_closed_rebuilds_from_the_blocks(header):
    tape = MemoryTape()
    writer = MediumWriter(tape, header, now=lambda: NOW)
    writer.begin_session(SID)
    writer.write_object(version(1), [os.urandom(50_000)])
    writer.write_object(version(2), [os.urandom(30_000)])
    # the process dies here: no session end, no catalog, no end of data
    for cut in range(3, len(tape) + 1):
        contents = MediumReader(MemoryTape(tape.items[:cut])).scan()
        assert not contents.closed
        assert contents.sessions[0].end is None
        assert contents.rebuilt_segments in ((), (1,))
    full = MediumReader(tape).scan()
    assert [o.complete for o in full.objects] == [True, True]


def test_an_object_not_on_the_medium_is_not_on_medium(header):
    tape, _ = write_medium(header, [[b"x"]])
    with pytest.raises(NotOnMedium):
        read_all(MediumReader(tape), SID, 2)


def test_a_missing_data_block_is_reported(header):
    tape, (placement,) = write_medium(header, [chunked(os.urandom(100_000), 10_000)])
    items = list(tape.items)
    del items[placement.pieces[0].first_block + 2]
    with pytest.raises(DamagedMedium, match="missing"):
        read_all(MediumReader(MemoryTape(items)), SID, 1)


def test_a_medium_without_a_header_is_refused():
    with pytest.raises(DamagedMedium):
        MediumReader(MemoryTape())
    with pytest.raises(ValidationError):
        MediumReader(object())


def test_reading_a_plain_stream_goes_forward_only(header):
    tape, _ = write_medium(header, [[b"abc"]])

    class Stream:
        def read_block(self):
            return tape.read_block()

    tape.rewind()
    reader = MediumReader(Stream())
    assert read_all(reader, SID, 1) == b"abc"
    with pytest.raises(ValidationError, match="cannot go back"):
        reader.verify()


def test_sessions_append_one_after_another(header):
    tape = MemoryTape()
    writer = MediumWriter(tape, header, now=lambda: NOW)
    for n in (1, 2, 3):
        session = SessionId.parse(f"2026/11/25-{n}")
        writer.begin_session(session, started=NOW)
        writer.write_object(version(n, session), [bytes([n]) * 1000])
        writer.end_session()
    writer.close()
    reader = MediumReader(tape)
    contents = reader.scan()
    assert [s.session.number for s in contents.sessions] == [1, 2, 3]
    assert all(isinstance(s.start, SessionStart) for s in contents.sessions)
    assert read_all(reader, SessionId.parse("2026/11/25-2"), 1) == b"\x02" * 1000


def test_a_damaged_first_block_is_not_skipped_silently(header):
    data = os.urandom(100_000)
    tape, (placement,) = write_medium(header, [chunked(data, 10_000)])
    (piece,) = placement.pieces
    damaged = _damage(tape, piece.first_block)
    with pytest.raises(FormatError) as caught:
        read_all(MediumReader(damaged), SID, 1)
    assert caught.value.block == piece.first_block
    with pytest.raises(FormatError):
        read_all(MediumReader(damaged), SID, 1, first_block=piece.first_block)
    header_damaged = _damage(tape, piece.first_block, offset=10)
    with pytest.raises(FormatError) as caught:
        read_all(MediumReader(header_damaged), SID, 1)
    assert (caught.value.block, caught.value.field) == (piece.first_block, "header_crc")
    with pytest.raises(DamagedMedium, match="data block 0"):
        # started past the damage, with the sequence the caller knows: the gap shows
        list(
            MediumReader(header_damaged).read_object(
                SID, 1, first_block=piece.first_block + 1, first_sequence=0
            )
        )
    later = list(
        MediumReader(header_damaged).read_object(
            SID, 1, first_block=piece.first_block + 1, first_sequence=1
        )
    )
    assert len(later) == piece.last_block - piece.first_block  # all blocks after the damage


class _Counting:
    """A locatable source that counts the blocks read."""

    def __init__(self, tape):
        self.tape = tape
        self.reads = 0

    def read_block(self):
        self.reads += 1
        return self.tape.read_block()

    @property
    def position(self):
        return self.tape.position

    def locate(self, position):
        self.tape.locate(position)


def test_a_scan_walks_the_catalog_chain_without_reading_data():
    header = new_header(segment_size=1 << 20)
    payloads = [os.urandom(n) for n in (1_500_000, 10, 2_500_000)]
    tape, _ = write_medium(header, [chunked(p, 1 << 16) for p in payloads])
    full = MediumReader(tape).scan(full=True)
    counting = _Counting(tape)
    fast = MediumReader(counting).scan()
    assert fast == full
    assert fast.closed
    assert counting.reads < 15  # header, end of data, a few catalog blocks: no data
    assert len(tape) > 250


def test_a_broken_catalog_chain_falls_back_to_reading_the_blocks():
    header = new_header(segment_size=1 << 20)
    tape, _ = write_medium(header, [chunked(os.urandom(3_000_000), 1 << 16)])
    reader = MediumReader(tape)
    catalogs = [r.block for r in records_of(reader, CatalogSegment)]
    damaged = _damage(tape, catalogs[1], offset=70)
    counting = _Counting(damaged)
    contents = MediumReader(counting).scan()
    assert contents.rebuilt_segments == (2,)
    assert counting.reads > len(tape) // 2
    never_closed = MemoryTape(tape.items[: catalogs[-1]])
    assert not MediumReader(never_closed).scan().closed
