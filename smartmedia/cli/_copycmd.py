"""``plan`` and ``copy``: plan smart copies, save a plan as JSON, run a plan or a selection."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import click
from rich.console import Console

from smartmedia._fs import read_regular, write_regular
from smartmedia.cli._app import EXIT_FAILED, common, output
from smartmedia.cli._backupcmd import render_copy
from smartmedia.cli._common import lab_option, opened_lab
from smartmedia.cli._progress import bars
from smartmedia.cli._selection import policy_options, selection_options, split
from smartmedia.cli._views import plan_table, unplaced_table
from smartmedia.copying import CopyReport, CopyService
from smartmedia.errors import ValidationError
from smartmedia.model import CopyTrigger
from smartmedia.planning import CopyPlan
from smartmedia.serialization import from_json, to_json

__all__ = ["register"]

#: The largest plan file read (a plan of thousands of media is a few megabytes).
PLAN_LIMIT = 64 << 20


def render_plan(console: Console, plan: CopyPlan, *, explain: bool) -> None:
    if explain:
        console.print(plan.explain(), markup=False, highlight=False)
        return
    console.print(plan_table(plan))
    if plan.unplaced:
        console.print(unplaced_table(plan))


def render_report(console: Console, report: CopyReport) -> None:
    render_copy(console, report)


def _selects(options: dict[str, Any]) -> bool:
    keys = ("media", "sessions", "pools", "objects", "label_pattern", "older_than", "not_copied")
    return any(options[k] for k in keys)


def load_plan(path: Path) -> CopyPlan:
    text = read_regular(path, what="plan file", field="plan", limit=PLAN_LIMIT)
    try:
        return from_json(text, CopyPlan)
    except ValidationError as error:
        raise ValidationError(f"{path} is not a copy plan: {error}", path="plan") from None


@click.command()
@selection_options
@policy_options
@click.option(
    "--save",
    type=click.Path(dir_okay=False, path_type=Path),
    help="Write the plan as JSON to this file (for `copy --plan`).",
)
@click.option("--explain", is_flag=True, help="Every decision of the plan, in words.")
@lab_option
@common
def plan(save: Path | None, explain: bool, lab: Path, **options: Any) -> None:
    """Plan smart copies of the selected media (nothing is copied).

    Without a selection every original is a candidate; --not-copied keeps those with
    fewer copies than --copies.
    """
    out = output()
    selection, policy = split(options)
    with opened_lab(lab) as plab:
        made = CopyService(plab.lab.site).plan(selection, policy)
    if save is not None:
        write_regular(
            save, (to_json(made, indent=2) + "\n").encode(), what="plan file", field="save"
        )
        out.note(f"plan saved to {save}")
    if out.json:
        out.result({"plan": made, "explanation": made.explain() if explain else None})
    else:
        render_plan(out.console, made, explain=explain)


@click.command()
@click.option(
    "--plan",
    "plan_file",
    type=click.Path(exists=True, dir_okay=False, path_type=Path),
    help="Run this saved plan (from `plan --save`) instead of planning now.",
)
@selection_options
@policy_options
@click.option(
    "--read-back", is_flag=True, help="Also read every copy back in full before recording it."
)
@lab_option
@common
def copy(plan_file: Path | None, read_back: bool, lab: Path, **options: Any) -> None:
    """Copy the selected media (or run a saved plan) now: interactive smart copies.

    Exit 1 if a copy failed; copies that failed are not recorded.
    """
    out = output()
    if plan_file is not None and _selects(options):
        raise click.UsageError("--plan runs a saved plan: give no selection with it")
    selection, policy = split(options)
    with opened_lab(lab) as plab, bars(out) as progress:
        service = CopyService(plab.lab.site, read_back=read_back)
        sink = progress.copy_sink("smart copy")
        if plan_file is not None:
            report = service.run(
                load_plan(plan_file), trigger=CopyTrigger.INTERACTIVE, on_event=sink
            )
        else:
            report = service.copy(selection, policy, trigger=CopyTrigger.INTERACTIVE, on_event=sink)
    out.result({"ok": report.ok, "report": report}, lambda console: render_report(console, report))
    if not report.ok:
        raise click.exceptions.Exit(EXIT_FAILED)


def register(group: click.Group) -> None:
    group.add_command(plan)
    group.add_command(copy)
