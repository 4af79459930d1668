"""Mounting a cartridge in a drive of a library, through the changer protocol only.

Reading a medium — to take its digest, to read a copy back, to restore — means: find the
cartridge's element in the library's inventory, move it into a free drive, use the
drive, unload, and move it back to where it was. :func:`mounted` does that as a context
manager, so the cartridge goes back even when the reading fails. A cartridge found in a
drive already (left there by a crash or a failed move) is used where it is and put into
a free storage slot afterwards.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator

from smartmedia.devices import DriveState, TapeDrive, TapeLibrary
from smartmedia.errors import DeviceError, NotReady
from smartmedia.model import Barcode

__all__ = ["mounted"]


@contextlib.contextmanager
def mounted(library: TapeLibrary, barcode: Barcode) -> Iterator[TapeDrive]:
    """The drive of ``library`` into which ``barcode`` was loaded (moved back afterwards).

    Raises :class:`~smartmedia.errors.NotReady` when the cartridge is not in the library,
    or no drive is free.
    """
    inventory = library.inventory()
    home = None
    for element in inventory.slots + inventory.mail_slots:
        if element.cartridge is not None and element.cartridge.barcode == barcode:
            home = element.address
    held = next(
        (d for d in inventory.drives if d.cartridge and d.cartridge.barcode == barcode), None
    )
    if held is not None:
        free_slot = inventory.free_slots()
        home = free_slot[0].address if free_slot else None
        address = held.address
        drive = library.drive(address)
        if drive.state is not DriveState.LOADED:
            drive.load()
    else:
        if home is None:
            raise NotReady(f"{barcode} is not in library {library.name}")
        free = next(
            (
                d
                for d in inventory.drives
                if d.cartridge is None and library.drive(d.address).state is DriveState.EMPTY
            ),
            None,
        )
        if free is None:
            raise NotReady(f"no free drive in library {library.name} to read {barcode}")
        address = free.address
        library.move(home, address)
        drive = library.drive(address)
    try:
        yield drive
    finally:
        try:
            drive.unload()
        finally:
            # if it cannot go back, it stays in the drive: the next inventory shows it there
            if home is not None:
                with contextlib.suppress(DeviceError):
                    library.move(address, home)
