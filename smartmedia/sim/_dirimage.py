"""A cartridge image in one file: what :class:`DirectoryStore` keeps per cartridge.

The layout is normative in ``docs/format.md`` ("Lab cartridge files"). In short
(little-endian):

* a 4096-byte file header: the magic ``b"SMTAPE\\x00\\x01"``, a u32 length (at most
  4084) and that many bytes of UTF-8 JSON (an object: ``barcode``, ``media_type``,
  ``capacity``, ``write_protected``), zero padding;
* then one record per object: a 16-byte record header — tag (``b"BLK\\x00"`` for a
  block, ``b"FMK\\x00"`` for a filemark), u32 payload length, u32 CRC32C of the payload,
  u32 CRC32C of the first 12 header bytes — followed by the payload (none for a
  filemark).

Records are appended at the end of the file or cut off at a record boundary, so a crash
can only leave a *torn tail*: an incomplete last record (its header, or its payload,
running past the end of the file) with nothing valid after it. Opening a file never
changes it: a torn tail is left out of the index (:attr:`FileImage.torn_bytes`) and cut
off only when the image is next written to (an append or a truncation), so read-only
use — and a file opened ``O_RDONLY`` — is possible.

Damage anywhere else is a bad block, never a cut. A record header that does not check
(its CRC32C, its tag, or a filemark with a length) with a good header somewhere after it
makes the bytes from the bad header up to that next good header a *damaged span*: it
takes exactly **one position**, reads as :class:`~smartmedia.errors.MediumError`, and
indexing goes on at the good header. A span that swallowed several records therefore
shifts the positions of everything after it back by the number of records lost minus
one (a block records its own position, so a reader of the format sees the shift as
misplaced blocks). A block whose payload no longer matches its CRC32C also reads as
:class:`~smartmedia.errors.MediumError`, at its own position.

A header whose JSON is not the expected object — nested, huge numbers, NaN, wrong
types, a capacity outside 1..2^63-1, an unknown media type or barcode — raises
:class:`~smartmedia.errors.ValidationError` naming the file.
"""

from __future__ import annotations

import contextlib
import json
import mmap
import os
import re
import struct
from array import array
from bisect import bisect_left
from collections.abc import Iterable, Iterator

import crc32c

from smartmedia.errors import MediumError, ValidationError
from smartmedia.format import FILEMARK, Block, Filemark
from smartmedia.format._frames import find_header, header_crc_ok
from smartmedia.model import Barcode, MediaType
from smartmedia.sim._image import CartridgeImage, Object

__all__ = ["FileImage"]

MAGIC = b"SMTAPE\x00\x01"
HEADER_SIZE = 4096
_RECORD = struct.Struct("<4sIII")
_RECORD_SIZE = _RECORD.size
_MAX_META = HEADER_SIZE - len(MAGIC) - 4
_MAX_CAPACITY = (1 << 63) - 1
_BLOCK = b"BLK\x00"
_MARK = b"FMK\x00"
_TAGS = re.compile(b"BLK\x00|FMK\x00")
_FILEMARK_LENGTH = -1  # in the index: a filemark
_DAMAGED_LENGTH = -2  # in the index: a damaged span (reads as MediumError)
_BATCH_IOVECS = 512
_BATCH_BYTES = 4 << 20


def _record_header(tag: bytes, length: int, crc: int) -> bytes:
    head = struct.pack("<4sII", tag, length, crc)
    return head + struct.pack("<I", crc32c.crc32c(head))


def _write_all(fd: int, buffers: list[Block], offset: int) -> None:
    """``pwritev`` that goes on after a short write."""
    while buffers:
        written = os.pwritev(fd, buffers, offset)
        offset += written
        while buffers and written >= len(buffers[0]):
            written -= len(buffers[0])
            buffers.pop(0)
        if buffers and written:
            buffers[0] = memoryview(buffers[0])[written:]


def _no_constant(name: str) -> object:
    raise ValueError(f"{name} is not a number")


def _no_float(text: str) -> object:
    raise ValueError(f"{_cut(text)} is not an integer")


def _small_int(text: str) -> int:
    if len(text.lstrip("-")) > 19:
        raise ValueError(f"a {len(text)}-digit integer is out of range")
    return int(text)


def _cut(text: str, limit: int = 60) -> str:
    return text if len(text) <= limit else text[: limit - 3] + "..."


class FileImage(CartridgeImage):
    """A :class:`CartridgeImage` kept in one file; see the module docstring for the layout.

    ``sync``: make flushes durable with ``fsync`` (as a real VLS would); without it a
    flush only marks the point a simulated power loss goes back to.

    Opening never writes to the file (``fd`` may be read-only). ``torn_bytes`` are the
    bytes of a torn tail left out of the index, cut off by the next write;
    ``damaged_positions`` are the positions of damaged spans found when opening.
    """

    def __init__(self, fd: int, *, name: str, sync: bool) -> None:
        self._fd = fd
        self._name = name
        self._sync = sync
        barcode, media_type, capacity, write_protected = self._read_meta()
        super().__init__(
            barcode=barcode,
            media_type=media_type,
            capacity=capacity,
            write_protected=write_protected,
        )
        self._offsets = array("q")  # payload offset of each object (span start + 16)
        self._lengths = array("q")  # payload length, -1 for a filemark, -2 for damage
        self._cum = array("q", [0])
        self._marks: list[int] = []
        self._spans: list[int] = []
        self._end = HEADER_SIZE
        self.torn_bytes = 0
        self._scan()
        self._durable_end = self._end
        self._durable_count = self.count

    # -- creation and opening ----------------------------------------------------------

    @staticmethod
    def write_new(
        fd: int,
        *,
        barcode: Barcode,
        media_type: MediaType,
        capacity: int,
        write_protected: bool,
        sync: bool,
    ) -> None:
        """Write the file header of a new, blank image to the empty file ``fd``."""
        FileImage._write_meta(
            fd,
            barcode=barcode,
            media_type=media_type,
            capacity=capacity,
            write_protected=write_protected,
            sync=sync,
        )

    @staticmethod
    def _write_meta(
        fd: int,
        *,
        barcode: Barcode,
        media_type: MediaType,
        capacity: int,
        write_protected: bool,
        sync: bool,
    ) -> None:
        meta = json.dumps(
            {
                "barcode": str(barcode),
                "media_type": media_type.value,
                "capacity": capacity,
                "write_protected": write_protected,
            }
        ).encode()
        header = MAGIC + struct.pack("<I", len(meta)) + meta
        os.pwrite(fd, header.ljust(HEADER_SIZE, b"\x00"), 0)
        if sync:
            os.fsync(fd)

    def _read_meta(self) -> tuple[Barcode, MediaType, int, bool]:
        raw = os.pread(self._fd, HEADER_SIZE, 0)
        if len(raw) < HEADER_SIZE or not raw.startswith(MAGIC):
            raise ValidationError(f"{self._name} is not a cartridge image", path="image")
        (length,) = struct.unpack_from("<I", raw, len(MAGIC))
        if length > _MAX_META:
            raise self._bad_header(f"its JSON length {length} exceeds {_MAX_META} bytes")
        start = len(MAGIC) + 4
        try:
            meta = json.loads(
                raw[start : start + length],
                parse_constant=_no_constant,
                parse_float=_no_float,
                parse_int=_small_int,
            )
        except (ValueError, RecursionError) as e:  # UnicodeDecodeError is a ValueError
            raise self._bad_header(f"its JSON does not parse ({_cut(str(e))})") from None
        if not isinstance(meta, dict):
            raise self._bad_header(f"its JSON is a {type(meta).__name__}, not an object")
        for key in ("barcode", "media_type", "capacity"):
            if key not in meta:
                raise self._bad_header(f"{key} is missing")
        barcode, media_type, capacity = meta["barcode"], meta["media_type"], meta["capacity"]
        protected = meta.get("write_protected", False)
        if not isinstance(barcode, str):
            raise self._bad_header(f"barcode is a {type(barcode).__name__}, not text")
        try:
            code = Barcode.parse(barcode)
        except ValidationError:
            raise self._bad_header(f"barcode {_cut(repr(barcode))} is not valid") from None
        if not isinstance(media_type, str):
            raise self._bad_header(f"media_type is a {type(media_type).__name__}, not text")
        try:
            kind = MediaType(media_type)
        except ValueError:
            raise self._bad_header(f"unknown media type {_cut(repr(media_type))}") from None
        if type(capacity) is not int or not 1 <= capacity <= _MAX_CAPACITY:
            raise self._bad_header(
                f"capacity {_cut(repr(capacity))} is not an integer in 1..{_MAX_CAPACITY}"
            )
        if type(protected) is not bool:
            raise self._bad_header(f"write_protected {_cut(repr(protected))} is not true/false")
        return code, kind, capacity, protected

    def _bad_header(self, why: str) -> ValidationError:
        return ValidationError(f"{self._name} has a damaged image header: {why}", path="image")

    def _scan(self) -> None:
        """Index every record: damaged spans as one object each, a torn tail left out.

        Nothing is written: a torn tail is cut by the next write (:meth:`_cut_tail`).
        """
        size = os.fstat(self._fd).st_size
        offset = HEADER_SIZE
        while offset < size:
            raw = os.pread(self._fd, _RECORD_SIZE, offset)
            if self._good_record(raw, offset, size):
                tag, length, _, _ = _RECORD.unpack(raw)
                self._index(tag == _MARK, offset + _RECORD_SIZE, length)
                offset += _RECORD_SIZE + length
                continue
            if len(raw) < _RECORD_SIZE or (header_crc_ok(raw) and raw.startswith(_BLOCK)):
                break  # a header, or a good block's payload, running past the end: torn
            found = find_header(
                self._fd, offset + 1, size, _TAGS, lambda r, at: self._good_record(r, at, size)
            )
            if found is None:
                break  # nothing valid after it: a torn tail
            self._spans.append(self.count)
            self._offsets.append(offset + _RECORD_SIZE)
            self._lengths.append(_DAMAGED_LENGTH)
            self._cum.append(self._cum[-1] + max(0, found - offset - _RECORD_SIZE))
            offset = found
        self._end = offset
        self.torn_bytes = size - offset

    @staticmethod
    def _good_record(raw: bytes, offset: int, size: int) -> bool:
        """A whole record starts at ``offset``: tag, header CRC, a length that fits."""
        if not header_crc_ok(raw):
            return False
        tag, length, crc, _ = _RECORD.unpack(raw)
        if tag == _MARK:
            return bool(length == 0 and crc == 0)
        return bool(tag == _BLOCK and offset + _RECORD_SIZE + length <= size)

    @property
    def damaged_positions(self) -> tuple[int, ...]:
        """Positions of the damaged spans found when the file was opened (still there)."""
        return tuple(self._spans)

    def _index(self, mark: bool, payload_offset: int, length: int) -> None:
        if mark:
            self._marks.append(len(self._lengths))
        self._offsets.append(payload_offset)
        self._lengths.append(_FILEMARK_LENGTH if mark else length)
        self._cum.append(self._cum[-1] + (0 if mark else length))

    # -- reading -------------------------------------------------------------------------

    @property
    def count(self) -> int:
        return len(self._lengths)

    def bytes_before(self, position: int) -> int:
        return self._cum[position]

    def read(self, position: int) -> Object:
        length = self._lengths[position]
        if length == _FILEMARK_LENGTH:
            return FILEMARK
        if length == _DAMAGED_LENGTH:
            raise self._damaged_span(position)
        start = self._offsets[position]
        data = os.pread(self._fd, length, start)
        (crc,) = struct.unpack("<I", os.pread(self._fd, 4, start - 8))
        if len(data) != length or crc32c.crc32c(data) != crc:
            raise self._damaged(position)
        return data

    def _damaged_span(self, position: int) -> MediumError:
        start = self._offsets[position] - _RECORD_SIZE
        return MediumError(
            f"block {position} of {self.barcode} is unreadable: a damaged record header at "
            f"byte {start} of {self._name}",
            barcode=str(self.barcode),
            block=position,
        )

    def _damaged(self, position: int) -> MediumError:
        return MediumError(
            f"block {position} of {self.barcode} does not match its CRC32C in {self._name}",
            barcode=str(self.barcode),
            block=position,
        )

    def iter_from(self, position: int) -> Iterator[Object]:
        """The objects from ``position`` on, as views of a memory map of the file."""
        for obj, _ in self.iter_records(position):
            yield obj

    def iter_records(self, position: int) -> Iterator[tuple[Object, int | None]]:
        """The objects from ``position`` on, with their verified CRC32C (from a map)."""
        if position >= self.count:
            return
        mapped = mmap.mmap(self._fd, self._end, access=mmap.ACCESS_READ)
        view = memoryview(mapped)
        try:
            offsets, lengths = self._offsets, self._lengths
            for p in range(position, len(lengths)):
                length = lengths[p]
                if length == _FILEMARK_LENGTH:
                    yield FILEMARK, None
                    continue
                if length == _DAMAGED_LENGTH:
                    raise self._damaged_span(p)
                start = offsets[p]
                data = view[start : start + length]
                crc = int.from_bytes(view[start - 8 : start - 4], "little")
                if crc32c.crc32c(data) != crc:
                    raise self._damaged(p)
                yield data, crc
        finally:
            # a caller may still hold the last view: the map then closes when it is freed
            with contextlib.suppress(BufferError):
                view.release()
                mapped.close()

    def next_filemark(self, position: int) -> int | None:
        i = bisect_left(self._marks, position)
        return self._marks[i] if i < len(self._marks) else None

    def previous_filemark(self, position: int) -> int | None:
        i = bisect_left(self._marks, position)
        return self._marks[i - 1] if i > 0 else None

    # -- writing -------------------------------------------------------------------------

    def set_write_protected(self, value: bool) -> None:
        self._write_meta(
            self._fd,
            barcode=self.barcode,
            media_type=self.media_type,
            capacity=self.capacity,
            write_protected=value,
            sync=self._sync,
        )
        super().set_write_protected(value)

    def truncate(self, position: int) -> None:
        if position >= self.count:
            return
        end = self._offsets[position] - _RECORD_SIZE
        os.ftruncate(self._fd, end)
        self.torn_bytes = 0
        if self._sync:
            os.fsync(self._fd)
        del self._offsets[position:]
        del self._lengths[position:]
        del self._cum[position + 1 :]
        del self._marks[bisect_left(self._marks, position) :]
        del self._spans[bisect_left(self._spans, position) :]
        self._end = end
        self._durable_end = min(self._durable_end, end)
        self._durable_count = min(self._durable_count, position)

    def append_block(self, data: Block) -> None:
        self.append_objects((data,))

    def append_filemarks(self, count: int) -> None:
        self.append_objects([FILEMARK] * count)

    def append_objects(self, objects: Iterable[Object]) -> None:
        self.append_records((obj, None) for obj in objects)

    def append_records(self, records: Iterable[tuple[Object, int | None]]) -> None:
        buffers: list[Block] = []
        pending: list[tuple[bool, int, int]] = []
        batch_bytes = 0
        offset = self._end
        for obj, known in records:
            if isinstance(obj, Filemark):
                buffers.append(_record_header(_MARK, 0, 0))
                pending.append((True, offset + _RECORD_SIZE, 0))
                offset += _RECORD_SIZE
            else:
                length = len(obj)
                crc = crc32c.crc32c(obj) if known is None else known
                buffers.append(_record_header(_BLOCK, length, crc))
                buffers.append(obj)
                pending.append((False, offset + _RECORD_SIZE, length))
                offset += _RECORD_SIZE + length
                batch_bytes += length
            if len(buffers) >= _BATCH_IOVECS or batch_bytes >= _BATCH_BYTES:
                self._commit(buffers, pending, offset)
                buffers, pending, batch_bytes = [], [], 0
        if buffers:
            self._commit(buffers, pending, offset)

    def _cut_tail(self) -> None:
        """Cut a torn tail off before the first write after opening."""
        if self.torn_bytes:
            os.ftruncate(self._fd, self._end)
            self.torn_bytes = 0

    def _commit(self, buffers: list[Block], pending: list[tuple[bool, int, int]], end: int) -> None:
        self._cut_tail()
        _write_all(self._fd, buffers, self._end)
        for mark, payload_offset, length in pending:
            self._index(mark, payload_offset, length)
        self._end = end

    def flush(self) -> None:
        if self._sync and self._end != self._durable_end:
            os.fsync(self._fd)
        self._durable_end = self._end
        self._durable_count = self.count

    def revert(self) -> None:
        if self.count > self._durable_count:
            self.truncate(self._durable_count)

    def close(self) -> None:
        with contextlib.suppress(OSError):
            os.close(self._fd)
