"""The site the copying layer works on: the VLS, the catalog, the libraries, the clock.

A :class:`Site` bundles what every copying operation needs, behind the device and
catalog protocols only — the same code runs on the simulators and on real hardware.
"""

from __future__ import annotations

import datetime as _dt
from collections.abc import Callable
from typing import Protocol, runtime_checkable

import attrs

from smartmedia.catalog import Catalog
from smartmedia.devices import TapeLibrary, VirtualLibrarySystem
from smartmedia.errors import ValidationError
from smartmedia.model import Barcode
from smartmedia.planning import Inventory, Profiles

__all__ = ["Operator", "Site"]


def _utc_now() -> _dt.datetime:
    return _dt.datetime.now(_dt.timezone.utc)


@runtime_checkable
class Operator(Protocol):
    """Whoever carries cartridges between libraries: a person, or a simulator of one.

    ``carry`` takes ``barcode`` out of a mail slot of library ``source`` and puts it into
    a free mail slot of library ``destination``.
    """

    def carry(self, barcode: Barcode, source: str, destination: str) -> None: ...


@attrs.define(kw_only=True)
class Site:
    """The VLS (its virtual libraries and the physical ones behind it), the catalog, the
    libraries the backup application drives itself, and the clock.

    ``virtual_library`` is where backups are written; ``target_library`` the physical
    library behind the VLS that copies go to; ``libraries`` the physical libraries the
    application sees directly (restores from physical copies happen there); ``now`` the
    time the catalog records (the device clock's, with a simulator).
    """

    vls: VirtualLibrarySystem
    catalog: Catalog
    virtual_library: str
    target_library: str
    libraries: tuple[TapeLibrary, ...] = ()
    operator: Operator | None = None
    profiles: Profiles = attrs.field(factory=Profiles)
    now: Callable[[], _dt.datetime] = _utc_now

    def library(self, name: str) -> TapeLibrary:
        """The library called ``name``: virtual, behind the VLS, or seen directly."""
        for library in (
            *self.vls.virtual_libraries(),
            *self.vls.physical_libraries(),
            *self.libraries,
        ):
            if library.name == name:
                return library
        raise ValidationError(f"no library named {name!r} at this site", path="library")

    def inventory(self) -> Inventory:
        """What the planner may use: the target library as its changer reports it, readable
        by the drives of the libraries the application sees."""
        seen = [lib.inventory() for lib in self.libraries if lib.visible]
        return Inventory.from_libraries(self.library(self.target_library).inventory(), seen)
