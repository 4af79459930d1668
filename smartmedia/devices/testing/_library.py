"""Conformance rules of :class:`~smartmedia.devices.TapeLibrary`.

The factory returns a fresh library with at least one empty drive, at least two
cartridges in storage slots that its first drive can write, at least one free storage
slot, and (for the mail-slot rule) at least one free mail slot. Rules move cartridges
and write on them.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable

from smartmedia.devices._drive import DriveState
from smartmedia.devices._library import TapeLibrary
from smartmedia.devices.testing._rules import Rule, expect, expect_raises, run_rules
from smartmedia.errors import DestinationFull, ElementBusy, SourceEmpty, ValidationError
from smartmedia.format import END_OF_DATA
from smartmedia.model import Barcode, Library

__all__ = ["LIBRARY_RULES", "check_tape_library"]

LibraryFactory = Callable[[], TapeLibrary]


def _barcodes(inventory: Library) -> Counter[Barcode | None]:
    return Counter(c.barcode for c in inventory.cartridges())


def _full_slots(inventory: Library) -> list[int]:
    return [s.address for s in inventory.slots if s.cartridge is not None]


def _free_slot(inventory: Library) -> int:
    free = [s.address for s in inventory.slots if s.cartridge is None]
    expect(bool(free), "the factory's library has no free storage slot")
    return free[0]


def _setup(make: LibraryFactory) -> tuple[TapeLibrary, Library, list[int], int]:
    library = make()
    inventory = library.inventory()
    expect(isinstance(inventory, Library), f"inventory() returned {type(inventory).__name__}")
    full = _full_slots(inventory)
    expect(len(full) >= 2, "the factory's library needs two cartridges in storage slots")
    expect(bool(inventory.drives), "the factory's library has no drive")
    expect(inventory.drives[0].cartridge is None, "the first drive is not empty")
    return library, inventory, full, inventory.drives[0].address


def _inventory(make: LibraryFactory) -> None:
    library = make()
    expect(isinstance(library, TapeLibrary), "does not implement the TapeLibrary protocol")
    first, second = library.inventory(), library.inventory()
    expect(first == second, "two inventories in a row differ")
    expect(first.name == library.name, f"inventory names {first.name!r}, not {library.name!r}")
    expect(first.visible == library.visible, "inventory and library disagree on visibility")
    for kind, elements in (("slot", first.slots), ("drive", first.drives)):
        ordinals = sorted(e.ordinal for e in elements)
        expect(ordinals == list(range(1, len(elements) + 1)), f"{kind} ordinals {ordinals}")


def _drive_by_serial(make: LibraryFactory) -> None:
    library = make()
    inventory = library.inventory()
    for element in inventory.drives:
        drive = library.drive(element.address)
        expect(
            drive.serial == element.serial,
            f"drive({element.address}) has serial {drive.serial}, the element {element.serial}",
        )
        expect(drive.generation is element.generation, "drive generation differs from element")
    slot = inventory.slots[0].address
    expect_raises(ValidationError, lambda: library.drive(slot), "drive(<a slot address>)")


def _load(make: LibraryFactory) -> None:
    library, inventory, full, drive_address = _setup(make)
    source = full[0]
    cartridge = next(s.cartridge for s in inventory.slots if s.address == source)
    library.move(source, drive_address)
    after = library.inventory()
    expect(_barcodes(after) == _barcodes(inventory), "a move changed the set of cartridges")
    element = next(d for d in after.drives if d.address == drive_address)
    expect(element.cartridge == cartridge, "the drive element does not hold the cartridge")
    expect(
        next(s for s in after.slots if s.address == source).cartridge is None,
        "the source slot still holds the cartridge",
    )
    drive = library.drive(drive_address)
    expect(drive.state is DriveState.LOADED, f"a drive given a cartridge is {drive.state}")
    expect(drive.cartridge == cartridge, "the drive's data path reports another cartridge")
    expect(drive.position == 0, "a loaded cartridge is not at position 0")


def _busy_drive(make: LibraryFactory) -> None:
    library, inventory, full, drive_address = _setup(make)
    library.move(full[0], drive_address)
    free = _free_slot(library.inventory())
    before = library.inventory()
    expect_raises(
        ElementBusy, lambda: library.move(drive_address, free), "move out of a loaded drive"
    )
    expect(library.inventory() == before, "a refused move changed the inventory")
    library.drive(drive_address).unload()
    library.move(drive_address, free)
    after = library.inventory()
    expect(_barcodes(after) == _barcodes(inventory), "a move changed the set of cartridges")
    expect(
        next(s for s in after.slots if s.address == free).cartridge is not None,
        "the cartridge did not arrive in the slot",
    )


def _refusals(make: LibraryFactory) -> None:
    library, inventory, full, drive_address = _setup(make)
    free = _free_slot(inventory)
    expect_raises(SourceEmpty, lambda: library.move(free, drive_address), "move from empty slot")
    expect_raises(DestinationFull, lambda: library.move(full[0], full[1]), "move to full slot")
    missing = max(e.address for e in inventory.elements()) + 1000
    expect_raises(ValidationError, lambda: library.move(missing, free), "an unknown source")
    expect_raises(ValidationError, lambda: library.move(full[0], missing), "unknown destination")
    expect(library.inventory() == inventory, "refused moves changed the inventory")


def _mail_slots(make: LibraryFactory) -> None:
    library, inventory, full, _ = _setup(make)
    if not inventory.mail_slots:
        return
    barcode = next(s.cartridge for s in inventory.slots if s.address == full[0])
    mail = library.export(full[0])
    after = library.inventory()
    holder = next((m for m in after.mail_slots if m.address == mail), None)
    expect(holder is not None, f"export returned {mail}, not a mail slot address")
    expect(holder is not None and holder.cartridge == barcode, "the mail slot is empty")
    placed = library.import_()
    expect(len(placed) == 1, f"import_() moved {len(placed)} cartridges, not 1")
    final = library.inventory()
    expect(_barcodes(final) == _barcodes(inventory), "export and import lost a cartridge")
    expect(all(m.cartridge is None for m in final.mail_slots), "mail slots not emptied")
    expect(
        next(s for s in final.slots if s.address == placed[0]).cartridge == barcode,
        "import_() did not put the cartridge where it said",
    )


def _data_survives(make: LibraryFactory) -> None:
    library, _, full, drive_address = _setup(make)
    library.move(full[0], drive_address)
    drive = library.drive(drive_address)
    drive.write_block(b"survives a trip to the slot")
    drive.write_filemarks(1)
    drive.unload()
    library.move(drive_address, full[0])
    library.move(full[0], drive_address)
    drive = library.drive(drive_address)
    expect(bytes(drive.read_block()) == b"survives a trip to the slot", "data changed")  # type: ignore[arg-type]
    drive.read_block()
    expect(drive.read_block() is END_OF_DATA, "extra data after a round trip")


LIBRARY_RULES: tuple[Rule[LibraryFactory], ...] = (
    Rule("library.inventory", "inventory is stable, ordinals count from 1", _inventory),
    Rule("library.drive-by-serial", "drive(address) is the element's serial", _drive_by_serial),
    Rule("library.load", "a move into a drive loads the cartridge", _load),
    Rule("library.busy-drive", "a loaded drive must be unloaded first", _busy_drive),
    Rule("library.refusals", "empty source, full destination, bad address", _refusals),
    Rule("library.mail-slots", "export to and import from mail slots", _mail_slots),
    Rule("library.data-survives", "data stays on a cartridge across moves", _data_survives),
)


def check_tape_library(make_library: LibraryFactory, *, only: list[str] | None = None) -> None:
    """Check every rule of :data:`LIBRARY_RULES` against libraries from the factory."""
    run_rules(LIBRARY_RULES, make_library, only)
