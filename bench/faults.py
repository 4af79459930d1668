"""The fault campaign: every fault kind at many points of a copy run, and power loss at
every event of a small run, each followed by resume and the checks of
``smartmedia.testing.campaign`` (catalog invariants, no reservation left, every recorded
copy verifies against its source, every backup restores byte-identically).

Prints how many scenarios ran per kind, how many held, and the CPU time. ``--seeds N``
(default 20) repeats each scenario with N seeds; ``--quick`` runs a handful.
"""

from __future__ import annotations

import argparse
import time
from collections.abc import Iterator

from smartmedia.model import Barcode, DriveSerial
from smartmedia.sim import DriveFailure, Faults, MediumFault, RobotFault, StreamDeath
from smartmedia.testing.campaign import run_scenario


def fault_kinds(step: int) -> Iterator[tuple[str, Faults]]:
    """Each fault kind, at points spread over a run of three 400 kB copies."""
    for block in range(2, 12, step):
        yield (
            "target bad block",
            Faults(media=(MediumFault(barcode=Barcode("SCR001L9"), block=block, on_write=True),)),
        )
        yield (
            "source bad block",
            Faults(media=(MediumFault(barcode=Barcode("VC0002"), block=block),)),
        )
    for after in range(50_000, 1_300_000, 150_000 * step):
        yield (
            "drive dies (bytes)",
            Faults(drives=(DriveFailure(serial=DriveSerial("MSL-1"), after_bytes=after),)),
        )
        yield (
            "stream dies",
            Faults(streams=(StreamDeath(source=Barcode("VC0001"), after_bytes=after),)),
        )
    for at in range(5, 200, 15 * step):
        yield (
            "drive dies (time)",
            Faults(drives=(DriveFailure(serial=DriveSerial("MSL-2"), at_time=float(at)),)),
        )
    for move in range(1, 12, step):
        yield "robot fails", Faults(robots=(RobotFault(library="MSL", move=move),))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--quick", action="store_true", help="a handful of scenarios")
    parser.add_argument("--seeds", type=int, default=20)
    args = parser.parse_args()
    seeds = range(2 if args.quick else args.seeds)
    step = 5 if args.quick else 1
    tally: dict[str, list[int]] = {}
    failures: list[str] = []
    cpu0 = time.process_time()
    for seed in seeds:
        for name, faults in fault_kinds(step):
            outcome = run_scenario(faults=faults, seed=seed)
            counts = tally.setdefault(name, [0, 0])
            counts[0] += 1
            counts[1] += outcome.ok
            if not outcome.ok:
                failures.append(f"{name} seed {seed}: {outcome.problems}")
        for after in range(1, 200, 20 if args.quick else 1):
            outcome = run_scenario(power_loss_after=after, seed=seed)
            counts = tally.setdefault("power loss at event", [0, 0])
            counts[0] += 1
            counts[1] += outcome.ok
            if not outcome.ok:
                failures.append(f"power loss at {after} seed {seed}: {outcome.problems}")
    cpu = time.process_time() - cpu0
    print(f"{'scenario':<22} {'runs':>6} {'held':>6}")
    for name, (runs, held) in tally.items():
        print(f"{name:<22} {runs:>6} {held:>6}")
    total = sum(r for r, _ in tally.values())
    print(
        f"{total} scenarios, {len(seeds)} seeds, {cpu:.1f} s CPU; {len(failures)} broke the rules"
    )
    for failure in failures[:10]:
        print("  ", failure)
    if failures:
        raise SystemExit(1)


if __name__ == "__main__":
    main()
