"""Copies that fail leave the catalog as it was, and never spin (issue 12).

A store whose writes fail (a full disk, a file size limit) fails the copy with a reason
in bounded time; a target an edited plan names that the library does not hold is refused
before anything is recorded.
"""

import errno
import os
import resource
import signal
import subprocess
import sys
from pathlib import Path

import attrs
import pytest

from smartmedia.catalog import CopyJobState
from smartmedia.copying import CopyRunner, CopyService, OutcomeState, initialize_medium
from smartmedia.errors import ValidationError
from smartmedia.model import Barcode
from smartmedia.planning import CopyPolicy, Selection
from smartmedia.serialization import to_json

from .backup_helper import small_backup

VAULT = CopyPolicy(target_pool="Vault")
ROOT = Path(__file__).resolve().parents[2]


def _export(lab, *, leave_out=()):
    export = lab.catalog.export()
    return to_json(attrs.evolve(export, **dict.fromkeys(leave_out, ())))


def _fill_disk_after(image, limit):
    """Make ``image`` fail its writes with ENOSPC once ``limit`` more bytes were written."""
    append = image.append_records
    written = 0

    def append_records(records):
        nonlocal written
        records = list(records)
        written += sum(len(r) for r, _ in records if isinstance(r, bytes | memoryview))
        if written > limit:
            raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))
        append(records)

    image.append_records = append_records


def test_a_full_disk_fails_the_copy_with_a_reason_and_records_nothing(lab):
    for n in range(1, 13):
        initialize_medium(lab.site, Barcode(f"SCR{n:03d}L9"), pool="Vault")
    medium, _, _ = small_backup(lab)
    for n in range(1, 13):
        _fill_disk_after(lab.store.get(Barcode(f"SCR{n:03d}L9")), 500_000)
    before = _export(lab, leave_out=("copy_jobs", "counters"))
    plan = CopyService(lab.site).plan(
        Selection.explicit(media=(medium.id,)),
        VAULT,
    )
    report = CopyRunner(lab.site, retries=2).run(plan)
    (outcome,) = report.outcomes
    assert outcome.state is OutcomeState.FAILED
    assert "target write failed" in outcome.reason
    assert "No space left on device" in outcome.reason
    assert outcome.attempts == 3
    # released jobs are history and the allocator only counts up; the rest is as it was
    assert _export(lab, leave_out=("copy_jobs", "counters")) == before
    assert lab.catalog.copy_jobs(state=CopyJobState.RESERVED) == []
    assert lab.catalog.copies_of(medium.id) == []
    assert lab.catalog.check().ok


def test_an_error_reading_the_source_fails_the_copy(lab):
    medium, _, _ = small_backup(lab)
    source = lab.store.get(medium.barcode)

    def broken(position):
        raise OSError(errno.EIO, os.strerror(errno.EIO))
        yield  # pragma: no cover - a generator

    source.iter_records = broken  # the source digest reads through a drive, not this
    report = CopyRunner(lab.site, retries=0)
    plan = CopyService(lab.site).plan(
        Selection.explicit(media=(medium.id,)),
        VAULT,
    )
    (outcome,) = report.run(plan).outcomes
    assert outcome.state is OutcomeState.FAILED
    assert "source read failed" in outcome.reason or "Input/output error" in outcome.reason
    assert lab.catalog.copy_jobs(state=CopyJobState.RESERVED) == []


@pytest.mark.parametrize("bad", ["VT0001", "NOSUCHL9", "SCR001L8"])
def test_a_target_the_library_does_not_hold_is_refused_before_anything_is_recorded(lab, bad):
    medium, _, _ = small_backup(lab)
    plan = CopyService(lab.site).plan(
        Selection.explicit(media=(medium.id,)),
        VAULT,
    )
    (task,) = plan.tasks
    edited = attrs.evolve(
        plan,
        tasks=(attrs.evolve(task, targets=(attrs.evolve(task.targets[0], barcode=Barcode(bad)),)),),
    )
    before = _export(lab)
    (outcome,) = CopyRunner(lab.site).run(edited).outcomes
    assert outcome.state is OutcomeState.FAILED
    assert bad in outcome.reason
    assert "MSL" in outcome.reason
    assert _export(lab) == before
    assert len(lab.catalog.media_with_barcode(Barcode("VT0001"))) <= 1


@pytest.mark.skipif(not hasattr(signal, "SIGXFSZ"), reason="needs RLIMIT_FSIZE")
def test_a_copy_under_a_file_size_limit_ends_with_one_error_line(tmp_path):
    """The real thing: the `copy` command in a process whose files cannot grow past
    1.5 MB (SIGXFSZ ignored, so writes fail with EFBIG) ends in bounded time."""
    env = dict(os.environ, PYTHONPATH=str(ROOT))
    lab = tmp_path / "lab"
    data = tmp_path / "data"
    data.mkdir()
    (data / "big").write_bytes(os.urandom(3_000_000))

    def smartmedia(*args, limit=None):
        def restrict():
            signal.signal(signal.SIGXFSZ, signal.SIG_IGN)
            resource.setrlimit(resource.RLIMIT_FSIZE, (limit, limit))

        return subprocess.run(
            [sys.executable, "-m", "smartmedia", *args, "--lab", str(lab)],
            check=False,
            capture_output=True,
            text=True,
            timeout=120,
            env=env,
            preexec_fn=restrict if limit else None,
        )

    assert smartmedia("lab", "init").returncode == 0
    assert smartmedia("backup", "--no-copy", str(data)).returncode == 0
    copied = smartmedia("copy", "--medium", "VT0001", "--json", limit=1_500_000)
    assert copied.returncode == 1, copied.stderr
    assert "Traceback" not in copied.stderr
    assert "target write failed" in copied.stdout
    assert "File too large" in copied.stdout
    check = smartmedia("catalog", "check")
    assert check.returncode == 0, check.stdout + check.stderr


@pytest.mark.parametrize("seconds", [0, -1, float("nan"), float("inf"), True, "30"])
def test_a_poll_that_lets_no_time_pass_is_refused(lab, seconds):
    with pytest.raises(ValidationError, match="poll_seconds"):
        CopyRunner(lab.site, poll_seconds=seconds)
    with pytest.raises(ValidationError, match="stall_seconds"):
        CopyRunner(lab.site, stall_seconds=seconds)


def test_a_vls_that_makes_no_progress_fails_the_copies_after_the_watchdog(lab):
    """Copies queued on a VLS that never gives them a stream: the runner used to poll
    for ever; the watchdog cancels them, fails their tasks, releases their media."""
    media = [small_backup(lab)[0] for _ in range(2)]
    lab.vls.streams.in_use = lab.vls.streams.capacity  # every stream taken, for ever
    plan = CopyService(lab.site).plan(Selection.explicit(media=tuple(m.id for m in media)), VAULT)
    report = CopyRunner(lab.site, stall_seconds=3600).run(plan)
    assert [o.state for o in report.outcomes] == [OutcomeState.FAILED] * 2
    assert all("no progress for 3600 s" in o.reason for o in report.outcomes)
    assert lab.catalog.copy_jobs(state=CopyJobState.RESERVED) == []
    assert (report.finished - report.started).total_seconds() < 2 * 3600
    assert lab.catalog.check().ok


def test_a_target_that_holds_a_copy_is_refused_before_anything_is_recorded(lab):
    first, _, _ = small_backup(lab)
    (done,) = CopyService(lab.site).copy_media([first.barcode], VAULT).outcomes
    medium, _, _ = small_backup(lab)
    plan = CopyService(lab.site).plan(Selection.explicit(media=(medium.id,)), VAULT)
    (task,) = plan.tasks
    taken = attrs.evolve(task.targets[0], barcode=done.targets[0])
    edited = attrs.evolve(plan, tasks=(attrs.evolve(task, targets=(taken,)),))
    before = _export(lab)
    (outcome,) = CopyRunner(lab.site).run(edited).outcomes
    assert outcome.state is OutcomeState.FAILED
    assert outcome.reason.startswith("ConflictError")
    assert "holds medium" in outcome.reason
    assert _export(lab) == before
