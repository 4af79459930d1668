"""Plots of the bench figures, for docs/performance.md.

Reads the JSON that ``bench/run.py --json FILE`` writes (the full, not the quick, run) and
draws three PNG files into ``--out`` (default ``docs/images``):

- ``planner.png``: planning CPU time and makespan gap to the lower bound against fleet
  size;
- ``codec.png``: codec throughput (write + verify) against block size, with the memory
  copy of the same run;
- ``makespan.png``: predicted against simulated makespan of plans carried out on the
  simulators.

Needs matplotlib (``pip install -e '.[bench]'``); nothing else in the project does.
"""

from __future__ import annotations

import argparse
import json
import re
import sys
from pathlib import Path

GIB = 2**30


def planner_rows(output: str) -> list[tuple[int, int, float, float]]:
    rows = re.findall(
        r"^\s+(\d+)\s+(\d+)\s+([\d.]+)\s+[\d.]+\s+[\d.]+\s+[\d.]+\s+([\d.]+)%", output, re.M
    )
    return [(int(n), int(d), float(cpu), float(gap)) for n, d, cpu, gap in rows]


def makespan_rows(output: str) -> list[tuple[int, int, float, float]]:
    rows = re.findall(r"^\s+(\d+)\s+(\d+)\s+([\d.]+)\s+([\d.]+)\s+[\d.]+x$", output, re.M)
    return [(int(n), int(d), float(p), float(s)) for n, d, p, s in rows]


def codec_rows(output: str) -> list[tuple[int, float, float, float]]:
    """(block KiB, copy s, write s, verify s) per block size."""
    rows = re.findall(r"^\s+(\d+)Ki\s+([\d.]+)\s+([\d.]+)\s+([\d.]+)\s", output, re.M)
    return sorted((int(k), float(c), float(w), float(v)) for k, c, w, v in rows)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("results", type=Path, help="the JSON of bench/run.py --json")
    parser.add_argument("--out", type=Path, default=Path("docs/images"))
    args = parser.parse_args()
    try:
        import matplotlib

        matplotlib.use("Agg")
        import matplotlib.pyplot as plt
    except ImportError:
        sys.exit("plots need matplotlib: pip install -e '.[bench]'")
    results = json.loads(args.results.read_text())
    args.out.mkdir(parents=True, exist_ok=True)
    plot_planner(plt, results, args.out)
    plot_codec(plt, results, args.out)
    plot_makespan(plt, results, args.out)
    print(f"wrote planner.png, codec.png, makespan.png to {args.out}")


def plot_planner(plt, results: dict, out: Path) -> None:  # type: ignore[no-untyped-def]
    planner = planner_rows(results["planner"]["output"])
    figure, left = plt.subplots(figsize=(6.4, 3.8))
    for drives in sorted({d for _, d, _, _ in planner}):
        points = sorted((n, cpu) for n, d, cpu, _ in planner if d == drives)
        left.plot(*zip(*points, strict=True), marker="o", label=f"CPU s, {drives} drives")
    left.set_xscale("log")
    left.set_yscale("log")
    left.set_xlabel("source media")
    left.set_ylabel("planning CPU time (s)")
    right = left.twinx()
    right.plot(
        [n for n, _, _, _ in planner], [g for *_, g in planner], "k^", label="gap to bound (%)"
    )
    right.set_ylabel("makespan over lower bound (%)")
    figure.legend(loc="center right", bbox_to_anchor=(0.86, 0.5), fontsize="small")
    figure.tight_layout()
    figure.savefig(out / "planner.png", dpi=120)


def plot_codec(plt, results: dict, out: Path) -> None:  # type: ignore[no-untyped-def]
    codec = codec_rows(results["format_codec"]["output"])
    figure, axes = plt.subplots(figsize=(6.4, 3.8))
    kib = [k for k, *_ in codec]
    axes.plot(
        kib, [GIB / (w + v) / 1e9 for _, _, w, v in codec], marker="o", label="write + verify"
    )
    axes.plot(kib, [GIB / c / 1e9 for _, c, _, _ in codec], marker="s", label="memory copy")
    axes.set_xscale("log", base=2)
    axes.set_xlabel("block size (KiB)")
    axes.set_ylabel("GB/s of object data")
    axes.legend(fontsize="small")
    figure.tight_layout()
    figure.savefig(out / "codec.png", dpi=120)


def plot_makespan(plt, results: dict, out: Path) -> None:  # type: ignore[no-untyped-def]
    spans = makespan_rows(results["planner"]["output"])
    figure, axes = plt.subplots(figsize=(4.8, 4.2))
    predicted = [p for *_, p, _ in spans]
    simulated = [s for *_, s in spans]
    axes.plot(simulated, predicted, "o")
    top = max(predicted + simulated) * 1.05
    axes.plot([0, top], [0, top], "k:", label="predicted = simulated")
    for n, d, p, s in spans:
        axes.annotate(f"{n} media, {d} drives", (s, p), fontsize="small")
    axes.set_xlabel("simulated makespan (h)")
    axes.set_ylabel("predicted makespan (h)")
    axes.legend(fontsize="small")
    figure.tight_layout()
    figure.savefig(out / "makespan.png", dpi=120)


if __name__ == "__main__":
    main()
