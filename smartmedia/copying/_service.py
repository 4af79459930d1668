"""The three ways a copy starts — post-backup, scheduled, interactive — over one runner.

:class:`CopyService` plans with :func:`~smartmedia.planning.plan_copies`, runs with
:class:`CopyRunner`, and records each run as a copy session in the catalog (its trigger
and its status). Post-backup copies apply the :class:`CopyBinding` of the finished
session's backup specification.
"""

from __future__ import annotations

import datetime as _dt
from collections.abc import Sequence

import attrs

from smartmedia.copying._events import EventSink
from smartmedia.copying._report import CopyReport
from smartmedia.copying._resume import ResumeReport, resume
from smartmedia.copying._runner import CopyRunner
from smartmedia.copying._site import Site
from smartmedia.errors import ValidationError
from smartmedia.model import (
    Barcode,
    CopyTrigger,
    MediumId,
    Session,
    SessionId,
    SessionStatus,
    SessionType,
)
from smartmedia.model import _validators as v
from smartmedia.planning import CopyPlan, CopyPolicy, Selection, plan_copies, replan

__all__ = ["CopyBinding", "CopyService"]


@attrs.frozen(kw_only=True)
class CopyBinding:
    """Copy what backups of ``specification`` write, under ``policy``, when they end."""

    specification: str = attrs.field(validator=v.text(max_length=128))
    policy: CopyPolicy = attrs.field(validator=v.instance_of(CopyPolicy))


class CopyService:
    """Plans and runs copies on ``site``; see the module docstring."""

    def __init__(
        self,
        site: Site,
        *,
        bindings: Sequence[CopyBinding] = (),
        read_back: bool = False,
        retries: int = 2,
    ) -> None:
        self.site = site
        self.bindings = tuple(bindings)
        for i, binding in enumerate(self.bindings):
            if not isinstance(binding, CopyBinding):
                raise ValidationError(
                    f"expected a CopyBinding, got {binding!r}", path=f"bindings[{i}]"
                )
        self.runner = CopyRunner(site, read_back=read_back, retries=retries)

    def plan(self, selection: Selection, policy: CopyPolicy) -> CopyPlan:
        site = self.site
        return plan_copies(
            selection, policy, site.catalog, site.inventory(), site.profiles, now=site.now()
        )

    def run(
        self,
        plan: CopyPlan,
        *,
        trigger: CopyTrigger = CopyTrigger.INTERACTIVE,
        on_event: EventSink | None = None,
    ) -> CopyReport:
        """Run ``plan`` and record the run as a copy session."""
        report = self.runner.run(plan, on_event=on_event)
        session = self._record(report, trigger, plan.policy.target_pool)
        return attrs.evolve(report, trigger=trigger, session=session)

    def copy(
        self,
        selection: Selection,
        policy: CopyPolicy,
        *,
        trigger: CopyTrigger,
        on_event: EventSink | None = None,
    ) -> CopyReport:
        """Plan and run the copies ``selection`` asks for under ``policy``."""
        return self.run(self.plan(selection, policy), trigger=trigger, on_event=on_event)

    def copy_media(
        self,
        media: Sequence[MediumId | Barcode],
        policy: CopyPolicy,
        *,
        on_event: EventSink | None = None,
    ) -> CopyReport:
        """Interactive copies of exactly these media (by ID or barcode)."""
        ids = tuple(m for m in media if isinstance(m, MediumId))
        barcodes = tuple(m for m in media if isinstance(m, Barcode))
        if len(ids) + len(barcodes) != len(media):
            raise ValidationError("media are given by MediumId or Barcode", path="media")
        selection = Selection.explicit(media=ids, barcodes=barcodes)
        return self.copy(selection, policy, trigger=CopyTrigger.INTERACTIVE, on_event=on_event)

    def on_session_completed(
        self, session_id: SessionId, *, on_event: EventSink | None = None
    ) -> list[CopyReport]:
        """Post-backup copies: every binding of the session's specification, in order."""
        session = self.site.catalog.session(session_id)
        reports = []
        for binding in self.bindings:
            if binding.specification == session.specification:
                reports.append(
                    self.copy(
                        Selection.of_sessions(session_id),
                        binding.policy,
                        trigger=CopyTrigger.POST_BACKUP,
                        on_event=on_event,
                    )
                )
        return reports

    def resume(
        self, *, policy: CopyPolicy | None = None, on_event: EventSink | None = None
    ) -> tuple[ResumeReport, CopyReport | None]:
        """Settle what a crashed run left reserved; with ``policy``, copy again what was
        released."""
        settled = resume(self.site)
        if policy is None or not settled.released:
            return settled, None
        plan = self.plan(Selection.explicit(media=tuple(dict.fromkeys(settled.released))), policy)
        return settled, self.run(plan, trigger=CopyTrigger.INTERACTIVE, on_event=on_event)

    def replan(self, plan: CopyPlan, done: Sequence[MediumId]) -> CopyPlan:
        site = self.site
        return replan(
            plan, site.catalog, site.inventory(), site.profiles, now=site.now(), done=done
        )

    def _record(self, report: CopyReport, trigger: CopyTrigger, specification: str) -> SessionId:
        catalog = self.site.catalog
        started = report.started
        day = started.astimezone(_dt.timezone.utc).date()
        numbers = [
            s.id.number
            for s in catalog.sessions(since=_dt.datetime.combine(day, _dt.time(), _dt.timezone.utc))
            if s.id.date == day
        ]
        session_id = SessionId(date=day, number=max(numbers, default=0) + 1)
        if not report.outcomes or report.ok:
            status = SessionStatus.COMPLETED
        elif report.committed:
            status = SessionStatus.COMPLETED_ERRORS
        else:
            status = SessionStatus.FAILED
        catalog.record_session(
            Session(
                id=session_id,
                type=SessionType.COPY,
                status=status,
                started=started,
                ended=max(report.finished, started),
                specification=specification[:128],
                trigger=trigger,
            )
        )
        return session_id
