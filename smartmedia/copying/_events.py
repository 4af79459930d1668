"""Typed progress events of copy runs, for progress bars, logs and services.

A runner calls its ``on_event`` callback with one of these values as things happen; they
are frozen attrs classes (serialisable), each naming the source medium and the time.
"""

from __future__ import annotations

import datetime as _dt
from collections.abc import Callable

import attrs

from smartmedia.model import Barcode, MediumId

__all__ = [
    "BytesCopied",
    "Committed",
    "CopyEvent",
    "EventSink",
    "Retried",
    "TaskFailed",
    "TaskStarted",
    "Verified",
]


@attrs.frozen(kw_only=True)
class TaskStarted:
    at: _dt.datetime
    source: MediumId
    targets: tuple[Barcode, ...]
    bytes: int
    attempt: int = 1


@attrs.frozen(kw_only=True)
class BytesCopied:
    at: _dt.datetime
    source: MediumId
    bytes: int
    total: int


@attrs.frozen(kw_only=True)
class Verified:
    at: _dt.datetime
    source: MediumId
    digest: str
    read_back: bool


@attrs.frozen(kw_only=True)
class Committed:
    at: _dt.datetime
    source: MediumId
    copies: tuple[MediumId, ...]


@attrs.frozen(kw_only=True)
class Retried:
    at: _dt.datetime
    source: MediumId
    reason: str
    attempt: int


@attrs.frozen(kw_only=True)
class TaskFailed:
    at: _dt.datetime
    source: MediumId
    reason: str


CopyEvent = TaskStarted | BytesCopied | Verified | Committed | Retried | TaskFailed
EventSink = Callable[[CopyEvent], None]
