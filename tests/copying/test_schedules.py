"""Schedules: cron and interval specs, time zones, daylight saving, parse errors."""

import datetime as dt
import doctest
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from smartmedia.copying import _schedules
from smartmedia.copying._schedules import Schedule, ScheduleKind
from smartmedia.errors import ValidationError
from smartmedia.serialization import from_json, structure, to_json, unstructure

UTC = dt.timezone.utc
BERLIN = ZoneInfo("Europe/Berlin")
NEW_YORK = ZoneInfo("America/New_York")
LORD_HOWE = ZoneInfo("Australia/Lord_Howe")  # moves its clocks by 30 minutes


def utc(*args):
    return dt.datetime(*args, tzinfo=UTC)


def local(zone, *args, fold=0):
    return dt.datetime(*args, tzinfo=zone, fold=fold)


def assert_local(run, tz):
    """``run`` is the wall time of ``tz``, with the offset of that moment, fixed."""
    in_zone = run.astimezone(ZoneInfo(tz))
    assert run.replace(tzinfo=None) == in_zone.replace(tzinfo=None)
    assert run.utcoffset() == in_zone.utcoffset()
    assert run.tzinfo == dt.timezone(run.utcoffset())


# --------------------------------------------------------------------------- examples

EXAMPLES = [
    # expression, tz, after (UTC), expected next run (UTC)
    ("0 2 * * *", "UTC", utc(2026, 1, 1, 1, 0), utc(2026, 1, 1, 2, 0)),
    ("0 2 * * *", "UTC", utc(2026, 1, 1, 2, 0), utc(2026, 1, 2, 2, 0)),  # strictly after
    ("0 2 * * *", "UTC", utc(2026, 1, 1, 1, 59, 59, 999999), utc(2026, 1, 1, 2, 0)),
    ("*/15 * * * *", "UTC", utc(2026, 1, 1, 0, 7), utc(2026, 1, 1, 0, 15)),
    ("5-10/2 * * * *", "UTC", utc(2026, 1, 1, 0, 7, 30), utc(2026, 1, 1, 0, 9)),
    ("50/5 * * * *", "UTC", utc(2026, 1, 1, 0, 56), utc(2026, 1, 1, 1, 50)),  # a/n runs to 59
    ("0 0 1,15 * *", "UTC", utc(2026, 1, 2), utc(2026, 1, 15)),
    ("0 0 31 * *", "UTC", utc(2026, 2, 1), utc(2026, 3, 31)),  # skips months without a 31st
    ("0 0 29 2 *", "UTC", utc(2097, 3, 1), utc(2104, 2, 29)),  # 2100 is no leap year
    ("0 12 * JAN,jul *", "UTC", utc(2026, 2, 1), utc(2026, 7, 1, 12)),
    ("0 2 * * MON-FRI", "UTC", utc(2026, 1, 2, 3), utc(2026, 1, 5, 2)),  # Fri 3:00 -> Mon
    ("0 2 * * 7", "UTC", utc(2026, 1, 1), utc(2026, 1, 4, 2)),  # 7 is Sunday
    ("0 2 * * 0", "UTC", utc(2026, 1, 1), utc(2026, 1, 4, 2)),
    ("0 2 * * sat-7", "UTC", utc(2026, 1, 1), utc(2026, 1, 3, 2)),
    ("0 23 31 12 *", "UTC", utc(2026, 6, 1), utc(2026, 12, 31, 23)),
    ("@daily", "UTC", utc(2026, 1, 1, 12), utc(2026, 1, 2)),
    ("@hourly", "UTC", utc(2026, 1, 1, 12, 1), utc(2026, 1, 1, 13)),
    ("@weekly", "UTC", utc(2026, 1, 1), utc(2026, 1, 4)),
    ("@MONTHLY", "UTC", utc(2026, 1, 1), utc(2026, 2, 1)),
    ("@yearly", "UTC", utc(2026, 1, 1), utc(2027, 1, 1)),
    ("@annually", "UTC", utc(2026, 1, 1), utc(2027, 1, 1)),
    ("@midnight", "UTC", utc(2026, 1, 1), utc(2026, 1, 2)),
    # time zones: 02:00 in Berlin is 01:00 UTC in winter and 00:00 UTC in summer
    ("0 2 * * *", "Europe/Berlin", utc(2026, 1, 1, 12), utc(2026, 1, 2, 1)),
    ("0 2 * * *", "Europe/Berlin", utc(2026, 7, 1, 12), utc(2026, 7, 2, 0)),
    ("0 2 * * *", "America/New_York", utc(2026, 1, 1, 12), utc(2026, 1, 2, 7)),
    # the day in the zone decides the day of the week: Monday 01:00 Berlin is Sunday in UTC
    ("0 1 * * MON", "Europe/Berlin", utc(2026, 1, 1), utc(2026, 1, 5, 0)),
]


@pytest.mark.parametrize(("expression", "tz", "after", "expected"), EXAMPLES)
def test_cron_examples(expression, tz, after, expected):
    run = Schedule.cron(expression, tz=tz).next_run(after)
    assert run == expected
    assert_local(run, tz)


def test_both_day_fields_restricted_either_matches():
    # the 13th, or any Friday
    schedule = Schedule.cron("0 0 13 * FRI", tz="UTC")
    runs = schedule.runs(utc(2026, 2, 1), 5)
    assert [r.date() for r in runs] == [
        dt.date(2026, 2, 6),  # Friday
        dt.date(2026, 2, 13),  # the 13th (and a Friday)
        dt.date(2026, 2, 20),
        dt.date(2026, 2, 27),
        dt.date(2026, 3, 6),
    ]
    runs = schedule.runs(utc(2026, 3, 7), 3)
    assert [r.date() for r in runs] == [
        dt.date(2026, 3, 13),  # the 13th
        dt.date(2026, 3, 20),
        dt.date(2026, 3, 27),
    ]
    runs = Schedule.cron("0 0 1 * MON", tz="UTC").runs(utc(2026, 1, 20), 3)
    assert [r.date() for r in runs] == [
        dt.date(2026, 1, 26),  # Monday
        dt.date(2026, 2, 1),  # the 1st (a Sunday)
        dt.date(2026, 2, 2),  # Monday
    ]


def test_a_day_field_starting_with_star_leaves_the_other_to_decide():
    # day of week "*": only the day of month counts, and the other way round
    assert Schedule.cron("0 0 13 * *").next_run(utc(2026, 2, 1)) == utc(2026, 2, 13)
    assert Schedule.cron("0 0 * * FRI").next_run(utc(2026, 2, 1)) == utc(2026, 2, 6)
    # "*/2" starts with "*": both must match (odd days of the month that are Fridays)
    runs = Schedule.cron("0 0 */2 * FRI").runs(utc(2026, 2, 1), 3)
    assert [r.date() for r in runs] == [
        dt.date(2026, 2, 13),
        dt.date(2026, 2, 27),
        dt.date(2026, 3, 13),
    ]


# -------------------------------------------------------------------- daylight saving


def test_spring_forward_missing_time_runs_at_the_change():
    # 2026-03-29: Berlin jumps from 02:00 CET to 03:00 CEST (01:00 UTC)
    schedule = Schedule.cron("30 2 * * *", tz="Europe/Berlin")
    runs = schedule.runs(utc(2026, 3, 27, 12), 3)
    assert [r.astimezone(UTC) for r in runs] == [
        utc(2026, 3, 28, 1, 30),
        utc(2026, 3, 29, 1, 0),  # the first valid instant after 02:30: 03:00 CEST
        utc(2026, 3, 30, 0, 30),
    ]
    assert runs[1].isoformat() == "2026-03-29T03:00:00+02:00"


def test_several_missing_minutes_run_once():
    schedule = Schedule.cron("*/20 2,3 * * *", tz="Europe/Berlin")
    runs = schedule.runs(utc(2026, 3, 29, 0), 4)
    # 02:00, 02:20, 02:40 do not exist: one run at 03:00, then 03:20, 03:40, next day
    assert [r.isoformat() for r in runs] == [
        "2026-03-29T03:00:00+02:00",
        "2026-03-29T03:20:00+02:00",
        "2026-03-29T03:40:00+02:00",
        "2026-03-30T02:00:00+02:00",
    ]


def test_fall_back_repeated_time_runs_once_at_its_first_occurrence():
    # 2026-10-25: Berlin turns 03:00 CEST back to 02:00 CET; 02:30 happens twice
    schedule = Schedule.cron("30 2 * * *", tz="Europe/Berlin")
    runs = schedule.runs(utc(2026, 10, 24, 12), 2)
    assert [r.astimezone(UTC) for r in runs] == [
        utc(2026, 10, 25, 0, 30),  # 02:30 CEST, the first time
        utc(2026, 10, 26, 1, 30),  # not 01:30 UTC (02:30 CET, the second time)
    ]
    # a fixed offset: equal to the same instant in any zone, even in the repeated hour
    assert runs[0] == utc(2026, 10, 25, 0, 30)
    assert runs[0].isoformat() == "2026-10-25T02:30:00+02:00"
    # asked from between the two occurrences, it does not run the second one
    between = local(BERLIN, 2026, 10, 25, 2, 10, fold=1)
    assert schedule.next_run(between).astimezone(UTC) == utc(2026, 10, 26, 1, 30)


def test_fall_back_frequent_schedule_skips_the_repeated_hour():
    schedule = Schedule.cron("*/30 * * * *", tz="Europe/Berlin")
    runs = schedule.runs(utc(2026, 10, 24, 23, 45), 5)
    assert [r.astimezone(UTC) for r in runs] == [
        utc(2026, 10, 25, 0, 0),  # 02:00 CEST
        utc(2026, 10, 25, 0, 30),  # 02:30 CEST
        utc(2026, 10, 25, 2, 0),  # 03:00 CET (02:00 and 02:30 CET are not run again)
        utc(2026, 10, 25, 2, 30),
        utc(2026, 10, 25, 3, 0),
    ]


def test_after_given_in_the_schedule_zone_inside_the_repeated_hour():
    # two datetimes of the same zone compare by wall time in Python; next_run must not
    schedule = Schedule.cron("45 * * * *", tz="Europe/Berlin")
    second_pass = local(BERLIN, 2026, 10, 25, 2, 50, fold=1)  # 01:50 UTC
    run = schedule.next_run(second_pass)
    assert run.astimezone(UTC) == utc(2026, 10, 25, 2, 45)
    first_pass = local(BERLIN, 2026, 10, 25, 2, 50, fold=0)  # 00:50 UTC
    assert schedule.next_run(first_pass).astimezone(UTC) == utc(2026, 10, 25, 2, 45)


def test_new_york_and_a_half_hour_change():
    spring = Schedule.cron("15 2 * * *", tz="America/New_York")
    assert spring.next_run(utc(2026, 3, 8, 0)).isoformat() == "2026-03-08T03:00:00-04:00"
    fall = Schedule.cron("15 1 * * *", tz="America/New_York")
    runs = fall.runs(utc(2026, 10, 31, 12), 2)
    assert [r.astimezone(UTC) for r in runs] == [utc(2026, 11, 1, 5, 15), utc(2026, 11, 2, 6, 15)]
    # Lord Howe Island: 02:00 -> 02:30 on 2026-10-04; 02:10 runs at 02:30 (+11:00)
    howe = Schedule.cron("10 2 * * *", tz="Australia/Lord_Howe")
    assert howe.next_run(utc(2026, 10, 3, 0)).isoformat() == "2026-10-04T02:30:00+11:00"


# ------------------------------------------------------------------------- intervals


def test_interval_is_anchored_at_its_start():
    start = utc(2026, 1, 1, 0, 10)
    schedule = Schedule.every(dt.timedelta(hours=6), start=start)
    assert schedule.kind is ScheduleKind.INTERVAL
    assert schedule.next_run(utc(2025, 6, 1)) == start  # before the start: the start
    assert schedule.next_run(start - dt.timedelta(microseconds=1)) == start
    assert schedule.next_run(start) == utc(2026, 1, 1, 6, 10)
    assert schedule.next_run(utc(2026, 1, 3, 5)) == utc(2026, 1, 3, 6, 10)
    assert schedule.runs(utc(2026, 1, 1, 6, 10), 2) == [
        utc(2026, 1, 1, 12, 10),
        utc(2026, 1, 1, 18, 10),
    ]


def test_interval_is_elapsed_time_across_daylight_saving():
    start = local(BERLIN, 2026, 3, 28, 2, 0)
    schedule = Schedule.every(dt.timedelta(days=1), start=start)
    assert schedule.tz == "Europe/Berlin"  # taken from the start's zone
    runs = schedule.runs(start, 2)
    # same-zone datetimes subtract by wall time in Python: compare in UTC
    assert runs[0].astimezone(UTC) - start.astimezone(UTC) == dt.timedelta(days=1)
    assert runs[0].isoformat() == "2026-03-29T03:00:00+02:00"  # 24 h later, an hour on
    assert runs[1].isoformat() == "2026-03-30T03:00:00+02:00"
    fixed = Schedule.every(
        dt.timedelta(hours=1),
        start=dt.datetime(2026, 1, 1, tzinfo=dt.timezone(dt.timedelta(hours=5))),
    )
    assert fixed.tz == "UTC"
    tokyo = Schedule.every(dt.timedelta(hours=1), start=start, tz="Asia/Tokyo")
    assert tokyo.next_run(start).isoformat() == "2026-03-28T11:00:00+09:00"


# ----------------------------------------------------------------------------- errors

BAD_EXPRESSIONS = [
    # expression, path, text in the message
    ("0 2 * *", "expression", "expected 5 fields"),
    ("0 2 * * * *", "expression", "found 6"),
    ("   ", "expression", "found 0"),
    ("", "expression", "1 to 256 characters"),
    ("60 * * * *", "expression.minute", "position 1: 60 is out of range 0-59"),
    ("0 24 * * *", "expression.hour", "position 3: 24 is out of range 0-23"),
    ("0 0 0 * *", "expression.day_of_month", "position 5: 0 is out of range 1-31"),
    ("0 0 32 * *", "expression.day_of_month", "position 5: 32 is out of range"),
    ("0 0 * 13 *", "expression.month", "position 7: 13 is out of range 1-12"),
    ("0 0 * * 8", "expression.day_of_week", "position 9: 8 is out of range 0-7"),
    ("0 0 * FOO *", "expression.month", "position 7: 'FOO' is not a number or a name"),
    ("0 0 * * MONDAY", "expression.day_of_week", "'MONDAY' is not"),
    ("0 MON * * *", "expression.hour", "'MON' is not a number"),
    ("0 0 * * 1-FOO", "expression.day_of_week", "position 11: 'FOO'"),
    ("0  5-2 * * *", "expression.hour", "position 4: the range '5-2' ends before it starts"),
    ("*/0 * * * *", "expression.minute", "position 3: a step must be at least 1"),
    ("1,,2 * * * *", "expression.minute", "position 3: empty item"),
    ("0 1, * * *", "expression.hour", "position 5: empty item"),
    ("0 0 * * */x", "expression.day_of_week", "is not '*', a value"),
    ("0 0 * * -1", "expression.day_of_week", "is not '*', a value"),
    ("0 0 30 2 *", "expression.day_of_month", "position 5: no chosen month"),
    ("0 0 31 4,6,9,11 *", "expression.day_of_month", "no chosen month"),
    ("@reboot", "expression", "unknown shorthand"),
]


@pytest.mark.parametrize(("expression", "path", "message"), BAD_EXPRESSIONS)
def test_parse_errors_name_the_field_and_position(expression, path, message):
    with pytest.raises(ValidationError) as caught:
        Schedule.cron(expression)
    assert caught.value.path == path
    assert message in caught.value.message


def test_impossible_day_is_fine_when_the_weekday_may_match():
    # the 30th of February never comes, but Mondays in February do
    run = Schedule.cron("0 0 30 2 MON").next_run(utc(2026, 1, 1))
    assert run == utc(2026, 2, 2)


def test_bad_schedules_are_refused():
    with pytest.raises(ValidationError) as caught:
        Schedule.cron("0 2 * * *", tz="Europe/Nowhere")
    assert caught.value.path == "tz"
    with pytest.raises(ValidationError, match="tz"):
        Schedule.cron("0 2 * * *", tz="../etc/passwd")
    start = utc(2026, 1, 1)
    for interval in (dt.timedelta(0), dt.timedelta(seconds=-5), dt.timedelta(milliseconds=1500)):
        with pytest.raises(ValidationError) as caught:
            Schedule.every(interval, start=start)
        assert caught.value.path == "interval"
    with pytest.raises(ValidationError) as caught:
        Schedule.every(dt.timedelta(hours=1), start=dt.datetime(2026, 1, 1))
    assert caught.value.path == "start"
    with pytest.raises(ValidationError) as caught:
        Schedule(kind=ScheduleKind.CRON, expression="0 0 * * *", interval=dt.timedelta(hours=1))
    assert caught.value.path == "interval"
    with pytest.raises(ValidationError) as caught:
        Schedule(kind=ScheduleKind.CRON)
    assert caught.value.path == "expression"
    with pytest.raises(ValidationError) as caught:
        Schedule(kind=ScheduleKind.INTERVAL, interval=dt.timedelta(hours=1))
    assert caught.value.path == "start"
    with pytest.raises(ValidationError) as caught:
        Schedule(kind=ScheduleKind.INTERVAL, start=start, expression="* * * * *")
    assert caught.value.path == "expression"


def test_next_run_refuses_naive_times_and_the_end_of_time():
    schedule = Schedule.cron("0 2 * * *")
    with pytest.raises(ValidationError) as caught:
        schedule.next_run(dt.datetime(2026, 1, 1))
    assert caught.value.path == "after"
    with pytest.raises(ValidationError, match="year 10000"):
        schedule.next_run(utc(9999, 12, 31, 3))
    with pytest.raises(ValidationError, match="year 10000"):
        Schedule.every(dt.timedelta(days=1), start=utc(2026, 1, 1)).next_run(utc(9999, 12, 31, 3))


# ---------------------------------------------------------------------- serialisation


def test_schedules_round_trip_through_the_converter():
    for schedule in (
        Schedule.cron("0 2 * * MON-FRI", tz="Europe/Berlin"),
        Schedule.every(dt.timedelta(hours=6), start=local(BERLIN, 2026, 1, 1, 3, 0)),
    ):
        back = from_json(to_json(schedule), Schedule)
        assert back.kind is schedule.kind
        assert back.next_run(utc(2026, 5, 5)) == schedule.next_run(utc(2026, 5, 5))
    assert unstructure(Schedule.cron("@daily", tz="Europe/Berlin")) == {
        "kind": "cron",
        "tz": "Europe/Berlin",
        "expression": "@daily",
        "interval": None,
        "start": None,
    }


def test_bad_documents_are_reported_with_paths():
    with pytest.raises(ValidationError) as caught:
        structure({"kind": "cron", "tz": "UTC", "expression": "0 25 * * *"}, Schedule)
    assert caught.value.path == "expression.hour"
    with pytest.raises(ValidationError) as caught:
        structure({"kind": "weekly", "tz": "UTC"}, Schedule)
    assert caught.value.path == "kind"
    with pytest.raises(ValidationError) as caught:
        structure({"kind": "interval", "interval": 60, "start": "2026-01-01T00:00:00"}, Schedule)
    assert caught.value.path == "start"


# ------------------------------------------------------------------- property tests
#
# Cron expressions are drawn together with the values each field should allow, worked
# out here independently of the parser; a brute-force reference then walks the window
# minute by minute in the schedule's wall-clock time.

FIELD_RANGES = {"minute": (0, 59), "hour": (0, 23), "dom": (1, 31), "month": (1, 12), "dow": (0, 7)}
NAMES = {
    "month": ["JAN", "FEB", "MAR", "APR", "MAY", "JUN", "JUL", "AUG", "SEP", "OCT", "NOV", "DEC"],
    "dow": ["SUN", "MON", "TUE", "WED", "THU", "FRI", "SAT"],
}


@st.composite
def cron_items(draw, field):
    low, high = FIELD_RANGES[field]

    def show(value):
        names = NAMES.get(field)
        if names and value - (field == "month") < len(names) and draw(st.booleans()):
            name = names[value - (field == "month")]
            return draw(st.sampled_from([name, name.lower(), name.title()]))
        return str(value)

    kind = draw(st.sampled_from(["star", "star_step", "value", "range", "range_step", "from_step"]))
    if kind == "star":
        return "*", set(range(low, high + 1))
    step = draw(st.integers(1, high - low + 1))
    if kind == "star_step":
        return f"*/{step}", set(range(low, high + 1, step))
    first = draw(st.integers(low, high))
    if kind == "value":
        return show(first), {first}
    if kind == "from_step":
        return f"{first}/{step}", set(range(first, high + 1, step))
    last = draw(st.integers(first, high))
    if kind == "range":
        return f"{show(first)}-{show(last)}", set(range(first, last + 1))
    return f"{show(first)}-{show(last)}/{step}", set(range(first, last + 1, step))


@st.composite
def cron_fields(draw, field, star_weight):
    if draw(st.integers(0, 9)) < star_weight:
        return "*", set(range(FIELD_RANGES[field][0], FIELD_RANGES[field][1] + 1))
    items = draw(st.lists(cron_items(field), min_size=1, max_size=3))
    values = set().union(*(v for _, v in items))
    return ",".join(t for t, _ in items), values


@st.composite
def crons(draw):
    """(expression, matcher) where matcher(naive wall datetime) says if it runs."""
    minute = draw(cron_fields("minute", 2))
    hour = draw(cron_fields("hour", 5))
    dom = draw(cron_fields("dom", 6))
    month = draw(cron_fields("month", 8))
    dow = draw(cron_fields("dow", 6))
    days = dom[1]
    weekdays = {d % 7 for d in dow[1]}
    if dow[0].startswith("*") and not dom[0].startswith("*"):
        # refused by the parser when no chosen month has any chosen day: keep it possible
        longest = {
            1: 31,
            2: 29,
            3: 31,
            4: 30,
            5: 31,
            6: 30,
            7: 31,
            8: 31,
            9: 30,
            10: 31,
            11: 30,
            12: 31,
        }
        if not any(d <= longest[m] for m in month[1] for d in days):
            dom = ("1", {1})
            days = {1}
    either = not dom[0].startswith("*") and not dow[0].startswith("*")

    def matches(wall):
        in_month = wall.day in days
        in_week = wall.isoweekday() % 7 in weekdays
        day_ok = (in_month or in_week) if either else (in_month and in_week)
        return (
            wall.minute in minute[1] and wall.hour in hour[1] and wall.month in month[1] and day_ok
        )

    expression = " ".join(f for f, _ in (minute, hour, dom, month, dow))
    return expression, matches


def exists(wall, zone):
    return wall.replace(tzinfo=zone).astimezone(UTC).astimezone(zone).replace(tzinfo=None) == wall


def reference_instant(wall, zone):
    """Existing: its first occurrence. Missing: the first existing wall minute after it."""
    while not exists(wall, zone):
        wall += dt.timedelta(minutes=1)
    return wall.replace(tzinfo=zone, fold=0).astimezone(UTC)


def reference_runs(matches, zone, after, until):
    wall = after.astimezone(zone).replace(tzinfo=None, second=0, microsecond=0, fold=0)
    wall -= dt.timedelta(hours=3)
    end = until.astimezone(zone).replace(tzinfo=None) + dt.timedelta(hours=3)
    runs = set()
    while wall <= end:
        if matches(wall):
            runs.add(reference_instant(wall, zone))
        wall += dt.timedelta(minutes=1)
    return sorted(r for r in runs if after < r <= until)


def runs_until(schedule, after, until):
    found = []
    run = schedule.next_run(after)
    while run <= until:
        found.append(run.astimezone(UTC))
        run = schedule.next_run(run)
    return found


ZONES = ["UTC", "Europe/Berlin", "America/New_York", "Australia/Lord_Howe"]
# Clock changes (zone, instant in UTC), spring and fall.
CHANGES = [
    ("Europe/Berlin", utc(2026, 3, 29, 1)),
    ("Europe/Berlin", utc(2026, 10, 25, 1)),
    ("America/New_York", utc(2026, 3, 8, 7)),
    ("America/New_York", utc(2026, 11, 1, 6)),
    ("Australia/Lord_Howe", utc(2026, 4, 4, 15)),
    ("Australia/Lord_Howe", utc(2026, 10, 3, 15, 30)),
    ("Europe/Berlin", utc(2031, 3, 30, 1)),
    ("Europe/Berlin", utc(2031, 10, 26, 1)),
]

afters = st.one_of(
    st.datetimes(
        min_value=dt.datetime(1995, 1, 1), max_value=dt.datetime(2035, 1, 1), timezones=st.just(UTC)
    ),
    st.builds(
        lambda change, shift: change[1] + shift,
        st.sampled_from(CHANGES),
        st.timedeltas(min_value=dt.timedelta(hours=-30), max_value=dt.timedelta(hours=6)),
    ),
)


@settings(max_examples=150, deadline=None)
@given(
    cron=crons(),
    tz=st.sampled_from(ZONES),
    after=afters,
    window=st.integers(1, 48 * 60),
    in_zone=st.booleans(),
)
def test_cron_runs_match_a_minute_by_minute_reference(cron, tz, after, window, in_zone):
    expression, matches = cron
    zone = ZoneInfo(tz)
    schedule = Schedule.cron(expression, tz=tz)
    until = after + dt.timedelta(minutes=window)
    start = after.astimezone(zone) if in_zone else after
    assert runs_until(schedule, start, until) == reference_runs(matches, zone, after, until)


@settings(max_examples=150, deadline=None)
@given(
    cron=crons(),
    change=st.sampled_from(CHANGES),
    before=st.timedeltas(min_value=dt.timedelta(0), max_value=dt.timedelta(hours=26)),
    past=st.timedeltas(min_value=dt.timedelta(0), max_value=dt.timedelta(hours=26)),
)
def test_cron_runs_across_clock_changes_match_the_reference(cron, change, before, past):
    expression, matches = cron
    tz, instant = change
    zone = ZoneInfo(tz)
    schedule = Schedule.cron(expression, tz=tz)
    after, until = instant - before, instant + past
    assert runs_until(schedule, after, until) == reference_runs(matches, zone, after, until)


@settings(max_examples=200, deadline=None)
@given(
    cron=crons(),
    tz=st.sampled_from(ZONES),
    after=afters,
    fold=st.sampled_from([0, 1]),
)
def test_next_run_is_strictly_after_and_deterministic(cron, tz, after, fold):
    expression, matches = cron
    zone = ZoneInfo(tz)
    schedule = Schedule.cron(expression, tz=tz)
    # also from a wall time of the zone itself, in either fold
    for moment in (after, after.astimezone(zone).replace(fold=fold)):
        run = schedule.next_run(moment)
        assert run.astimezone(UTC) > moment.astimezone(UTC)
        assert run > moment
        again = from_json(to_json(schedule), Schedule).next_run(moment)
        assert again == run
        assert again.utcoffset() == run.utcoffset()
        assert matches(run.replace(tzinfo=None)) or not exists(
            run.replace(tzinfo=None) - dt.timedelta(minutes=1), zone
        )  # a matching wall minute, or the end of a gap


@settings(max_examples=200, deadline=None)
@given(
    seconds=st.integers(1, 40 * 86400),
    start=afters,
    after=afters,
    tz=st.sampled_from(ZONES),
)
def test_interval_runs_are_on_the_grid_and_strictly_after(seconds, start, after, tz):
    interval = dt.timedelta(seconds=seconds)
    schedule = Schedule.every(interval, start=start, tz=tz)
    run = schedule.next_run(after)
    assert run > after
    assert run >= start
    elapsed = run.astimezone(UTC) - start
    assert elapsed % interval == dt.timedelta(0)
    # nothing skipped: the run before it is not after ``after`` (or is before the start)
    assert run == start or run.astimezone(UTC) - interval <= after
    assert schedule.next_run(after) == run
    assert_local(run, tz)


def test_docstring_examples_run():
    results = doctest.testmod(_schedules)
    assert results.attempted > 0
    assert results.failed == 0
