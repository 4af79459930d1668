"""A process killed (SIGKILL) at random points of a stream of writes loses nothing committed.

The writer (``crash_writer.py``) acknowledges each operation after its commit. After
each kill, the catalog must open, pass ``check()``, and hold exactly a prefix of the
stream: every acknowledged operation, plus at most the one whose commit finished before
its acknowledgement was printed — each operation whole or not at all.
"""

import os
import pathlib
import random
import signal
import subprocess
import sys
import time

import pytest

from smartmedia.catalog import SqliteCatalog

from . import crash_writer

WRITER = pathlib.Path(crash_writer.__file__)

pytestmark = pytest.mark.skipif(not hasattr(signal, "SIGKILL"), reason="needs SIGKILL")


def run_and_kill(path, delay, limit=100_000):
    """Start the writer, SIGKILL it after ``delay`` seconds; returns (start, acknowledged)."""
    proc = subprocess.Popen(
        [sys.executable, str(WRITER), str(path), str(limit)],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env={**os.environ, "PYTHONPATH": str(WRITER.parents[2])},
    )
    try:
        first = proc.stdout.readline()
        assert first.startswith("start "), first + proc.stderr.read()
        time.sleep(delay)
        proc.send_signal(signal.SIGKILL)
        out, err = proc.communicate(timeout=30)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
    assert proc.returncode == -signal.SIGKILL, err
    lines = out.split("\n")
    complete = [line for line in lines[:-1] if line.strip()]  # the last may be cut short
    start = int(first.split()[1])
    acked = [int(x) for x in complete]
    assert acked == list(range(start, start + len(acked)))
    return start, start + len(acked)


def test_killed_writers_leave_every_committed_change_and_nothing_else(tmp_path):
    path = tmp_path / "crash.db"
    rng = random.Random(20260301)
    total_acked = 0
    for _ in range(8):
        start, acked = run_and_kill(path, rng.uniform(0.1, 0.8))
        with SqliteCatalog(path) as catalog:
            report = catalog.check()
            assert report.ok, str(report)
            held = crash_writer.applied(catalog, whole_from=start // crash_writer.STEPS)
        assert held >= start
        assert acked <= held <= acked + 1, (start, acked, held)
        total_acked = acked
    # the writers got somewhere: many operations, kills mid-stream
    assert total_acked > 40
