"""The small closed vocabularies of the domain.

Values are stable lowercase words: they are what JSON documents and the catalog store.
``label`` gives the wording backup administrators know from Data Protector.
"""

from __future__ import annotations

import enum

__all__ = [
    "AllocationPolicy",
    "CopyTrigger",
    "LocationKind",
    "MediumCondition",
    "MediumState",
    "ObjectType",
    "ProtectionKind",
    "SessionStatus",
    "SessionType",
    "UsagePolicy",
]


class SessionType(enum.Enum):
    """What a session did."""

    BACKUP = "backup"
    COPY = "copy"
    RESTORE = "restore"
    IMPORT = "import"
    CONSOLIDATION = "consolidation"


class SessionStatus(enum.Enum):
    """How a session ended (or that it has not yet)."""

    IN_PROGRESS = "in_progress"
    COMPLETED = "completed"
    COMPLETED_ERRORS = "completed_errors"
    COMPLETED_FAILURE = "completed_failure"
    FAILED = "failed"
    ABORTED = "aborted"

    @property
    def label(self) -> str:
        return _SESSION_LABELS[self]

    @property
    def is_finished(self) -> bool:
        return self is not SessionStatus.IN_PROGRESS

    @property
    def is_restorable(self) -> bool:
        """True if the session's data may be restored (it wrote and closed its objects)."""
        return self in (
            SessionStatus.COMPLETED,
            SessionStatus.COMPLETED_ERRORS,
            SessionStatus.COMPLETED_FAILURE,
        )


_SESSION_LABELS = {
    SessionStatus.IN_PROGRESS: "In Progress",
    SessionStatus.COMPLETED: "Completed",
    SessionStatus.COMPLETED_ERRORS: "Completed/Errors",
    SessionStatus.COMPLETED_FAILURE: "Completed/Failure",
    SessionStatus.FAILED: "Failed",
    SessionStatus.ABORTED: "Aborted",
}


class CopyTrigger(enum.Enum):
    """What started a copy."""

    POST_BACKUP = "post_backup"
    SCHEDULED = "scheduled"
    INTERACTIVE = "interactive"


class MediumCondition(enum.Enum):
    """Medium quality. Good media are used first, fair only when no good is left, poor never.

    Ordered from best to worst: ``GOOD < FAIR < POOR`` compares by badness, so ``max``
    of two conditions is the worse one.
    """

    GOOD = "good"
    FAIR = "fair"
    POOR = "poor"

    @property
    def rank(self) -> int:
        return _CONDITION_RANK[self]

    def __lt__(self, other: object) -> bool:
        if not isinstance(other, MediumCondition):
            return NotImplemented
        return self.rank < other.rank

    def __le__(self, other: object) -> bool:
        if not isinstance(other, MediumCondition):
            return NotImplemented
        return self.rank <= other.rank

    def __gt__(self, other: object) -> bool:
        if not isinstance(other, MediumCondition):
            return NotImplemented
        return self.rank > other.rank

    def __ge__(self, other: object) -> bool:
        if not isinstance(other, MediumCondition):
            return NotImplemented
        return self.rank >= other.rank


_CONDITION_RANK = {MediumCondition.GOOD: 0, MediumCondition.FAIR: 1, MediumCondition.POOR: 2}


class UsagePolicy(enum.Enum):
    """Whether backups may append to a medium that already holds data."""

    APPENDABLE = "appendable"
    NON_APPENDABLE = "non_appendable"
    APPENDABLE_ON_INCREMENTALS = "appendable_on_incrementals"


class AllocationPolicy(enum.Enum):
    """How a pool hands out media.

    ``STRICT``: exactly the medium asked for; ``LOOSE``: any suitable medium;
    ``FORMATTED_FIRST``: formatted media before blank ones, even if a blank one is nearer.
    """

    STRICT = "strict"
    LOOSE = "loose"
    FORMATTED_FIRST = "formatted_first"


class MediumState(enum.Enum):
    """Where a medium is in its life.

    ``BLANK``: never formatted; ``EMPTY``: formatted, no data (scratch); ``APPENDABLE``:
    holds data and takes more; ``FULL``: end of medium reached; ``NON_APPENDABLE``: holds
    data and takes no more (by policy, or because it is the source or target of a copy).
    """

    BLANK = "blank"
    EMPTY = "empty"
    APPENDABLE = "appendable"
    FULL = "full"
    NON_APPENDABLE = "non_appendable"

    @property
    def holds_data(self) -> bool:
        return self in (MediumState.APPENDABLE, MediumState.FULL, MediumState.NON_APPENDABLE)


class ProtectionKind(enum.Enum):
    """How long a medium's data must be kept."""

    NONE = "none"
    UNTIL = "until"
    PERMANENT = "permanent"


class LocationKind(enum.Enum):
    """Where a cartridge is."""

    SLOT = "slot"
    DRIVE = "drive"
    MAIL_SLOT = "mail_slot"
    VAULT = "vault"
    UNKNOWN = "unknown"


class ObjectType(enum.Enum):
    """What kind of thing a backup object is."""

    FILESYSTEM = "filesystem"
    DISK_IMAGE = "disk_image"
    INTEGRATION = "integration"
