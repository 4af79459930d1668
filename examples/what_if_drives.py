"""What if: how many drives do I need to copy last night's data in six hours?

Run: python examples/what_if_drives.py

Last night's backups are 60 virtual cartridges of 150 GB to 1.5 TB each (about 50 TB,
generated from a seed) in the virtual library of a simulated VLS. The planner
(:func:`smartmedia.planning.plan_copies`, a pure function: no device is touched) plans
their copies onto a physical LTO-9 library behind the VLS with 2, 3, ... 16 drives; the
smallest drive count whose predicted makespan fits the six-hour window is the answer.
That one plan is then carried out on the simulators (virtual time, the copies simulated
by size) to check the prediction against what the devices take.

The planner assumes the VLS feeds each drive one copy stream at its stream rate
(``VlsTiming.stream_rate``, 300 MB/s here), so the answer also says how many copy streams
the VLS must provide.
"""

from __future__ import annotations

import datetime as dt
import random

import attrs

from smartmedia.catalog import SqliteCatalog
from smartmedia.devices import LIBRARY_MODELS, CopyOrder, CopyState
from smartmedia.format import FILEMARK, CopyIdentity, MediumHeader, encode_medium_header
from smartmedia.model import (
    Barcode,
    Location,
    MediaPool,
    MediaType,
    Medium,
    MediumId,
    MediumState,
)
from smartmedia.planning import (
    CopyPlan,
    CopyPolicy,
    Inventory,
    Profiles,
    Selection,
    plan_copies,
)
from smartmedia.sim import MemoryStore, SimClock, SimTapeLibrary, SimVLS, SyntheticRun

UTC = dt.timezone.utc
NOW = dt.datetime(2026, 11, 26, 6, 0, tzinfo=UTC)  # the morning after
WINDOW = dt.timedelta(hours=6)
BLOCK = 256 * 1024
ROBOT = LIBRARY_MODELS["midrange"]  # 10 s per move, one robot


@attrs.frozen
class Backup:
    """One virtual cartridge written last night."""

    number: int
    barcode: Barcode
    medium_id: MediumId
    size: int  # bytes, a whole number of blocks
    written: dt.datetime


def last_night(count: int = 60, seed: int = 2026) -> list[Backup]:
    rng = random.Random(seed)
    backups = []
    for i in range(1, count + 1):
        size = rng.randrange(150 * 10**9, 1_500 * 10**9) // BLOCK * BLOCK
        written = NOW - dt.timedelta(hours=9) + dt.timedelta(minutes=rng.randrange(0, 420))
        backups.append(
            Backup(
                number=i,
                barcode=Barcode(f"VN{i:04d}"),
                medium_id=MediumId.from_fields(0x0A000005, 1_795_000_000, 7, i),
                size=size,
                written=written,
            )
        )
    return backups


@attrs.define
class Site:
    """A simulated VLS with last night's cartridges, the physical library behind it with
    ``drives`` LTO-9 drives and blank cartridges, and a catalog that knows the backups."""

    clock: SimClock
    vls: SimVLS
    msl: SimTapeLibrary
    catalog: SqliteCatalog


def build_site(backups: list[Backup], drives: int) -> Site:
    clock = SimClock(seed=drives)
    tapes = MemoryStore()
    msl = SimTapeLibrary.build(
        name="MSL",
        clock=clock,
        store=tapes,
        generation=MediaType.LTO9,
        drives=drives,
        slots=len(backups) + 10,
        robot=ROBOT,
        visible=False,
    )
    for n in range(1, len(backups) + 11):
        tapes.create(f"SCR{n:03d}L9", MediaType.LTO9)
        msl.place(f"SCR{n:03d}L9")
    vls = SimVLS(clock=clock, store=MemoryStore(), physical=[msl], streams=drives)
    vtl = vls.add_virtual_library("VTL", slots=len(backups), drives=2)
    catalog = SqliteCatalog(":memory:")
    catalog.add_pool(MediaPool(name="VTL", media_type=MediaType.VIRTUAL))
    catalog.add_pool(MediaPool(name="Vault", media_type=MediaType.LTO9))
    for b in backups:
        header = MediumHeader(
            medium_id=b.medium_id,
            label=f"VTL_{b.barcode}",
            media_type=MediaType.VIRTUAL,
            pool="VTL",
            created=b.written,
            barcode=b.barcode,
            block_size=BLOCK,
        )
        vls.add_synthetic_cartridge(
            "VTL",
            b.barcode,
            head=[encode_medium_header(header), FILEMARK],
            run=SyntheticRun(seed=b.number, block_size=BLOCK, count=b.size // BLOCK),
            tail=[FILEMARK],
            capacity=MediaType.LTO9.native_capacity,
        )
    slots = {s.cartridge.barcode: s.ordinal for s in vtl.inventory().slots if s.cartridge}
    catalog.add_library(vtl.inventory())
    catalog.add_library(msl.inventory())
    for b in backups:
        catalog.add_medium(
            Medium(
                id=b.medium_id,
                label=f"VTL_{b.barcode}",
                media_type=MediaType.VIRTUAL,
                pool="VTL",
                capacity=MediaType.LTO9.native_capacity,
                formatted_at=b.written,
                barcode=b.barcode,
                state=MediumState.FULL,
                bytes_used=b.size,
                write_count=1,
                first_written=b.written,
                last_written=b.written,
                location=Location.slot("VTL", slots[b.barcode]),
            )
        )
    return Site(clock=clock, vls=vls, msl=msl, catalog=catalog)


def plan_for(site: Site) -> CopyPlan:
    """Last night's data: every virtual original written in the last 24 hours."""
    selection = Selection.matching(pools=("VTL",), written_after=NOW - dt.timedelta(days=1))
    return plan_copies(
        selection,
        CopyPolicy(target_pool="Vault"),
        site.catalog,
        Inventory(target=site.msl.inventory(), readers=(MediaType.LTO9,)),
        Profiles(robot=ROBOT, vls=site.vls.timing),
        now=NOW,
    )


def simulate(site: Site, plan: CopyPlan) -> float:
    """Carry ``plan`` out on the simulators; the virtual seconds it took."""
    start = site.clock.now()
    handles = []
    for task in plan.tasks:  # in plan order; the VLS queues them for its streams
        (piece,) = task.targets
        assert task.source_barcode is not None
        order = CopyOrder(
            source_library="VTL",
            source=task.source_barcode,
            target_library="MSL",
            target=piece.barcode,
            identity=CopyIdentity(
                medium_id=piece.medium_id, label=piece.label, barcode=piece.barcode
            ),
        )
        handles.append(site.vls.start_copy(order))
    results = site.vls.wait(handles)
    failed = [r for r in results if r.state is not CopyState.COMPLETED]
    if failed:
        raise SystemExit(f"{len(failed)} simulated copies failed: {failed[0].error}")
    return site.clock.now() - start


def hours(seconds: float) -> str:
    return f"{seconds / 3600:5.2f} h"


def main() -> None:
    backups = last_night()
    total = sum(b.size for b in backups)
    print(f"last night: {len(backups)} virtual cartridges, {total / 10**12:.1f} TB")
    print(f"{'drives':>6}  {'predicted':>9}  {'lower bound':>11}  fits {WINDOW.seconds // 3600} h")
    answer: tuple[int, Site, CopyPlan] | None = None
    for drives in range(2, 17):
        site = build_site(backups, drives)
        plan = plan_for(site)
        if plan.unplaced:
            raise SystemExit(f"{drives} drives: not everything planned:\n{plan.explain()}")
        fits = plan.summary.makespan <= WINDOW.total_seconds()
        print(
            f"{drives:>6}  {hours(plan.summary.makespan):>9}  "
            f"{hours(plan.summary.lower_bound):>11}  {'yes' if fits else 'no'}"
        )
        if fits and answer is None:
            answer = (drives, site, plan)
        else:
            site.catalog.close()
    if answer is None:
        print("16 drives are not enough: split the copies, or add a second library")
        return
    drives, site, plan = answer
    simulated = simulate(site, plan)
    site.catalog.close()
    print(
        f"answer: {drives} drives (and {drives} VLS copy streams); on the simulators the "
        f"plan took {hours(simulated).strip()} against {hours(plan.summary.makespan).strip()} "
        f"predicted ({plan.summary.makespan / simulated:.3f}x)"
    )


if __name__ == "__main__":
    main()
