"""A lab is two durable systems, devices and catalog: commands killed at any point,
a full disk, a lost catalog or a hostile lab file leave a lab whose next command works
and in which nothing recorded is lost and nothing holding data is overwritten."""

import json
import os
import random
import resource
import signal
import sqlite3
import subprocess
import sys
import time

import pytest


def smartmedia(*args, limit_file_bytes=None, timeout=120):
    def limit():
        if limit_file_bytes is not None:
            signal.signal(signal.SIGXFSZ, signal.SIG_IGN)
            resource.setrlimit(resource.RLIMIT_FSIZE, (limit_file_bytes, limit_file_bytes))

    return subprocess.run(
        [sys.executable, "-m", "smartmedia", *map(str, args)],
        capture_output=True,
        text=True,
        check=False,
        preexec_fn=limit,
        timeout=timeout,
    )


def _json(*args):
    ran = smartmedia(*args, "--json")
    assert ran.returncode == 0, ran.stderr
    return json.loads(ran.stdout)


def _one_line_error(ran):
    assert ran.returncode == 2, (ran.returncode, ran.stdout, ran.stderr)
    lines = ran.stderr.strip().splitlines()
    assert len(lines) == 1, ran.stderr
    assert lines[0].startswith("error: "), ran.stderr
    return lines[0]


def _copy_jobs(database):
    try:
        with sqlite3.connect(f"file:{database}?mode=ro", uri=True, timeout=1) as db:
            return bool(db.execute("SELECT 1 FROM copy_jobs LIMIT 1").fetchall())
    except sqlite3.Error:
        return False


def _kill_when(args, ready, delay):
    process = subprocess.Popen(
        [sys.executable, "-m", "smartmedia", *map(str, args)],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    deadline = time.monotonic() + 60
    while not ready() and process.poll() is None and time.monotonic() < deadline:
        time.sleep(0.002)
    time.sleep(delay)
    os.kill(process.pid, signal.SIGKILL)
    process.wait()


def _agrees(lab):
    """Every tape the catalog records is where the changers say (or reported missing)."""
    shown = _json("lab", "show", "--lab", lab)
    for tape in shown["tapes"]:
        if tape["catalog"] != "not recorded" and tape["library"] != "not in any library":
            assert tape["catalog"] == tape["library"], tape
    return shown


def _no_session_in_progress(lab):
    sessions = _json("catalog", "sessions", "--lab", lab)["sessions"]
    assert all(s["status"] != "in_progress" for s in sessions), sessions


@pytest.fixture(scope="module")
def files(tmp_path_factory):
    root = tmp_path_factory.mktemp("files")
    rng = random.Random(5)
    for i in range(3):
        (root / f"part{i}.bin").write_bytes(rng.randbytes(5_000_000))
    return root


@pytest.mark.parametrize("seed", range(4))
def test_backup_killed_during_its_post_backup_copy_leaves_a_working_lab(tmp_path, files, seed):
    lab = tmp_path / "lab"
    assert smartmedia("lab", "init", "--lab", lab).returncode == 0
    delay = random.Random(seed).uniform(0.0, 0.3)
    _kill_when(
        ["backup", files, "--capacity", "8", "--lab", lab],
        lambda: _copy_jobs(lab / "catalog.sqlite"),
        delay,
    )
    assert _json("catalog", "check", "--lab", lab)["ok"] is True
    _agrees(lab)
    _no_session_in_progress(lab)
    sessions = _json("catalog", "sessions", "--lab", lab)["sessions"]
    restored = smartmedia("restore", sessions[0]["id"], "--to", tmp_path / "out", "--lab", lab)
    assert restored.returncode == 0, restored.stderr
    for path in files.iterdir():
        found = list((tmp_path / "out").rglob(path.name))
        assert found
        assert found[0].read_bytes() == path.read_bytes()
    again = smartmedia("backup", files, "--capacity", "8", "--lab", lab)
    assert again.returncode == 0, again.stderr
    assert _json("catalog", "check", "--lab", lab)["ok"] is True


@pytest.mark.parametrize("seed", range(3))
def test_copy_with_export_killed_leaves_catalog_and_changers_agreeing(tmp_path, files, seed):
    lab = tmp_path / "lab"
    assert smartmedia("lab", "init", "--lab", lab).returncode == 0
    ran = smartmedia("backup", files, "--spec", "weekly", "--capacity", "8", "--lab", lab)
    assert ran.returncode == 0, ran.stderr
    delay = random.Random(seed).uniform(0.05, 0.6)
    _kill_when(
        ["copy", "--pool", "VTL", "--after", "export", "--lab", lab],
        lambda: _copy_jobs(lab / "catalog.sqlite"),
        delay,
    )
    _agrees(lab)
    assert _json("catalog", "check", "--lab", lab)["ok"] is True
    again = smartmedia("copy", "--pool", "VTL", "--lab", lab)
    assert again.returncode in (0, 1), again.stderr  # 1: no free mail slot or target left
    _agrees(lab)


def test_a_backup_on_a_full_disk_does_not_block_the_next_one(tmp_path, files):
    lab = tmp_path / "lab"
    assert smartmedia("lab", "init", "--lab", lab).returncode == 0
    full = smartmedia("backup", files, "--no-copy", "--lab", lab, limit_file_bytes=3_000_000)
    assert full.returncode != 0
    assert "Traceback" not in full.stderr
    ok = smartmedia("backup", files, "--no-copy", "--lab", lab)
    assert ok.returncode == 0, ok.stderr
    _no_session_in_progress(lab)
    assert _json("catalog", "check", "--lab", lab)["ok"] is True


def test_a_lost_catalog_refuses_every_write_until_the_lab_is_rebuilt(tmp_path, files):
    lab = tmp_path / "lab"
    assert smartmedia("lab", "init", "--lab", lab).returncode == 0
    first = _json("backup", files, "--capacity", "8", "--lab", lab)
    copies_before = {
        name: (lab / "tapes" / name).read_bytes() for name in os.listdir(lab / "tapes")
    }
    for name in os.listdir(lab):
        if name.startswith("catalog.sqlite"):
            os.unlink(lab / name)
    refused = smartmedia("backup", files, "--lab", lab)
    assert "lab import" in _one_line_error(refused)
    for name, data in copies_before.items():  # nothing was overwritten
        assert (lab / "tapes" / name).read_bytes() == data
    rebuilt = _json("lab", "import", "--lab", lab)
    assert rebuilt["ok"] is True
    later = _json("backup", files, "--capacity", "8", "--lab", lab)
    assert later["backup"]["session"]["id"] != first["backup"]["session"]["id"]
    assert _json("catalog", "check", "--lab", lab)["ok"] is True


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("physical_drives", 10**7),
        ("virtual_slots", 0),
        ("scratch", -1),
        ("streams", 10**30),
        ("seed", "x"),
    ],
)
def test_lab_file_values_out_of_range_are_one_line(tmp_path, field, value):
    lab = tmp_path / "lab"
    assert smartmedia("lab", "init", "--lab", lab).returncode == 0
    state = json.loads((lab / "lab.json").read_text())
    state["config"][field] = value
    (lab / "lab.json").write_text(json.dumps(state))
    assert field in _one_line_error(smartmedia("lab", "show", "--lab", lab, timeout=30))


@pytest.mark.parametrize("clock", ["NaN", "Infinity", "-Infinity", "1e300", "-5"])
def test_lab_file_clocks_that_are_not_times_are_one_line(tmp_path, clock):
    lab = tmp_path / "lab"
    assert smartmedia("lab", "init", "--lab", lab).returncode == 0
    text = (lab / "lab.json").read_text()
    state = json.loads(text)
    text = text.replace(f'"clock": {json.dumps(state["clock"])}', f'"clock": {clock}')
    (lab / "lab.json").write_text(text)
    _one_line_error(smartmedia("lab", "show", "--lab", lab, timeout=30))


@pytest.mark.parametrize(
    "text",
    ["[" * 100_000 + "]" * 100_000, '{"version": 2, "config": ' + "[" * 50_000, "1" * 5000, ""],
)
def test_lab_files_that_are_not_documents_are_one_line(tmp_path, text):
    lab = tmp_path / "lab"
    assert smartmedia("lab", "init", "--lab", lab).returncode == 0
    (lab / "lab.json").write_text(text)
    _one_line_error(smartmedia("lab", "show", "--lab", lab, timeout=30))


def test_a_lock_file_symlink_is_not_followed(tmp_path):
    lab = tmp_path / "lab"
    assert smartmedia("lab", "init", "--lab", lab).returncode == 0
    (lab / ".lock").unlink()
    victim = tmp_path / "victim"
    (lab / ".lock").symlink_to(victim)
    assert "symlink" in _one_line_error(smartmedia("lab", "show", "--lab", lab))
    assert not victim.exists()


def test_the_clock_cannot_be_advanced_past_the_labs_last_day(tmp_path):
    lab = tmp_path / "lab"
    assert smartmedia("lab", "init", "--lab", lab).returncode == 0
    _one_line_error(smartmedia("lab", "advance", "2700000d", "--lab", lab))
    assert smartmedia("lab", "advance", "1d", "--lab", lab).returncode == 0
    ran = smartmedia("backup", __file__, "--no-copy", "--lab", lab)
    assert ran.returncode == 0, ran.stderr
