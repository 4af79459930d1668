"""Tables shared by several commands: sessions, media and their copies, where tapes are,
copy reports and plans."""

from __future__ import annotations

from collections.abc import Iterable, Sequence

from rich.table import Table

from smartmedia.catalog import CatalogView
from smartmedia.cli._output import duration, size, table, when, words
from smartmedia.copying import CopyReport
from smartmedia.model import Medium, Session
from smartmedia.planning import CopyPlan

__all__ = [
    "copies_table",
    "media_table",
    "plan_table",
    "report_table",
    "sessions_table",
    "tapes_table",
]


def sessions_table(sessions: Iterable[Session], title: str | None = "Sessions") -> Table:
    return table(
        title,
        ["session", "type", "trigger", "status", "specification", "started", "ended"],
        [
            (
                str(s.id),
                s.type.value,
                words(s.trigger.value) if s.trigger is not None else None,
                words(s.status.value),
                s.specification or None,
                when(s.started),
                when(s.ended),
            )
            for s in sessions
        ],
    )


def _names(media: Sequence[Medium]) -> dict[object, str]:
    return {m.id: m.label for m in media}


def media_table(
    media: Sequence[Medium], title: str | None = "Media and their copies", *, all_ids: bool = False
) -> Table:
    """Originals first, each followed by its copies (``copy of`` names the original)."""
    labels = _names(media)
    ordered = sorted(
        media,
        key=lambda m: (
            labels.get(m.original, "") if m.original else m.label,
            m.original is not None,
        ),
    )
    return table(
        title,
        ["label", "barcode", "medium ID", "pool", "type", "used", "state", "copy of"],
        [
            (
                m.label,
                str(m.barcode) if m.barcode else None,
                str(m.id),
                m.pool,
                m.media_type.value,
                size(m.bytes_used),
                words(m.state.value),
                (labels.get(m.original) or str(m.original)) if m.original else None,
            )
            for m in ordered
        ],
    )


def tapes_table(
    rows: Iterable[tuple[str, str, str, str]], title: str | None = "Where each tape is"
) -> Table:
    """``(barcode, label, recorded location, found in the library)`` rows."""
    return table(title, ["barcode", "label", "catalog says", "library holds it in"], rows)


def copies_table(
    catalog: CatalogView, media: Sequence[Medium], title: str | None = "Copies"
) -> Table:
    labels = _names(media)
    rows = []
    for medium in media:
        if medium.original is not None:
            continue
        for record in catalog.copies_of(medium.id):
            rows.append(
                (
                    labels.get(record.original, str(record.original)),
                    labels.get(record.copy, str(record.copy)),
                    str(record.copy),
                    record.generation,
                    record.job,
                    when(record.recorded_at),
                )
            )
    return table(
        title, ["original", "copy", "copy medium ID", "generation", "job", "recorded"], rows
    )


def report_table(report: CopyReport, title: str | None = None) -> Table:
    rows = []
    for outcome in report.outcomes:
        task = report.plan.task_for(outcome.source)
        rows.append(
            (
                task.source_label if task else str(outcome.source),
                ", ".join(str(b) for b in outcome.targets) or None,
                outcome.state.value,
                size(outcome.bytes),
                outcome.attempts,
                outcome.digest,
                outcome.reason or None,
            )
        )
    seconds = (report.finished - report.started).total_seconds()
    heading = title or (
        f"Copy session {report.session or '-'}: {len(report.committed)} of "
        f"{len(report.outcomes)} copied, {size(report.bytes)} in {duration(seconds)} (virtual)"
    )
    return table(
        heading, ["source", "targets", "state", "bytes", "attempts", "digest", "reason"], rows
    )


def plan_table(plan: CopyPlan) -> Table:
    s = plan.summary
    rows = [
        (
            t.order,
            t.source_label,
            str(t.source_barcode) if t.source_barcode else None,
            ", ".join(str(p.barcode) for p in t.targets),
            f"{t.drive} (#{t.drive_ordinal})",
            size(t.bytes),
            duration(t.start),
            duration(t.end),
        )
        for t in plan.tasks
    ]
    heading = (
        f"Copy plan into pool {plan.policy.target_pool}: {s.sources} media, {size(s.bytes)}, "
        f"{s.drives} drives, predicted {duration(s.makespan)} "
        f"(lower bound {duration(s.lower_bound)}, gap {s.gap:.1%})"
    )
    return table(
        heading, ["#", "source", "barcode", "targets", "drive", "bytes", "start", "end"], rows
    )


def unplaced_table(plan: CopyPlan) -> Table:
    return table(
        "Not planned",
        ["medium", "barcode", "reason", "detail"],
        [
            (
                str(u.medium) if u.medium else None,
                str(u.barcode) if u.barcode else None,
                u.reason.value,
                u.detail,
            )
            for u in plan.unplaced
        ],
    )
