"""Sessions, backup objects and their versions.

A backup *object* is a thing that gets backed up (a file system of a host, a database of
an integration); each session that backs it up makes an *object version*. Restores ask
for object versions; the catalog knows which media (originals and copies) hold them.
"""

from __future__ import annotations

import datetime as _dt

import attrs

from smartmedia.errors import ValidationError
from smartmedia.model import _validators as v
from smartmedia.model._enums import CopyTrigger, ObjectType, SessionStatus, SessionType
from smartmedia.model._ids import SessionId

__all__ = ["BackupObject", "ObjectVersion", "Session"]


@attrs.frozen(kw_only=True, order=True)
class BackupObject:
    """What is backed up: a host's mount point (or an integration's name) of a given type.

    ``description`` tells apart objects that share host and mount (e.g. two trees of one
    file system backed up separately).
    """

    type: ObjectType = attrs.field(validator=v.instance_of(ObjectType), order=lambda t: t.value)
    host: str = attrs.field(validator=v.text(max_length=255))
    mount: str = attrs.field(validator=v.text(max_length=1024))
    description: str = attrs.field(default="", validator=v.text(max_length=256, min_length=0))

    def __str__(self) -> str:
        text = f"{self.type.value.upper()} {self.host}:{self.mount}"
        return f"{text} '{self.description}'" if self.description else text


@attrs.frozen(kw_only=True)
class ObjectVersion:
    """One backup of an object, made by ``session`` at ``backup_time``; ``size`` in bytes."""

    object: BackupObject = attrs.field(validator=v.instance_of(BackupObject))
    session: SessionId = attrs.field(validator=v.instance_of(SessionId))
    backup_time: _dt.datetime = attrs.field(validator=v.aware_datetime)
    size: int = attrs.field(default=0, validator=v.natural)

    def __str__(self) -> str:
        return f"{self.object} @ {self.session}"


@attrs.frozen(kw_only=True)
class Session:
    """A backup, copy, restore, import or consolidation session.

    A finished session (any status but in progress) has an end time no earlier than its
    start; one in progress has none. ``trigger`` says what started a copy session and
    is only set for those.
    """

    id: SessionId = attrs.field(validator=v.instance_of(SessionId))
    type: SessionType = attrs.field(validator=v.instance_of(SessionType))
    status: SessionStatus = attrs.field(validator=v.instance_of(SessionStatus))
    started: _dt.datetime = attrs.field(validator=v.aware_datetime)
    ended: _dt.datetime | None = attrs.field(default=None, validator=v.optional(v.aware_datetime))
    specification: str = attrs.field(default="", validator=v.text(max_length=128, min_length=0))
    trigger: CopyTrigger | None = attrs.field(
        default=None, validator=v.optional(v.instance_of(CopyTrigger))
    )

    def __attrs_post_init__(self) -> None:
        if self.status.is_finished != (self.ended is not None):
            raise ValidationError(
                f"a session that is {self.status.value} "
                + ("needs an end time" if self.status.is_finished else "has no end time"),
                path="ended",
            )
        if self.ended is not None and self.ended < self.started:
            raise ValidationError("the session ends before it starts", path="ended")
        if self.trigger is not None and self.type is not SessionType.COPY:
            raise ValidationError("only copy sessions have a trigger", path="trigger")

    @property
    def duration(self) -> _dt.timedelta | None:
        return None if self.ended is None else self.ended - self.started
