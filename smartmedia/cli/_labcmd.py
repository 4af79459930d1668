"""``lab``: create a persistent lab, show where its tapes are, let virtual time pass."""

from __future__ import annotations

from pathlib import Path

import click
from rich.console import Console

from smartmedia.cli._app import common, output
from smartmedia.cli._common import lab_option, opened_lab, parse_duration
from smartmedia.cli._lab import LabConfig, PersistentLab
from smartmedia.cli._output import duration, table, when
from smartmedia.cli._tapes import tape_rows
from smartmedia.cli._views import tapes_table

__all__ = ["register"]


def _summary(plab: PersistentLab) -> dict[str, object]:
    lab = plab.lab
    return {
        "lab": str(plab.path),
        "now": plab.now(),
        "virtual_seconds": plab.virtual_seconds,
        "config": plab.state.config,
        "libraries": [
            {
                "name": library.name,
                "visible": library.visible,
                "virtual": library.inventory().virtual,
                "slots": len(library.inventory().slots),
                "drives": len(library.inventory().drives),
                "mail_slots": len(library.inventory().mail_slots),
                "cartridges": len(library.inventory().cartridges()),
            }
            for library in (lab.vtl, lab.msl, lab.restore)
        ],
        "bindings": plab.state.bindings,
        "schedules": [job.name for job in plab.state.schedules],
        "reconciled": [
            {"kind": d.kind.value, "settled": d.settled, "detail": d.detail}
            for d in (plab.reconciled.disagreements if plab.reconciled else ())
        ],
    }


def _render_summary(console: Console, data: dict[str, object], plab: PersistentLab) -> None:
    console.print(
        f"[bold]Lab[/bold] {plab.path} — virtual time {when(plab.now())} UTC "
        f"({duration(plab.virtual_seconds)} since it was made)"
    )
    libraries = data["libraries"]
    assert isinstance(libraries, list)
    console.print(
        table(
            "Libraries",
            ["name", "kind", "slots", "drives", "mail slots", "cartridges"],
            [
                (
                    lib["name"],
                    "virtual (on the VLS)"
                    if lib["virtual"]
                    else "physical, seen by the application"
                    if lib["visible"]
                    else "physical, behind the VLS",
                    lib["slots"],
                    lib["drives"],
                    lib["mail_slots"],
                    lib["cartridges"],
                )
                for lib in libraries
            ],
        )
    )
    found = plab.reconciled.disagreements if plab.reconciled else ()
    if found:
        console.print(
            table(
                "Devices and catalog: what opening the lab found",
                ["", "what"],
                [("settled" if d.settled else "[bold]needs you[/bold]", d.detail) for d in found],
            )
        )
    console.print(
        table(
            "Post-backup copies",
            ["backup specification", "target pool", "copies"],
            [(b.specification, b.policy.target_pool, b.policy.copies) for b in plab.state.bindings],
        )
    )


@click.group()
def lab() -> None:
    """A persistent simulated site in a directory: VLS, libraries, catalog."""


@lab.command()
@lab_option
@click.option("--seed", type=int, default=0, show_default=True, help="Seed of the simulators.")
@click.option(
    "--scratch",
    type=int,
    default=12,
    show_default=True,
    help="Blank LTO-9 cartridges in the library behind the VLS.",
)
@click.option(
    "--drives",
    type=click.IntRange(1, 64),
    default=4,
    show_default=True,
    help="Drives of the library behind the VLS.",
)
@common
def init(lab: Path, seed: int, scratch: int, drives: int) -> None:
    """Create a lab in --lab DIR: a VLS with virtual library VTL, library MSL behind
    it (not visible to the application), library Restore it sees, and a catalog."""
    out = output()
    config = LabConfig(seed=seed, scratch=scratch, physical_drives=drives)
    with PersistentLab.create(lab, config) as plab:
        data = _summary(plab)
        out.result(data, lambda console: _render_summary(console, data, plab))


@lab.command()
@lab_option
@common
def show(lab: Path) -> None:
    """The lab's libraries, its clock, and where each tape is."""
    out = output()
    with opened_lab(lab) as plab:
        data = _summary(plab)
        rows = list(tape_rows(plab))
        data["tapes"] = [
            {"barcode": b, "label": label, "catalog": recorded, "library": found}
            for b, label, recorded, found in rows
        ]

        def render(console: Console) -> None:
            _render_summary(console, data, plab)
            console.print(tapes_table(rows))

        out.result(data, render)


@lab.command()
@click.argument("time")
@lab_option
@common
def advance(time: str, lab: Path) -> None:
    """Let TIME of virtual time pass (e.g. 90s, 15m, 6h, 2d), as if the site idled."""
    out = output()
    delta = parse_duration(time, path="time")
    with opened_lab(lab) as plab:
        plab.advance(delta.total_seconds())
        now = plab.now()
    out.result({"now": now}, lambda console: console.print(f"virtual time is now {when(now)} UTC"))


@lab.command(name="import")
@lab_option
@common
def import_(lab: Path) -> None:
    """Rebuild the lab's catalog from its cartridges: read every cartridge of every
    library and record what it holds (sessions, objects, copies). Run it when the
    catalog was lost; importing what is recorded already changes nothing."""
    out = output()
    with PersistentLab.open(lab, rebuilding=True) as plab:
        reports = plab.import_cartridges()
    rows = [
        (
            str(barcode),
            str(report.medium) if report else "",
            len(report.versions_added) if report else 0,
            error,
        )
        for barcode, report, error in reports
    ]
    failed = [row for row in rows if row[3]]
    out.result(
        {
            "ok": not failed,
            "imported": [
                {"barcode": b, "medium": m, "versions_added": n, "error": e} for b, m, n, e in rows
            ],
        },
        lambda console: console.print(
            table("Imported cartridges", ["barcode", "medium", "versions added", "error"], rows)
        ),
    )
    if failed:
        raise click.exceptions.Exit(1)


def register(group: click.Group) -> None:
    group.add_command(lab)
