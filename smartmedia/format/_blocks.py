"""Blocks: the 56-byte block header every block starts with, and data blocks.

Decoders accept any bytes-like block, never copy a payload (they hand out a
``memoryview`` of it), and raise only :class:`~smartmedia.errors.FormatError`
subclasses, naming the block index (when the caller gives it), the field and its offset.
"""

from __future__ import annotations

import datetime as _dt
from typing import NamedTuple

import crc32c

from smartmedia.errors import (
    BadMagic,
    ChecksumMismatch,
    FieldOutOfRange,
    TruncatedRecord,
    UnsupportedVersion,
    ValidationError,
)
from smartmedia.format._blockio import Block, view_of
from smartmedia.format._layout import (
    BLOCK_HEADER,
    BLOCK_HEADER_SIZE,
    BLOCK_MAGIC,
    FORMAT_MAJOR,
    FORMAT_MINOR,
    HEADER_CRC_OFFSET,
    MAX_BLOCK_SIZE,
    MAX_U64_VALUE,
    Flag,
    RecordType,
)
from smartmedia.format._records import BlockHeader
from smartmedia.model import SessionId

__all__ = [
    "RawHeader",
    "check_payload",
    "decode_block",
    "decode_block_header",
    "encode_block_header",
    "encode_data_block",
    "pack_header",
    "parse_header",
    "record_block",
    "session_from_key",
    "session_key",
]

_crc = crc32c.crc32c

# --------------------------------------------------------------------------- block header


def session_key(session: SessionId | None) -> tuple[int, int]:
    if session is None:
        return 0, 0
    d = session.date
    return d.year * 10_000 + d.month * 100 + d.day, session.number


def session_from_key(date: int, number: int, *, block: int | None, offset: int) -> SessionId | None:
    if date == 0 and number == 0:
        return None
    try:
        return SessionId(
            date=_dt.date(date // 10_000, date // 100 % 100, date % 100), number=number
        )
    except (ValueError, ValidationError):
        raise FieldOutOfRange(
            f"session {date:08d}-{number} is not a valid session ID",
            block=block,
            field="session",
            offset=offset,
        ) from None


def pack_header(  # noqa: PLR0917 - the header's fields, in their on-tape order
    record_type: int,
    flags: int,
    session: SessionId | None,
    object_index: int,
    sequence: int,
    block_index: int,
    payload_length: int,
    payload_crc: int,
) -> bytes:
    date, number = session_key(session)
    raw = BLOCK_HEADER.pack(
        BLOCK_MAGIC,
        FORMAT_MAJOR,
        FORMAT_MINOR,
        record_type,
        flags,
        BLOCK_HEADER_SIZE,
        date,
        number,
        object_index,
        sequence,
        block_index,
        payload_length,
        payload_crc,
        0,
        0,
    )
    return raw[:HEADER_CRC_OFFSET] + _crc(raw[:HEADER_CRC_OFFSET]).to_bytes(4, "little")


def encode_block_header(header: BlockHeader) -> bytes:
    """The 56 bytes of ``header`` (its ``major``, ``minor`` and ``header_length`` are
    written as this version writes them: 1, 0 and 56)."""
    return pack_header(
        header.type,
        header.flags,
        header.session,
        header.object_index,
        header.sequence,
        header.block_index,
        header.payload_length,
        header.payload_crc,
    )


class RawHeader(NamedTuple):
    """A checked block header as plain numbers: the fast path for data blocks, which
    readers check by the thousand without building values."""

    type: int
    flags: int
    date: int
    number: int
    object_index: int
    sequence: int
    block_index: int
    header_length: int
    payload_length: int
    payload_crc: int
    major: int
    minor: int


def parse_header(block: Block, block_index: int | None = None) -> RawHeader:
    """The header of ``block`` checked (magic, header CRC, version, lengths), unbuilt."""
    view = block if type(block) is bytes else view_of(block)
    size = len(view)
    at = block_index
    if size < BLOCK_HEADER_SIZE:
        if size >= 4 and bytes(view[:4]) != BLOCK_MAGIC:
            raise BadMagic("not a block of this format", block=at, field="magic", offset=0)
        raise TruncatedRecord(
            f"a block header is {BLOCK_HEADER_SIZE} bytes, the block has {size}",
            block=at,
            field="header",
            offset=size,
        )
    (
        magic,
        major,
        minor,
        record_type,
        flags,
        header_length,
        date,
        number,
        object_index,
        sequence,
        index,
        payload_length,
        payload_crc,
        _reserved,
        header_crc,
    ) = BLOCK_HEADER.unpack_from(view, 0)
    if magic != BLOCK_MAGIC:
        raise BadMagic("not a block of this format", block=at, field="magic", offset=0)
    if _crc(view[:HEADER_CRC_OFFSET]) != header_crc:
        raise ChecksumMismatch(
            "block header checksum mismatch: the header is damaged",
            block=at,
            field="header_crc",
            offset=HEADER_CRC_OFFSET,
        )
    if major != FORMAT_MAJOR:
        raise UnsupportedVersion(
            f"format version {major}.{minor}; this reader reads version {FORMAT_MAJOR}.x",
            block=at,
            field="version",
            offset=4,
        )
    if header_length < BLOCK_HEADER_SIZE or header_length > size:
        raise FieldOutOfRange(
            f"header length {header_length} is not in {BLOCK_HEADER_SIZE}..{size}",
            block=at,
            field="header_length",
            offset=10,
        )
    if (sequence | index) > MAX_U64_VALUE:
        raise FieldOutOfRange(
            f"sequence {sequence} or block index {index} is 2^63 or more",
            block=at,
            field="sequence" if sequence > MAX_U64_VALUE else "block_index",
            offset=24 if sequence > MAX_U64_VALUE else 32,
        )
    if payload_length > MAX_BLOCK_SIZE - header_length:
        raise FieldOutOfRange(
            f"payload length {payload_length} exceeds the largest block ({MAX_BLOCK_SIZE})",
            block=at,
            field="payload_length",
            offset=40,
        )
    if header_length + payload_length > size:
        raise TruncatedRecord(
            f"the payload is {payload_length} bytes, the block holds "
            f"{size - header_length} after its header",
            block=at,
            field="payload",
            offset=size,
        )
    return RawHeader(
        record_type,
        flags,
        date,
        number,
        object_index,
        sequence,
        index,
        header_length,
        payload_length,
        payload_crc,
        major,
        minor,
    )


def check_payload(block: Block, raw: RawHeader, block_index: int | None = None) -> memoryview:
    """The payload of ``block`` (a view, not a copy), its CRC32C checked."""
    start = raw.header_length
    payload = view_of(block)[start : start + raw.payload_length]
    if _crc(payload) != raw.payload_crc:
        raise ChecksumMismatch(
            "payload checksum mismatch: the block's data is damaged",
            block=block_index,
            field="payload_crc",
            offset=44,
        )
    return payload


def decode_block_header(block: Block, *, block_index: int | None = None) -> BlockHeader:
    """The header of ``block``, checked: magic, header CRC, version, lengths.

    The payload is not checked (see :func:`decode_block`). A block shorter than its
    header says is :class:`TruncatedRecord`; ``block_index`` is only used in errors.
    """
    return _header_value(parse_header(block, block_index), block_index)


def _header_value(raw: RawHeader, block_index: int | None) -> BlockHeader:
    return BlockHeader(
        type=raw.type,
        flags=raw.flags,
        session=session_from_key(raw.date, raw.number, block=block_index, offset=12),
        object_index=raw.object_index,
        sequence=raw.sequence,
        block_index=raw.block_index,
        payload_length=raw.payload_length,
        payload_crc=raw.payload_crc,
        major=raw.major,
        minor=raw.minor,
        header_length=raw.header_length,
    )


def decode_block(block: Block, *, block_index: int | None = None) -> tuple[BlockHeader, memoryview]:
    """The header and the payload (a view into ``block``, not a copy), both checked."""
    raw = parse_header(block, block_index)
    header = _header_value(raw, block_index)
    return header, check_payload(block, raw, block_index)


def record_block(
    record_type: RecordType,
    payload: bytes,
    *,
    block_index: int,
    session: SessionId | None = None,
    flags: int = 0,
    object_index: int = 0,
) -> bytes:
    if BLOCK_HEADER_SIZE + len(payload) > MAX_BLOCK_SIZE:
        raise ValidationError(
            f"the {record_type.name.lower()} record needs {len(payload)} bytes, "
            f"more than a block can hold"
        )
    return (
        pack_header(
            record_type,
            flags,
            session,
            object_index,
            0,
            block_index,
            len(payload),
            _crc(payload),
        )
        + payload
    )


def encode_data_block(
    payload: Block,
    *,
    session: SessionId,
    object_index: int,
    sequence: int,
    block_index: int,
    last: bool = False,
) -> bytes:
    """One data block of an object version (the writer builds these without this copy)."""
    view = view_of(payload, "payload")
    if BLOCK_HEADER_SIZE + view.nbytes > MAX_BLOCK_SIZE:
        raise ValidationError(f"a payload of {view.nbytes} bytes does not fit in a block")
    header = pack_header(
        RecordType.DATA,
        Flag.LAST if last else 0,
        session,
        object_index,
        sequence,
        block_index,
        view.nbytes,
        _crc(view),
    )
    return b"".join((header, view))
