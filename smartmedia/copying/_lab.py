"""A simulated site to try everything on: a VLS, the library behind it, a library the
application sees, a catalog, and an operator — built in one call.

Used by the demo, the examples and the tests. Everything runs on one :class:`SimClock`
(virtual time); with ``directory`` the cartridges are image files there and the catalog
is a SQLite file, so the data survives the process.
"""

from __future__ import annotations

import datetime as _dt
from pathlib import Path

import attrs

from smartmedia.catalog import SqliteCatalog
from smartmedia.copying._site import Site
from smartmedia.model import Barcode, MediaPool, MediaType
from smartmedia.planning import Profiles
from smartmedia.sim import (
    CartridgeStore,
    DirectoryStore,
    Faults,
    MemoryStore,
    SimClock,
    SimTapeLibrary,
    SimVLS,
)

__all__ = ["LAB_EPOCH", "Lab", "SimOperator", "build_lab"]

#: Time zero of a lab's virtual clock.
LAB_EPOCH = _dt.datetime(2026, 11, 25, 20, 0, tzinfo=_dt.timezone.utc)


class SimOperator:
    """An operator for simulated libraries: takes a cartridge from a mail slot of one and
    puts it into a mail slot of another."""

    def __init__(self, libraries: dict[str, SimTapeLibrary]) -> None:
        self._libraries = libraries

    def carry(self, barcode: Barcode, source: str, destination: str) -> None:
        self._libraries[source].take(barcode)
        self._libraries[destination].insert_mail(barcode)


@attrs.define(kw_only=True)
class Lab:
    """A simulated site and its parts."""

    site: Site
    clock: SimClock
    store: CartridgeStore
    vls: SimVLS
    vtl: SimTapeLibrary
    msl: SimTapeLibrary
    restore: SimTapeLibrary
    catalog: SqliteCatalog

    def close(self) -> None:
        self.catalog.close()
        self.store.close()


def build_lab(
    *,
    directory: str | Path | None = None,
    seed: int = 0,
    virtual_slots: int = 40,
    physical_slots: int = 40,
    physical_drives: int = 4,
    scratch: int = 12,
    streams: int = 4,
    generation: MediaType = MediaType.LTO9,
    faults: Faults | None = None,
) -> Lab:
    """A lab: VLS with virtual library ``VTL`` (pool ``VTL``), physical library ``MSL``
    behind it (not visible; ``scratch`` blank cartridges in its slots, for pool
    ``Vault``), library ``Restore`` the application sees, an operator between them.

    Cartridges live in ``directory`` (and the catalog in ``directory/catalog.sqlite``) or
    in memory.
    """
    clock = SimClock(seed=seed)
    faults = faults or Faults()
    if directory is not None:
        root = Path(directory)
        (root / "tapes").mkdir(parents=True, exist_ok=True)
        store: CartridgeStore = DirectoryStore(root / "tapes")
        catalog = SqliteCatalog(str(root / "catalog.sqlite"))
    else:
        store = MemoryStore()
        catalog = SqliteCatalog(":memory:")
    msl = SimTapeLibrary.build(
        name="MSL",
        clock=clock,
        store=store,
        generation=generation,
        drives=physical_drives,
        slots=physical_slots,
        mail_slots=4,
        faults=faults,
        visible=False,
    )
    restore = SimTapeLibrary.build(
        name="Restore",
        clock=clock,
        store=store,
        generation=generation,
        drives=1,
        slots=10,
        mail_slots=4,
        faults=faults,
        visible=True,
    )
    vls = SimVLS(clock=clock, store=store, physical=[msl], streams=streams, faults=faults)
    vtl = vls.add_virtual_library("VTL", slots=virtual_slots, drives=2)
    code = {MediaType.LTO9: "L9", MediaType.LTO8: "L8", MediaType.LTO10: "LT"}.get(generation, "")
    for n in range(1, scratch + 1):
        barcode = Barcode(f"SCR{n:03d}{code}")
        if barcode not in store:
            store.create(barcode, generation)
        if msl.locate_cartridge(barcode) is None:
            msl.place(barcode)
    if not catalog.pools():
        catalog.add_pool(MediaPool(name="VTL", media_type=MediaType.VIRTUAL))
        catalog.add_pool(MediaPool(name="Vault", media_type=generation))
        for library in (vtl, msl, restore):
            catalog.add_library(library.inventory())
    site = Site(
        vls=vls,
        catalog=catalog,
        virtual_library="VTL",
        target_library="MSL",
        libraries=(restore,),
        operator=SimOperator({"MSL": msl, "Restore": restore, "VTL": vtl}),
        profiles=Profiles(vls=vls.timing),
        now=lambda: LAB_EPOCH + _dt.timedelta(seconds=clock.now()),
    )
    return Lab(
        site=site,
        clock=clock,
        store=store,
        vls=vls,
        vtl=vtl,
        msl=msl,
        restore=restore,
        catalog=catalog,
    )
