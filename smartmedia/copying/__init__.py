"""Running copies end to end: backups, smart copies, triggers, resume, restores.

:class:`CopyService` is the front door — post-backup (:meth:`~CopyService.on_session_completed`),
scheduled and interactive (:meth:`~CopyService.copy_media`) copies, planned with
:mod:`smartmedia.planning` and run by :class:`CopyRunner`, which verifies every copy
before the catalog records it. :func:`resume` settles what a crashed run left reserved.
:class:`BackupWriter` writes backups onto virtual cartridges and records them;
:func:`restore_sources`, :func:`prepare_restore` and :func:`restore` bring data back from
either copy. :func:`build_lab` builds a simulated site to try it all on. See
``docs/copying.md``.
"""

from smartmedia.copying._backup import BackupResult, BackupWriter
from smartmedia.copying._backup_items import (
    BackupItem,
    FailedObject,
    items_from_bytes,
    items_from_directory,
    next_session_id,
)
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
from smartmedia.copying._initialize import initialize_medium
from smartmedia.copying._lab import (
    LAB_EPOCH,
    LAB_LATEST,
    Lab,
    SimOperator,
    build_lab,
    peek_cartridge,
)
from smartmedia.copying._mount import mounted
from smartmedia.copying._reconcile import (
    Disagreement,
    DisagreementKind,
    ReconcileReport,
    reconcile,
)
from smartmedia.copying._report import CopyReport, OutcomeState, TaskOutcome
from smartmedia.copying._restore import (
    Move,
    Mover,
    RestoreError,
    RestoreResult,
    RestoreSource,
    SourceRank,
    SourceSwitch,
    import_cartridge,
    prepare_restore,
    recycle_original,
    restore,
    restore_sources,
)
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
    "LAB_LATEST",
    "BackupItem",
    "BackupResult",
    "BackupWriter",
    "BytesCopied",
    "Committed",
    "CopyBinding",
    "CopyEvent",
    "CopyReport",
    "CopyRunner",
    "CopyService",
    "Disagreement",
    "DisagreementKind",
    "EventSink",
    "FailedObject",
    "JobRecord",
    "Lab",
    "Move",
    "Mover",
    "Operator",
    "OutcomeState",
    "ReconcileReport",
    "RestoreError",
    "RestoreResult",
    "RestoreSource",
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
    "SourceRank",
    "SourceSwitch",
    "SupportsCopy",
    "TaskFailed",
    "TaskOutcome",
    "TaskStarted",
    "Verified",
    "build_lab",
    "import_cartridge",
    "initialize_medium",
    "items_from_bytes",
    "items_from_directory",
    "mounted",
    "next_session_id",
    "peek_cartridge",
    "prepare_restore",
    "reconcile",
    "recycle_original",
    "restore",
    "restore_sources",
    "resume",
]
