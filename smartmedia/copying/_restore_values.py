"""Restore values: where a copy of an object version is, how to reach it, what a restore did."""

from __future__ import annotations

import datetime as _dt
import enum
from collections.abc import Callable
from typing import BinaryIO

import attrs

from smartmedia.catalog import Position
from smartmedia.errors import (
    CopyError,
)
from smartmedia.model import (
    Barcode,
    Location,
    Medium,
    MediumId,
    ObjectVersion,
)

__all__ = [
    "Move",
    "Mover",
    "RestoreError",
    "RestoreResult",
    "RestoreSource",
    "Sink",
    "SourceRank",
    "SourceSwitch",
]

#: Where restored bytes go: a binary file, or a callable given each verified block's
#: payload (a view valid only during the call: copy it to keep it).
Sink = BinaryIO | Callable[[memoryview], object]


class RestoreError(CopyError):
    """A restore could not be done, or not completely: ``version`` names what was asked."""

    def __init__(self, message: str, *, version: ObjectVersion | None = None) -> None:
        super().__init__(message)
        self.version = version


class SourceRank(enum.Enum):
    """How soon a medium can be read, best first.

    ``READABLE``: in a slot or drive of a library the application drives (the virtual
    library, or a visible physical one). ``NEEDS_MOVE``: in the physical library behind
    the VLS, or in a mail slot: robot and operator moves first (:func:`prepare_restore`).
    ``IN_VAULT``: someone must fetch it. ``MISSING``: no library holds it and the
    catalog knows no vault for it (or holds a place the library contradicts).
    """

    READABLE = "readable"
    NEEDS_MOVE = "needs_move"
    IN_VAULT = "in_vault"
    MISSING = "missing"

    @property
    def order(self) -> int:
        return _RANK_ORDER[self]


_RANK_ORDER = {rank: n for n, rank in enumerate(SourceRank)}


@attrs.frozen(kw_only=True)
class RestoreSource:
    """A medium holding pieces of a version, where it really is, and how soon it can be read.

    ``positions`` are the version's pieces on this medium (their ``span`` says which);
    ``library`` and ``location`` say where the cartridge is now (``library`` is ``None``
    when no library holds it); ``expired`` is True when its data protection has ended
    (it may be recycled at any time); ``reason`` says why it ranks as it does.
    """

    medium: Medium
    positions: tuple[Position, ...]
    rank: SourceRank
    location: Location
    library: str | None
    expired: bool
    reason: str

    @property
    def spans(self) -> tuple[int, ...]:
        return tuple(p.span for p in self.positions)

    @property
    def is_copy(self) -> bool:
        return self.medium.is_copy

    def position(self, span: int) -> Position | None:
        """The piece of span ``span`` on this medium, if it holds it."""
        return next((p for p in self.positions if p.span == span), None)


class Mover(enum.Enum):
    """Who carried out a move: a library's robot, or the operator between libraries."""

    ROBOT = "robot"
    OPERATOR = "operator"


@attrs.frozen(kw_only=True)
class Move:
    """A cartridge moved from ``origin`` to ``destination`` by ``by``.

    ``medium`` is the catalog's medium on the cartridge (``None`` while unknown).
    """

    barcode: Barcode
    medium: MediumId | None
    origin: Location
    destination: Location
    by: Mover


@attrs.frozen(kw_only=True)
class SourceSwitch:
    """During a restore, ``from_medium`` failed at ``block`` (``error``); reading went on
    from ``to_medium`` (``None`` if no other copy was left)."""

    span: int
    from_medium: MediumId
    block: int | None
    error: str
    to_medium: MediumId | None


@attrs.frozen(kw_only=True)
class RestoreResult:
    """A completed restore: the version, its bytes and blocks, the media read in order
    (a medium read again after a switch appears again), and every switch of copy."""

    version: ObjectVersion
    bytes: int
    blocks: int
    media: tuple[MediumId, ...]
    switches: tuple[SourceSwitch, ...]
    started: _dt.datetime
    finished: _dt.datetime
