"""The tape drive protocol: what the library needs of a drive, and nothing more.

A :class:`TapeDrive` is a :class:`~smartmedia.format.BlockSink` and a
:class:`~smartmedia.format.LocatableBlockSource`, so the format's writer and reader run
on it directly. Positions count logical objects from the beginning of the medium (every
block and every filemark takes one), as SCSI tape does.

Semantics every implementation must have (``smartmedia.devices.testing`` checks them):

* writing at a position discards everything recorded after it (tape is append-only);
* reading at the end of data returns :data:`~smartmedia.format.END_OF_DATA` and stays
  there; a filemark is returned once and passed;
* early warning: a write that ends past the early-warning point succeeds and returns
  ``True``; writes keep succeeding until the medium is physically full, then raise
  :class:`~smartmedia.errors.EndOfMedium` and write nothing;
* blocks hold 1 to :attr:`TapeDrive.max_block_size` bytes; a larger or empty block is a
  caller error (:class:`~smartmedia.errors.ValidationError`);
* without a loaded cartridge every medium operation raises
  :class:`~smartmedia.errors.NotReady`; a write-protected cartridge refuses writes with
  :class:`~smartmedia.errors.WriteProtected`.
"""

from __future__ import annotations

import enum
from typing import Protocol, runtime_checkable

from smartmedia.format import BlockSink, LocatableBlockSource
from smartmedia.model import Cartridge, DriveSerial, MediaType

__all__ = ["DriveState", "TapeDrive"]


class DriveState(enum.Enum):
    """Where a drive is in its load cycle.

    ``EMPTY``: no cartridge. ``LOADED``: a cartridge is threaded, medium operations
    work. ``EJECTED``: unloaded, the cartridge waits in the drive for the robot (or a
    hand) to take it; :meth:`TapeDrive.load` threads it again. ``FAILED``: the drive is
    broken and refuses everything with :class:`~smartmedia.errors.DriveError`.
    """

    EMPTY = "empty"
    LOADED = "loaded"
    EJECTED = "ejected"
    FAILED = "failed"


#: The changes of :class:`DriveState` a drive may make (a failure may happen in any state).
DRIVE_TRANSITIONS: dict[DriveState, frozenset[DriveState]] = {
    DriveState.EMPTY: frozenset({DriveState.LOADED, DriveState.FAILED}),
    DriveState.LOADED: frozenset({DriveState.EJECTED, DriveState.FAILED}),
    DriveState.EJECTED: frozenset({DriveState.LOADED, DriveState.EMPTY, DriveState.FAILED}),
    DriveState.FAILED: frozenset(),
}


@runtime_checkable
class TapeDrive(BlockSink, LocatableBlockSource, Protocol):
    """A tape drive with (perhaps) a cartridge in it.

    Identity first: :attr:`serial` is how a changer's drive element is matched to this
    data path; :attr:`generation` says which media it can read and write
    (:meth:`~smartmedia.model.MediaType.can_write`).
    """

    @property
    def serial(self) -> DriveSerial:
        """The drive's serial number, as its changer reports it for the drive element."""
        ...

    @property
    def generation(self) -> MediaType:
        """The drive's generation (``MediaType.LTO9`` for an LTO-9 drive)."""
        ...

    @property
    def max_block_size(self) -> int:
        """The largest block the drive reads or writes, in bytes (fixed per drive)."""
        ...

    @property
    def state(self) -> DriveState:
        """Where the drive is in its load cycle."""
        ...

    @property
    def cartridge(self) -> Cartridge | None:
        """The cartridge in the drive (loaded or ejected), ``None`` if it is empty."""
        ...

    @property
    def at_early_warning(self) -> bool:
        """True when the recorded data reaches past the early-warning point.

        Raises :class:`~smartmedia.errors.NotReady` without a loaded cartridge.
        """
        ...

    def space_filemarks(self, count: int) -> None:
        """Move over ``count`` filemarks: forward if positive, backward if negative.

        Forward, the drive stops just after the ``count``-th filemark; backward, just
        before the ``-count``-th filemark behind it (so a following read returns that
        filemark). ``0`` does nothing. Running into the end of data (forward) or the
        beginning of the medium (backward) first raises
        :class:`~smartmedia.errors.BlankCheck` and leaves the drive there.
        """
        ...

    def rewind(self) -> None:
        """Go to position 0 (also makes buffered writes durable)."""
        ...

    def load(self) -> None:
        """Thread the cartridge that is in the drive; position 0 afterwards.

        A no-op when already loaded; :class:`~smartmedia.errors.NotReady` when empty.
        """
        ...

    def unload(self) -> None:
        """Make buffered writes durable, rewind and eject the cartridge.

        The cartridge stays in the drive (state ``EJECTED``) until the changer takes it.
        Raises :class:`~smartmedia.errors.NotReady` when no cartridge is loaded.
        """
        ...
