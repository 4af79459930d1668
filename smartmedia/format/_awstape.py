"""AWSTAPE: the container that existing tape tools (emulators, ``mhvtl`` converters,
Hercules) use for tape images, for moving media between them and smartmedia.

Each chunk of a block has a 6-byte header: the chunk's length (u16 LE), the previous
chunk's length (u16 LE), and two flag bytes — ``0x80`` the chunk begins a block, ``0x20``
it ends one, ``0x40`` a tape mark (with length 0). Blocks longer than 65,535 bytes are
split into chunks.
"""

from __future__ import annotations

import struct
from typing import BinaryIO

from smartmedia.errors import FieldOutOfRange, TruncatedRecord, ValidationError
from smartmedia.format._blockio import BlockSink, BlockSource, EndOfData, Filemark
from smartmedia.format._layout import MAX_BLOCK_SIZE

__all__ = ["export_awstape", "import_awstape"]

_HEADER = struct.Struct("<HHBB")
_BEGIN, _MARK, _END = 0x80, 0x40, 0x20
_CHUNK = 0xFFFF


def export_awstape(source: BlockSource, out: BinaryIO) -> int:
    """Write everything ``source`` reads (to its end of data) to ``out``; returns the
    number of blocks and filemarks written."""
    if not isinstance(source, BlockSource):
        raise ValidationError(f"expected a BlockSource, got {type(source).__name__}", path="source")
    if not callable(getattr(out, "write", None)):
        raise ValidationError(f"expected a binary file, got {type(out).__name__}", path="out")
    previous = 0
    count = 0
    while True:
        item = source.read_block()
        if isinstance(item, EndOfData):
            return count
        count += 1
        if isinstance(item, Filemark):
            out.write(_HEADER.pack(0, previous, _MARK, 0))
            previous = 0
            continue
        view = memoryview(item)
        size = view.nbytes
        for start in range(0, size, _CHUNK):
            chunk = view[start : start + _CHUNK]
            flags = (_BEGIN if start == 0 else 0) | (_END if start + _CHUNK >= size else 0)
            out.write(_HEADER.pack(chunk.nbytes, previous, flags, 0))
            out.write(chunk)
            previous = chunk.nbytes


def import_awstape(stream: BinaryIO, sink: BlockSink) -> int:
    """Write the blocks and tape marks of the AWSTAPE ``stream`` to ``sink``; returns
    their number. Malformed input raises a :class:`~smartmedia.errors.FormatError`
    subclass with the byte offset; no block larger than the format's maximum is built."""
    if not isinstance(sink, BlockSink):
        raise ValidationError(f"expected a BlockSink, got {type(sink).__name__}", path="sink")
    if not callable(getattr(stream, "read", None)):
        raise ValidationError(f"expected a binary file, got {type(stream).__name__}", path="stream")
    count = 0
    offset = 0
    pending: list[bytes] = []
    pending_size = 0
    while True:
        raw = stream.read(_HEADER.size)
        if not raw:
            break
        if len(raw) < _HEADER.size:
            raise TruncatedRecord("AWSTAPE chunk header cut short", field="header", offset=offset)
        length, _, flags, _ = _HEADER.unpack(raw)
        if flags & _MARK:
            if pending or length:
                raise FieldOutOfRange(
                    "AWSTAPE tape mark inside a block", field="flags", offset=offset
                )
            sink.write_filemarks(1)
            count += 1
            offset += _HEADER.size
            continue
        if bool(flags & _BEGIN) == bool(pending):
            raise FieldOutOfRange(
                "AWSTAPE chunk does not continue or begin a block as its flags say",
                field="flags",
                offset=offset,
            )
        if pending_size + length > MAX_BLOCK_SIZE:
            raise FieldOutOfRange(
                f"AWSTAPE block longer than {MAX_BLOCK_SIZE} bytes", field="length", offset=offset
            )
        data = stream.read(length)
        if len(data) < length:
            raise TruncatedRecord("AWSTAPE chunk cut short", field="data", offset=offset)
        pending.append(data)
        pending_size += length
        offset += _HEADER.size + length
        if flags & _END:
            if not pending_size:
                raise FieldOutOfRange("AWSTAPE empty block", field="length", offset=offset)
            sink.write_block(b"".join(pending))
            pending, pending_size = [], 0
            count += 1
    if pending:
        raise TruncatedRecord("AWSTAPE stream ends inside a block", field="data", offset=offset)
    return count
