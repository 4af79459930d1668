"""The domain model: identities, media, pools, sessions, objects and libraries.

Frozen attrs values, validated at construction (a bad field raises
:class:`~smartmedia.errors.ValidationError` naming it), with no I/O. Rules that follow
from the domain live on the values: :meth:`Medium.is_protected`,
:meth:`Medium.condition_at`, :meth:`MediaType.can_write` and :meth:`MediaType.can_read`.
"""

from smartmedia.model._enums import (
    AllocationPolicy,
    CopyTrigger,
    LocationKind,
    MediumCondition,
    MediumState,
    ObjectType,
    ProtectionKind,
    SessionStatus,
    SessionType,
    UsagePolicy,
)
from smartmedia.model._ids import (
    Barcode,
    DriveSerial,
    MediumId,
    MediumIdGenerator,
    SessionId,
    local_host_address,
    new_medium_id,
)
from smartmedia.model._library import Cartridge, Drive, Library, MailSlot, Slot
from smartmedia.model._media_types import MediaType
from smartmedia.model._medium import FAIR_FRACTION, MediaPool, Medium
from smartmedia.model._placement import Location, Protection
from smartmedia.model._session import BackupObject, ObjectVersion, Session
from smartmedia.model._text import TextValue

__all__ = [
    "FAIR_FRACTION",
    "AllocationPolicy",
    "BackupObject",
    "Barcode",
    "Cartridge",
    "CopyTrigger",
    "Drive",
    "DriveSerial",
    "Library",
    "Location",
    "LocationKind",
    "MailSlot",
    "MediaPool",
    "MediaType",
    "Medium",
    "MediumCondition",
    "MediumId",
    "MediumIdGenerator",
    "MediumState",
    "ObjectType",
    "ObjectVersion",
    "Protection",
    "ProtectionKind",
    "Session",
    "SessionId",
    "SessionStatus",
    "SessionType",
    "Slot",
    "TextValue",
    "UsagePolicy",
    "local_host_address",
    "new_medium_id",
]
