"""Encode and decode the format's records, byte-exact to ``docs/format.md``.

Record payloads follow the block header (:mod:`._blocks`); their decoders check every
field and raise only :class:`~smartmedia.errors.FormatError` subclasses naming the block,
the field and its byte offset.
"""

from __future__ import annotations

import enum
import struct
from collections.abc import Callable
from typing import TypeVar

import attrs

from smartmedia.errors import FieldOutOfRange, ValidationError
from smartmedia.format._blockio import Block
from smartmedia.format._blocks import decode_block, record_block, session_from_key, session_key
from smartmedia.format._layout import (
    MAX_U64_VALUE,
    Flag,
    Reader,
    RecordType,
    Writer,
    to_micros,
)
from smartmedia.format._records import (
    BlockHeader,
    CatalogRecord,
    CatalogSegment,
    EndOfDataRecord,
    Extent,
    MediumHeader,
    ObjectStart,
    SessionEnd,
    SessionStart,
)
from smartmedia.model import (
    BackupObject,
    Barcode,
    MediaType,
    MediumId,
    ObjectType,
    SessionId,
    SessionStatus,
    SessionType,
)

__all__ = [
    "CATALOG_FIXED_SIZE",
    "Decoded",
    "catalog_block",
    "catalog_entry_bytes",
    "catalog_payload",
    "decode_catalog_segment",
    "decode_end_of_data",
    "decode_medium_header",
    "decode_object_start",
    "decode_record",
    "decode_session_end",
    "decode_session_start",
    "encode_catalog_segment",
    "encode_end_of_data",
    "encode_medium_header",
    "encode_object_start",
    "encode_session_end",
    "encode_session_start",
]

_NO_ID = bytes(12)
_MEDIUM_FIXED = struct.Struct("<12s12sHHIQqII")
_SESSION_KEY = struct.Struct("<II")
_EXTENT = struct.Struct("<IIIBxxxQQQQ")
_CATALOG_FIXED = struct.Struct("<IHHQQQI")
_CATALOG_RECORD = struct.Struct("<HxxQI")
_END_OF_DATA = struct.Struct("<QIIQQ")

_MAX_LABEL = 320
_MAX_POOL = 256
_MAX_NAME = 32
_MAX_HOST = 1024
_MAX_MOUNT = 4096
_MAX_DESCRIPTION = 1024
_MAX_SPECIFICATION = 512

# ------------------------------------------------------------------------------ records


def _cut(text: str, limit: int = 300) -> str:
    """A message with the values it quotes cut short: a field may be 4 KiB of text."""
    return text if len(text) <= limit else text[: limit - 3] + "..."


_T = TypeVar("_T")
_E = TypeVar("_E", bound=enum.Enum)


def _enum(kind: type[_E], reader: Reader, field: str) -> _E:
    start = reader.offset
    text = reader.text(field, max_bytes=_MAX_NAME, ascii_only=True)
    try:
        return kind(text)
    except ValueError:
        raise FieldOutOfRange(
            f"{reader.what}: unknown {field} {text!r}",
            block=reader.block,
            field=field,
            offset=start,
        ) from None


def _medium_id(reader: Reader, field: str, *, optional: bool) -> MediumId | None:
    raw = bytes(reader.raw(12, field))
    if raw == _NO_ID:
        if optional:
            return None
        reader.pos -= 12
        reader.fail(f"{field} is all zeros", field)
    return MediumId.from_bytes(raw)


def _id_bytes(medium_id: MediumId | None) -> bytes:
    return _NO_ID if medium_id is None else medium_id.to_bytes()


def _build(
    header: BlockHeader,
    payload: memoryview,
    kind: RecordType,
    build: Callable[[Reader, BlockHeader], _T],
    block_index: int | None,
) -> _T:
    """The record of ``kind`` in ``payload``, every field checked, its session the
    block header's."""
    reader = Reader(
        payload,
        what=kind.name.lower().replace("_", " "),
        base=header.header_length,
        block=block_index,
    )
    try:
        value = build(reader, header)
    except ValidationError as error:
        raise FieldOutOfRange(
            f"{reader.what}: {_cut(error.message)}", block=block_index, field=error.path or None
        ) from None
    _check_consistent(header, value, block_index)
    return value


def _decode_value(
    block: Block,
    kind: RecordType,
    build: Callable[[Reader, BlockHeader], _T],
    block_index: int | None,
) -> _T:
    header, payload = decode_block(block, block_index=block_index)
    if header.type != kind:
        raise FieldOutOfRange(
            f"expected a {kind.name.lower()} record, found record type {header.type}",
            block=block_index,
            field="type",
            offset=6,
        )
    return _build(header, payload, kind, build, block_index)


# medium header


def _medium_header_payload(header: MediumHeader) -> bytes:
    out = Writer()
    out.pack(
        _MEDIUM_FIXED,
        header.medium_id.to_bytes(),
        _id_bytes(header.original),
        header.copy_generation,
        0,
        header.block_size,
        header.segment_size,
        to_micros(header.created),
        header.write_count,
        0,
    )
    out.text(header.label, "label", max_bytes=_MAX_LABEL)
    out.text("" if header.barcode is None else str(header.barcode), "barcode", max_bytes=16)
    out.text(header.media_type.value, "media_type", max_bytes=_MAX_NAME)
    out.text(header.pool, "pool", max_bytes=_MAX_POOL)
    return out.getvalue()


def encode_medium_header(header: MediumHeader) -> bytes:
    """Block 0 of a medium."""
    return record_block(RecordType.MEDIUM_HEADER, _medium_header_payload(header), block_index=0)


def _build_medium_header(reader: Reader, _: BlockHeader) -> MediumHeader:
    medium_id = _medium_id(reader, "medium_id", optional=False)
    original = _medium_id(reader, "original", optional=True)
    generation = reader.u16("copy_generation")
    reader.u16("reserved")
    block_size = reader.u32("block_size")
    segment_size = reader.u64("segment_size")
    created = reader.time("created")
    write_count = reader.u32("write_count")
    reader.u32("reserved")
    label = reader.text("label", max_bytes=_MAX_LABEL)
    barcode = reader.text("barcode", max_bytes=16, ascii_only=True)
    media_type = _enum(MediaType, reader, "media_type")
    pool = reader.text("pool", max_bytes=_MAX_POOL)
    assert medium_id is not None
    return MediumHeader(
        medium_id=medium_id,
        label=label,
        media_type=media_type,
        pool=pool,
        created=created,
        barcode=Barcode(barcode) if barcode else None,
        block_size=block_size,
        segment_size=segment_size,
        write_count=write_count,
        original=original,
        copy_generation=generation,
    )


def decode_medium_header(block: Block) -> MediumHeader:
    """The medium header in block 0 (every field checked)."""
    return _decode_value(block, RecordType.MEDIUM_HEADER, _build_medium_header, 0)


# session start


def _session_start_payload(record: SessionStart) -> bytes:
    out = Writer()
    out.pack(_SESSION_KEY, *session_key(record.session))
    out.u16(record.span)
    out.u16(0)
    out.time(record.started)
    out.raw(_id_bytes(record.previous_medium))
    out.text(record.type.value, "type", max_bytes=_MAX_NAME)
    out.text(record.specification, "specification", max_bytes=_MAX_SPECIFICATION)
    return out.getvalue()


def _session(reader: Reader) -> SessionId:
    start = reader.offset
    date = reader.u32("session")
    number = reader.u32("session")
    session = session_from_key(date, number, block=reader.block, offset=start)
    if session is None:
        raise FieldOutOfRange(
            f"{reader.what}: no session", block=reader.block, field="session", offset=start
        )
    return session


def _build_session_start(reader: Reader, _: BlockHeader) -> SessionStart:
    session = _session(reader)
    span = reader.u16("span")
    reader.u16("reserved")
    started = reader.time("started")
    previous = _medium_id(reader, "previous_medium", optional=True)
    session_type = _enum(SessionType, reader, "type")
    specification = reader.text("specification", max_bytes=_MAX_SPECIFICATION)
    return SessionStart(
        session=session,
        type=session_type,
        started=started,
        specification=specification,
        span=span,
        previous_medium=previous,
    )


def encode_session_start(record: SessionStart, *, block_index: int) -> bytes:
    return record_block(
        RecordType.SESSION_START,
        _session_start_payload(record),
        block_index=block_index,
        session=record.session,
        flags=Flag.CONTINUED if record.span else 0,
    )


def decode_session_start(block: Block, *, block_index: int | None = None) -> SessionStart:
    return _decode_value(block, RecordType.SESSION_START, _build_session_start, block_index)


# object start


def _object_start_payload(record: ObjectStart) -> bytes:
    out = Writer()
    out.pack(_SESSION_KEY, *session_key(record.session))
    out.u32(record.index)
    out.u32(0)
    out.time(record.backup_time)
    out.u64(record.first_sequence)
    obj = record.object
    out.text(obj.type.value, "object.type", max_bytes=_MAX_NAME)
    out.text(obj.host, "object.host", max_bytes=_MAX_HOST)
    out.text(obj.mount, "object.mount", max_bytes=_MAX_MOUNT)
    out.text(obj.description, "object.description", max_bytes=_MAX_DESCRIPTION)
    return out.getvalue()


def _build_object_start(reader: Reader, _: BlockHeader) -> ObjectStart:
    session = _session(reader)
    index = reader.u32("index")
    reader.u32("reserved")
    backup_time = reader.time("backup_time")
    first_sequence = reader.u64("first_sequence")
    object_type = _enum(ObjectType, reader, "object.type")
    host = reader.text("object.host", max_bytes=_MAX_HOST)
    mount = reader.text("object.mount", max_bytes=_MAX_MOUNT)
    description = reader.text("object.description", max_bytes=_MAX_DESCRIPTION)
    try:
        obj = BackupObject(type=object_type, host=host, mount=mount, description=description)
    except ValidationError as error:
        raise error.under("object") from None
    return ObjectStart(
        session=session,
        index=index,
        object=obj,
        backup_time=backup_time,
        first_sequence=first_sequence,
    )


def encode_object_start(record: ObjectStart, *, block_index: int) -> bytes:
    return record_block(
        RecordType.OBJECT_START,
        _object_start_payload(record),
        block_index=block_index,
        session=record.session,
        object_index=record.index,
        flags=Flag.CONTINUED if record.first_sequence else 0,
    )


def decode_object_start(block: Block, *, block_index: int | None = None) -> ObjectStart:
    return _decode_value(block, RecordType.OBJECT_START, _build_object_start, block_index)


# session end


def _session_end_payload(record: SessionEnd) -> bytes:
    out = Writer()
    out.pack(_SESSION_KEY, *session_key(record.session))
    out.u32(record.objects)
    out.u32(0)
    out.time(record.ended)
    out.u64(record.bytes)
    out.raw(_id_bytes(record.continues_on))
    out.text(record.status.value, "status", max_bytes=_MAX_NAME)
    return out.getvalue()


def _build_session_end(reader: Reader, _: BlockHeader) -> SessionEnd:
    session = _session(reader)
    objects = reader.u32("objects")
    reader.u32("reserved")
    ended = reader.time("ended")
    total = reader.u64("bytes")
    continues_on = _medium_id(reader, "continues_on", optional=True)
    status = _enum(SessionStatus, reader, "status")
    return SessionEnd(
        session=session,
        ended=ended,
        status=status,
        objects=objects,
        bytes=total,
        continues_on=continues_on,
    )


def encode_session_end(record: SessionEnd, *, block_index: int) -> bytes:
    return record_block(
        RecordType.SESSION_END,
        _session_end_payload(record),
        block_index=block_index,
        session=record.session,
        flags=Flag.CONTINUES if record.continues_on else 0,
    )


def decode_session_end(block: Block, *, block_index: int | None = None) -> SessionEnd:
    return _decode_value(block, RecordType.SESSION_END, _build_session_end, block_index)


# catalog segment

#: The records a catalog segment may carry (and every block may hold: see _BUILDERS).
_RECORD_BUILDERS: dict[
    int, Callable[[Reader, BlockHeader], SessionStart | ObjectStart | SessionEnd]
] = {
    RecordType.SESSION_START: _build_session_start,
    RecordType.OBJECT_START: _build_object_start,
    RecordType.SESSION_END: _build_session_end,
}


def _record_payload(record: SessionStart | ObjectStart | SessionEnd) -> tuple[RecordType, bytes]:
    if isinstance(record, SessionStart):
        return RecordType.SESSION_START, _session_start_payload(record)
    if isinstance(record, ObjectStart):
        return RecordType.OBJECT_START, _object_start_payload(record)
    return RecordType.SESSION_END, _session_end_payload(record)


def catalog_entry_bytes(entry: CatalogRecord | Extent) -> bytes:
    """One catalog entry as stored (the writer sizes catalog parts with this)."""
    if isinstance(entry, Extent):
        return b"\x02" + _EXTENT.pack(
            *session_key(entry.session),
            entry.object_index,
            Flag.LAST if entry.complete else 0,
            entry.first_block,
            entry.last_block,
            entry.first_sequence,
            entry.bytes,
        )
    kind, payload = _record_payload(entry.record)
    return b"\x01" + _CATALOG_RECORD.pack(kind, entry.block, len(payload)) + payload


def catalog_payload(segment: CatalogSegment, entries: list[bytes]) -> bytes:
    """The payload of a catalog part from its already encoded entries."""
    fixed = _CATALOG_FIXED.pack(
        segment.number,
        segment.part,
        segment.parts,
        segment.data_first,
        segment.data_last,
        segment.previous_catalog,
        len(entries),
    )
    return fixed + b"".join(entries)


CATALOG_FIXED_SIZE = _CATALOG_FIXED.size


def catalog_block(segment: CatalogSegment, entries: list[bytes], *, block_index: int) -> bytes:
    """A catalog block holding ``entries`` (encoded by :func:`catalog_entry_bytes`); the
    records and extents of ``segment`` itself are ignored."""
    return record_block(
        RecordType.CATALOG, catalog_payload(segment, entries), block_index=block_index
    )


def encode_catalog_segment(segment: CatalogSegment, *, block_index: int) -> bytes:
    """One catalog block (a segment whose entries do not fit is written in parts: see
    the writer)."""
    entries = [catalog_entry_bytes(r) for r in segment.records]
    entries += [catalog_entry_bytes(e) for e in segment.extents]
    return record_block(
        RecordType.CATALOG, catalog_payload(segment, entries), block_index=block_index
    )


def _build_catalog(reader: Reader, _: BlockHeader) -> CatalogSegment:
    number = reader.u32("number")
    part = reader.u16("part")
    parts = reader.u16("parts")
    data_first = reader.u64("data_first")
    data_last = reader.u64("data_last")
    previous = reader.u64("previous_catalog")
    count = reader.u32("entries")
    records: list[CatalogRecord] = []
    extents: list[Extent] = []
    for i in range(count):
        field = f"entries[{i}]"
        kind = reader.u8(field)
        if kind == 1:
            record_type = reader.u16(field)
            reader.u16(field)
            block = reader.u64(field)
            length = reader.u32(field)
            base = reader.offset
            payload = reader.raw(length, field)
            build = _RECORD_BUILDERS.get(record_type)
            if build is None:
                continue  # a record type of a later version: skipped
            inner = Reader(payload, what=reader.what + f" {field}", base=base, block=reader.block)
            try:
                record = build(inner, BlockHeader(type=record_type))
            except ValidationError as error:
                raise FieldOutOfRange(
                    f"catalog segment: {_cut(error.message)}", block=reader.block, field=field
                ) from None
            records.append(CatalogRecord(block=block, record=record))
        elif kind == 2:
            start = reader.offset
            raw = reader.raw(_EXTENT.size, field)
            date, num, index, flags, first, last, first_sequence, size = _EXTENT.unpack(raw)
            session = session_from_key(date, num, block=reader.block, offset=start)
            if session is None or last < first or max(last, first_sequence, size) > MAX_U64_VALUE:
                raise FieldOutOfRange(
                    "catalog segment: extent without a session, ending before it starts, "
                    "or with a number of 2^63 or more",
                    block=reader.block,
                    field=field,
                    offset=start,
                )
            extents.append(
                Extent(
                    session=session,
                    object_index=index,
                    first_block=first,
                    last_block=last,
                    first_sequence=first_sequence,
                    bytes=size,
                    complete=bool(flags & Flag.LAST),
                )
            )
        else:
            reader.pos -= 1
            reader.fail(f"unknown catalog entry kind {kind}", field)
    return CatalogSegment(
        number=number,
        data_first=data_first,
        data_last=data_last,
        previous_catalog=previous,
        records=tuple(records),
        extents=tuple(extents),
        part=part,
        parts=parts,
    )


def decode_catalog_segment(block: Block, *, block_index: int | None = None) -> CatalogSegment:
    return _decode_value(block, RecordType.CATALOG, _build_catalog, block_index)


# end of data


def encode_end_of_data(record: EndOfDataRecord, *, block_index: int) -> bytes:
    payload = _END_OF_DATA.pack(
        record.last_catalog, record.sessions, record.segments, record.data_blocks, record.bytes
    )
    return record_block(RecordType.END_OF_DATA, payload, block_index=block_index)


def _build_end_of_data(reader: Reader, _: BlockHeader) -> EndOfDataRecord:
    return EndOfDataRecord(
        last_catalog=reader.u64("last_catalog"),
        sessions=reader.u32("sessions"),
        segments=reader.u32("segments"),
        data_blocks=reader.u64("data_blocks"),
        bytes=reader.u64("bytes"),
    )


def decode_end_of_data(block: Block, *, block_index: int | None = None) -> EndOfDataRecord:
    return _decode_value(block, RecordType.END_OF_DATA, _build_end_of_data, block_index)


# any record

Value = (
    MediumHeader
    | SessionStart
    | ObjectStart
    | SessionEnd
    | CatalogSegment
    | EndOfDataRecord
    | memoryview
    | None
)

_BUILDERS: dict[int, Callable[[Reader, BlockHeader], object]] = {
    **_RECORD_BUILDERS,
    RecordType.MEDIUM_HEADER: _build_medium_header,
    RecordType.CATALOG: _build_catalog,
    RecordType.END_OF_DATA: _build_end_of_data,
}


@attrs.frozen
class Decoded:
    """A decoded block: its header and its value — the record, the payload of a data
    block (a view into the block), or ``None`` for a record type this version skips."""

    header: BlockHeader
    value: Value


def decode_record(block: Block, *, block_index: int | None = None) -> Decoded:
    """Any block of the format, checked, with its record decoded by its type."""
    header, payload = decode_block(block, block_index=block_index)
    if header.type == RecordType.DATA:
        return Decoded(header, payload)
    build = _BUILDERS.get(header.type)
    if build is None:
        return Decoded(header, None)
    value = _build(header, payload, RecordType(header.type), build, block_index)
    return Decoded(header, value)  # type: ignore[arg-type]


def _check_consistent(header: BlockHeader, value: object, block_index: int | None) -> None:
    session = getattr(value, "session", None)
    if session is not None and session != header.session:
        raise FieldOutOfRange(
            f"the record is for session {session}, its block header says {header.session}",
            block=block_index,
            field="session",
            offset=12,
        )
