"""A simulated site to try everything on: a VLS, the library behind it, a library the
application sees, a catalog, and an operator — built in one call.

Used by the demo, the examples and the tests. Everything runs on one :class:`SimClock`
(virtual time); with ``directory`` the lab is durable the way a real site is: the
cartridges are image files there (``tapes/``), each library writes its element contents
through on every change (``devices/<library>.state``, see :class:`~smartmedia.sim.StateFile`),
and the catalog is a SQLite file. Building a lab on a directory that holds one opens it:
the libraries come back holding what they held, the clock resumes no earlier than any
time a device or the catalog recorded, and the catalog is reconciled with the devices
(:func:`~smartmedia.copying.reconcile`; the report is :attr:`Lab.reconciled`).
"""

from __future__ import annotations

import datetime as _dt
from collections.abc import Callable
from pathlib import Path

import attrs

from smartmedia.catalog import SqliteCatalog
from smartmedia.copying._reconcile import ReconcileReport, reconcile
from smartmedia.copying._site import Site
from smartmedia.errors import SmartMediaError, UnrecordedMedia
from smartmedia.format import END_OF_DATA, Identified, MediumKind, identify
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
    StateFile,
)

__all__ = ["LAB_EPOCH", "LAB_LATEST", "Lab", "SimOperator", "build_lab", "peek_cartridge"]

#: Time zero of a lab's virtual clock.
LAB_EPOCH = _dt.datetime(2026, 11, 25, 20, 0, tzinfo=_dt.timezone.utc)
#: The latest time a lab's clock may reach: far enough for any simulation, and early
#: enough that every date the library computes from it (expiry, schedules) still exists.
LAB_LATEST = _dt.datetime(9000, 1, 1, tzinfo=_dt.timezone.utc)


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
    #: What opening an existing lab directory found and settled (``None``: a new lab).
    reconciled: ReconcileReport | None = None

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
    rebuilding: bool = False,
) -> Lab:
    """A lab: VLS with virtual library ``VTL`` (pool ``VTL``), physical library ``MSL``
    behind it (not visible; ``scratch`` blank cartridges in its slots, for pool
    ``Vault``), library ``Restore`` the application sees, an operator between them.

    Cartridges, device state and the catalog live in ``directory`` (see the module
    docstring) or in memory. Opening a directory whose catalog records no medium while
    its cartridges hold media of ours raises :class:`~smartmedia.errors.UnrecordedMedia`
    (the catalog was lost: rebuild it by importing the cartridges) unless ``rebuilding``.
    """
    clock = SimClock(seed=seed)
    faults = faults or Faults()
    states: dict[str, StateFile | None] = {"VTL": None, "MSL": None, "Restore": None}
    if directory is not None:
        root = Path(directory)
        for part in ("tapes", "devices"):
            (root / part).mkdir(parents=True, exist_ok=True)
        store: CartridgeStore = DirectoryStore(root / "tapes")
        states = {name: StateFile(root / "devices" / f"{name}.state") for name in states}
        catalog = SqliteCatalog(str(root / "catalog.sqlite"))
    else:
        store = MemoryStore()
        catalog = SqliteCatalog(":memory:")
    try:
        return _assemble(
            clock=clock,
            store=store,
            catalog=catalog,
            states=states,
            virtual_slots=virtual_slots,
            physical_slots=physical_slots,
            physical_drives=physical_drives,
            scratch=scratch,
            streams=streams,
            generation=generation,
            faults=faults,
            rebuilding=rebuilding,
        )
    except BaseException:
        catalog.close()
        store.close()
        raise


def peek_cartridge(store: CartridgeStore) -> Callable[[Barcode], Identified | None]:
    """What a cartridge of ``store`` holds, from its first block, read without a drive."""

    def peek(barcode: Barcode) -> Identified | None:
        try:
            image = store.get(barcode)
            return identify(image.read(0) if image.count else END_OF_DATA)
        except SmartMediaError as error:
            return Identified(MediumKind.UNKNOWN, detail=f"an unreadable first block ({error})")

    return peek


def _assemble(
    *,
    clock: SimClock,
    store: CartridgeStore,
    catalog: SqliteCatalog,
    states: dict[str, StateFile | None],
    virtual_slots: int,
    physical_slots: int,
    physical_drives: int,
    scratch: int,
    streams: int,
    generation: MediaType,
    faults: Faults,
    rebuilding: bool,
) -> Lab:
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
        state=states["MSL"],
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
        state=states["Restore"],
    )
    vls = SimVLS(clock=clock, store=store, physical=[msl], streams=streams, faults=faults)
    vtl = vls.add_virtual_library("VTL", slots=virtual_slots, drives=2, state=states["VTL"])
    libraries = (vtl, msl, restore)
    opened = any(library.restored for library in libraries)
    if not opened:  # a new lab: the scratch cartridges arrive once, never again
        code = {MediaType.LTO9: "L9", MediaType.LTO8: "L8", MediaType.LTO10: "LT"}.get(
            generation, ""
        )
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
    lab = Lab(
        site=site,
        clock=clock,
        store=store,
        vls=vls,
        vtl=vtl,
        msl=msl,
        restore=restore,
        catalog=catalog,
    )
    if not opened:
        return lab
    _resume_clock(lab, libraries)
    peek = peek_cartridge(store)
    if not rebuilding and not catalog.media():
        ours = [b for b in store.barcodes() if getattr(peek(b), "header", None) is not None]
        if ours:
            raise UnrecordedMedia(
                f"the catalog records no medium, but {len(ours)} cartridge(s) of the lab hold "
                f"media of ours ({', '.join(map(str, ours[:3]))}{', ...' if len(ours) > 3 else ''}"
                "): the catalog was lost or replaced; rebuild it by importing the cartridges "
                "(smartmedia lab import) before anything writes",
                barcodes=tuple(ours),
            )
    problems = [p for library in libraries for p in library.state_problems]
    if isinstance(store, DirectoryStore):
        problems += store.problems()
    lab.reconciled = reconcile(site, peek=peek, device_problems=problems)
    return lab


def _resume_clock(lab: Lab, libraries: tuple[SimTapeLibrary, ...]) -> None:
    """Move the fresh clock to the latest time any device or the catalog recorded."""
    start = max((lib.saved_at or 0.0 for lib in libraries), default=0.0)
    latest = lab.catalog.latest_time()
    if latest is not None:
        start = max(start, (latest - LAB_EPOCH).total_seconds())
    if start > lab.clock.now():
        lab.clock.sleep(start - lab.clock.now())
