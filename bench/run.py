"""Run every bench of ``bench/`` and report each figure against its target.

Each bench runs in its own process (as ``python bench/<name>.py``, ``--quick`` with
``--quick``); its output is kept, the figures named below are read from it, and a table
shows each figure, its target and whether it is met. ``--json PATH`` writes the figures
and the outputs. ``--quick`` is what CI runs: it checks that every bench completes
(targets of quick runs are shown but not enforced: small sizes are dominated by fixed
costs). Without ``--quick`` a missed target makes the exit status 1.
"""

from __future__ import annotations

import argparse
import json
import re
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

HERE = Path(__file__).resolve().parent

#: bench -> (figure name, regex with one group, parse, target text, test of the value)
Figure = tuple[str, str, Callable[[str], float], str, Callable[[float], bool]]

FIGURES: dict[str, list[Figure]] = {
    "format_codec": [
        (
            "codec write+verify / memory copy, 256 KiB blocks",
            r"^\s+256Ki .* ([\d.]+)x\s+[\d.]+x$",
            float,
            "<= 1.5x",
            lambda v: v <= 1.5,
        ),
        (
            "codec write+verify / memory copy, 64 KiB blocks",
            r"^\s+64Ki .* ([\d.]+)x\s+[\d.]+x$",
            float,
            "<= 1.5x",
            lambda v: v <= 1.5,
        ),
        (
            "verify peak memory, MiB",
            r"peak Python allocations ([\d.]+) MiB",
            float,
            "O(block size)",
            lambda v: v <= 4,
        ),
    ],
    "planner": [
        (
            "plan CPU s, 10k media x 64 drives",
            r"^\s+10000\s+64\s+([\d.]+)",
            float,
            "< 1 s",
            lambda v: v < 1,
        ),
        (
            "makespan gap to lower bound, 10k x 64",
            r"^\s+10000\s+64(?:\s+\S+){4}\s+([\d.]+)%",
            float,
            "<= 5 %",
            lambda v: v <= 5,
        ),
        (
            "predicted / simulated makespan",
            r"^\s+\d+\s+\d+\s+[\d.]+\s+[\d.]+\s+([\d.]+)x$",
            float,
            "within 5 %",
            lambda v: abs(v - 1) <= 0.05,
        ),
    ],
    "simulation": [
        (
            "virtual days per CPU second",
            r"([\d.]+) virtual days per CPU second",
            float,
            ">= 1",
            lambda v: v >= 1,
        ),
        (
            "verified VLS copy / shutil.copyfile",
            r"ratio ([\d.]+)x of copyfile",
            float,
            ">= 0.8x",
            lambda v: v >= 0.8,
        ),
    ],
    "catalog": [
        (
            "restore-candidates growth, last step",
            r"restore ([\d.]+)x",
            float,
            "< 2x",
            lambda v: v < 2,
        ),
        (
            "not-yet-copied growth, last step",
            r"not-yet-copied ([\d.]+)x",
            float,
            "< 2x",
            lambda v: v < 2,
        ),
    ],
    "faults": [
        (
            "fault scenarios that broke the rules",
            r"; (\d+) broke the rules",
            float,
            "0",
            lambda v: v == 0,
        ),
    ],
    "fuzz": [
        (
            "fuzz inputs escaping as other errors",
            r"other than FormatError/MediumError: (\d+)",
            float,
            "0",
            lambda v: v == 0,
        ),
    ],
    "hostile_format": [
        (
            "hostile format cases that broke the rules",
            r"; (\d+) broke the rules",
            float,
            "0",
            lambda v: v == 0,
        ),
    ],
    "copy_path": [
        ("copy path / shutil.copyfile", r"ratio ([\d.]+)x", float, ">= 0.8x", lambda v: v >= 0.8),
    ],
}


def last_match(pattern: str, text: str) -> str | None:
    found = re.findall(pattern, text, flags=re.MULTILINE)
    return found[-1] if found else None


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--quick", action="store_true", help="small sizes: check that all run")
    parser.add_argument("--json", type=Path, help="write the figures and outputs here")
    parser.add_argument("only", nargs="*", help="bench names (default: all)")
    args = parser.parse_args()
    names = args.only or sorted(
        p.stem for p in HERE.glob("*.py") if p.stem not in {"run", "plots", "__init__", "__main__"}
    )
    results: dict[str, dict[str, object]] = {}
    rows: list[tuple[str, str, str, str]] = []
    failed = False
    for name in names:
        command = [sys.executable, str(HERE / f"{name}.py"), *(["--quick"] if args.quick else [])]
        start = time.perf_counter()
        done = subprocess.run(command, capture_output=True, text=True, check=False)
        seconds = time.perf_counter() - start
        results[name] = {
            "returncode": done.returncode,
            "seconds": round(seconds, 2),
            "output": done.stdout,
            "figures": {},
        }
        if done.returncode != 0:
            failed = True
            rows.append((name, "(bench failed)", "-", f"exit {done.returncode}"))
            sys.stderr.write(done.stdout + done.stderr)
            continue
        for label, pattern, parse, target, test in FIGURES.get(name, []):
            text = last_match(pattern, done.stdout)
            if text is None:
                rows.append((label, "not printed", target, "?"))
                failed = failed or not args.quick
                continue
            value = parse(text)
            met = test(value)
            results[name]["figures"][label] = {"value": value, "target": target, "met": met}  # type: ignore[index]
            rows.append((label, f"{value:g}", target, "met" if met else "MISSED"))
            failed = failed or (not met and not args.quick)
    width = max(len(r[0]) for r in rows) if rows else 10
    print(f"{'figure':<{width}}  {'value':>12}  {'target':>14}  result")
    for label, value, target, verdict in rows:
        print(f"{label:<{width}}  {value:>12}  {target:>14}  {verdict}")
    if args.json:
        args.json.write_text(json.dumps(results, indent=2))
    if failed:
        raise SystemExit(1)


if __name__ == "__main__":
    main()
