"""A real process running copies on a lab is killed (SIGKILL) at random points; the next
command settles what it left, the catalog holds, every copy recorded verifies, and copying
again completes the work without copying anything twice."""

import json
import os
import random
import signal
import sqlite3
import subprocess
import sys
import time

import pytest


def smartmedia(*args):
    return subprocess.run(
        [sys.executable, "-m", "smartmedia", *map(str, args)],
        capture_output=True,
        text=True,
        check=False,
    )


def _json(*args):
    ran = smartmedia(*args, "--json")
    assert ran.returncode == 0, ran.stderr
    return json.loads(ran.stdout)


def _reserved_or_done(database):
    """True once the catalog has any copy job (the run is copying, or has copied)."""
    try:
        with sqlite3.connect(f"file:{database}?mode=ro", uri=True, timeout=1) as db:
            return bool(db.execute("SELECT 1 FROM copy_jobs LIMIT 1").fetchall())
    except sqlite3.Error:
        return False


@pytest.fixture(scope="module")
def big_files(tmp_path_factory):
    root = tmp_path_factory.mktemp("big")
    rng = random.Random(11)
    for i in range(3):
        (root / f"part{i}.bin").write_bytes(rng.randbytes(6_000_000))
    return root


@pytest.mark.parametrize("seed", range(6))
def test_copies_killed_at_any_point_are_settled_by_the_next_command(tmp_path, seed, big_files):
    lab = tmp_path / "lab"
    assert smartmedia("lab", "init", "--lab", lab).returncode == 0
    for spec in ("weekly", "monthly", "yearly"):
        ran = smartmedia("backup", big_files, "--spec", spec, "--lab", lab)
        assert ran.returncode == 0, ran.stderr
    process = subprocess.Popen(
        [sys.executable, "-m", "smartmedia", "copy", "--pool", "VTL", "--lab", str(lab)],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    # wait until the copy run holds its first reservation, then kill it a moment later
    deadline = time.monotonic() + 30
    while not _reserved_or_done(lab / "catalog.sqlite") and time.monotonic() < deadline:
        time.sleep(0.002)
    time.sleep(random.Random(seed).uniform(0.0, 0.25))
    os.kill(process.pid, signal.SIGKILL)
    process.wait()

    assert _json("catalog", "check", "--lab", lab)["ok"] is True  # opening settles
    again = smartmedia("copy", "--pool", "VTL", "--lab", lab)
    assert again.returncode == 0, again.stderr
    media = {m["id"]: m for m in _json("catalog", "media", "--lab", lab)["media"]}
    copies = _json("catalog", "copies", "--lab", lab)["copies"]
    originals = [c["original"] for c in copies]
    assert sorted(originals) == sorted(set(originals))  # none copied twice
    assert {m["id"] for m in media.values() if m["pool"] == "VTL"} <= set(originals)
    for record in copies:
        image = lab / "tapes" / f"{media[record['copy']]['barcode']}.img"
        assert image.is_file()
        verified = smartmedia("verify", image)
        assert verified.returncode == 0, verified.stdout + verified.stderr
    assert _json("catalog", "check", "--lab", lab)["ok"] is True
