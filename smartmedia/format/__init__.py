"""The on-tape format, sans I/O (spec: ``docs/format.md``).

So far: the block I/O protocols (:class:`BlockSink`, :class:`BlockSource`,
:class:`LocatableBlockSource`) that drives, simulators and image files implement.
"""

from smartmedia.format._blockio import (
    END_OF_DATA,
    FILEMARK,
    Block,
    BlockSink,
    BlockSource,
    EndOfData,
    Filemark,
    LocatableBlockSource,
    ReadResult,
)

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
]
