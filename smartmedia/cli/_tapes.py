"""Tapes in a lab: where each one is (as the catalog says, as the changers say), and
reading one in a library to verify it."""

from __future__ import annotations

from collections.abc import Iterator

from smartmedia.cli._lab import PersistentLab, libraries
from smartmedia.copying import mounted
from smartmedia.devices import TapeLibrary
from smartmedia.format import MediumReader, VerifyReport
from smartmedia.model import Barcode

__all__ = ["tape_rows", "verify_in_library"]


def tape_rows(plab: PersistentLab) -> Iterator[tuple[str, str, str, str]]:
    """``(barcode, label, recorded location, element holding it)`` for every cartridge
    the changers or the catalog know, by barcode."""
    lab = plab.lab
    found: dict[Barcode, str] = {}
    for library in libraries(lab):
        inventory = library.inventory()
        for barcode in (c.barcode for c in inventory.cartridges() if c.barcode is not None):
            place = inventory.location_of(barcode)
            found[barcode] = str(place) if place is not None else library.name
    recorded: dict[Barcode, tuple[str, str]] = {}
    for medium in lab.catalog.media():
        if medium.barcode is not None:
            recorded[medium.barcode] = (medium.label, str(medium.location))
    for barcode in sorted(set(found) | set(recorded), key=str):
        label, where = recorded.get(barcode, ("-", "not recorded"))
        yield str(barcode), label, where, found.get(barcode, "not in any library")


def verify_in_library(library: TapeLibrary, barcode: Barcode) -> VerifyReport:
    """Load ``barcode`` into a drive of ``library``, read and check every block."""
    with mounted(library, barcode) as drive:
        return MediumReader(drive).verify()
