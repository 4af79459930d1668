"""``schedule``: scheduled copies of a lab — add, remove, list, and run those due."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import click
from rich.console import Console

from smartmedia.cli._app import EXIT_FAILED, common, output
from smartmedia.cli._backupcmd import render_copy
from smartmedia.cli._common import lab_option, opened_lab, parse_duration
from smartmedia.cli._lab import PersistentLab
from smartmedia.cli._output import duration, table, when
from smartmedia.cli._progress import bars
from smartmedia.cli._selection import policy_options, selection_options, split
from smartmedia.copying import (
    CopyReport,
    CopyService,
    Schedule,
    ScheduledCopy,
    ScheduledCopyFailed,
    ScheduleKind,
    Scheduler,
)
from smartmedia.errors import ValidationError

__all__ = ["register"]


def describe(schedule: Schedule) -> str:
    if schedule.kind is ScheduleKind.CRON:
        return f"cron '{schedule.expression}' ({schedule.tz})"
    assert schedule.interval is not None
    assert schedule.start is not None
    return f"every {duration(schedule.interval.total_seconds())} from {when(schedule.start)}"


def _scheduler(plab: PersistentLab, service: CopyService) -> Scheduler[CopyReport]:
    return Scheduler(service, list(plab.state.schedules), plab.scheduler_state())


def _jobs(plab: PersistentLab) -> list[dict[str, Any]]:
    scheduler = _scheduler(plab, CopyService(plab.lab.site))
    now = plab.now()
    due = {job.name for job in scheduler.due(now)}
    rows = []
    for (name, next_run), job in zip(scheduler.next_runs(now), scheduler.jobs, strict=True):
        record = scheduler.state.get(name)
        rows.append(
            {
                "job": job,
                "next_run": next_run,
                "due": name in due,
                "last_started": None if record is None else record.started,
                "last_status": None
                if record is None or record.status is None
                else record.status.value,
                "last_error": None if record is None else record.error,
            }
        )
    return rows


def _render_jobs(console: Console, rows: list[dict[str, Any]], now: Any) -> None:
    console.print(
        table(
            f"Scheduled copies (virtual time {when(now)} UTC)",
            ["name", "when", "target pool", "next run", "last run", "status"],
            [
                (
                    r["job"].name,
                    describe(r["job"].schedule),
                    r["job"].policy.target_pool,
                    "due now" if r["due"] else when(r["next_run"]),
                    when(r["last_started"]),
                    r["last_status"],
                )
                for r in rows
            ],
        )
    )


@click.group()
def schedule() -> None:
    """Scheduled copies: add, remove, list, and run those that are due."""


@schedule.command(name="list")
@lab_option
@common
def list_(lab: Path) -> None:
    """Every scheduled copy, when it runs next, and how its last run ended."""
    out = output()
    with opened_lab(lab) as plab:
        rows = _jobs(plab)
        now = plab.now()
    out.result({"now": now, "jobs": rows}, lambda console: _render_jobs(console, rows, now))


@schedule.command()
@click.argument("name")
@click.option("--cron", "expression", metavar="EXPR", help="Cron expression, e.g. '0 2 * * *'.")
@click.option("--tz", default="UTC", show_default=True, help="Time zone of the cron expression.")
@click.option("--every", metavar="DURATION", help="Run at this interval from now, e.g. 6h.")
@selection_options
@policy_options
@lab_option
@common
def add(
    name: str, expression: str | None, tz: str, every: str | None, lab: Path, **options: Any
) -> None:
    """Add the scheduled copy NAME: when (--cron or --every), what, and how.

    Without a selection it copies every original that has fewer copies than
    --copies (what is not copied yet).
    """
    out = output()
    if (expression is None) == (every is None):
        raise click.UsageError("give exactly one of --cron and --every")
    if not any(
        options[k] for k in ("media", "sessions", "pools", "objects", "label_pattern", "older_than")
    ):
        options["not_copied"] = True
    selection, policy = split(options)
    with opened_lab(lab) as plab:
        if any(job.name == name for job in plab.state.schedules):
            raise ValidationError(f"a scheduled copy named {name!r} exists", path="name")
        if expression is not None:
            when_ = Schedule.cron(expression, tz=tz)
        else:
            assert every is not None
            when_ = Schedule.every(parse_duration(every, path="every"), start=plab.now())
        job = ScheduledCopy(name=name, schedule=when_, selection=selection, policy=policy)
        plab.update(schedules=(*plab.state.schedules, job))
        next_run = when_.next_run(plab.now())
    out.result(
        {"job": job, "next_run": next_run},
        lambda console: console.print(
            f"added {name}: {describe(when_)}; next run {when(next_run)} UTC"
        ),
    )


@schedule.command()
@click.argument("name")
@lab_option
@common
def remove(name: str, lab: Path) -> None:
    """Remove the scheduled copy NAME."""
    out = output()
    with opened_lab(lab) as plab:
        kept = tuple(job for job in plab.state.schedules if job.name != name)
        if len(kept) == len(plab.state.schedules):
            raise ValidationError(f"no scheduled copy named {name!r}", path="name")
        plab.update(schedules=kept)
    out.result({"removed": name}, lambda console: console.print(f"removed {name}"))


@schedule.command()
@click.option(
    "--wait",
    is_flag=True,
    help="If nothing is due, let virtual time pass until the next run, then run it.",
)
@lab_option
@common
def run(wait: bool, lab: Path) -> None:
    """Run every scheduled copy that is due now (each once, however late).

    Exit 1 if a copy failed.
    """
    out = output()
    with opened_lab(lab) as plab, bars(out) as progress:
        service = CopyService(plab.lab.site)
        scheduler = _scheduler(plab, service)
        if not scheduler.jobs:
            raise ValidationError(
                "the lab has no scheduled copies (add one with `schedule add`)", path="schedule"
            )
        if wait and not scheduler.due(plab.now()):
            scheduler.run_due(plab.now())  # jobs seen for the first time are recorded
            upcoming = min(when_ for _, when_ in scheduler.next_runs(plab.now()))
            seconds = (upcoming - plab.now()).total_seconds()
            if seconds > 0:
                out.note(f"waiting {duration(seconds)} of virtual time until {when(upcoming)} UTC")
                plab.lab.clock.sleep(seconds)
        failures: list[tuple[str, str]] = []
        try:
            ran = scheduler.run_due(plab.now(), on_event=progress.copy_sink("scheduled copies"))
        except ScheduledCopyFailed as error:
            ran = [(n, r) for n, r in error.reports if isinstance(r, CopyReport)]
            failures = [(n, f"{type(e).__name__}: {e}") for n, e in error.failures]
        now = plab.now()
    ok = not failures and all(r.ok for _, r in ran)

    def render(console: Console) -> None:
        if not ran and not failures:
            console.print(f"nothing due at {when(now)} UTC")
        for name, report in ran:
            render_copy(console, report, name)
        for name, reason in failures:
            console.print(f"{name} failed: {reason}", markup=False)

    out.result(
        {
            "ok": ok,
            "now": now,
            "ran": [{"name": n, "report": r} for n, r in ran],
            "failed": [{"name": n, "error": e} for n, e in failures],
        },
        render,
    )
    if not ok:
        raise click.exceptions.Exit(EXIT_FAILED)


def register(group: click.Group) -> None:
    group.add_command(schedule)
