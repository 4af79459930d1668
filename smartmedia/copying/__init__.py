"""Running copies end to end: backups, smart copies, triggers, resume, restores.

:class:`CopyService` is the front door — post-backup (:meth:`~CopyService.on_session_completed`),
scheduled and interactive (:meth:`~CopyService.copy_media`) copies, planned with
:mod:`smartmedia.planning` and run by :class:`CopyRunner`, which verifies every copy
before the catalog records it. :func:`resume` settles what a crashed run left reserved.
:func:`build_lab` builds a simulated site to try it all on. See ``docs/copying.md``.
"""

from smartmedia.copying._events import (
    BytesCopied,
    Committed,
    CopyEvent,
    EventSink,
    Retried,
    TaskFailed,
    TaskStarted,
    Verified,
)
from smartmedia.copying._lab import LAB_EPOCH, Lab, SimOperator, build_lab
from smartmedia.copying._report import CopyReport, OutcomeState, TaskOutcome
from smartmedia.copying._resume import ResumeReport, resume
from smartmedia.copying._runner import CopyRunner
from smartmedia.copying._scheduler import (
    JobRecord,
    RunStatus,
    ScheduledCopy,
    ScheduledCopyFailed,
    Scheduler,
    SchedulerState,
    SupportsCopy,
)
from smartmedia.copying._schedules import Schedule, ScheduleKind
from smartmedia.copying._service import CopyBinding, CopyService
from smartmedia.copying._site import Operator, Site

__all__ = [
    "LAB_EPOCH",
    "BytesCopied",
    "Committed",
    "CopyBinding",
    "CopyEvent",
    "CopyReport",
    "CopyRunner",
    "CopyService",
    "EventSink",
    "JobRecord",
    "Lab",
    "Operator",
    "OutcomeState",
    "ResumeReport",
    "Retried",
    "RunStatus",
    "Schedule",
    "ScheduleKind",
    "ScheduledCopy",
    "ScheduledCopyFailed",
    "Scheduler",
    "SchedulerState",
    "SimOperator",
    "Site",
    "SupportsCopy",
    "TaskFailed",
    "TaskOutcome",
    "TaskStarted",
    "Verified",
    "build_lab",
    "resume",
]
