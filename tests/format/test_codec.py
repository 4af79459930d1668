"""The record codecs: round trips, and every kind of bad bytes is a FormatError."""

import contextlib
import datetime as dt

import crc32c
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from smartmedia.errors import (
    BadMagic,
    ChecksumMismatch,
    FieldOutOfRange,
    FormatError,
    TruncatedRecord,
    UnsupportedVersion,
    ValidationError,
)
from smartmedia.format import (
    BLOCK_HEADER_SIZE,
    MAX_BLOCK_SIZE,
    BlockHeader,
    EndOfDataRecord,
    MediumHeader,
    ObjectStart,
    RecordType,
    SessionEnd,
    SessionStart,
    decode_block,
    decode_block_header,
    decode_catalog_segment,
    decode_end_of_data,
    decode_medium_header,
    decode_object_start,
    decode_record,
    decode_session_end,
    decode_session_start,
    encode_block_header,
    encode_catalog_segment,
    encode_data_block,
    encode_end_of_data,
    encode_medium_header,
    encode_object_start,
    encode_session_end,
    encode_session_start,
)
from smartmedia.model import (
    BackupObject,
    MediaType,
    MediumId,
    ObjectType,
    SessionId,
    SessionStatus,
    SessionType,
)
from smartmedia.testing import format_strategies as fs

NOW = dt.datetime(2026, 11, 25, 9, 30, tzinfo=dt.timezone.utc)
SID = SessionId(date=dt.date(2026, 11, 25), number=3)
HEADER = MediumHeader(
    medium_id=MediumId("c0a80105:4f6b3a10:1b2c:0001"),
    label="Default LTO_12",
    media_type=MediaType.LTO9,
    pool="Default LTO",
    created=NOW,
)

DECODERS = [
    decode_block_header,
    decode_block,
    decode_medium_header,
    decode_session_start,
    decode_object_start,
    decode_session_end,
    decode_catalog_segment,
    decode_end_of_data,
    decode_record,
]


def _sample_blocks():
    obj = BackupObject(type=ObjectType.FILESYSTEM, host="alpha", mount="/home")
    return [
        encode_medium_header(HEADER),
        encode_session_start(
            SessionStart(session=SID, type=SessionType.BACKUP, started=NOW), block_index=2
        ),
        encode_object_start(
            ObjectStart(session=SID, index=1, object=obj, backup_time=NOW), block_index=3
        ),
        encode_data_block(b"payload" * 10, session=SID, object_index=1, sequence=0, block_index=4),
        encode_session_end(
            SessionEnd(session=SID, ended=NOW, status=SessionStatus.COMPLETED), block_index=5
        ),
        encode_end_of_data(EndOfDataRecord(last_catalog=7, sessions=1), block_index=9),
    ]


# ------------------------------------------------------------------------- round trips


@given(fs.medium_headers())
def test_medium_header_round_trip(header):
    assert decode_medium_header(encode_medium_header(header)) == header


@given(fs.session_starts())
def test_session_start_round_trip(record):
    assert decode_session_start(encode_session_start(record, block_index=7)) == record


@given(fs.object_starts())
def test_object_start_round_trip(record):
    assert decode_object_start(encode_object_start(record, block_index=7)) == record


@given(fs.session_ends())
def test_session_end_round_trip(record):
    assert decode_session_end(encode_session_end(record, block_index=7)) == record


@given(fs.catalog_segments())
@settings(max_examples=50)
def test_catalog_segment_round_trip(segment):
    assert decode_catalog_segment(encode_catalog_segment(segment, block_index=9)) == segment


@given(fs.end_of_data_records())
def test_end_of_data_round_trip(record):
    assert decode_end_of_data(encode_end_of_data(record, block_index=9)) == record


@given(fs.block_headers())
def test_block_header_round_trip(header):
    block = encode_block_header(header) + bytes(header.payload_length)
    assert decode_block_header(block) == header


@given(st.binary(max_size=5000), st.integers(0, 2**32 - 1), st.booleans())
def test_data_block_round_trip_without_copying_the_payload(payload, sequence, last):
    block = encode_data_block(
        payload, session=SID, object_index=2, sequence=sequence, block_index=11, last=last
    )
    header, view = decode_block(block, block_index=11)
    assert isinstance(view, memoryview)
    assert view.obj is block  # a view into the block, not a copy
    assert bytes(view) == payload
    assert (header.sequence, header.block_index, header.object_index) == (sequence, 11, 2)
    assert header.record_type is RecordType.DATA


def test_decoders_accept_memoryview_slices():
    block = encode_medium_header(HEADER)
    framed = bytearray(b"xx" + block + b"yy")
    assert decode_medium_header(memoryview(framed)[2:-2]) == HEADER


# --------------------------------------------------------------------------- bad bytes


@given(st.binary(max_size=600))
def test_arbitrary_bytes_raise_only_format_errors(data):
    for decode in DECODERS:
        with contextlib.suppress(FormatError):
            decode(data)


@given(st.sampled_from(range(6)), st.data())
def test_arbitrary_corruption_raises_only_format_errors(which, data):
    block = bytearray(_sample_blocks()[which])
    for _ in range(data.draw(st.integers(1, 4))):
        block[data.draw(st.integers(0, len(block) - 1))] = data.draw(st.integers(0, 255))
    for decode in DECODERS:
        with contextlib.suppress(FormatError):
            decode(bytes(block))


@pytest.mark.parametrize("which", range(6))
def test_every_bit_flip_in_a_block_header_is_detected_and_located(which):
    block = _sample_blocks()[which]
    for bit in range(BLOCK_HEADER_SIZE * 8):
        damaged = bytearray(block)
        damaged[bit // 8] ^= 1 << (bit % 8)
        with pytest.raises(FormatError) as caught:
            decode_record(bytes(damaged), block_index=42)
        assert caught.value.block == 42
        assert caught.value.field in {"magic", "header_crc"}
        assert "block 42" in str(caught.value)


@pytest.mark.parametrize("which", range(6))
def test_every_bit_flip_in_a_payload_is_detected(which):
    block = _sample_blocks()[which]
    for bit in range(BLOCK_HEADER_SIZE * 8, len(block) * 8):
        damaged = bytearray(block)
        damaged[bit // 8] ^= 1 << (bit % 8)
        with pytest.raises(ChecksumMismatch) as caught:
            decode_record(bytes(damaged), block_index=5)
        assert (caught.value.block, caught.value.field) == (5, "payload_crc")


@pytest.mark.parametrize("which", range(6))
def test_truncation_at_every_byte_is_a_clear_error(which):
    block = _sample_blocks()[which]
    for size in range(len(block)):
        with pytest.raises((TruncatedRecord, BadMagic)) as caught:
            decode_record(block[:size], block_index=1)
        assert caught.value.block == 1


def _forge(header_fields, payload=b""):
    """A block whose header CRC is right but whose fields may be hostile."""
    from smartmedia.format._blocks import pack_header

    return pack_header(*header_fields) + payload


def test_hostile_payload_length_is_refused_before_any_allocation():
    block = _forge((RecordType.DATA, 0, SID, 1, 0, 4, 2**32 - 1, 0))
    with pytest.raises(FieldOutOfRange) as caught:
        decode_block(block, block_index=4)
    assert caught.value.field == "payload_length"


def test_payload_length_beyond_the_block_is_truncation():
    block = _forge((RecordType.DATA, 0, SID, 1, 0, 4, 1000, 0), b"x" * 10)
    with pytest.raises(TruncatedRecord) as caught:
        decode_block(block, block_index=4)
    assert caught.value.field == "payload"


def test_hostile_string_length_inside_a_payload_is_truncation():
    good = encode_medium_header(HEADER)
    payload = bytearray(good[BLOCK_HEADER_SIZE:])
    payload[56:58] = (60000).to_bytes(2, "little")  # the label's length

    block = _forge(
        (RecordType.MEDIUM_HEADER, 0, None, 0, 0, 0, len(payload), crc32c.crc32c(payload))
    )
    with pytest.raises(FieldOutOfRange) as caught:
        decode_medium_header(block + bytes(payload))
    assert caught.value.field == "label"


def test_a_newer_major_version_is_refused():
    block = bytearray(encode_medium_header(HEADER))
    block[4] = 2

    block[52:56] = crc32c.crc32c(bytes(block[:52])).to_bytes(4, "little")
    with pytest.raises(UnsupportedVersion) as caught:
        decode_medium_header(bytes(block))
    assert caught.value.field == "version"


def test_a_newer_minor_version_with_a_longer_header_is_read():
    """Later minor versions may grow the block header; readers skip what they don't know."""

    payload = encode_medium_header(HEADER)[BLOCK_HEADER_SIZE:]
    header = bytearray(encode_medium_header(HEADER)[:BLOCK_HEADER_SIZE])
    header[5] = 7  # minor
    header[10:12] = (BLOCK_HEADER_SIZE + 8).to_bytes(2, "little")
    header[52:56] = crc32c.crc32c(bytes(header[:52])).to_bytes(4, "little")
    decoded = decode_record(bytes(header) + bytes(8) + payload)
    assert decoded.value == HEADER
    assert decoded.header.minor == 7


def test_unknown_record_types_decode_to_nothing_and_are_not_errors():

    payload = b"future things"
    block = _forge((999, 0, None, 0, 0, 3, len(payload), crc32c.crc32c(payload)), payload)
    decoded = decode_record(block)
    assert decoded.value is None
    assert decoded.header.record_type is None
    assert decoded.header.type == 999


def test_a_decoder_for_one_record_refuses_another():
    with pytest.raises(FieldOutOfRange) as caught:
        decode_session_start(encode_medium_header(HEADER), block_index=0)
    assert caught.value.field == "type"


def test_record_and_block_header_must_agree_on_the_session():
    block = bytearray(
        encode_session_start(
            SessionStart(session=SID, type=SessionType.BACKUP, started=NOW), block_index=2
        )
    )

    block[16:20] = (9).to_bytes(4, "little")  # the block header's session number
    block[52:56] = crc32c.crc32c(bytes(block[:52])).to_bytes(4, "little")
    with pytest.raises(FieldOutOfRange) as caught:
        decode_session_start(bytes(block), block_index=2)
    assert caught.value.field == "session"


# ---------------------------------------------------------------------------- values


def test_medium_header_checks_its_fields():
    with pytest.raises(ValidationError, match="block_size"):
        MediumHeader(**{**_fields(HEADER), "block_size": 1000})
    with pytest.raises(ValidationError, match="block_size"):
        MediumHeader(**{**_fields(HEADER), "block_size": MAX_BLOCK_SIZE + 4096})
    with pytest.raises(ValidationError, match="copy_generation"):
        MediumHeader(**{**_fields(HEADER), "original": MediumId("c0a80105:4f6b3a10:1b2c:0002")})
    with pytest.raises(ValidationError, match="original"):
        MediumHeader(**{**_fields(HEADER), "original": HEADER.medium_id, "copy_generation": 1})


def test_continued_sessions_name_their_previous_medium():
    with pytest.raises(ValidationError, match="previous_medium"):
        SessionStart(session=SID, type=SessionType.BACKUP, started=NOW, span=1)


def test_block_header_values_are_bounded():
    with pytest.raises(ValidationError, match="object_index"):
        BlockHeader(type=4, object_index=2**32)


def _fields(header):
    import attrs

    return attrs.asdict(header, recurse=False)
