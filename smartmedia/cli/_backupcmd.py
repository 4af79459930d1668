"""``backup``: back files up onto new virtual cartridges of a lab, then run the
post-backup copies bound to the backup's specification."""

from __future__ import annotations

import socket
from pathlib import Path

import attrs
import click
from rich.console import Console

from smartmedia.cli._app import EXIT_FAILED, common, output
from smartmedia.cli._common import BoundedInt, lab_option, opened_lab
from smartmedia.cli._output import duration, size, table
from smartmedia.cli._progress import bars
from smartmedia.cli._views import media_table, report_table, unplaced_table
from smartmedia.copying import (
    BackupItem,
    BackupResult,
    BackupWriter,
    CopyReport,
    CopyService,
    items_from_directory,
)
from smartmedia.errors import ValidationError
from smartmedia.model import BackupObject, MediaType, ObjectType

__all__ = ["register"]

_CHUNK = 1 << 20


def _file_item(path: Path, host: str) -> BackupItem:
    obj = BackupObject(type=ObjectType.FILESYSTEM, host=host, mount=path.resolve().as_posix())
    return BackupItem.from_file(obj, path, chunk_size=_CHUNK)


def items_of(paths: tuple[Path, ...], host: str) -> list[BackupItem]:
    """One item per file: the files given, and every file under the directories given."""
    items: list[BackupItem] = []
    for path in paths:
        if path.is_dir():
            items += items_from_directory(path, host=host)
        elif path.is_file():
            items.append(_file_item(path, host))
        else:
            raise ValidationError(f"{path} is not a file or a directory", path="paths")
    seen: set[BackupObject] = set()
    unique = []
    for item in items:
        if item.object not in seen:
            seen.add(item.object)
            unique.append(item)
    if not unique:
        raise ValidationError("nothing to back up: no files in the paths given", path="paths")
    return unique


def copy_title(report: CopyReport, name: str | None = None) -> str:
    """\"Copy session S: n of m copied, ..." where m counts the media the plan could not
    place too (``report.missed``), so a run short of targets never reads "1 of 1"."""
    wanted = len(report.outcomes) + len(report.missed)
    seconds = (report.finished - report.started).total_seconds()
    head = name or f"Copy session {report.session or '-'}"
    return (
        f"{head}: {len(report.committed)} of {wanted} copied, {size(report.bytes)} in "
        f"{duration(seconds)} (virtual)"
    )


def render_copy(console: Console, report: CopyReport, name: str | None = None) -> None:
    """A copy run: its tasks, what the plan left out, and a line naming the media that
    needed a copy and got none."""
    console.print(report_table(report, title=copy_title(report, name)))
    if report.plan.unplaced:
        console.print(unplaced_table(report.plan))
    if report.missed:
        names = ", ".join(str(m.barcode or m.medium) for m in report.missed)
        console.print(f"not copied: {names}", markup=False)


def _render(console: Console, result: BackupResult, reports: list[CopyReport]) -> None:
    session = result.session
    console.print(
        f"Backup session {session.id} ({session.specification or 'no specification'}): "
        f"{session.status.value}, {len(result.versions)} objects, {size(result.bytes)}"
    )
    console.print(media_table(result.media, title="Media written"))
    for failed in result.failed:
        console.print(f"not backed up: {failed.object} — {failed.reason}", markup=False)
    if result.error:
        console.print(f"session failed: {result.error}", markup=False)
    for report in reports:
        render_copy(console, report)
    if not reports:
        console.print(table(None, ["post-backup copies"], [("none bound to this specification",)]))


@click.command()
@click.argument("paths", nargs=-1, required=True, type=click.Path(exists=True, path_type=Path))
@click.option(
    "--spec",
    "specification",
    default="daily",
    show_default=True,
    help="Backup specification (post-backup copies are bound to it).",
)
@click.option(
    "--host", default=None, help="Host name recorded with the objects (default: this one)."
)
@click.option("--no-copy", is_flag=True, help="Do not run the post-backup copies.")
@click.option(
    "--capacity",
    type=BoundedInt(1, MediaType.VIRTUAL.max_capacity >> 20),
    default=64,
    show_default=True,
    help="Size of each new virtual cartridge, MiB (at most 1 PiB).",
)
@lab_option
@common
def backup(
    *,
    paths: tuple[Path, ...],
    specification: str,
    host: str | None,
    no_copy: bool,
    capacity: int,
    lab: Path,
) -> None:
    """Back up PATHS (files and directories) onto new virtual cartridges of the lab.

    Then, unless --no-copy, the post-backup copies bound to the specification run
    (by default backups of `daily` are copied to pool Vault). Exit 1 if the backup or
    a copy failed.
    """
    out = output()
    owner = host or socket.gethostname() or "localhost"
    items = items_of(paths, owner)
    with opened_lab(lab) as plab, bars(out) as progress:
        site = plab.lab.site
        writer = BackupWriter(site, specification=specification, capacity=capacity << 20)
        bar = progress.add("backing up", None)
        counted = [attrs.evolve(i, source=progress.counting(bar, i.source)) for i in items]
        result = writer.run(None, counted)
        reports: list[CopyReport] = []
        if not no_copy and result.versions:
            service = CopyService(site, bindings=plab.state.bindings)
            reports = service.on_session_completed(
                result.session.id, on_event=progress.copy_sink("smart copy (post-backup)")
            )
    ok = result.ok and all(r.ok for r in reports)
    out.result(
        {
            "ok": ok,
            "backup": result,
            "copies": reports,
            "not_copied": [m for r in reports for m in r.missed],
        },
        lambda console: _render(console, result, reports),
    )
    if not ok:
        raise click.exceptions.Exit(EXIT_FAILED)


def register(group: click.Group) -> None:
    group.add_command(backup)
