"""Planner speed and quality on random fleets (seeded).

For fleets of N source media (mixed sizes, 2-100% of an LTO-9 cartridge) copied onto D
LTO-9 drives, prints:

- CPU time of ``plan_copies`` end to end (selection against an in-memory SQLite catalog,
  target allocation, schedule), and of the schedule alone, with the growth ratio
  between sizes against n log n;
- the predicted makespan against the lower bound
  ``max(longest copy, total drive time / drives, robot moves / robots)``;
- the makespan of a first-come first-served schedule of the same copies (no LPT), measured
  in the same run.

Then each of two smaller fleets is planned and carried out on the simulators (synthetic
LTO-9-sized sources on a SimVLS, orders submitted in plan order, one copy stream per
drive, the same robot and stream figures as the planner's profiles), and the predicted
makespan is printed against the simulated one.

Targets: 10k media x 64 drives in under 1 s of CPU; makespan within 5% of the lower
bound; predicted within 5% of simulated. ``--quick`` runs the smallest fleets only.
"""

from __future__ import annotations

import argparse
import datetime as dt
import math
import random
import time

import attrs

from smartmedia.catalog import SqliteCatalog
from smartmedia.model import (
    Barcode,
    Cartridge,
    Drive,
    DriveSerial,
    Library,
    Location,
    MediaPool,
    MediaType,
    Medium,
    MediumId,
    MediumState,
    Protection,
    Slot,
)
from smartmedia.planning import CopyPolicy, Inventory, Profiles, Selection, plan_copies
from smartmedia.planning._schedule import DriveSlot, Job, schedule

UTC = dt.timezone.utc
NOW = dt.datetime(2026, 11, 25, 22, 0, tzinfo=UTC)
LTO9 = MediaType.LTO9


def library(
    name: str, *, virtual: bool, slots: int, drives: int, cartridges: dict[int, Cartridge]
) -> Library:
    return Library(
        name=name,
        virtual=virtual,
        visible=virtual,
        slots=tuple(
            Slot(ordinal=i, address=10_000 + i, cartridge=cartridges.get(i))
            for i in range(1, slots + 1)
        ),
        drives=tuple(
            Drive(
                ordinal=i,
                address=100 + i,
                serial=DriveSerial(f"{name}-D{i}"),
                generation=MediaType.VIRTUAL if virtual else LTO9,
            )
            for i in range(1, drives + 1)
        ),
    )


def fleet(n: int, drives: int, seed: int) -> tuple[SqliteCatalog, Inventory]:
    rng = random.Random(seed)
    catalog = SqliteCatalog(":memory:")
    catalog.add_pool(MediaPool(name="VTL", media_type=MediaType.VIRTUAL))
    catalog.add_pool(MediaPool(name="Vault", media_type=LTO9))
    vls = library("VLS", virtual=True, slots=n, drives=16, cartridges={})
    catalog.add_library(vls)
    targets = {
        i: Cartridge(media_type=LTO9, barcode=Barcode(f"T{i:05d}L9")) for i in range(1, n + 2)
    }
    msl = library("MSL", virtual=False, slots=n + 1, drives=drives, cartridges=targets)
    catalog.add_library(
        attrs.evolve(msl, slots=tuple(attrs.evolve(s, cartridge=None) for s in msl.slots))
    )
    capacity = LTO9.native_capacity
    for i in range(1, n + 1):
        used = int(capacity * rng.uniform(0.02, 0.95))
        catalog.add_medium(
            Medium(
                id=MediumId.from_fields(0x0A000001, 1_790_000_000 + i // 0x10000, 1, i % 0x10000),
                label=f"VTL_{i}",
                media_type=MediaType.VIRTUAL,
                pool="VTL",
                capacity=capacity,
                formatted_at=NOW - dt.timedelta(days=2),
                barcode=Barcode(f"V{i:06d}"),
                state=MediumState.FULL,
                bytes_used=used,
                write_count=1,
                first_written=NOW - dt.timedelta(days=1),
                last_written=NOW - dt.timedelta(days=1),
                protection=Protection.for_period(NOW, dt.timedelta(days=30)),
                location=Location.slot("VLS", i),
            )
        )
    return catalog, Inventory(target=msl, readers=(LTO9,))


def simulate(n: int, drives: int, seed: int) -> tuple[float, float]:
    """Plan ``n`` synthetic sources onto ``drives`` and run the plan on the simulators;
    (predicted, simulated) makespan in seconds."""
    from smartmedia.devices import CopyOrder, CopyState, RobotTiming
    from smartmedia.format import FILEMARK, CopyIdentity, MediumHeader, encode_medium_header
    from smartmedia.sim import MemoryStore, SimClock, SimTapeLibrary, SimVLS, SyntheticRun

    block = 256 * 1024
    rng = random.Random(seed)
    robot = RobotTiming(model="midrange", move_seconds=10.0)
    clock = SimClock(seed=seed)
    tapes = MemoryStore()
    msl = SimTapeLibrary.build(
        name="MSL",
        clock=clock,
        store=tapes,
        generation=LTO9,
        drives=drives,
        slots=n + 1,
        robot=robot,
        visible=False,
    )
    vls = SimVLS(clock=clock, store=MemoryStore(), physical=[msl], streams=drives)
    vtl = vls.add_virtual_library("VLS", slots=n, drives=2)
    catalog = SqliteCatalog(":memory:")
    catalog.add_pool(MediaPool(name="VTL", media_type=MediaType.VIRTUAL))
    catalog.add_pool(MediaPool(name="Vault", media_type=LTO9))
    catalog.add_library(vtl.inventory())
    catalog.add_library(msl.inventory())
    capacity = LTO9.native_capacity
    for i in range(1, n + 1):
        barcode = Barcode(f"V{i:06d}")
        count = int(capacity * rng.uniform(0.02, 0.95)) // block
        medium_id = MediumId.from_fields(0x0A000002, 1_790_000_000, 2, i)
        head = encode_medium_header(
            MediumHeader(
                medium_id=medium_id,
                label=f"VTL_{i}",
                media_type=MediaType.VIRTUAL,
                pool="VTL",
                created=NOW,
                barcode=barcode,
                block_size=block,
            )
        )
        vls.add_synthetic_cartridge(
            "VLS",
            barcode,
            head=[head, FILEMARK],
            run=SyntheticRun(seed=i, block_size=block, count=count),
            tail=[FILEMARK],
            capacity=capacity,
        )
        slot = next(
            s for s in vtl.inventory().slots if s.cartridge and s.cartridge.barcode == barcode
        )
        catalog.add_medium(
            Medium(
                id=medium_id,
                label=f"VTL_{i}",
                media_type=MediaType.VIRTUAL,
                pool="VTL",
                capacity=capacity,
                formatted_at=NOW,
                barcode=barcode,
                state=MediumState.FULL,
                bytes_used=count * block,
                write_count=1,
                first_written=NOW,
                last_written=NOW,
                location=Location.slot("VLS", slot.ordinal),
            )
        )
    for i in range(1, n + 2):
        tapes.create(f"T{i:05d}L9", LTO9)
        msl.place(f"T{i:05d}L9")
    profiles = Profiles(robot=robot, vls=vls.timing)
    inventory = Inventory(target=msl.inventory(), readers=(LTO9,))
    plan = plan_copies(
        Selection(), CopyPolicy(target_pool="Vault"), catalog, inventory, profiles, now=NOW
    )
    catalog.close()
    handles = []
    for task in plan.tasks:
        piece = task.targets[0]
        assert task.source_barcode is not None
        handles.append(
            vls.start_copy(
                CopyOrder(
                    source_library="VLS",
                    source=task.source_barcode,
                    target_library="MSL",
                    target=piece.barcode,
                    identity=CopyIdentity(
                        medium_id=piece.medium_id, label=piece.label, barcode=piece.barcode
                    ),
                )
            )
        )
    results = vls.wait(handles)
    assert all(r.state is CopyState.COMPLETED for r in results), results[0].error
    return plan.summary.makespan, clock.now()


def cpu(action):  # type: ignore[no-untyped-def]
    t0 = time.process_time()
    result = action()
    return time.process_time() - t0, result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--quick", action="store_true", help="smallest fleet only")
    args = parser.parse_args()
    cases = (
        [(1_000, 4)]
        if args.quick
        else [(200, 64), (1_000, 4), (10_000, 16), (10_000, 64), (100_000, 64)]
    )
    profiles = Profiles()
    policy = CopyPolicy(target_pool="Vault")
    print(
        f"{'media':>8} {'drives':>6} {'plan cpu s':>10} {'sched cpu s':>11} {'makespan h':>10} "
        f"{'bound h':>8} {'gap':>6} {'fcfs/plan':>9}"
    )
    previous: tuple[int, float] | None = None
    for n, drives in cases:
        catalog, inventory = fleet(n, drives, seed=n + drives)
        seconds, plan = cpu(
            lambda c=catalog, i=inventory: plan_copies(Selection(), policy, c, i, profiles, now=NOW)
        )
        slots = [DriveSlot(d.serial, d.ordinal, d.generation) for d in inventory.target.drives]
        jobs = [
            Job(i, ((t.bytes, t.targets[0].capacity),), frozenset({LTO9}))
            for i, t in enumerate(sorted(plan.tasks, key=lambda t: t.source))
        ]
        sched_seconds, _ = cpu(lambda j=jobs, d=slots: schedule(j, d, profiles))
        fcfs = schedule(jobs, slots, profiles, lpt=False)
        s = plan.summary
        assert s.sources == n, plan.unplaced[:3]
        print(
            f"{n:>8} {drives:>6} {seconds:>10.2f} {sched_seconds:>11.3f} "
            f"{s.makespan / 3600:>10.1f} {s.lower_bound / 3600:>8.1f} {s.gap:>6.2%} "
            f"{fcfs.makespan / s.makespan:>8.4f}x"
        )
        if previous is not None and previous[0] != n:
            growth = seconds / previous[1]
            nlogn = (n * math.log(n)) / (previous[0] * math.log(previous[0]))
            print(f"{'':>8} growth {previous[0]} -> {n}: {growth:.1f}x (n log n: {nlogn:.1f}x)")
        previous = (n, seconds)
        catalog.close()
    print()
    print(f"{'media':>8} {'drives':>6} {'predicted h':>11} {'simulated h':>11} {'ratio':>7}")
    for n, drives in [(12, 4)] if args.quick else [(40, 4), (120, 8)]:
        predicted, simulated = simulate(n, drives, seed=n)
        print(
            f"{n:>8} {drives:>6} {predicted / 3600:>11.2f} {simulated / 3600:>11.2f} "
            f"{predicted / simulated:>6.3f}x"
        )


if __name__ == "__main__":
    main()
