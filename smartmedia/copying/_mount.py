"""Mounting a cartridge in a drive of a library, through the changer protocol only.

Reading a medium — to take its digest, to read a copy back, to restore — means: find the
cartridge's element in the library's inventory, move it into a free drive, use the
drive, unload, and move it back to where it was. :func:`mounted` does that as a context
manager, so the cartridge goes back even when the reading fails.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from contextlib import contextmanager

from smartmedia.devices import TapeDrive, TapeLibrary
from smartmedia.errors import DeviceError, NotReady
from smartmedia.model import Barcode

__all__ = ["mounted"]


@contextmanager
def mounted(library: TapeLibrary, barcode: Barcode) -> Iterator[TapeDrive]:
    """The drive of ``library`` into which ``barcode`` was loaded (moved back afterwards).

    Raises :class:`~smartmedia.errors.NotReady` when the cartridge is not in a storage or
    mail slot of the library, or no drive is free.
    """
    inventory = library.inventory()
    home = None
    for element in inventory.slots + inventory.mail_slots:
        if element.cartridge is not None and element.cartridge.barcode == barcode:
            home = element.address
    if home is None:
        raise NotReady(f"{barcode} is not in a slot of library {library.name}")
    free = next((d for d in inventory.drives if d.cartridge is None), None)
    if free is None:
        raise NotReady(f"no free drive in library {library.name} to read {barcode}")
    library.move(home, free.address)
    drive = library.drive(free.address)
    try:
        yield drive
    finally:
        try:
            drive.unload()
        finally:
            # if it cannot go back, it stays in the drive: the next inventory shows it there
            with contextlib.suppress(DeviceError):
                library.move(free.address, home)
