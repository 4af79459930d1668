"""The demo's report: what each step did, the sessions, the media and their copies,
where each tape is, the copies' throughput, and virtual and wall time."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import attrs
from rich.console import Console

from smartmedia.cli._lab import PersistentLab
from smartmedia.cli._output import duration, plural, size, table
from smartmedia.cli._tapes import tape_rows
from smartmedia.cli._views import media_table, report_table, sessions_table, tapes_table
from smartmedia.copying import CopyReport, Move
from smartmedia.devices import DriveTiming
from smartmedia.model import MediaType

__all__ = ["DemoRun", "Step", "data", "render"]


@attrs.define
class Step:
    """One step of the demo: what it did, how long it took (virtual and wall seconds)."""

    name: str
    detail: str = ""
    virtual: float = 0.0
    wall: float = 0.0
    ok: bool = True


@attrs.define
class DemoRun:
    """What the demo did."""

    directory: Path
    steps: list[Step] = attrs.field(factory=list)
    reports: list[CopyReport] = attrs.field(factory=list)
    restored: list[tuple[str, bool]] = attrs.field(factory=list)
    moves: list[Move] = attrs.field(factory=list)
    deleted: str | None = None

    @property
    def ok(self) -> bool:
        return bool(self.steps) and all(s.ok for s in self.steps)


def _throughput(run: DemoRun) -> tuple[int, float]:
    copied = sum(r.bytes for r in run.reports)
    seconds = sum((r.finished - r.started).total_seconds() for r in run.reports)
    return copied, seconds


def _tapes(plab: PersistentLab) -> list[tuple[str, str, str, str]]:
    """The tapes the catalog knows (blank scratch cartridges are counted, not listed)."""
    return [row for row in tape_rows(plab) if row[2] != "not recorded"]


def render(console: Console, run: DemoRun, plab: PersistentLab, wall: float, *, kept: bool) -> None:
    lab = plab.lab
    where = (
        f"lab kept in {plab.path}" if kept else "lab in a temporary directory (--dir to keep it)"
    )
    console.print(f"[bold]smartmedia demo[/bold] — {where}\n")
    console.print(
        table(
            "What happened",
            ["step", "result", "virtual", "wall", "detail"],
            [
                (
                    s.name,
                    "ok" if s.ok else "FAILED",
                    duration(s.virtual),
                    duration(s.wall),
                    s.detail,
                )
                for s in run.steps
            ],
        )
    )
    console.print(sessions_table(lab.catalog.sessions()))
    console.print(media_table(lab.catalog.media()))
    tapes = _tapes(plab)
    blank = sum(1 for row in tape_rows(plab) if row[2] == "not recorded")
    console.print(tapes_table(tapes))
    console.print(f"(and {blank} blank scratch cartridges in MSL)\n")
    if run.moves:
        console.print(
            table(
                "Restore path of the physical copy",
                ["barcode", "from", "to", "by"],
                [
                    (str(m.barcode), str(m.origin), str(m.destination), m.by.value)
                    for m in run.moves
                ],
            )
        )
    for report in run.reports:
        console.print(report_table(report))
    copied, seconds = _throughput(run)
    copies = sum(len(r.committed) for r in run.reports)
    rate = copied / seconds if seconds else 0.0
    streaming = DriveTiming.for_generation(MediaType.LTO9).rate
    console.print(
        f"Throughput: {size(copied)} copied onto {plural(copies, 'tape')} in {duration(seconds)} "
        f"of virtual time, {size(rate)}/s — with tapes this small, robot moves, loads, "
        f"rewinds and verification outweigh LTO-9 streaming at {size(streaming)}/s."
    )
    console.print(
        f"Virtual time: {duration(plab.virtual_seconds)} (to {plab.now():%Y-%m-%d %H:%M} UTC); "
        f"wall time: {duration(wall)}."
    )
    console.print(
        "[bold green]demo ok[/bold green]" if run.ok else "[bold red]demo FAILED[/bold red]"
    )


def data(run: DemoRun, plab: PersistentLab, wall: float, *, kept: bool) -> dict[str, Any]:
    lab = plab.lab
    copied, seconds = _throughput(run)
    return {
        "ok": run.ok,
        "lab": str(plab.path) if kept else None,
        "steps": [attrs.asdict(s) for s in run.steps],
        "sessions": lab.catalog.sessions(),
        "media": lab.catalog.media(),
        "tapes": [
            {"barcode": b, "label": label, "catalog": recorded, "library": found}
            for b, label, recorded, found in _tapes(plab)
        ],
        "copies": run.reports,
        "deleted": run.deleted,
        "moves": run.moves,
        "restored": [{"path": p, "identical": same} for p, same in run.restored],
        "copied_bytes": copied,
        "copy_seconds": seconds,
        "virtual_seconds": plab.virtual_seconds,
        "wall_seconds": wall,
    }
