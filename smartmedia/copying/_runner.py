"""The copy runner: carries out a plan on a VLS, verifies, and records copies.

For each task: check the target against the target library's inventory and the catalog
(a cartridge the library does not hold in a storage slot, or a barcode the catalog gives
to a medium elsewhere, is refused before anything is recorded); reserve source and
target in the catalog (one transaction, so two runners can never take the same medium,
and the write side is held before anything is read);
take the source's digest by reading it through a virtual drive; start the copy on the
VLS; wait; check the digest the VLS reports against the source's (and, with
``read_back``, read the target back); then record the copy in one transaction — a new
medium with its own ID and label, linked to its original, holding the original's object
versions. A failure releases the reservation and records nothing of the copy; a medium
error on a target marks that cartridge poor and the copy is retried on another target; a
drive or stream failure is retried; a source that cannot be read fails its task only.

Never overwrite what the catalog does not release: each order carries what the catalog
releases on its target (:class:`~smartmedia.format.Overwrite`: the cartridge's scratch
record, and the sources of released copies onto it, whose unfinished bytes hold nothing
the catalog keeps). The VLS reads the target's first block and refuses anything else. A
refused target is recorded as holding data the catalog does not know — non-appendable,
0 bytes known, protected permanently — so no planner picks it again and no recycling
frees it; only :func:`~smartmedia.copying.initialize_medium` with ``force`` does. The
task moves on to another target; refusals do not count against ``retries`` (each costs
a target, so they end).
"""

from __future__ import annotations

import contextlib
import datetime as _dt
from collections import deque

import attrs

from smartmedia.catalog import CopyJob, CopyJobState
from smartmedia.copying._events import (
    Committed,
    EventSink,
    Retried,
    TaskFailed,
    TaskStarted,
    Verified,
)
from smartmedia.copying._report import CopyReport, OutcomeState, TaskOutcome
from smartmedia.copying._site import Site
from smartmedia.copying._verify import copy_medium, digest_text, read_back, source_digest
from smartmedia.devices import CopyHandle, CopyOrder, CopyResult, CopyState
from smartmedia.errors import (
    CatalogError,
    ConflictError,
    DeviceError,
    FormatError,
    SmartMediaError,
    ValidationError,
    VerificationFailed,
)
from smartmedia.format import CopyIdentity, Overwrite
from smartmedia.model import (
    Barcode,
    Location,
    Medium,
    MediumCondition,
    MediumId,
    MediumState,
    Protection,
)
from smartmedia.planning import (
    AfterCopy,
    CopyPlan,
    CopyPolicy,
    CopyTask,
    Selection,
    TargetPiece,
    plan_copies,
)

__all__ = ["CopyRunner"]


@attrs.define
class _Context:
    """The state of one run: its policy, the copies in flight, the outcomes so far."""

    policy: CopyPolicy
    emit: EventSink
    running: dict[CopyHandle, _Running] = attrs.field(factory=dict)
    outcomes: dict[MediumId, TaskOutcome] = attrs.field(factory=dict)
    refused: set[Barcode] = attrs.field(factory=set)


@attrs.define
class _Running:
    task: CopyTask
    source: Medium
    job: CopyJob
    copy_id: MediumId
    label: str
    digest: int
    attempt: int
    started: _dt.datetime
    refusals: int = 0


class CopyRunner:
    """Runs copy plans on ``site``.

    ``read_back`` also reads every target back through a drive of its library (where the
    site can reach it). ``retries`` bounds the extra attempts per task. ``poll_seconds``
    is how long each wait on the VLS lasts (device clock) before the runner looks again
    (> 0, so that every look lets time pass). ``stall_seconds`` is the watchdog: when no
    copy in flight changes state or copies a byte for that long (device clock), they are
    cancelled and their tasks fail — a VLS that stops answering never holds a run, or its
    reservations, for ever.
    """

    def __init__(
        self,
        site: Site,
        *,
        read_back: bool = False,
        retries: int = 2,
        poll_seconds: float = 30.0,
        stall_seconds: float = 86_400.0,
    ) -> None:
        if not isinstance(site, Site):
            raise ValidationError(f"expected a Site, got {type(site).__name__}", path="site")
        if type(retries) is not int or retries < 0:
            raise ValidationError(f"retries must be an integer >= 0, not {retries!r}")
        for name, value in (("poll_seconds", poll_seconds), ("stall_seconds", stall_seconds)):
            if (
                isinstance(value, bool)
                or not isinstance(value, int | float)
                or not 0 < value < 1e9  # also refuses NaN
            ):
                raise ValidationError(
                    f"{name} must be a number of seconds > 0 and < 1e9, not {value!r}", path=name
                )
        self.stall_seconds = float(stall_seconds)
        self.site = site
        self.read_back = read_back
        self.retries = retries
        self.poll_seconds = poll_seconds
        self._cancelled = False
        self._digests: dict[MediumId, int] = {}
        #: target medium -> sources of released copy jobs onto it (read once per run)
        self._released: dict[MediumId, set[MediumId]] | None = None

    def cancel(self) -> None:
        """Stop: running copies are cancelled on the VLS, queued tasks are not started;
        nothing half-done is recorded."""
        self._cancelled = True

    # ------------------------------------------------------------------------------ run

    def run(self, plan: CopyPlan, *, on_event: EventSink | None = None) -> CopyReport:
        """Carry out ``plan``; the report has one outcome per task, in plan order."""
        if not isinstance(plan, CopyPlan):
            raise ValidationError(f"expected a CopyPlan, got {type(plan).__name__}", path="plan")
        self._cancelled = False
        self._released = None
        emit = on_event or (lambda _event: None)
        started = self.site.now()
        queue = deque(plan.tasks)
        ctx = _Context(plan.policy, emit)
        running, outcomes = ctx.running, ctx.outcomes
        limit = max(1, len({t.drive for t in plan.tasks}))
        seen: tuple[tuple[str, CopyState, int], ...] = ()
        moved = self.site.now()
        while queue or running:
            if self._cancelled:
                self._cancel_all(running, queue, outcomes)
                break
            while queue and len(running) < limit:
                self._launch(ctx, queue.popleft(), 1)
            if not running:
                continue
            results = self.site.vls.wait(list(running), timeout=self.poll_seconds)
            now_seen = tuple((r.handle.value, r.state, r.bytes_copied) for r in results)
            if now_seen != seen:
                seen, moved = now_seen, self.site.now()
            elif (self.site.now() - moved).total_seconds() >= self.stall_seconds:
                self._stalled(ctx)
                seen, moved = (), self.site.now()
                continue
            for result in results:
                if result.state.is_finished:
                    self._finished(ctx, running.pop(result.handle), result)
        ordered = tuple(outcomes[t.source] for t in plan.tasks if t.source in outcomes)
        return CopyReport(plan=plan, outcomes=ordered, started=started, finished=self.site.now())

    # ---------------------------------------------------------------------------- steps

    def _launch(self, ctx: _Context, task: CopyTask, attempt: int, refusals: int = 0) -> None:
        """Check the target, reserve, take the source's digest, start the copy; or record
        why not."""
        policy, emit = ctx.policy, ctx.emit
        now = self.site.now()
        catalog = self.site.catalog
        job: CopyJob | None = None
        try:
            if len(task.targets) != 1:
                raise ValidationError(
                    f"the source needs {len(task.targets)} targets; a VLS copies one "
                    "cartridge onto one target (plan without spanning)"
                )
            source = catalog.medium(task.source)
            piece = task.targets[0]
            if source.barcode is None or source.location.library is None:
                raise ValidationError(f"source {source.id} has no barcode or library")
            self._check_target(piece)
            target_id, copy_id, label = self._target_record(piece, policy, now)
            job = catalog.reserve_copy(source.id, [target_id], at=now)
            digest = self._source_digest(source)
            identity = CopyIdentity(
                medium_id=copy_id,
                label=label,
                barcode=piece.barcode,
                media_type=piece.media_type,
                pool=policy.target_pool,
            )
            order = CopyOrder(
                source_library=source.location.library,
                source=source.barcode,
                target_library=self.site.target_library,
                target=piece.barcode,
                identity=identity,
                overwrite=self._released_on(piece.barcode),
            )
            handle = self.site.vls.start_copy(order)
        except (SmartMediaError, OSError) as error:
            reason = _reason(error)
            if job is not None:
                self._release(job, reason)
            ctx.outcomes[task.source] = TaskOutcome(
                source=task.source,
                state=OutcomeState.FAILED,
                targets=tuple(p.barcode for p in task.targets),
                attempts=attempt,
                reason=reason,
                started=now,
                finished=self.site.now(),
            )
            emit(TaskFailed(at=self.site.now(), source=task.source, reason=reason))
            return
        ctx.running[handle] = _Running(
            task, source, job, copy_id, label, digest, attempt, now, refusals
        )
        emit(
            TaskStarted(
                at=now,
                source=source.id,
                targets=(piece.barcode,),
                bytes=task.bytes,
                attempt=attempt,
            )
        )

    def _check_target(self, piece: TargetPiece) -> None:
        """Refuse a target the target library does not hold in a storage slot, one whose
        cartridge is not what the plan says, or a barcode the catalog gives to a medium in
        another library — before anything is allocated, reserved or recorded."""
        name = self.site.target_library
        barcode = piece.barcode
        slot = next(
            (
                s
                for s in self.site.library(name).inventory().slots
                if s.cartridge is not None and s.cartridge.barcode == barcode
            ),
            None,
        )
        if slot is None or slot.cartridge is None:
            raise ValidationError(
                f"target {barcode} is not in a storage slot of library {name}", path="target"
            )
        if slot.cartridge.media_type is not piece.media_type:
            raise ValidationError(
                f"target {barcode} is {slot.cartridge.media_type} media, the plan says "
                f"{piece.media_type}",
                path="target",
            )
        if slot.cartridge.write_protected:
            raise ValidationError(f"target {barcode} is write protected", path="target")
        for medium in self.site.catalog.media_with_barcode(barcode):
            where = medium.location.library
            if where is not None and where != name:
                raise ValidationError(
                    f"barcode {barcode} names medium {medium.id} in library {where}; "
                    f"it cannot be a target in {name}",
                    path="target",
                )
            if medium.state.holds_data:
                raise ConflictError(
                    f"copy target {barcode} holds medium {medium.id} ({medium.state.value}); "
                    "recycle or initialise it first"
                )

    def _released_on(self, barcode: Barcode) -> Overwrite:
        """What the catalog releases on cartridge ``barcode``: its scratch records, and
        the sources of released copy jobs onto them (their unfinished copies)."""
        catalog = self.site.catalog
        name = self.site.target_library
        scratch = {
            m.id
            for m in catalog.media_with_barcode(barcode)
            if not m.state.holds_data and m.location.library in (name, None)
        }
        if self._released is None:
            self._released = {}
            for job in catalog.copy_jobs(state=CopyJobState.RELEASED):
                for target in job.targets:
                    self._released.setdefault(target, set()).add(job.source)
        sources = {s for m in scratch for s in self._released.get(m, ())}
        return Overwrite(media=tuple(scratch), copies_of=tuple(sources))

    def _target_record(
        self, piece: TargetPiece, policy: CopyPolicy, now: _dt.datetime
    ) -> tuple[MediumId, MediumId, str]:
        """The catalog medium of the target cartridge (recorded now if it was unknown),
        and the medium ID and label the copy gets."""
        catalog = self.site.catalog
        known = [
            m
            for m in catalog.media_with_barcode(piece.barcode)
            if m.location.library == self.site.target_library or not m.location.is_in_library
        ]
        allocation = catalog.allocate(policy.target_pool)
        if known:
            target = known[0]
            label = target.label if target.pool == policy.target_pool else allocation.label
            return target.id, allocation.medium, label
        catalog.add_medium(
            Medium(
                id=allocation.medium,
                label=allocation.label,
                media_type=piece.media_type,
                pool=policy.target_pool,
                capacity=piece.capacity,
                formatted_at=now,
                barcode=piece.barcode,
                state=MediumState.BLANK,
                location=self._location_of(piece.barcode) or Location.unknown(),
            )
        )
        return allocation.medium, allocation.medium, allocation.label

    def _source_digest(self, source: Medium) -> int:
        known = self._digests.get(source.id)
        if known is None:
            assert source.barcode is not None
            assert source.location.library is not None
            library = self.site.library(source.location.library)
            known = source_digest(library, source.barcode).digest
            self._digests[source.id] = known
        return known

    def _finished(self, ctx: _Context, run: _Running, result: CopyResult) -> None:
        policy, emit, outcomes = ctx.policy, ctx.emit, ctx.outcomes
        source = run.source
        if result.state is CopyState.CANCELLED:
            self._release(run.job, "cancelled")
            outcomes[source.id] = self._outcome(run, OutcomeState.CANCELLED, "cancelled")
            return
        try:
            if result.state is not CopyState.COMPLETED:
                raise _CopyError(
                    result.error or "the copy failed",
                    result.faulty_medium,
                    refused=result.refused_target,
                )
            if result.digest is None:
                raise VerificationFailed(
                    "the VLS reported no digest for the copy: it cannot be verified"
                )
            if result.digest != run.digest:
                raise VerificationFailed(
                    f"the copy has digest {digest_text(result.digest)}, "
                    f"the source {digest_text(run.digest)}"
                )
            barcode = run.task.targets[0].barcode
            if self.read_back:
                read_back(
                    self.site.library(self.site.target_library),
                    barcode,
                    source=source.id,
                    digest=run.digest,
                )
            emit(
                Verified(
                    at=self.site.now(),
                    source=source.id,
                    digest=digest_text(run.digest),
                    read_back=self.read_back,
                )
            )
            copy = self._commit(run, policy)
        except (SmartMediaError, _CopyError) as error:
            self._failed(ctx, run, error)
            return
        outcomes[source.id] = TaskOutcome(
            source=source.id,
            state=OutcomeState.COMMITTED,
            copies=(copy.id,),
            targets=(barcode,),
            bytes=source.bytes_used,
            digest=digest_text(run.digest),
            attempts=run.attempt,
            started=run.started,
            finished=self.site.now(),
        )
        emit(Committed(at=self.site.now(), source=source.id, copies=(copy.id,)))
        self._after_copy(copy, policy)

    def _commit(self, run: _Running, policy: CopyPolicy) -> Medium:
        piece = run.task.targets[0]
        target = self.site.catalog.medium(run.job.targets[0])
        now = self.site.now()
        copy = copy_medium(
            run.source,
            target,
            medium_id=run.copy_id,
            label=run.label,
            media_type=piece.media_type,
            pool=policy.target_pool,
            protection=policy.protection or run.source.protection,
            location=self._location_of(piece.barcode) or target.location,
            now=now,
        )
        self.site.catalog.complete_copy(
            run.job.id, [copy], verified=True, digest=digest_text(run.digest), at=now
        )
        return copy

    def _failed(self, ctx: _Context, run: _Running, error: BaseException) -> None:
        policy, emit, outcomes = ctx.policy, ctx.emit, ctx.outcomes
        reason = _reason(error)
        self._release(run.job, reason)
        source = run.source
        faulty = error.faulty_medium if isinstance(error, _CopyError) else None
        refused = isinstance(error, _CopyError) and error.refused
        barcode = run.task.targets[0].barcode
        target_fault = faulty is not None and faulty == barcode
        source_fault = faulty is not None and faulty == source.barcode
        refusals = run.refusals + refused
        if refused:
            ctx.refused.add(barcode)
            self._mark_refused(run.job.targets[0])
        elif target_fault:
            self._mark_poor(run.job.targets[0])
        if source_fault or run.attempt - refusals > self.retries:
            outcomes[source.id] = self._outcome(run, OutcomeState.FAILED, reason)
            emit(TaskFailed(at=self.site.now(), source=source.id, reason=reason))
            return
        emit(Retried(at=self.site.now(), source=source.id, reason=reason, attempt=run.attempt + 1))
        retry = self._replan(source.id, policy)
        if retry is None or any(p.barcode in ctx.refused for p in retry.targets):
            why = f"{reason}; no other target to retry on"
            outcomes[source.id] = self._outcome(run, OutcomeState.FAILED, why)
            emit(TaskFailed(at=self.site.now(), source=source.id, reason=why))
            return
        self._launch(ctx, retry, run.attempt + 1, refusals)

    def _replan(self, source: MediumId, policy: CopyPolicy) -> CopyTask | None:
        site = self.site
        plan = plan_copies(
            Selection.explicit(media=(source,)),
            policy,
            site.catalog,
            site.inventory(),
            site.profiles,
            now=site.now(),
        )
        return plan.tasks[0] if plan.tasks else None

    def _mark_poor(self, medium_id: MediumId) -> None:
        with contextlib.suppress(CatalogError):
            medium = self.site.catalog.medium(medium_id)
            self.site.catalog.update_medium(attrs.evolve(medium, condition=MediumCondition.POOR))

    def _mark_refused(self, medium_id: MediumId) -> None:
        """Record that the cartridge holds data the catalog does not know (see the module
        docstring): non-appendable with no bytes known, protected permanently."""
        with contextlib.suppress(CatalogError):
            medium = self.site.catalog.medium(medium_id)
            self.site.catalog.update_medium(
                attrs.evolve(
                    medium,
                    state=MediumState.NON_APPENDABLE,
                    bytes_used=0,
                    protection=Protection.permanent(),
                )
            )

    def _release(self, job: CopyJob, reason: str) -> None:
        # already released (or completed): nothing is half-recorded either way
        with contextlib.suppress(CatalogError):
            self.site.catalog.release_copy(job.id, reason=reason[:500], at=self.site.now())
            if self._released is not None:
                for target in job.targets:
                    self._released.setdefault(target, set()).add(job.source)

    def _outcome(self, run: _Running, state: OutcomeState, reason: str) -> TaskOutcome:
        return TaskOutcome(
            source=run.source.id,
            state=state,
            targets=tuple(p.barcode for p in run.task.targets),
            attempts=run.attempt,
            reason=reason,
            started=run.started,
            finished=self.site.now(),
        )

    def _stalled(self, ctx: _Context) -> None:
        """The watchdog fired: cancel every copy in flight, fail its task."""
        reason = f"the VLS made no progress for {self.stall_seconds:g} s; the copy was cancelled"
        for handle in ctx.running:
            with contextlib.suppress(SmartMediaError):
                self.site.vls.cancel(handle)
        for run in ctx.running.values():
            self._release(run.job, reason)
            ctx.outcomes[run.source.id] = self._outcome(run, OutcomeState.FAILED, reason)
            ctx.emit(TaskFailed(at=self.site.now(), source=run.source.id, reason=reason))
        ctx.running.clear()

    def _cancel_all(
        self,
        running: dict[CopyHandle, _Running],
        queue: deque[CopyTask],
        outcomes: dict[MediumId, TaskOutcome],
    ) -> None:
        for handle in running:
            self.site.vls.cancel(handle)
        if running:
            self.site.vls.wait(list(running))
        for run in running.values():
            self._release(run.job, "cancelled")
            outcomes[run.source.id] = self._outcome(run, OutcomeState.CANCELLED, "cancelled")
        running.clear()
        for task in queue:
            outcomes[task.source] = TaskOutcome(
                source=task.source, state=OutcomeState.CANCELLED, reason="cancelled", attempts=0
            )
        queue.clear()

    def _location_of(self, barcode: Barcode) -> Location | None:
        try:
            return self.site.library(self.site.target_library).inventory().location_of(barcode)
        except DeviceError:
            return None

    def _after_copy(self, copy: Medium, policy: CopyPolicy) -> None:
        if policy.after_copy is AfterCopy.STAY or copy.barcode is None:
            return
        library = self.site.library(self.site.target_library)
        inventory = library.inventory()
        slot = next(
            (s for s in inventory.slots if s.cartridge and s.cartridge.barcode == copy.barcode),
            None,
        )
        if slot is None:
            return
        try:
            mail = library.export(slot.address)
        except DeviceError:
            return  # the copy stays in its slot, where the catalog has it
        ordinal = next(m.ordinal for m in library.inventory().mail_slots if m.address == mail)
        where = (
            Location.in_vault(policy.vault)
            if policy.after_copy is AfterCopy.VAULT and policy.vault
            else Location.mail_slot(library.name, ordinal)
        )
        self.site.catalog.move_medium(copy.id, where)


class _CopyError(Exception):
    """A copy order that ended failed: the device's error text, and the cartridge a
    medium error lay with when the device named one."""

    def __init__(
        self, message: str, faulty_medium: Barcode | None, *, refused: bool = False
    ) -> None:
        super().__init__(message)
        self.faulty_medium = faulty_medium
        self.refused = refused


def _reason(error: BaseException) -> str:
    if isinstance(error, FormatError | DeviceError | CatalogError | VerificationFailed):
        return f"{type(error).__name__}: {error}"
    return str(error)
