"""Timing profiles: how long drives, robots and VLS copy streams take.

The simulators charge every operation from these profiles, and a planner can use the
same figures to estimate a schedule. Defaults follow the published LTO facts: load and
thread about 16 s, unload about 20 s, an average locate of about 50 s, a full rewind of
up to 100 s, streaming at the generation's native rate down to its minimum
speed-matching rate (a third of native), and a backhitch of about 1.5 s each time a
starved drive runs its buffer dry ("shoe-shining").

All times are seconds (``float``), all sizes bytes, all rates bytes per second.
"""

from __future__ import annotations

import math
from typing import Any

import attrs

from smartmedia.errors import ValidationError
from smartmedia.model import MediaType

__all__ = ["LIBRARY_MODELS", "DriveTiming", "RobotTiming", "VlsTiming"]


def _non_negative(_: object, attribute: attrs.Attribute[Any], value: object) -> None:
    if isinstance(value, bool) or not isinstance(value, int | float) or not value >= 0:
        raise ValidationError(f"must be a number >= 0, not {value!r}", path=attribute.name)
    if math.isinf(value):
        raise ValidationError("must be finite", path=attribute.name)


def _positive_int(_: object, attribute: attrs.Attribute[Any], value: object) -> None:
    if type(value) is not int or value < 1:
        raise ValidationError(f"must be an integer >= 1, not {value!r}", path=attribute.name)


def _fraction(_: object, attribute: attrs.Attribute[Any], value: object) -> None:
    if isinstance(value, bool) or not isinstance(value, int | float) or not 0 <= value < 1:
        raise ValidationError(f"must be a number in [0, 1), not {value!r}", path=attribute.name)


_GIB = 1 << 30


@attrs.frozen(kw_only=True)
class DriveTiming:
    """How long a drive of one generation takes for each operation.

    ``rate`` is the native streaming rate and ``min_rate`` the lowest rate the drive
    matches without stopping. Fed below ``min_rate``, the drive empties its buffer,
    stops, backs up and restarts: every ``buffer_bytes`` written costs
    ``backhitch_seconds`` on top of the time the data took to arrive.

    Locating costs ``locate_seconds`` plus the distance travelled as a fraction of the
    tape length times ``full_wind_seconds``; rewinding costs the distance travelled only
    (a full rewind is ``full_wind_seconds``). ``jitter`` (a fraction) lets a simulator
    vary mechanical times (load, unload, locate, robot moves) around the figure, drawn
    from its seeded random generator.
    """

    rate: int = attrs.field(validator=_positive_int)
    min_rate: int = attrs.field(validator=_positive_int)
    load_seconds: float = attrs.field(default=16.0, validator=_non_negative)
    unload_seconds: float = attrs.field(default=20.0, validator=_non_negative)
    locate_seconds: float = attrs.field(default=20.0, validator=_non_negative)
    full_wind_seconds: float = attrs.field(default=100.0, validator=_non_negative)
    backhitch_seconds: float = attrs.field(default=1.5, validator=_non_negative)
    buffer_bytes: int = attrs.field(default=_GIB, validator=_positive_int)
    jitter: float = attrs.field(default=0.0, validator=_fraction)

    def __attrs_post_init__(self) -> None:
        if self.min_rate > self.rate:
            raise ValidationError(
                f"min_rate {self.min_rate} exceeds the native rate {self.rate}", path="min_rate"
            )

    @classmethod
    def for_generation(cls, generation: MediaType, **overrides: Any) -> DriveTiming:
        """The default profile of a drive of ``generation`` (virtual drives are quick).

        ``overrides`` replace single figures, e.g. ``load_seconds=12.0``.
        """
        if generation.is_virtual:
            base = cls(
                rate=generation.native_rate,
                min_rate=1,
                load_seconds=1.0,
                unload_seconds=1.0,
                locate_seconds=0.05,
                full_wind_seconds=0.5,
                backhitch_seconds=0.0,
            )
        else:
            base = cls(rate=generation.native_rate, min_rate=generation.min_streaming_rate)
        return attrs.evolve(base, **overrides) if overrides else base

    def streaming_seconds(self, nbytes: int, feed_rate: float | None = None) -> float:
        """Time to stream ``nbytes`` when data arrives at ``feed_rate`` (``None``: no limit).

        At or above ``min_rate`` the drive matches the feed (never faster than ``rate``);
        below it, each buffer-full adds a backhitch.
        """
        if nbytes <= 0:
            return 0.0
        if feed_rate is None or feed_rate >= self.rate:
            return nbytes / self.rate
        if feed_rate <= 0:
            raise ValidationError(f"feed rate must be > 0, not {feed_rate}", path="feed_rate")
        seconds = nbytes / feed_rate
        if feed_rate < self.min_rate:
            seconds += (nbytes / self.buffer_bytes) * self.backhitch_seconds
        return seconds

    def effective_rate(self, feed_rate: float | None = None) -> float:
        """The sustained rate when fed at ``feed_rate``, backhitches included."""
        return self.buffer_bytes / self.streaming_seconds(self.buffer_bytes, feed_rate)

    def locate_time(self, from_byte: int, to_byte: int, capacity: int) -> float:
        """Time to move the tape from byte offset ``from_byte`` to ``to_byte``."""
        if from_byte == to_byte:
            return 0.0
        return self.locate_seconds + self._wind(from_byte, to_byte, capacity)

    def rewind_time(self, from_byte: int, capacity: int) -> float:
        """Time to rewind from byte offset ``from_byte`` to the beginning of the tape."""
        return self._wind(from_byte, 0, capacity)

    def _wind(self, from_byte: int, to_byte: int, capacity: int) -> float:
        if capacity <= 0:
            return 0.0
        return min(1.0, abs(to_byte - from_byte) / capacity) * self.full_wind_seconds


@attrs.frozen(kw_only=True)
class RobotTiming:
    """The robot of a library model: how long one move takes, and how many robots.

    A move from a slot to a drive (or back, or to a mail slot) takes ``move_seconds``;
    with ``robots`` > 1, that many moves run at once. ``jitter`` as in
    :class:`DriveTiming`.
    """

    model: str = attrs.field(default="generic")
    move_seconds: float = attrs.field(default=10.0, validator=_non_negative)
    robots: int = attrs.field(default=1, validator=_positive_int)
    jitter: float = attrs.field(default=0.0, validator=_fraction)


#: Robot profiles of typical library classes (a slot-to-drive move takes 5 to 15 s).
LIBRARY_MODELS: dict[str, RobotTiming] = {
    "autoloader": RobotTiming(model="autoloader", move_seconds=15.0),
    "midrange": RobotTiming(model="midrange", move_seconds=10.0),
    "enterprise": RobotTiming(model="enterprise", move_seconds=6.0, robots=2),
    "virtual": RobotTiming(model="virtual", move_seconds=0.5),
}


@attrs.frozen(kw_only=True)
class VlsTiming:
    """How fast a VLS feeds its copy streams.

    ``stream_rate`` is the rate at which one copy stream reads a virtual cartridge from
    the VLS disks; a physical drive is fed at that rate, so a stream slower than the
    drive's minimum speed-matching rate makes it shoe-shine. ``setup_seconds`` is the
    fixed cost of starting a copy (opening the virtual cartridge, checking the order).
    """

    stream_rate: int = attrs.field(default=300 * 10**6, validator=_positive_int)
    setup_seconds: float = attrs.field(default=2.0, validator=_non_negative)
