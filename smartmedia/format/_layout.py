"""Byte layouts of the on-tape format: constants, struct layouts and bounded primitives.

Everything here follows ``docs/format.md`` (the normative spec) field for field; the
struct layouts are compiled once. The cursor helpers bound every read by the bytes that
are there, so a hostile length field produces a :class:`~smartmedia.errors.FormatError`
and never an allocation or an ``IndexError``.
"""

from __future__ import annotations

import datetime as _dt
import enum
import struct
from typing import ClassVar, NoReturn

from smartmedia.errors import FieldOutOfRange, FormatError, TruncatedRecord, ValidationError

__all__ = [
    "BLOCK_HEADER",
    "BLOCK_HEADER_SIZE",
    "BLOCK_MAGIC",
    "DEFAULT_BLOCK_SIZE",
    "DEFAULT_SEGMENT_SIZE",
    "FORMAT_MAJOR",
    "FORMAT_MINOR",
    "MAX_BLOCK_SIZE",
    "MAX_SEGMENT_SIZE",
    "MAX_U64_VALUE",
    "MIN_BLOCK_SIZE",
    "MIN_SEGMENT_SIZE",
    "Flag",
    "Reader",
    "RecordType",
    "Writer",
    "from_micros",
    "to_micros",
]

BLOCK_MAGIC = b"SMTB"
FORMAT_MAJOR = 1
FORMAT_MINOR = 0

MIN_BLOCK_SIZE = 4 * 1024
MAX_BLOCK_SIZE = 2 * 1024 * 1024
DEFAULT_BLOCK_SIZE = 256 * 1024
MIN_SEGMENT_SIZE = 1024 * 1024
MAX_SEGMENT_SIZE = 1 << 48
DEFAULT_SEGMENT_SIZE = 2 * 1024**3
#: the largest value of a ``u64`` field (spec §1: they fit a signed 64-bit integer)
MAX_U64_VALUE = (1 << 63) - 1

# magic, major, minor, type, flags, header length, session date, session number,
# object index, sequence, block index, payload length, payload CRC, reserved, header CRC
BLOCK_HEADER = struct.Struct("<4sBBHHHIIIQQIIII")
BLOCK_HEADER_SIZE = BLOCK_HEADER.size  # 56
HEADER_CRC_OFFSET = BLOCK_HEADER_SIZE - 4


class RecordType(enum.IntEnum):
    """The record a block holds (block header field ``type``). Unknown values are skipped."""

    MEDIUM_HEADER = 1
    SESSION_START = 2
    OBJECT_START = 3
    DATA = 4
    SESSION_END = 5
    CATALOG = 6
    END_OF_DATA = 7


class Flag(enum.IntFlag):
    """Block header flags. Bits not listed here are reserved: written 0, ignored on read."""

    CONTINUED = 0x0001  # this record continues a session or object from the previous medium
    CONTINUES = 0x0002  # the session goes on on the next medium (on a session end)
    LAST = 0x0004  # the last data block of an object version


_EPOCH = _dt.datetime(1970, 1, 1, tzinfo=_dt.timezone.utc)
_MIN_MICROS = -(1 << 63)


def to_micros(moment: _dt.datetime) -> int:
    """Microseconds since 1970-01-01T00:00:00Z (an aware datetime)."""
    delta = moment - _EPOCH
    return (delta.days * 86_400 + delta.seconds) * 1_000_000 + delta.microseconds


def from_micros(micros: int, *, field: str) -> _dt.datetime:
    """The aware UTC datetime ``micros`` microseconds after the epoch."""
    try:
        return _EPOCH + _dt.timedelta(microseconds=micros)
    except OverflowError:
        raise FieldOutOfRange(f"time {micros} us is out of range", field=field) from None


class Reader:
    """A bounded cursor over one record's payload.

    Every read checks the bytes remaining first. ``base`` is the offset of the payload in
    its block, so errors report block offsets.
    """

    _U8: ClassVar[struct.Struct] = struct.Struct("<B")
    _U16: ClassVar[struct.Struct] = struct.Struct("<H")
    _U32: ClassVar[struct.Struct] = struct.Struct("<I")
    _U64: ClassVar[struct.Struct] = struct.Struct("<Q")
    _I64: ClassVar[struct.Struct] = struct.Struct("<q")

    __slots__ = ("base", "block", "buffer", "pos", "what")

    def __init__(
        self, buffer: memoryview, *, what: str, base: int = 0, block: int | None = None
    ) -> None:
        self.buffer = buffer
        self.pos = 0
        self.what = what
        self.base = base
        self.block = block

    @property
    def offset(self) -> int:
        return self.base + self.pos

    def remaining(self) -> int:
        return len(self.buffer) - self.pos

    def fail(
        self, message: str, field: str, error: type[FormatError] = FieldOutOfRange
    ) -> NoReturn:
        raise error(f"{self.what}: {message}", block=self.block, field=field, offset=self.offset)

    def _need(self, size: int, field: str) -> None:
        if size > len(self.buffer) - self.pos:
            self.fail(
                f"needs {size} bytes for {field}, only {len(self.buffer) - self.pos} left",
                field,
                TruncatedRecord,
            )

    def _unpack(self, layout: struct.Struct, field: str) -> int:
        self._need(layout.size, field)
        (value,) = layout.unpack_from(self.buffer, self.pos)
        self.pos += layout.size
        return int(value)

    def u8(self, field: str) -> int:
        return self._unpack(self._U8, field)

    def u16(self, field: str) -> int:
        return self._unpack(self._U16, field)

    def u32(self, field: str) -> int:
        return self._unpack(self._U32, field)

    def u64(self, field: str) -> int:
        """A ``u64`` field: below 2^63 in format 1.0 (spec §1), else out of range."""
        start = self.offset
        value = self._unpack(self._U64, field)
        if value > MAX_U64_VALUE:
            raise FieldOutOfRange(
                f"{self.what}: {field} {value} is 2^63 or more",
                block=self.block,
                field=field,
                offset=start,
            )
        return value

    def i64(self, field: str) -> int:
        return self._unpack(self._I64, field)

    def raw(self, size: int, field: str) -> memoryview:
        self._need(size, field)
        view = self.buffer[self.pos : self.pos + size]
        self.pos += size
        return view

    def text(self, field: str, *, max_bytes: int, ascii_only: bool = False) -> str:
        """A string: u16 byte length, then that many bytes of UTF-8 (or ASCII)."""
        start = self.offset
        length = self.u16(field)
        if length > max_bytes:
            self.fail(f"{field} is {length} bytes long, at most {max_bytes} allowed", field)
        data = bytes(self.raw(length, field))
        try:
            return data.decode("ascii" if ascii_only else "utf-8")
        except UnicodeDecodeError:
            raise FieldOutOfRange(
                f"{self.what}: {field} is not valid {'ASCII' if ascii_only else 'UTF-8'}",
                block=self.block,
                field=field,
                offset=start,
            ) from None

    def time(self, field: str) -> _dt.datetime:
        start = self.offset
        micros = self.i64(field)
        try:
            return from_micros(micros, field=field)
        except FieldOutOfRange as error:
            raise FieldOutOfRange(
                error.reason, block=self.block, field=field, offset=start
            ) from None


class Writer:
    """Builds a record payload; string limits are checked as the spec sets them."""

    __slots__ = ("parts",)

    def __init__(self) -> None:
        self.parts: list[bytes] = []

    def pack(self, layout: struct.Struct, *values: object) -> None:
        self.parts.append(layout.pack(*values))

    def u16(self, value: int) -> None:
        self.parts.append(value.to_bytes(2, "little"))

    def u32(self, value: int) -> None:
        self.parts.append(value.to_bytes(4, "little"))

    def u64(self, value: int) -> None:
        self.parts.append(value.to_bytes(8, "little"))

    def i64(self, value: int) -> None:
        self.parts.append(value.to_bytes(8, "little", signed=True))

    def raw(self, data: bytes) -> None:
        self.parts.append(data)

    def text(self, value: str, field: str, *, max_bytes: int) -> None:
        data = value.encode("utf-8")
        if len(data) > max_bytes:
            raise ValidationError(
                f"{len(data)} bytes of UTF-8, at most {max_bytes} fit on tape", path=field
            )
        self.u16(len(data))
        self.parts.append(data)

    def time(self, moment: _dt.datetime) -> None:
        self.i64(to_micros(moment))

    def getvalue(self) -> bytes:
        return b"".join(self.parts)
