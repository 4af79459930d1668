"""Cartridge images: the recorded objects of one simulated cartridge.

An image is a sequence of *objects* — blocks (bytes) and filemarks — with the cartridge's
identity (barcode, media type, capacity, write tab). Invariants, for every kind of image:

* objects are only ever appended, or cut off at a position (writing in the middle of a
  tape discards what follows); the end of data is the object count;
* durability: :meth:`CartridgeImage.flush` makes everything written so far durable; cutting
  off is durable at once; :meth:`CartridgeImage.revert` (a power loss) drops what was appended
  after the last flush, as a disk drops what it had not written;
* a synthetic image holds a *run* of generated blocks between explicit objects (a header
  before, filemarks after): the run costs no memory, its blocks are generated from a seed
  when read, and it can be cut short like any other part.
"""

from __future__ import annotations

import abc
import random
from bisect import bisect_left
from collections.abc import Iterable, Iterator

import attrs

from smartmedia.errors import MediumError, ValidationError
from smartmedia.format import END_OF_DATA, FILEMARK, Block, Filemark, ReadResult
from smartmedia.model import Barcode, Cartridge, MediaType

__all__ = ["CartridgeImage", "CartridgeSource", "MemoryImage", "SyntheticRun"]

#: An object as images hold it: a block's bytes, or :data:`FILEMARK`.
Object = Block | Filemark


@attrs.frozen(kw_only=True)
class SyntheticRun:
    """``count`` blocks of ``block_size`` bytes whose content is generated from ``seed``.

    Block ``i`` of the run is always the same bytes for the same seed, so two images
    holding the same run hold the same data without storing it.
    """

    seed: int = attrs.field()
    block_size: int = attrs.field()
    count: int = attrs.field()

    def __attrs_post_init__(self) -> None:
        for name in ("seed", "block_size", "count"):
            value = getattr(self, name)
            if type(value) is not int or value < (1 if name == "block_size" else 0):
                raise ValidationError(f"must be a whole number, not {value!r}", path=name)

    @property
    def nbytes(self) -> int:
        return self.block_size * self.count

    def block(self, index: int) -> bytes:
        """The content of block ``index`` of the run."""
        return random.Random(self.seed * 0x9E3779B1 + index).randbytes(self.block_size)

    def truncated(self, count: int) -> SyntheticRun:
        return attrs.evolve(self, count=count)


class CartridgeImage(abc.ABC):
    """One cartridge's recorded objects; see the module docstring for the invariants."""

    def __init__(
        self, *, barcode: Barcode, media_type: MediaType, capacity: int, write_protected: bool
    ) -> None:
        if type(capacity) is not int or capacity < 1:
            raise ValidationError(f"capacity must be an integer >= 1, not {capacity!r}")
        self.barcode = barcode
        self.media_type = media_type
        self.capacity = capacity
        self._write_protected = write_protected

    @property
    def write_protected(self) -> bool:
        return self._write_protected

    def set_write_protected(self, value: bool) -> None:
        """Slide the write-protect tab."""
        self._write_protected = value

    @property
    def cartridge(self) -> Cartridge:
        """The cartridge as a library reports it."""
        return Cartridge(
            media_type=self.media_type,
            barcode=self.barcode,
            write_protected=self.write_protected,
        )

    @property
    @abc.abstractmethod
    def count(self) -> int:
        """Number of objects recorded (the position of the end of data)."""

    @abc.abstractmethod
    def bytes_before(self, position: int) -> int:
        """Bytes of the blocks before ``position`` (0 <= position <= count)."""

    @property
    def bytes_used(self) -> int:
        return self.bytes_before(self.count)

    @abc.abstractmethod
    def read(self, position: int) -> Object:
        """The object at ``position`` (< count)."""

    def iter_from(self, position: int) -> Iterator[Object]:
        """The objects from ``position`` to the end, each valid until the next one."""
        for p in range(position, self.count):
            yield self.read(p)

    def iter_records(self, position: int) -> Iterator[tuple[Object, int | None]]:
        """:meth:`iter_from` with each block's CRC32C when the image has it verified."""
        for obj in self.iter_from(position):
            yield obj, None

    @abc.abstractmethod
    def next_filemark(self, position: int) -> int | None:
        """The position of the first filemark at or after ``position``."""

    @abc.abstractmethod
    def previous_filemark(self, position: int) -> int | None:
        """The position of the last filemark before ``position``."""

    @abc.abstractmethod
    def truncate(self, position: int) -> None:
        """Discard every object from ``position`` on (durable at once)."""

    @abc.abstractmethod
    def append_block(self, data: Block) -> None: ...

    @abc.abstractmethod
    def append_filemarks(self, count: int) -> None: ...

    def append_objects(self, objects: Iterable[Object]) -> None:
        """Append many objects (images may batch the writes)."""
        for obj in objects:
            if isinstance(obj, Filemark):
                self.append_filemarks(1)
            else:
                self.append_block(obj)

    def append_records(self, records: Iterable[tuple[Object, int | None]]) -> None:
        """:meth:`append_objects` with known CRC32Cs (images that store them reuse them)."""
        self.append_objects(obj for obj, _ in records)

    @abc.abstractmethod
    def flush(self) -> None:
        """Make everything appended so far durable."""

    @abc.abstractmethod
    def revert(self) -> None:
        """Drop what was appended since the last flush (power loss)."""

    @property
    def synthetic_run(self) -> SyntheticRun | None:
        """The run of generated blocks, when the image has one."""
        return None

    def close(self) -> None:  # noqa: B027 - most images hold nothing to release
        """Release what the image holds open (files); it is not used afterwards."""


class MemoryImage(CartridgeImage):
    """An image in memory: explicit objects, optionally with a synthetic run inside.

    Layout: ``head`` objects, then the run's blocks, then ``tail`` objects; appends go
    to the tail (or to the head while there is no run).
    """

    def __init__(
        self,
        *,
        barcode: Barcode,
        media_type: MediaType,
        capacity: int,
        write_protected: bool = False,
        head: Iterable[Object] = (),
        run: SyntheticRun | None = None,
        tail: Iterable[Object] = (),
    ) -> None:
        super().__init__(
            barcode=barcode,
            media_type=media_type,
            capacity=capacity,
            write_protected=write_protected,
        )
        self._head: list[Object] = []
        self._head_cum = [0]
        self._run: SyntheticRun | None = None
        self._tail: list[Object] = []
        self._tail_cum = [0]
        self._marks: list[int] = []
        for obj in head:
            self._append(obj, self._head, self._head_cum)
        if run is not None and run.count > 0:
            self._run = run
        for obj in tail:
            self._append(obj, self._tail, self._tail_cum)
        if self.bytes_used > capacity:
            raise ValidationError(
                f"{self.bytes_used} bytes do not fit in a capacity of {capacity}",
                path="capacity",
            )
        self._durable = self.count

    def _append(self, obj: Object, objects: list[Object], cum: list[int]) -> None:
        if objects is self._head and (self._run is not None or self._tail):
            objects, cum = self._tail, self._tail_cum
        if isinstance(obj, Filemark):
            self._marks.append(self.count)
            objects.append(FILEMARK)
            cum.append(cum[-1])
        else:
            objects.append(bytes(obj))
            cum.append(cum[-1] + len(obj))

    @property
    def _run_count(self) -> int:
        return 0 if self._run is None else self._run.count

    @property
    def synthetic_run(self) -> SyntheticRun | None:
        return self._run

    @property
    def count(self) -> int:
        return len(self._head) + self._run_count + len(self._tail)

    def parts(self) -> tuple[list[Object], SyntheticRun | None, list[Object]]:
        """The explicit objects before the run, the run, and the objects after it."""
        return list(self._head), self._run, list(self._tail)

    def bytes_before(self, position: int) -> int:
        h = len(self._head)
        if position <= h:
            return self._head_cum[position]
        run = self._run
        size = 0 if run is None else run.block_size
        r = self._run_count
        if position <= h + r:
            return self._head_cum[h] + (position - h) * size
        return self._head_cum[h] + r * size + self._tail_cum[position - h - r]

    def read(self, position: int) -> Object:
        h = len(self._head)
        if position < h:
            return self._head[position]
        r = self._run_count
        if position < h + r:
            assert self._run is not None
            return self._run.block(position - h)
        return self._tail[position - h - r]

    def iter_from(self, position: int) -> Iterator[Object]:
        h, r = len(self._head), self._run_count
        yield from self._head[position:]
        if self._run is not None:
            for i in range(max(0, position - h), r):
                yield self._run.block(i)
        yield from self._tail[max(0, position - h - r) :]

    def next_filemark(self, position: int) -> int | None:
        i = bisect_left(self._marks, position)
        return self._marks[i] if i < len(self._marks) else None

    def previous_filemark(self, position: int) -> int | None:
        i = bisect_left(self._marks, position)
        return self._marks[i - 1] if i > 0 else None

    def truncate(self, position: int) -> None:
        h, r = len(self._head), self._run_count
        if position <= h:
            del self._head[position:]
            del self._head_cum[position + 1 :]
            self._run = None
            self._tail, self._tail_cum = [], [0]
        elif position <= h + r:
            assert self._run is not None
            self._run = self._run.truncated(position - h) if position > h else None
            self._tail, self._tail_cum = [], [0]
        else:
            del self._tail[position - h - r :]
            del self._tail_cum[position - h - r + 1 :]
        del self._marks[bisect_left(self._marks, position) :]
        self._durable = min(self._durable, position)

    def append_block(self, data: Block) -> None:
        self._append(data, self._head, self._head_cum)

    def append_filemarks(self, count: int) -> None:
        for _ in range(count):
            self._append(FILEMARK, self._head, self._head_cum)

    def append_run(self, run: SyntheticRun) -> None:
        """Append a synthetic run (only onto an image that has none)."""
        if self._run is not None or self._tail:
            raise ValidationError("an image holds at most one synthetic run", path="run")
        self._run = run if run.count > 0 else None

    def flush(self) -> None:
        self._durable = self.count

    def revert(self) -> None:
        if self.count > self._durable:
            self.truncate(self._durable)


class CartridgeSource:
    """A cartridge's image read as a tape, with no drive in between: a
    :class:`~smartmedia.format.LocatableBlockSource` (for tools that read cartridge files
    and for checks that must not go through the simulated devices and their faults)."""

    def __init__(self, image: CartridgeImage) -> None:
        self._image = image
        self._position = 0

    @property
    def position(self) -> int:
        return self._position

    def locate(self, position: int) -> None:
        if type(position) is not int or position < 0:
            raise ValidationError(f"cannot locate to {position!r}", path="position")
        self._position = min(position, self._image.count)

    def read_block(self) -> ReadResult:
        if self._position >= self._image.count:
            return END_OF_DATA
        position = self._position
        self._position += 1
        try:
            return self._image.read(position)
        except MediumError:
            raise
        except (OSError, ValueError) as error:
            raise MediumError(
                f"block {position} cannot be read: {error}",
                barcode=str(self._image.barcode),
                block=position,
            ) from None
