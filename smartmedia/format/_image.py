"""Tape images: a medium's blocks and filemarks in one file, with crash-safe appends.

Layout (normative in ``docs/format.md``, "Tape image files"): a 48-byte file header, then
one frame per block or filemark: a 16-byte frame header (kind, length, CRC32C of the data,
CRC32C of the frame header) and the block's bytes. Frames are only appended, or cut off
at a position (writing in the middle of a tape makes the new end of data), so a crash can
only tear the last frame. Opening an image walks the frame headers (which also rebuilds
the index for :meth:`TapeImage.locate`):

* a *torn tail* — a frame header or a frame running past the end of the file, a last
  frame whose data does not match its CRC32C, or a damaged frame header with no good
  frame header anywhere after it — is left out, and cut off the file when it is opened
  writable (``recovered_bytes`` says how many bytes);
* a damaged frame header with a good one somewhere after it is *damage in the middle*:
  the bytes up to that good header are one bad block (one position, reading as
  :class:`~smartmedia.errors.MediumError`), never cut. Positions after a span that
  swallowed several frames move back accordingly (blocks of the format record their
  own position, so a reader sees the shift as misplaced blocks).
"""

from __future__ import annotations

import os
import re
import stat
import struct
from array import array
from collections.abc import Callable
from pathlib import Path
from types import TracebackType

import crc32c

from smartmedia.errors import DamagedMedium, EndOfMedium, MediumError, ValidationError
from smartmedia.format._blockio import END_OF_DATA, FILEMARK, Block, ReadResult, view_of
from smartmedia.format._frames import find_header, header_crc_ok
from smartmedia.format._layout import MAX_BLOCK_SIZE
from smartmedia.format._memory import DEFAULT_EARLY_WARNING

__all__ = ["IMAGE_MAGIC", "TapeImage"]

IMAGE_MAGIC = b"SMTIMG\r\n"
_FILE_HEADER = struct.Struct("<8sHHIQQQI")  # + u32 CRC32C of these 44 bytes
_FILE_HEADER_SIZE = _FILE_HEADER.size + 4
_FRAME = struct.Struct("<BxxxII")  # kind, length, data CRC; + u32 CRC32C of these 12
_FRAME_SIZE = _FRAME.size + 4
_BLOCK = 1
_FILEMARK = 2
_DAMAGED = 0  # in the index only: a damaged span, read as a bad block
#: where a frame header may begin when resynchronising: a kind, then the reserved zeros
_CANDIDATES = re.compile(b"[\x01\x02]\x00\x00\x00")


def _frame_header(kind: int, length: int, data_crc: int) -> bytes:
    raw = _FRAME.pack(kind, length, data_crc)
    return raw + crc32c.crc32c(raw).to_bytes(4, "little")


class TapeImage:
    """A medium in a file: a :class:`BlockSink` and a :class:`LocatableBlockSource`.

    Use :meth:`create` or :meth:`open`, and close it (it is a context manager). Reads
    return a ``memoryview`` valid until the next call; a block whose bytes no longer match
    their CRC32C reads as :class:`~smartmedia.errors.MediumError` with its position, as a
    bad block on tape would. ``recovered_bytes`` tells how many bytes of a torn tail were
    cut when the image was opened (on disk only when opened writable);
    ``damaged_positions`` are the positions of damaged spans (see the module docstring).
    """

    def __init__(self, path: Path, fd: int, *, writable: bool) -> None:
        """Use :meth:`create` or :meth:`open`."""
        self.path = path
        self._fd = fd
        self._writable = writable
        self._offsets = array("Q")  # frame offsets, one per object
        self._kinds = bytearray()
        self._end = _FILE_HEADER_SIZE  # offset past the last frame
        self._position = 0
        self._used = 0
        self._buffer = bytearray(MAX_BLOCK_SIZE)
        self._frame = bytearray(_FRAME_SIZE)
        self.capacity: int | None = None
        self.early_warning = DEFAULT_EARLY_WARNING
        self.recovered_bytes = 0
        self.damaged_positions: tuple[int, ...] = ()

    # --------------------------------------------------------------------- open, create

    @classmethod
    def create(
        cls,
        path: str | os.PathLike[str],
        *,
        capacity: int | None = None,
        early_warning: int = DEFAULT_EARLY_WARNING,
        exist_ok: bool = False,
    ) -> TapeImage:
        """A new, empty image at ``path`` (an existing file only with ``exist_ok``)."""
        if capacity is not None and (type(capacity) is not int or capacity < 1):
            raise ValidationError(f"capacity must be an integer >= 1, not {capacity!r}")
        if type(early_warning) is not int or early_warning < 0:
            raise ValidationError(f"early_warning must be an integer >= 0, not {early_warning!r}")
        target = Path(path)
        flags = os.O_RDWR | os.O_CREAT | (os.O_TRUNC if exist_ok else os.O_EXCL)
        try:
            fd = os.open(target, flags | os.O_NONBLOCK, 0o644)
        except FileExistsError:
            raise ValidationError(f"{target} exists (pass exist_ok=True to replace it)") from None
        if not stat.S_ISREG(os.fstat(fd).st_mode):
            os.close(fd)
            raise ValidationError(f"{target} is not a regular file", path="image")
        os.set_blocking(fd, True)
        image = cls(target, fd, writable=True)
        image.capacity = capacity
        image.early_warning = early_warning
        raw = _FILE_HEADER.pack(IMAGE_MAGIC, 1, 0, 0, capacity or 0, early_warning, 0, 0)
        os.write(fd, raw + crc32c.crc32c(raw).to_bytes(4, "little"))
        os.fsync(fd)
        return image

    @classmethod
    def open(cls, path: str | os.PathLike[str], *, writable: bool = False) -> TapeImage:
        """An existing image; a torn tail is cut back (on disk only when ``writable``)."""
        target = Path(path)
        # non-blocking: opening a FIFO must not wait for a writer; refused just below
        fd = os.open(target, (os.O_RDWR if writable else os.O_RDONLY) | os.O_NONBLOCK)
        image = cls(target, fd, writable=writable)
        try:
            if not stat.S_ISREG(os.fstat(fd).st_mode):
                raise ValidationError(f"{target} is not a regular file", path="image")
            os.set_blocking(fd, True)
            image._load()
        except BaseException:
            image._fd = -1
            os.close(fd)
            raise
        return image

    def _load(self) -> None:
        size = os.fstat(self._fd).st_size
        head = os.pread(self._fd, _FILE_HEADER_SIZE, 0)
        if len(head) < _FILE_HEADER_SIZE or not head.startswith(IMAGE_MAGIC):
            raise DamagedMedium(f"{self.path} is not a tape image", field="magic", offset=0)
        if crc32c.crc32c(head[:-4]) != int.from_bytes(head[-4:], "little"):
            raise DamagedMedium(f"{self.path}: image header checksum mismatch", field="header")
        _, major, _, _, capacity, early_warning, _, _ = _FILE_HEADER.unpack_from(head)
        if major != 1:
            raise DamagedMedium(f"{self.path}: image version {major} is not supported")
        self.capacity = capacity or None
        self.early_warning = early_warning
        offset = _FILE_HEADER_SIZE
        damaged: list[int] = []
        while offset < size:
            frame = self._frame_at(offset, size)
            if frame is None:
                raw = os.pread(self._fd, _FRAME_SIZE, offset)
                if len(raw) < _FRAME_SIZE or (
                    header_crc_ok(raw) and self._check_frame(raw, offset, 1 << 62) is not None
                ):
                    break  # a torn header, or a good one whose frame runs past the end
                found = find_header(self._fd, offset + 1, size, _CANDIDATES, self._good(size))
                if found is None:
                    break  # nothing good after it: a torn tail
                damaged.append(len(self._offsets))
                self._offsets.append(offset)
                self._kinds.append(_DAMAGED)
                self._used += max(0, found - offset - _FRAME_SIZE)
                offset = found
                continue
            kind, length, data_crc = frame
            last = offset + _FRAME_SIZE + length >= size
            if last and kind == _BLOCK and not self._data_ok(offset, length, data_crc):
                break
            self._offsets.append(offset)
            self._kinds.append(kind)
            self._used += length
            offset += _FRAME_SIZE + length
        self.damaged_positions = tuple(damaged)
        if offset < size:
            self.recovered_bytes = size - offset
            if self._writable:
                os.ftruncate(self._fd, offset)
                os.fsync(self._fd)
        self._end = offset

    def _good(self, size: int) -> Callable[[bytes, int], bool]:
        def good(raw: bytes, offset: int) -> bool:
            return self._check_frame(raw, offset, size) is not None

        return good

    def _frame_at(self, offset: int, size: int) -> tuple[int, int, int] | None:
        return self._check_frame(os.pread(self._fd, _FRAME_SIZE, offset), offset, size)

    @staticmethod
    def _check_frame(raw: bytes, offset: int, size: int) -> tuple[int, int, int] | None:
        """The frame header ``raw`` at ``offset`` if it checks and its frame fits."""
        if not header_crc_ok(raw):
            return None
        kind, length, data_crc = _FRAME.unpack_from(raw)
        if kind not in (_BLOCK, _FILEMARK) or length > MAX_BLOCK_SIZE:
            return None
        if (kind == _FILEMARK) != (length == 0) or offset + _FRAME_SIZE + length > size:
            return None
        return kind, length, data_crc

    def _data_ok(self, offset: int, length: int, data_crc: int) -> bool:
        view = memoryview(self._buffer)[:length]
        got = os.preadv(self._fd, [view], offset + _FRAME_SIZE)
        return got == length and crc32c.crc32c(view) == data_crc

    # ------------------------------------------------------------------------- status

    @property
    def position(self) -> int:
        return self._position

    @property
    def bytes_used(self) -> int:
        return self._used

    def __len__(self) -> int:
        return len(self._offsets)

    def _check(self, *, write: bool = False) -> None:
        if self._fd < 0:
            raise ValidationError(f"tape image {self.path} is closed")
        if write and not self._writable:
            raise ValidationError(f"tape image {self.path} is open read-only")

    # -------------------------------------------------------------------------- write

    def _cut(self) -> None:
        if self._position < len(self._offsets):
            offset = self._offsets[self._position]
            for i in range(self._position, len(self._offsets)):
                if self._kinds[i] != _FILEMARK:
                    self._used -= max(0, self._length(i))
            del self._offsets[self._position :]
            del self._kinds[self._position :]
            self.damaged_positions = tuple(p for p in self.damaged_positions if p < self._position)
            os.ftruncate(self._fd, offset)
            self._end = offset

    def _length(self, index: int) -> int:
        end = self._offsets[index + 1] if index + 1 < len(self._offsets) else self._end
        return end - self._offsets[index] - _FRAME_SIZE

    def _past_early_warning(self) -> bool:
        return self.capacity is not None and self._used >= self.capacity - self.early_warning

    def write_block(self, data: Block) -> bool:
        self._check(write=True)
        view = view_of(data)
        size = view.nbytes
        if not 1 <= size <= MAX_BLOCK_SIZE:
            raise ValidationError(f"a block is 1..{MAX_BLOCK_SIZE} bytes, not {size}")
        self._cut()
        if self.capacity is not None and self._used + size > self.capacity:
            raise EndOfMedium(
                f"no room for a {size}-byte block: {self.capacity - self._used} bytes left"
            )
        header = _frame_header(_BLOCK, size, crc32c.crc32c(view))
        self._append([header, view], _BLOCK)
        self._used += size
        return self._past_early_warning()

    def write_filemarks(self, count: int = 1) -> bool:
        self._check(write=True)
        if type(count) is not int or count < 0:
            raise ValidationError(f"filemark count must be an integer >= 0, not {count!r}")
        if count:
            self._cut()
            for _ in range(count):
                self._append([_frame_header(_FILEMARK, 0, 0)], _FILEMARK)
        return self._past_early_warning()

    def _append(self, parts: list[bytes | memoryview], kind: int) -> None:
        total = sum(memoryview(p).nbytes for p in parts)
        written = os.pwritev(self._fd, parts, self._end)
        if written != total:  # a full disk: cut the partial frame, report it as the medium's
            os.ftruncate(self._fd, self._end)
            raise EndOfMedium(f"{self.path}: only {written} of {total} bytes could be written")
        self._offsets.append(self._end)
        self._kinds.append(kind)
        self._end += total
        self._position += 1

    def flush(self) -> None:
        """Make everything written so far durable (fsync)."""
        self._check()
        if self._writable:
            os.fsync(self._fd)

    # --------------------------------------------------------------------------- read

    def read_block(self) -> ReadResult:
        self._check()
        index = self._position
        if index >= len(self._offsets):
            return END_OF_DATA
        self._position += 1
        if self._kinds[index] == _FILEMARK:
            return FILEMARK
        if self._kinds[index] == _DAMAGED:
            raise MediumError(
                f"{self.path}: block {index} is unreadable (a damaged frame header at byte "
                f"{self._offsets[index]})",
                block=index,
            )
        length = self._length(index)
        view = memoryview(self._buffer)[:length]
        frame = self._frame
        got = os.preadv(self._fd, [frame, view], self._offsets[index])
        expected = int.from_bytes(frame[8:12], "little")
        if got != _FRAME_SIZE + length or crc32c.crc32c(view) != expected:
            raise MediumError(f"{self.path}: block {index} is unreadable", block=index)
        return view

    def locate(self, position: int) -> None:
        self._check()
        if type(position) is not int or position < 0:
            raise ValidationError(f"position must be an integer >= 0, not {position!r}")
        self._position = min(position, len(self._offsets))

    def rewind(self) -> None:
        self.locate(0)

    # -------------------------------------------------------------------------- close

    def close(self) -> None:
        """Flush and close (closing twice is harmless)."""
        if self._fd >= 0:
            if self._writable:
                os.fsync(self._fd)
            os.close(self._fd)
            self._fd = -1

    def __enter__(self) -> TapeImage:
        return self

    def __exit__(
        self,
        kind: type[BaseException] | None,
        error: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self.close()

    def __del__(self) -> None:
        if getattr(self, "_fd", -1) >= 0:
            os.close(self._fd)
