"""Fault injection, declared as data: what goes wrong, where and when.

A :class:`Faults` value lists the faults of a scenario; simulators take it as an
argument and fire each fault when its trigger is reached, so a test reads as a script:
"the medium of ABC123L9 is bad at block 40; drive SN2 dies after 3 GB; the robot fails
its 4th move; power goes at event 120". Faults are plain values: they serialise with
:mod:`smartmedia.serialization` like everything else.
"""

from __future__ import annotations

from typing import Any

import attrs

from smartmedia.errors import ValidationError
from smartmedia.model import Barcode, DriveSerial
from smartmedia.model import _validators as v

__all__ = [
    "DriveFailure",
    "Faults",
    "MediumFault",
    "PowerLoss",
    "RobotFault",
    "StreamDeath",
]


_natural = v.natural


_positive = v.positive


_of = v.instance_of


@attrs.frozen(kw_only=True)
class MediumFault:
    """The medium of ``barcode`` is bad at position ``block``.

    Reading that position raises :class:`~smartmedia.errors.MediumError` (and moves
    past it, as a drive does); with ``on_write``, writing there fails as well.
    """

    barcode: Barcode = attrs.field(validator=_of(Barcode))
    block: int = attrs.field(validator=_natural)
    on_write: bool = attrs.field(default=False, validator=_of(bool))


@attrs.frozen(kw_only=True)
class DriveFailure:
    """The drive ``serial`` fails for good: at virtual time ``at_time`` (seconds), or
    once it has moved ``after_bytes`` bytes (read plus written). Exactly one is given."""

    serial: DriveSerial = attrs.field(validator=_of(DriveSerial))
    at_time: float | None = attrs.field(default=None)
    after_bytes: int | None = attrs.field(default=None)

    def __attrs_post_init__(self) -> None:
        if (self.at_time is None) == (self.after_bytes is None):
            raise ValidationError("give exactly one of at_time and after_bytes", path="at_time")
        if self.at_time is not None and (
            isinstance(self.at_time, bool)
            or not isinstance(self.at_time, int | float)
            or self.at_time < 0
        ):
            raise ValidationError(f"must be a time >= 0, not {self.at_time!r}", path="at_time")
        if self.after_bytes is not None:
            _natural(self, attrs.fields(DriveFailure).after_bytes, self.after_bytes)


@attrs.frozen(kw_only=True)
class RobotFault:
    """The robot of library ``library`` fails its ``move``-th move (counting from 1).

    The move raises :class:`~smartmedia.errors.RobotError`; the cartridge stays where
    it was; later moves work again.
    """

    library: str = attrs.field(validator=_of(str))
    move: int = attrs.field(validator=_positive)


@attrs.frozen(kw_only=True)
class StreamDeath:
    """The VLS copy stream copying ``source`` dies after ``after_bytes`` bytes.

    The copy order ends ``FAILED``; what was written to the target stays, unfinished.
    """

    source: Barcode = attrs.field(validator=_of(Barcode))
    after_bytes: int = attrs.field(validator=_natural)


@attrs.frozen(kw_only=True)
class PowerLoss:
    """Power fails when the shared clock counts its ``at_event``-th event.

    What was not flushed is gone (as on a real disk), drives lose their position and
    buffered data, copies in flight fail.
    """

    at_event: int = attrs.field(validator=_positive)


def _tuple_of(kind: type) -> Any:
    def check(_: object, attribute: attrs.Attribute[Any], value: object) -> None:
        if not isinstance(value, tuple):
            raise ValidationError(
                f"must be a tuple, not {type(value).__name__}", path=attribute.name
            )
        for i, item in enumerate(value):
            if not isinstance(item, kind):
                raise ValidationError(
                    f"expected {kind.__name__}, got {type(item).__name__}",
                    path=f"{attribute.name}[{i}]",
                )

    return check


@attrs.frozen(kw_only=True)
class Faults:
    """Every fault of a scenario (all empty: nothing goes wrong)."""

    media: tuple[MediumFault, ...] = attrs.field(default=(), validator=_tuple_of(MediumFault))
    drives: tuple[DriveFailure, ...] = attrs.field(default=(), validator=_tuple_of(DriveFailure))
    robots: tuple[RobotFault, ...] = attrs.field(default=(), validator=_tuple_of(RobotFault))
    streams: tuple[StreamDeath, ...] = attrs.field(default=(), validator=_tuple_of(StreamDeath))
    power: tuple[PowerLoss, ...] = attrs.field(default=(), validator=_tuple_of(PowerLoss))

    def bad_blocks(self, barcode: Barcode, *, writing: bool = False) -> frozenset[int]:
        """Positions of ``barcode`` that fail to read (or, ``writing``, to write)."""
        return frozenset(
            f.block for f in self.media if f.barcode == barcode and (f.on_write or not writing)
        )

    def drive_failure(self, serial: DriveSerial) -> DriveFailure | None:
        """The failure planned for drive ``serial``, if any (the first one listed)."""
        return next((f for f in self.drives if f.serial == serial), None)

    def failing_moves(self, library: str) -> frozenset[int]:
        """The move numbers (from 1) at which the robot of ``library`` fails."""
        return frozenset(f.move for f in self.robots if f.library == library)

    def stream_death(self, source: Barcode) -> StreamDeath | None:
        """The death planned for the copy stream reading ``source``, if any."""
        return next((f for f in self.streams if f.source == source), None)
