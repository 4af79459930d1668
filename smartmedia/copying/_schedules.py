"""When scheduled copies run: cron-style and interval schedules, with time zones.

A :class:`Schedule` is a frozen value (serialisable by the library's converter) with one
pure question, :meth:`Schedule.next_run`: the first run strictly after an instant.

Invariants this module keeps:

* a cron schedule's runs are the wall-clock minutes of its time zone that match the
  expression, each mapped to one instant: an ordinary minute to itself; a minute that
  occurs twice (clocks turned back) to its *first* occurrence only; a minute that does
  not exist (clocks turned forward) to the first valid instant after it — the moment of
  the change. Several missing minutes map to that same instant, which is one run;
* that mapping never goes back in time as the wall minute grows, so ``next_run`` can
  walk matching wall minutes in order and stop at the first one past ``after``;
* comparisons are made in UTC: two datetimes of the same zone compare by wall time in
  Python, which is wrong inside a repeated hour.
"""

from __future__ import annotations

import bisect
import datetime as _dt
import enum
import functools
import re
from typing import NamedTuple
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import attrs

from smartmedia.errors import ValidationError
from smartmedia.model import _validators as v

__all__ = ["Schedule", "ScheduleKind"]

UTC = _dt.timezone.utc
_MINUTE = _dt.timedelta(minutes=1)
_MICROSECOND = _dt.timedelta(microseconds=1)

MONTH_NAMES = ("JAN", "FEB", "MAR", "APR", "MAY", "JUN", "JUL", "AUG", "SEP", "OCT", "NOV", "DEC")
DAY_NAMES = ("SUN", "MON", "TUE", "WED", "THU", "FRI", "SAT")

#: Shorthands accepted in place of the five fields.
MACROS = {
    "@yearly": "0 0 1 1 *",
    "@annually": "0 0 1 1 *",
    "@monthly": "0 0 1 * *",
    "@weekly": "0 0 * * 0",
    "@daily": "0 0 * * *",
    "@midnight": "0 0 * * *",
    "@hourly": "0 * * * *",
}


class _Field(NamedTuple):
    name: str
    low: int
    high: int
    names: tuple[str, ...]  # names[i] is the value low_name + i
    name_base: int


_FIELDS = (
    _Field("minute", 0, 59, (), 0),
    _Field("hour", 0, 23, (), 0),
    _Field("day_of_month", 1, 31, (), 1),
    _Field("month", 1, 12, MONTH_NAMES, 1),
    _Field("day_of_week", 0, 7, DAY_NAMES, 0),
)

_ITEM = re.compile(
    r"(?:(?P<star>\*)|(?P<first>[A-Za-z0-9]+)(?:-(?P<last>[A-Za-z0-9]+))?)(?:/(?P<step>[0-9]+))?"
)

# Longest month length, February counted with its leap day.
_MONTH_DAYS = (31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31)


class _Cron(NamedTuple):
    """A parsed cron expression: the sorted values each field allows."""

    minutes: tuple[int, ...]
    hours: tuple[int, ...]
    days: frozenset[int]
    months: tuple[int, ...]
    weekdays: frozenset[int]  # 0 = Sunday
    any_day: bool  # day-of-month field starts with "*"
    any_weekday: bool  # day-of-week field starts with "*"

    def day_matches(self, day: _dt.date) -> bool:
        """The standard (Vixie cron) rule: when both day fields are restricted, either may
        match; when one starts with ``*``, both must (so the other one decides)."""
        in_month = day.day in self.days
        in_week = day.isoweekday() % 7 in self.weekdays
        if self.any_day or self.any_weekday:
            return in_month and in_week
        return in_month or in_week

    def next_match(self, t: _dt.datetime) -> _dt.datetime:
        """The first naive wall minute at or after ``t`` (a whole minute) that matches."""
        while True:
            if t.month not in self.months:
                later = bisect.bisect_right(self.months, t.month)
                if later < len(self.months):
                    t = _dt.datetime(t.year, self.months[later], 1)
                else:
                    t = _dt.datetime(t.year + 1, self.months[0], 1)
                continue
            if not self.day_matches(t.date()):
                t = _dt.datetime(t.year, t.month, t.day) + _dt.timedelta(days=1)
                continue
            if t.hour not in self.hours:
                later = bisect.bisect_right(self.hours, t.hour)
                if later < len(self.hours):
                    t = t.replace(hour=self.hours[later], minute=0)
                else:
                    t = _dt.datetime(t.year, t.month, t.day) + _dt.timedelta(days=1)
                continue
            if t.minute not in self.minutes:
                later = bisect.bisect_right(self.minutes, t.minute)
                if later < len(self.minutes):
                    t = t.replace(minute=self.minutes[later])
                else:
                    t = t.replace(minute=0) + _dt.timedelta(hours=1)
                continue
            return t


def _error(field: _Field, column: int, message: str) -> ValidationError:
    return ValidationError(f"at position {column}: {message}", path=f"expression.{field.name}")


def _value(field: _Field, text: str, column: int) -> int:
    if text.isdigit():
        number = int(text)
    elif text.upper() in field.names:
        number = field.names.index(text.upper()) + field.name_base
    else:
        kind = f"a number or a name ({', '.join(field.names)})" if field.names else "a number"
        raise _error(field, column, f"{text!r} is not {kind}")
    if not field.low <= number <= field.high:
        raise _error(field, column, f"{number} is out of range {field.low}-{field.high}")
    return number


def _parse_field(field: _Field, text: str, column: int) -> frozenset[int]:
    """The values ``text`` (one field, starting at 1-based ``column``) allows."""
    values: set[int] = set()
    offset = 0
    for item in text.split(","):
        at = column + offset
        offset += len(item) + 1
        if not item:
            raise _error(field, at, "empty item in a list")
        match = _ITEM.fullmatch(item)
        if match is None:
            raise _error(field, at, f"{item!r} is not '*', a value, a range or a step")
        step = 1
        if match["step"] is not None:
            step = int(match["step"])
            if step == 0:
                raise _error(field, at + item.index("/") + 1, "a step must be at least 1")
        if match["star"]:
            first, last = field.low, field.high
        else:
            first = _value(field, match["first"], at)
            last = field.high if match["step"] is not None else first
            if match["last"] is not None:
                last_at = at + len(match["first"]) + 1
                last = _value(field, match["last"], last_at)
                if last < first:
                    raise _error(field, at, f"the range {item!r} ends before it starts")
        values.update(range(first, last + 1, step))
    if field.name == "day_of_week" and 7 in values:
        values.discard(7)
        values.add(0)  # 7 is Sunday, like 0
    return frozenset(values)


@functools.lru_cache(maxsize=512)
def _parse(expression: str) -> _Cron:
    """Parse a cron expression; :class:`ValidationError` names the field and position."""
    stripped = expression.strip()
    if stripped.startswith("@"):
        if stripped.lower() not in MACROS:
            raise ValidationError(
                f"unknown shorthand {stripped!r} (one of {', '.join(MACROS)})", path="expression"
            )
        return _parse(MACROS[stripped.lower()])
    tokens = list(re.finditer(r"\S+", expression))
    if len(tokens) != len(_FIELDS):
        raise ValidationError(
            f"expected 5 fields (minute hour day-of-month month day-of-week), found {len(tokens)}",
            path="expression",
        )
    sets = [
        _parse_field(field, token.group(), token.start() + 1)
        for field, token in zip(_FIELDS, tokens, strict=True)
    ]
    minutes, hours, days, months, weekdays = sets
    cron = _Cron(
        minutes=tuple(sorted(minutes)),
        hours=tuple(sorted(hours)),
        days=days,
        months=tuple(sorted(months)),
        weekdays=weekdays,
        any_day=tokens[2].group().startswith("*"),
        any_weekday=tokens[4].group().startswith("*"),
    )
    # When only the day of the month decides, it must exist in some chosen month.
    only_days = cron.any_weekday and not cron.any_day
    if only_days and not any(d <= _MONTH_DAYS[m - 1] for m in cron.months for d in cron.days):
        raise _error(_FIELDS[2], tokens[2].start() + 1, "no chosen month has any of these days")
    return cron


def _zone(name: str) -> ZoneInfo:
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError, OSError):
        raise ValidationError(f"{name!r} is not an IANA time zone name", path="tz") from None


def _offset(instant: _dt.datetime, zone: ZoneInfo) -> _dt.timedelta | None:
    return instant.astimezone(zone).utcoffset()


def _resolve(wall: _dt.datetime, zone: ZoneInfo) -> _dt.datetime:
    """The instant a matching wall minute runs at (see the module docstring)."""
    first = wall.replace(tzinfo=zone, fold=0)
    if first.astimezone(UTC).astimezone(zone).replace(tzinfo=None) == wall:
        return first  # exists; fold=0 is the first occurrence when it repeats
    # In a gap: fold=1 reads it with the offset after the change (an instant before the
    # change), fold=0 with the offset before it (an instant after). The change is between.
    low = wall.replace(tzinfo=zone, fold=1).astimezone(UTC)
    high = first.astimezone(UTC)
    before = _offset(low, zone)
    if _offset(high, zone) == before:
        return high.astimezone(zone)
    # Smallest instant in (low, high] whose offset differs from low's: the change.
    lo_us, hi_us = 0, (high - low) // _MICROSECOND
    while hi_us - lo_us > 1:
        mid = (lo_us + hi_us) // 2
        if _offset(low + mid * _MICROSECOND, zone) == before:
            lo_us = mid
        else:
            hi_us = mid
    return (low + hi_us * _MICROSECOND).astimezone(zone)


def _local(instant: _dt.datetime, zone: ZoneInfo) -> _dt.datetime:
    """``instant`` as the wall time of ``zone``, with that moment's UTC offset fixed."""
    wall = instant.astimezone(zone)
    return wall.replace(tzinfo=_dt.timezone(wall.utcoffset() or _dt.timedelta(0)), fold=0)


class ScheduleKind(enum.Enum):
    """The two shapes of schedule."""

    CRON = "cron"
    INTERVAL = "interval"


def _aware(name: str, value: object) -> _dt.datetime:
    if not isinstance(value, _dt.datetime):
        raise ValidationError(f"must be a datetime, not {value!r}", path=name)
    if value.tzinfo is None or value.utcoffset() is None:
        raise ValidationError(
            f"{value.isoformat()} has no time zone; give an aware datetime", path=name
        )
    return value


@attrs.frozen(kw_only=True)
class Schedule:
    """When a scheduled copy runs. Build one with :meth:`cron` or :meth:`every`.

    ``kind`` says which; a cron schedule has an ``expression``, an interval schedule an
    ``interval`` and its ``start``. ``tz`` is an IANA time zone name: cron expressions are
    read in its wall-clock time, and :meth:`next_run` answers in its local time.

    >>> import datetime as dt
    >>> nightly = Schedule.cron("0 2 * * MON-FRI", tz="Europe/Berlin")
    >>> nightly.next_run(dt.datetime(2026, 3, 27, 12, 0, tzinfo=dt.timezone.utc)).isoformat()
    '2026-03-30T02:00:00+02:00'
    """

    kind: ScheduleKind = attrs.field(validator=v.instance_of(ScheduleKind))
    tz: str = attrs.field(default="UTC", validator=v.text(max_length=64))
    expression: str | None = attrs.field(default=None, validator=v.optional(v.text(max_length=256)))
    interval: _dt.timedelta | None = attrs.field(
        default=None, validator=v.optional(v.instance_of(_dt.timedelta))
    )
    start: _dt.datetime | None = attrs.field(default=None, validator=v.optional(v.aware_datetime))

    def __attrs_post_init__(self) -> None:
        _zone(self.tz)
        if self.kind is ScheduleKind.CRON:
            if self.expression is None:
                raise ValidationError("a cron schedule needs an expression", path="expression")
            if self.interval is not None or self.start is not None:
                raise ValidationError("a cron schedule has no interval or start", path="interval")
            _parse(self.expression)
        else:
            if self.expression is not None:
                raise ValidationError("an interval schedule has no expression", path="expression")
            if self.interval is None:
                raise ValidationError("an interval schedule needs an interval", path="interval")
            if self.start is None:
                raise ValidationError("an interval schedule needs a start", path="start")
            if self.interval < _dt.timedelta(seconds=1) or self.interval.microseconds:
                raise ValidationError(
                    f"must be a whole number of seconds, at least 1, not {self.interval}",
                    path="interval",
                )

    @classmethod
    def cron(cls, expression: str, *, tz: str = "UTC") -> Schedule:
        """Runs at the wall-clock minutes of ``tz`` that ``expression`` matches.

        Five fields, separated by blanks: minute (0-59), hour (0-23), day of month
        (1-31), month (1-12 or JAN-DEC), day of week (0-7 or SUN-SAT; 0 and 7 are
        Sunday). Each field is ``*``, a value, a range ``a-b``, a step ``*/n``, ``a-b/n``
        or ``a/n`` (from ``a`` to the end), or a comma-separated list of those. Names are
        case-insensitive. When both day fields are restricted a day matching either
        runs; when one of them starts with ``*`` the other one decides. ``@hourly``,
        ``@daily``, ``@weekly``, ``@monthly`` and ``@yearly`` are accepted.

        Raises :class:`~smartmedia.errors.ValidationError` whose path names the field
        (``expression.hour``) and whose message gives the 1-based position.
        """
        return cls(kind=ScheduleKind.CRON, expression=expression, tz=tz)

    @classmethod
    def every(
        cls, interval: _dt.timedelta, *, start: _dt.datetime, tz: str | None = None
    ) -> Schedule:
        """Runs at ``start``, ``start + interval``, ``start + 2 * interval``, ...

        The interval is elapsed time (a whole number of seconds), not wall-clock time:
        ``every(timedelta(days=1))`` keeps 24 hours between runs across a daylight saving
        change, so its local time shifts by an hour. Use :meth:`cron` for "every day at
        02:00". ``tz`` (default: ``start``'s zone when it is an IANA zone, else UTC) only
        sets the zone :meth:`next_run` answers in.
        """
        start = _aware("start", start)
        if tz is None:
            tz = start.tzinfo.key if isinstance(start.tzinfo, ZoneInfo) else "UTC"
        return cls(kind=ScheduleKind.INTERVAL, interval=interval, start=start, tz=tz)

    @property
    def zone(self) -> ZoneInfo:
        """The time zone, as a :class:`zoneinfo.ZoneInfo`."""
        return _zone(self.tz)

    def next_run(self, after: _dt.datetime) -> _dt.datetime:
        """The first run strictly after the aware datetime ``after``.

        The answer is the wall time of this schedule's zone with the UTC offset of that
        moment, as a fixed offset (``2026-10-25T02:30:00+02:00``): unlike a datetime
        carrying the zone itself, it compares, subtracts and serialises exactly, even in
        a repeated hour. ``run.astimezone(schedule.zone)`` gives the zone back.

        Pure: the same arguments give the same answer. Raises
        :class:`~smartmedia.errors.ValidationError` for a naive ``after``, or when the
        next run would fall after the year 9999.
        """
        after = _aware("after", after)
        zone = self.zone
        moment = after.astimezone(UTC)
        try:
            if self.kind is ScheduleKind.INTERVAL:
                assert self.start is not None
                assert self.interval is not None
                start = self.start.astimezone(UTC)
                if moment < start:
                    return _local(start, zone)
                count = (moment - start) // self.interval + 1
                return _local(start + count * self.interval, zone)
            assert self.expression is not None
            cron = _parse(self.expression)
            wall = moment.astimezone(zone).replace(tzinfo=None, second=0, microsecond=0, fold=0)
            while True:
                wall = cron.next_match(wall)
                run = _resolve(wall, zone)
                if run.astimezone(UTC) > moment:
                    return _local(run, zone)
                wall += _MINUTE
        except OverflowError:
            raise ValidationError(
                f"no run after {after.isoformat()} before the year 10000", path="after"
            ) from None

    def runs(self, after: _dt.datetime, count: int) -> list[_dt.datetime]:
        """The next ``count`` runs strictly after ``after``, in order."""
        found: list[_dt.datetime] = []
        for _ in range(count):
            after = self.next_run(after)
            found.append(after)
        return found
