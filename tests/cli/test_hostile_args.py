"""Hostile values in command-line arguments: durations too long for a timedelta, integers
beyond 64 bits, long values. Each is a one-line error with exit code 2, never a
traceback, and changes nothing."""

import datetime as dt
import json

import click
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from smartmedia.cli._common import MAX_DURATION, BoundedInt, parse_duration
from smartmedia.copying import BackupWriter, items_from_bytes
from smartmedia.copying._lab import build_lab
from smartmedia.errors import ValidationError
from smartmedia.model import MediaType

HUGE = "9" * 5000

DURATION_COMMANDS = {
    "lab advance": lambda d: ("lab", "advance", d),
    "plan --window": lambda d: ("plan", "--not-copied", "--window", d),
    "plan --older-than": lambda d: ("plan", "--older-than", d),
    "copy --window": lambda d: ("copy", "--not-copied", "--window", d),
    "copy --older-than": lambda d: ("copy", "--older-than", d),
    "schedule add --every": lambda d: ("schedule", "add", "nightly", "--every", d),
}


@pytest.mark.parametrize("duration", ["9999999999999d", "36526d", f"{HUGE}s", "1e400s"])
@pytest.mark.parametrize("command", sorted(DURATION_COMMANDS))
def test_durations_out_of_range_are_one_line_errors(cli, lab, command, duration):
    before = cli("lab", "show", "--lab", lab, "--json").json
    ran = cli(*DURATION_COMMANDS[command](duration), "--lab", lab)
    assert ran.code == 2
    assert len(ran.error) < 300
    assert cli("lab", "show", "--lab", lab, "--json").json == before


def test_the_longest_duration_is_accepted(cli, lab):
    ran = cli("lab", "advance", "36525d", "--lab", lab, "--json")
    assert ran.code == 0, ran.stderr


@settings(max_examples=500)
@given(
    st.one_of(
        st.text(alphabet="0123456789.smhdwinec ", max_size=40),
        st.integers(0, 10**30).map(lambda n: f"{n}s"),
        st.integers(0, 10**12).map(lambda n: f"{n}d"),
    )
)
def test_parse_duration_gives_a_bounded_timedelta_or_a_validation_error(text):
    try:
        delta = parse_duration(text)
    except ValidationError as e:
        message = str(e)
    else:
        assert dt.timedelta(0) <= delta <= MAX_DURATION
        return
    assert len(message) < 300


INT_OPTIONS = {
    "plan --copies": lambda n: ("plan", "--not-copied", "--copies", n),
    "plan --max-drives": lambda n: ("plan", "--not-copied", "--max-drives", n),
    "copy --copies": lambda n: ("copy", "--not-copied", "--copies", n),
}


@pytest.mark.parametrize("number", ["99999999999999999999999", HUGE, "-1", "0x10", "2**63"])
@pytest.mark.parametrize("option", sorted(INT_OPTIONS))
def test_integer_options_out_of_range_are_usage_errors(cli, lab, option, number):
    ran = cli(*INT_OPTIONS[option](number), "--lab", lab)
    assert ran.code == 2
    assert "Traceback" not in ran.stderr
    assert "Invalid value" in ran.stderr
    assert len(ran.stderr) < 1000


@settings(max_examples=300)
@given(st.integers(-(2**70), 2**70) | st.text(max_size=50))
def test_bounded_int_takes_exactly_its_range(value):
    kind = BoundedInt(1, 2**63 - 1)
    text = str(value)
    try:
        number = kind.convert(text, None, None)
    except click.BadParameter as e:
        message = str(e)
    else:
        assert 1 <= number <= 2**63 - 1
        assert number == int(text)
        return
    assert len(message) < 200


@pytest.mark.parametrize("capacity", ["99999999999999999999999", str(2**30 + 1), HUGE])
def test_backup_capacity_out_of_range_creates_nothing(cli, lab, files, capacity):
    root, _ = files
    tapes = sorted(p.name for p in (lab / "tapes").iterdir())
    ran = cli("backup", root, "--capacity", capacity, "--no-copy", "--lab", lab)
    assert ran.code == 2
    assert "Traceback" not in ran.stderr
    assert sorted(p.name for p in (lab / "tapes").iterdir()) == tapes
    ran = cli("backup", root, "--no-copy", "--lab", lab, "--json")
    assert ran.code == 0, ran.stderr
    assert ran.json["ok"] is True


@pytest.mark.parametrize("capacity", [2**63, 2**70, MediaType.VIRTUAL.max_capacity + 1])
def test_backup_writer_refuses_a_capacity_beyond_the_media_type_before_creating(capacity):
    lab = build_lab()
    try:
        library = lab.site.library(lab.site.virtual_library)
        before = library.inventory()
        with pytest.raises(ValidationError, match="holds at most") as info:
            BackupWriter(lab.site, capacity=capacity)
        assert info.value.path == "capacity"
        assert library.inventory() == before
        writer = BackupWriter(lab.site, capacity=MediaType.VIRTUAL.max_capacity)
        assert writer.run(None, items_from_bytes({"a": b"x" * 1000}, host="h")).ok
    finally:
        lab.close()


def test_a_long_barcode_is_cut_in_the_error_line(cli, lab):
    ran = cli("plan", "--medium", "B" * 100_000, "--lab", lab)
    assert ran.code == 2
    assert len(ran.error) < 300
    assert "(100000 chars)" in ran.error


def test_plan_file_with_hostile_json_is_a_one_line_error(cli, lab, tmp_path):
    for name, text in {
        "deep": "[" * 100_000 + "]" * 100_000,
        "digits": '{"a": ' + "1" * 5000 + "}",
        "nan": '{"a": NaN}',
    }.items():
        plan = tmp_path / f"{name}.json"
        plan.write_text(text)
        ran = cli("copy", "--plan", plan, "--lab", lab)
        assert ran.code == 2, name
        assert "is not a copy plan" in ran.error


def test_catalog_import_of_hostile_json_is_a_one_line_error(cli, tmp_path):
    export = tmp_path / "export.json"
    export.write_text(json.dumps({"format": 1}).replace("1", "1" + "0" * 5000))
    ran = cli("catalog", "import", export, "--catalog", tmp_path / "new.sqlite")
    assert ran.code == 2
    assert "5001 digits" in ran.error
