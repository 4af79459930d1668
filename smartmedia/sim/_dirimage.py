"""A cartridge image in one file: what :class:`DirectoryStore` keeps per cartridge.

File layout (little-endian):

* a 4096-byte file header: the magic ``b"SMTAPE\\x00\\x01"``, a u32 length and that many
  bytes of UTF-8 JSON (``barcode``, ``media_type``, ``capacity``, ``write_protected``),
  zero padding;
* then one record per object: a 16-byte record header — tag (``b"BLK\\x00"`` for a
  block, ``b"FMK\\x00"`` for a filemark), u32 payload length, u32 CRC32C of the payload,
  u32 CRC32C of the first 12 header bytes — followed by the payload (none for a
  filemark).

Invariants: records are appended at the end of the file or cut off at a record
boundary; on opening, the file is scanned and a torn last record (a crash in the middle
of a write) is cut off, so the image is always a whole number of records; a block whose
payload no longer matches its CRC32C reads as a :class:`~smartmedia.errors.MediumError`.
"""

from __future__ import annotations

import contextlib
import json
import mmap
import os
import struct
from array import array
from bisect import bisect_left
from collections.abc import Iterable, Iterator

import crc32c

from smartmedia.errors import MediumError, ValidationError
from smartmedia.format import FILEMARK, Block, Filemark
from smartmedia.model import Barcode, MediaType
from smartmedia.sim._image import CartridgeImage, Object

__all__ = ["FileImage"]

MAGIC = b"SMTAPE\x00\x01"
HEADER_SIZE = 4096
_RECORD = struct.Struct("<4sIII")
_RECORD_SIZE = _RECORD.size
_BLOCK = b"BLK\x00"
_MARK = b"FMK\x00"
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


class FileImage(CartridgeImage):
    """A :class:`CartridgeImage` kept in one file; see the module docstring for the layout.

    ``sync``: make flushes durable with ``fsync`` (as a real VLS would); without it a
    flush only marks the point a simulated power loss goes back to.
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
        self._offsets = array("q")  # payload offset of each object
        self._lengths = array("q")  # payload length, -1 for a filemark
        self._cum = array("q", [0])
        self._marks: list[int] = []
        self._end = HEADER_SIZE
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
        start = len(MAGIC) + 4
        try:
            meta = json.loads(raw[start : start + length])
            if not isinstance(meta, dict):
                raise ValueError("not an object")
            for key, kind in (("barcode", str), ("media_type", str), ("capacity", int)):
                if not isinstance(meta.get(key), kind):
                    raise ValueError(f"bad {key}")
            return (
                Barcode.parse(meta["barcode"]),
                MediaType(meta["media_type"]),
                meta["capacity"],
                meta.get("write_protected") is True,
            )
        except ValueError as e:
            raise ValidationError(
                f"{self._name} has a damaged image header: {e}", path="image"
            ) from None

    def _scan(self) -> None:
        """Index every whole record; cut off a torn last one."""
        size = os.fstat(self._fd).st_size
        offset = HEADER_SIZE
        while offset + _RECORD_SIZE <= size:
            raw = os.pread(self._fd, _RECORD_SIZE, offset)
            tag, length, _, check = _RECORD.unpack(raw)
            if crc32c.crc32c(raw[:12]) != check or tag not in (_BLOCK, _MARK):
                break
            if offset + _RECORD_SIZE + length > size:
                break
            self._index(tag == _MARK, offset + _RECORD_SIZE, length)
            offset += _RECORD_SIZE + length
        self._end = offset
        if size != offset:
            os.ftruncate(self._fd, offset)

    def _index(self, mark: bool, payload_offset: int, length: int) -> None:
        if mark:
            self._marks.append(len(self._lengths))
        self._offsets.append(payload_offset)
        self._lengths.append(-1 if mark else length)
        self._cum.append(self._cum[-1] + (0 if mark else length))

    # -- reading -------------------------------------------------------------------------

    @property
    def count(self) -> int:
        return len(self._lengths)

    def bytes_before(self, position: int) -> int:
        return self._cum[position]

    def read(self, position: int) -> Object:
        length = self._lengths[position]
        if length < 0:
            return FILEMARK
        start = self._offsets[position]
        data = os.pread(self._fd, length, start)
        (crc,) = struct.unpack("<I", os.pread(self._fd, 4, start - 8))
        if len(data) != length or crc32c.crc32c(data) != crc:
            raise self._damaged(position)
        return data

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
                if length < 0:
                    yield FILEMARK, None
                    continue
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
        if self._sync:
            os.fsync(self._fd)
        del self._offsets[position:]
        del self._lengths[position:]
        del self._cum[position + 1 :]
        del self._marks[bisect_left(self._marks, position) :]
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

    def _commit(self, buffers: list[Block], pending: list[tuple[bool, int, int]], end: int) -> None:
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
