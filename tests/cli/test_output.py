"""What every command shares: --json and --verbose, progress bars, usage errors."""

import io
import logging

import pytest
from rich.console import Console

from smartmedia.cli import main
from smartmedia.cli._output import Output, duration, plural, size
from smartmedia.cli._progress import bars
from smartmedia.copying import Committed, TaskStarted
from smartmedia.model import Barcode, MediumId

ID = MediumId.parse("0a000001:00000001:0001:0001")


def test_verbose_logs_copies_and_json_stays_clean(cli, lab, files):
    ran = cli("backup", files[0], "--lab", lab, "--json", "-v")
    assert ran.code == 0
    assert ran.json["ok"] is True  # stdout is still one JSON document
    assert "INFO smartmedia.cli: copy of" in ran.stderr
    assert "verified (crc32c:" in ran.stderr
    assert "recorded as" in ran.stderr
    quiet = cli("backup", files[0], "--spec", "other", "--lab", lab, "--json")
    assert quiet.stderr == ""  # the next command without -v logs nothing
    handlers = logging.getLogger("smartmedia").handlers
    assert [h for h in handlers if hasattr(h, "_smartmedia_cli")] == []


def test_group_options_apply_to_the_command(cli, lab):
    ran = cli("--json", "lab", "show", "--lab", lab)
    assert ran.code == 0
    assert ran.json["lab"] == str(lab)


def test_usage_errors_exit_2(cli):
    assert cli("no-such-command").code == 2
    assert cli("copy", "--copies", 0).code == 2
    assert cli("demo", "--seed", "x").code == 2
    assert cli("--help").code == 0
    assert "smartmedia" in cli("--version").stdout


def test_main_exits_with_the_command_code(capsys, tmp_path):
    with pytest.raises(SystemExit) as stopped:
        main(["lab", "show", "--lab", str(tmp_path / "none")])
    assert stopped.value.code == 2
    assert capsys.readouterr().err.startswith("error: no lab in")
    with pytest.raises(SystemExit) as done:
        main(["lab", "init", "--lab", str(tmp_path / "lab"), "--json"])
    assert done.value.code == 0


def test_progress_bars_follow_copy_events():
    screen = io.StringIO()
    out = Output(errors=Console(file=screen, force_terminal=True, width=100))
    assert out.interactive
    with bars(out) as progress:
        sink = progress.copy_sink("smart copy")
        sink(TaskStarted(at=_at(), source=ID, targets=(Barcode("SCR001L9"),), bytes=5_000_000))
        sink(Committed(at=_at(), source=ID, copies=(ID,)))
        task = progress._progress.tasks[0]
        assert (task.total, task.completed) == (5_000_000, 5_000_000)
    assert "smart copy" in screen.getvalue()


def test_no_bars_for_json_or_pipes():
    quiet = Output(json=True, errors=Console(file=io.StringIO(), force_terminal=True))
    assert not quiet.interactive
    with bars(quiet) as progress:
        assert progress.add("x", 10) is None


def test_units_for_people():
    assert (size(999), size(1500), size(7_900_000)) == ("999 B", "1.5 kB", "7.9 MB")
    assert duration(0.25) == "250 ms"
    assert duration(12.34) == "12.3 s"
    assert duration(245) == "4 min 05 s"
    assert duration(6 * 3600 + 420) == "6 h 07 min"
    assert duration(3 * 86400) == "3 d 00 h"
    assert (plural(1, "copy"), plural(2, "copy"), plural(2, "file")) == (
        "1 copy",
        "2 copies",
        "2 files",
    )


def _at():
    import datetime as dt

    return dt.datetime(2026, 11, 25, 20, 0, tzinfo=dt.timezone.utc)
