"""The scheduled-copy trigger: run each scheduled copy when it is due, once.

Invariants this module keeps:

* the state file names, per job, when the job was first seen, when its latest run
  started and whether that run finished. It is replaced atomically (temporary file,
  fsync, ``os.replace``, fsync of the directory), so after a crash it holds either the
  state before a change or the state after it, never a mix;
* a run is recorded as *running* (and saved) before the copy is asked for, and as
  *finished* (and saved) after the copy returns. A run found *running* when the
  scheduler starts again was cut off by a crash: it is run again on the next call
  (the copy layer resumes what the cut-off run left, so nothing is copied twice);
* a job is due when its first slot after its latest run's start (or, never run, at or
  after the moment it was first seen) is at or before ``now``. However many slots were
  missed, it runs once, and its next slot is counted from the moment it ran
  ("catch up once");
* one scheduler at a time per state file.
"""

from __future__ import annotations

import contextlib
import datetime as _dt
import enum
import os
import tempfile
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import Generic, Protocol, TypeVar

import attrs

from smartmedia._fs import read_regular
from smartmedia.copying._events import EventSink
from smartmedia.copying._schedules import Schedule
from smartmedia.errors import CopyError, Problem, ValidationError
from smartmedia.model import CopyTrigger
from smartmedia.model import _validators as v
from smartmedia.planning import CopyPolicy, Selection
from smartmedia.serialization import from_json, to_json

__all__ = [
    "JobRecord",
    "RunStatus",
    "ScheduledCopy",
    "ScheduledCopyFailed",
    "Scheduler",
    "SchedulerState",
    "SupportsCopy",
]

UTC = _dt.timezone.utc
_MICROSECOND = _dt.timedelta(microseconds=1)

R = TypeVar("R")
R_co = TypeVar("R_co", covariant=True)


class SupportsCopy(Protocol[R_co]):
    """What the scheduler needs of a copy service (``CopyService`` is one).

    ``copy`` plans and runs the copies of the media ``selection`` picks, following
    ``policy``, records them, and returns a report. It may be called again for the same
    selection after a crash cut off an earlier call: it must then resume, not duplicate.
    """

    def copy(
        self,
        selection: Selection,
        policy: CopyPolicy,
        *,
        trigger: CopyTrigger,
        on_event: EventSink | None = None,
    ) -> R_co: ...


@attrs.frozen(kw_only=True)
class ScheduledCopy:
    """A named copy job: when (``schedule``), what (``selection``) and how (``policy``).

    ``name`` identifies the job in the scheduler's state: renaming a job starts it afresh.
    """

    name: str = attrs.field(validator=v.text(max_length=128))
    schedule: Schedule = attrs.field(validator=v.instance_of(Schedule))
    selection: Selection = attrs.field(validator=v.instance_of(Selection))
    policy: CopyPolicy = attrs.field(validator=v.instance_of(CopyPolicy))


class RunStatus(enum.Enum):
    """Where the latest run of a job got to."""

    RUNNING = "running"  # started; still running, or cut off by a crash
    FINISHED = "finished"  # the copy returned a report
    FAILED = "failed"  # the copy raised; see the record's error


@attrs.frozen(kw_only=True)
class JobRecord:
    """What the scheduler remembers of one job (times in UTC).

    ``seen`` is when the scheduler first saw the job; ``started`` when its latest run
    started (``None`` before the first run) and ``status`` how that run ended; ``error``
    why it failed.
    """

    name: str = attrs.field(validator=v.text(max_length=128))
    seen: _dt.datetime = attrs.field(validator=v.aware_datetime)
    started: _dt.datetime | None = attrs.field(default=None, validator=v.optional(v.aware_datetime))
    status: RunStatus | None = attrs.field(
        default=None, validator=v.optional(v.instance_of(RunStatus))
    )
    error: str | None = attrs.field(default=None, validator=v.optional(v.instance_of(str)))

    def __attrs_post_init__(self) -> None:
        if (self.started is None) != (self.status is None):
            raise ValidationError("a run has both a start and a status, or neither", path="status")
        if (self.error is not None) != (self.status is RunStatus.FAILED):
            raise ValidationError("only a failed run has an error, and it has one", path="error")


@attrs.frozen(kw_only=True)
class _StateDocument:
    version: int
    jobs: tuple[JobRecord, ...]


class SchedulerState:
    """The durable memory of a scheduler: one :class:`JobRecord` per job name, in a small
    JSON file.

    :meth:`put` changes the memory only; :meth:`save` writes the file atomically and
    durably (it has reached the disk when ``save`` returns). The :class:`Scheduler` saves
    after every change it makes.
    """

    VERSION = 1
    #: The largest state file read: a record per job is a few hundred bytes.
    STATE_LIMIT = 16 << 20

    def __init__(self, path: str | os.PathLike[str], records: Iterable[JobRecord] = ()) -> None:
        self._path = Path(path)
        self._records: dict[str, JobRecord] = {}
        for i, record in enumerate(records):
            if not isinstance(record, JobRecord):
                raise ValidationError(f"expected a JobRecord, got {record!r}", path=f"jobs[{i}]")
            if record.name in self._records:
                raise ValidationError(f"a second record of {record.name!r}", path=f"jobs[{i}]")
            self._records[record.name] = record

    @classmethod
    def load(cls, path: str | os.PathLike[str]) -> SchedulerState:
        """The state saved at ``path``; an empty state (that saves there) when there is no
        file yet.

        Raises :class:`~smartmedia.errors.ValidationError` when the file is not a state
        file of this version, with the path of each bad field, or not a regular file (a
        FIFO there is refused, never waited on) or larger than ``STATE_LIMIT`` bytes;
        ``OSError`` when it cannot be read.
        """
        target = Path(path)
        try:
            text = read_regular(
                target, what="scheduler state", field="state", limit=cls.STATE_LIMIT
            )
        except FileNotFoundError:
            return cls(target)
        try:
            document = from_json(text, _StateDocument)
            if document.version != cls.VERSION:
                raise ValidationError(
                    f"version {document.version} is not supported (this is {cls.VERSION})",
                    path="version",
                )
            return cls(target, document.jobs)
        except ValidationError as e:
            raise ValidationError.from_problems(
                Problem(p.path, f"{p.message} (in the scheduler state {target})")
                for p in e.problems
            ) from None

    @property
    def path(self) -> Path:
        return self._path

    @property
    def records(self) -> tuple[JobRecord, ...]:
        """Every record, by name."""
        return tuple(self._records[name] for name in sorted(self._records))

    def get(self, name: str) -> JobRecord | None:
        """The record of job ``name``, or ``None`` when it has none yet."""
        return self._records.get(name)

    def put(self, record: JobRecord) -> None:
        """Remember ``record`` (replacing the one of the same name) until :meth:`save`."""
        if not isinstance(record, JobRecord):
            raise ValidationError(f"expected a JobRecord, got {record!r}", path="record")
        self._records[record.name] = record

    def save(self) -> None:
        """Write the state to its file: all of it or, after a crash, none of it."""
        text = to_json(_StateDocument(version=self.VERSION, jobs=self.records), indent=2)
        directory = self._path.parent
        descriptor, temporary = tempfile.mkstemp(
            prefix=f".{self._path.name}.", suffix=".tmp", dir=directory
        )
        try:
            with os.fdopen(descriptor, "w", encoding="utf-8") as file:
                file.write(text)
                file.flush()
                os.fsync(file.fileno())
            os.replace(temporary, self._path)
        except BaseException:
            with contextlib.suppress(OSError):
                os.unlink(temporary)
            raise
        _fsync_directory(directory)


def _fsync_directory(directory: Path) -> None:
    """Make a rename in ``directory`` durable (POSIX; elsewhere the rename is enough)."""
    if os.name != "posix":
        return
    descriptor = os.open(directory, os.O_RDONLY)
    try:
        os.fsync(descriptor)
    finally:
        os.close(descriptor)


class ScheduledCopyFailed(CopyError):
    """One or more due jobs raised instead of returning a report.

    The other due jobs still ran: ``reports`` holds their ``(name, report)`` pairs,
    ``failures`` the ``(name, exception)`` of each failed job (the first is also the
    ``__cause__``). A failed run counts as run: the job waits for its next slot.
    """

    def __init__(
        self,
        reports: Sequence[tuple[str, object]],
        failures: Sequence[tuple[str, Exception]],
    ) -> None:
        self.reports = tuple(reports)
        self.failures = tuple(failures)
        names = ", ".join(f"{name} ({error})" for name, error in self.failures)
        super().__init__(f"scheduled copies failed: {names}")


def _aware(value: object) -> _dt.datetime:
    if not isinstance(value, _dt.datetime):
        raise ValidationError(f"must be a datetime, not {value!r}", path="now")
    if value.tzinfo is None or value.utcoffset() is None:
        raise ValidationError(f"{value.isoformat()} has no time zone", path="now")
    return value.astimezone(UTC)


class Scheduler(Generic[R]):
    """Runs the scheduled copies that are due, each once per slot, through ``service``.

    ``jobs`` are the scheduled copies (names unique); ``state`` remembers their runs
    across restarts. Call :meth:`run_due` from a timer, a cron job or a loop, as often as
    you like: calling it late runs each overdue job once, calling it twice for the same
    instant runs nothing the second time. The scheduler reads no clock of its own: every
    method takes ``now``.
    """

    def __init__(
        self,
        service: SupportsCopy[R],
        jobs: Sequence[ScheduledCopy],
        state: SchedulerState,
    ) -> None:
        names: set[str] = set()
        for i, job in enumerate(jobs):
            if not isinstance(job, ScheduledCopy):
                raise ValidationError(f"expected a ScheduledCopy, got {job!r}", path=f"jobs[{i}]")
            if job.name in names:
                raise ValidationError(f"a second job named {job.name!r}", path=f"jobs[{i}].name")
            names.add(job.name)
        if not isinstance(state, SchedulerState):
            raise ValidationError(f"expected a SchedulerState, got {state!r}", path="state")
        self._service = service
        self._jobs = tuple(jobs)
        self._state = state

    @property
    def jobs(self) -> tuple[ScheduledCopy, ...]:
        return self._jobs

    @property
    def state(self) -> SchedulerState:
        return self._state

    def _due_at(self, job: ScheduledCopy, now: _dt.datetime) -> _dt.datetime:
        """When ``job`` is (or was) next due, judged at ``now``."""
        record = self._state.get(job.name)
        if record is None:
            # Not seen before: it would be seen now, and a slot at this very moment counts.
            return job.schedule.next_run(now - _MICROSECOND)
        if record.status is RunStatus.RUNNING:
            assert record.started is not None
            return record.started  # cut off by a crash: due again at once
        if record.started is None:
            return job.schedule.next_run(record.seen - _MICROSECOND)
        return job.schedule.next_run(record.started)

    def due(self, now: _dt.datetime) -> list[ScheduledCopy]:
        """The jobs :meth:`run_due` would run at ``now``, in job order. Changes nothing."""
        moment = _aware(now)
        return [job for job in self._jobs if self._due_at(job, moment) <= moment]

    def next_runs(self, now: _dt.datetime) -> list[tuple[str, _dt.datetime]]:
        """``(name, when)`` for every job, in job order: when it is next due as seen at
        ``now`` — at or before ``now`` for a job that is due. Changes nothing."""
        moment = _aware(now)
        return [(job.name, self._due_at(job, moment)) for job in self._jobs]

    def run_due(
        self, now: _dt.datetime, *, on_event: EventSink | None = None
    ) -> list[tuple[str, R]]:
        """Run every job due at ``now``, once each, in job order; ``(name, report)`` of each.

        Jobs seen for the first time are recorded as seen at ``now``: they run at their
        first slot from then on, not for slots before. A job's run is saved as running
        before its copy starts and as finished after. ``on_event`` receives the copies'
        progress events.

        Raises :class:`ScheduledCopyFailed` after running the others when a job's copy
        raised; an exception that is not an ``Exception`` (``KeyboardInterrupt``...)
        stops at once and leaves the job running, to be run again on the next call.
        """
        moment = _aware(now)
        unseen = [job for job in self._jobs if self._state.get(job.name) is None]
        for job in unseen:
            self._state.put(JobRecord(name=job.name, seen=moment))
        if unseen:
            self._state.save()
        reports: list[tuple[str, R]] = []
        failures: list[tuple[str, Exception]] = []
        for job in self.due(moment):
            record = self._state.get(job.name)
            assert record is not None
            running = attrs.evolve(record, started=moment, status=RunStatus.RUNNING, error=None)
            self._state.put(running)
            self._state.save()
            try:
                report = self._service.copy(
                    job.selection,
                    job.policy,
                    trigger=CopyTrigger.SCHEDULED,
                    on_event=on_event,
                )
            except Exception as error:
                failed = attrs.evolve(
                    running, status=RunStatus.FAILED, error=f"{type(error).__name__}: {error}"
                )
                self._state.put(failed)
                self._state.save()
                failures.append((job.name, error))
                continue
            self._state.put(attrs.evolve(running, status=RunStatus.FINISHED))
            self._state.save()
            reports.append((job.name, report))
        if failures:
            raise ScheduledCopyFailed(reports, failures) from failures[0][1]
        return reports
