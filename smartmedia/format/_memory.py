"""An in-memory medium: the block I/O protocols over a list, with tape semantics.

Writing at a position drops everything after it (the write makes the new end of data),
as on tape. With a ``capacity``, writes report early warning once fewer than
``early_warning`` bytes are left, and fail with
:class:`~smartmedia.errors.EndOfMedium` when a block does not fit at all.
"""

from __future__ import annotations

from collections.abc import Iterable

from smartmedia.errors import EndOfMedium, ValidationError
from smartmedia.format._blockio import (
    END_OF_DATA,
    FILEMARK,
    Block,
    Filemark,
    ReadResult,
    view_of,
)
from smartmedia.format._layout import MAX_BLOCK_SIZE

__all__ = ["DEFAULT_EARLY_WARNING", "MemoryTape"]

DEFAULT_EARLY_WARNING = 2 * 1024 * 1024

Item = bytes | Filemark


class MemoryTape:
    """A medium held in memory; a :class:`BlockSink` and a :class:`LocatableBlockSource`.

    Blocks handed in as ``bytes`` are kept as they are (no copy); other buffers are
    copied. Reads return a ``memoryview`` of the stored block.
    """

    def __init__(
        self,
        items: Iterable[Block | Filemark] = (),
        *,
        capacity: int | None = None,
        early_warning: int = DEFAULT_EARLY_WARNING,
    ) -> None:
        if capacity is not None and (type(capacity) is not int or capacity < 1):
            raise ValidationError(f"capacity must be an integer >= 1, not {capacity!r}")
        if type(early_warning) is not int or early_warning < 0:
            raise ValidationError(f"early_warning must be an integer >= 0, not {early_warning!r}")
        self._items: list[Item] = []
        self._used = 0
        self._position = 0
        self.capacity = capacity
        self.early_warning = early_warning
        for item in items:
            if isinstance(item, Filemark):
                self.write_filemarks(1)
            else:
                self.write_block(item)
        self._position = 0

    # ---------------------------------------------------------------------------- status

    @property
    def items(self) -> tuple[bytes | Filemark, ...]:
        """Everything recorded: blocks and :data:`FILEMARK` markers, in order."""
        return tuple(self._items)

    @property
    def bytes_used(self) -> int:
        return self._used

    @property
    def position(self) -> int:
        return self._position

    def __len__(self) -> int:
        return len(self._items)

    # ----------------------------------------------------------------------------- write

    def _truncate(self) -> None:
        if self._position < len(self._items):
            del self._items[self._position :]
            self._used = sum(len(i) for i in self._items if isinstance(i, bytes))

    def _past_early_warning(self) -> bool:
        return self.capacity is not None and self._used >= self.capacity - self.early_warning

    def write_block(self, data: Block) -> bool:
        size = view_of(data).nbytes
        if not 1 <= size <= MAX_BLOCK_SIZE:
            raise ValidationError(f"a block is 1..{MAX_BLOCK_SIZE} bytes, not {size}")
        self._truncate()
        if self.capacity is not None and self._used + size > self.capacity:
            raise EndOfMedium(
                f"no room for a {size}-byte block: {self.capacity - self._used} bytes left"
            )
        self._items.append(data if type(data) is bytes else bytes(data))
        self._used += size
        self._position += 1
        return self._past_early_warning()

    def write_filemarks(self, count: int = 1) -> bool:
        if type(count) is not int or count < 0:
            raise ValidationError(f"filemark count must be an integer >= 0, not {count!r}")
        if count:
            self._truncate()
            self._items.extend([FILEMARK] * count)
            self._position += count
        return self._past_early_warning()

    # ------------------------------------------------------------------------------ read

    def read_block(self) -> ReadResult:
        if self._position >= len(self._items):
            return END_OF_DATA
        item = self._items[self._position]
        self._position += 1
        return item if isinstance(item, Filemark) else memoryview(item)

    def locate(self, position: int) -> None:
        if type(position) is not int or position < 0:
            raise ValidationError(f"position must be an integer >= 0, not {position!r}")
        self._position = min(position, len(self._items))

    def rewind(self) -> None:
        self._position = 0
