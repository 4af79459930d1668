"""Mounting a cartridge in a drive of a library, through the changer protocol only.

Reading or writing a medium — a backup, a digest, a read-back, a restore — means: find the
cartridge in the library's inventory, move it into a free drive that can read its media
type, use the drive, unload, and move the cartridge back to where it was (or, if that
slot was filled meanwhile, to the first free one). :func:`mount` does the first half and
returns a :class:`Mount` whose :meth:`~Mount.release` does the second; :func:`mounted`
is both as a context manager. A cartridge found in a drive already (left there by a
crash or a failed move) is used where it is and put into a free storage slot afterwards.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator

import attrs

from smartmedia.devices import DriveState, TapeDrive, TapeLibrary
from smartmedia.errors import DeviceError, NotReady
from smartmedia.model import Barcode, MediaType

__all__ = ["Mount", "mount", "mounted"]


@attrs.define
class Mount:
    """A cartridge in drive ``drive`` (element ``drive_address``) of ``library``; ``home``
    is the storage or mail slot it goes back to (``None``: the first free slot)."""

    library: TapeLibrary
    barcode: Barcode
    drive_address: int
    drive: TapeDrive
    home: int | None

    def put_back(self) -> int:
        """Move the (unloaded) cartridge to its home, or to the first free storage slot if
        that is taken; the ordinal of the slot it went to."""
        inventory = self.library.inventory()
        free = [s for s in inventory.slots if s.cartridge is None]
        homes = [e for e in inventory.slots + inventory.mail_slots if e.address == self.home]
        if homes and homes[0].cartridge is None:
            destination = homes[0]
        elif free:
            destination = free[0]
        else:
            raise NotReady(f"no free slot in library {self.library.name} for {self.barcode}")
        self.library.move(self.drive_address, destination.address)
        return destination.ordinal

    def release(self) -> int:
        """Unload and put back; the ordinal of the slot the cartridge went to."""
        self.drive.unload()
        return self.put_back()


def mount(library: TapeLibrary, barcode: Barcode, media_type: MediaType | None = None) -> Mount:
    """Load ``barcode`` into a free drive of ``library`` (one that can read ``media_type``,
    when given). Raises :class:`~smartmedia.errors.NotReady` when the cartridge is not in
    the library or no such drive is free."""
    inventory = library.inventory()
    held = next(
        (d for d in inventory.drives if d.cartridge and d.cartridge.barcode == barcode), None
    )
    if held is not None:
        drive = library.drive(held.address)
        if drive.state is not DriveState.LOADED:
            drive.load()
        return Mount(library, barcode, held.address, drive, None)
    home = next(
        (
            e.address
            for e in inventory.slots + inventory.mail_slots
            if e.cartridge is not None and e.cartridge.barcode == barcode
        ),
        None,
    )
    if home is None:
        raise NotReady(f"{barcode} is not in library {library.name}")
    free = next(
        (
            d
            for d in inventory.drives
            if d.cartridge is None
            and (media_type is None or d.generation.can_read(media_type))
            and library.drive(d.address).state is DriveState.EMPTY
        ),
        None,
    )
    if free is None:
        kind = "" if media_type is None else f" that reads {media_type} media"
        raise NotReady(f"no free drive{kind} in library {library.name} for {barcode}")
    library.move(home, free.address)
    return Mount(library, barcode, free.address, library.drive(free.address), home)


@contextlib.contextmanager
def mounted(
    library: TapeLibrary, barcode: Barcode, media_type: MediaType | None = None
) -> Iterator[TapeDrive]:
    """The drive of ``library`` into which ``barcode`` was loaded, as a context: the
    cartridge is unloaded and put back afterwards, even when the work fails (if it cannot
    go back, it stays in the drive, where the next inventory shows it)."""
    held = mount(library, barcode, media_type)
    try:
        yield held.drive
    finally:
        try:
            held.drive.unload()
        finally:
            with contextlib.suppress(DeviceError):
                held.put_back()
