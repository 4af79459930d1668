"""The block I/O surface: the only I/O the on-tape format needs.

Tape drives, simulators and image files implement these protocols; the format's writer
and reader use nothing else. Positions count *logical objects* from the beginning of the
medium, as SCSI tape does: every block and every filemark takes one position.

Early warning follows real drives: a write that lands past the early-warning point
succeeds and reports it (the write methods return ``True``); a writer must then finish
the medium (write its trailer) and go on on another one. Writes keep succeeding for a
little while — enough for a trailer — before :class:`~smartmedia.errors.EndOfMedium`.
"""

from __future__ import annotations

from typing import Protocol, runtime_checkable

import attrs

from smartmedia.errors import ValidationError

__all__ = [
    "END_OF_DATA",
    "FILEMARK",
    "Block",
    "BlockSink",
    "BlockSource",
    "EndOfData",
    "Filemark",
    "LocatableBlockSource",
    "ReadResult",
    "view_of",
]

#: A block's bytes. Sources may hand out memoryviews of their own buffers, valid until
#: the next call on the source: copy them if you keep them.
Block = bytes | bytearray | memoryview


@attrs.frozen
class Filemark:
    """A filemark read from the medium (use the :data:`FILEMARK` singleton)."""

    def __repr__(self) -> str:
        return "FILEMARK"


@attrs.frozen
class EndOfData:
    """The end of recorded data (use the :data:`END_OF_DATA` singleton)."""

    def __repr__(self) -> str:
        return "END_OF_DATA"


def view_of(data: object, what: str = "block") -> memoryview:
    """``data`` as a flat byte view (no copy); a :class:`ValidationError` naming ``what``
    if it is not bytes-like (a ``str``, ``None``...)."""
    try:
        view = memoryview(data)  # type: ignore[arg-type]
    except TypeError:
        raise ValidationError(
            f"{what} must be bytes-like (bytes, bytearray, memoryview), not {type(data).__name__}",
            path=what,
        ) from None
    if view.ndim != 1 or view.itemsize != 1:
        view = view.cast("B")
    return view


FILEMARK = Filemark()
END_OF_DATA = EndOfData()

ReadResult = Block | Filemark | EndOfData


@runtime_checkable
class BlockSink(Protocol):
    """Where a medium is written: blocks and filemarks, in order."""

    def write_block(self, data: Block) -> bool:
        """Append one block of ``len(data)`` bytes (at least 1).

        Returns ``True`` if the medium is now past its early-warning point (the block
        *was* written). Raises :class:`~smartmedia.errors.EndOfMedium` when the medium
        has no room at all (nothing was written), :class:`~smartmedia.errors.WriteProtected`,
        or another :class:`~smartmedia.errors.DeviceError`.
        """
        ...

    def write_filemarks(self, count: int = 1) -> bool:
        """Append ``count`` filemarks (``count`` >= 0; 0 only flushes buffered data).

        Returns ``True`` if the medium is past early warning; raises as
        :meth:`write_block` does.
        """
        ...


@runtime_checkable
class BlockSource(Protocol):
    """Where a medium is read: the next block, filemark or end of data."""

    def read_block(self) -> ReadResult:
        """The next logical object: a block's bytes, :data:`FILEMARK` or :data:`END_OF_DATA`.

        A filemark is consumed when read (the next call reads past it); end of data is
        not (it is returned again). Raises :class:`~smartmedia.errors.MediumError` for an
        unreadable block, with its position (the next call reads the block after it).
        """
        ...


@runtime_checkable
class LocatableBlockSource(BlockSource, Protocol):
    """A source that can position itself, for reading objects without a full scan."""

    @property
    def position(self) -> int:
        """The position of the next object :meth:`read_block` returns (0 = first)."""
        ...

    def locate(self, position: int) -> None:
        """Move so that the next read returns the object at ``position``.

        Locating to the end of data or beyond it is allowed (reads then return
        :data:`END_OF_DATA`); a negative position is a caller error
        (:class:`~smartmedia.errors.ValidationError`).
        """
        ...
