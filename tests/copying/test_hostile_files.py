"""Backups of files that change under the writer, and copy reports that must not claim
more than was copied.

A source file that turns into a FIFO (or a device, a symlink, an unreadable file) after
it was listed fails that object only; the watchdog makes a hang a failure."""

import os
import signal

import pytest

from smartmedia.copying import (
    BackupItem,
    BackupWriter,
    CopyBinding,
    CopyService,
    build_lab,
    items_from_bytes,
    items_from_directory,
)
from smartmedia.model import BackupObject, ObjectType, SessionStatus
from smartmedia.planning import CopyPolicy, Reason

pytestmark = pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="needs FIFOs (POSIX)")

WATCHDOG_SECONDS = 60


class Hang(Exception):
    pass


@pytest.fixture(autouse=True)
def watchdog():
    def expired(signum, frame):
        raise Hang(f"the test blocked for {WATCHDOG_SECONDS} s")

    previous = signal.signal(signal.SIGALRM, expired)
    signal.alarm(WATCHDOG_SECONDS)
    try:
        yield
    finally:
        signal.alarm(0)
        signal.signal(signal.SIGALRM, previous)


@pytest.fixture
def lab():
    made = build_lab(scratch=1)
    yield made
    made.close()


def _tree(tmp_path):
    root = tmp_path / "data"
    root.mkdir()
    for name in ("a.bin", "b.bin", "c.bin"):
        (root / name).write_bytes(name.encode() * 1000)
    return root


def _replace(path, how):
    path.unlink()
    if how == "fifo":
        os.mkfifo(path)
    elif how == "symlink":
        path.symlink_to("/dev/zero")
    elif how == "directory":
        path.mkdir()


@pytest.mark.parametrize("how", ["fifo", "symlink", "directory"])
def test_a_file_that_changes_kind_after_listing_fails_that_object_only(lab, tmp_path, how):
    root = _tree(tmp_path)
    items = items_from_directory(root, host="h")
    _replace(root / "b.bin", how)  # after listing, before its turn
    result = BackupWriter(lab.site).run(None, items)
    assert result.session.status is SessionStatus.COMPLETED_FAILURE
    (failed,) = result.failed
    assert failed.object.mount.endswith("/b.bin")
    assert str(root / "b.bin") in failed.reason
    assert sorted(v.object.mount.rsplit("/", 1)[-1] for v in result.versions) == [
        "a.bin",
        "c.bin",
    ]
    assert lab.catalog.check().ok


def test_an_unreadable_file_fails_that_object_only(lab, tmp_path):
    root = _tree(tmp_path)
    items = items_from_directory(root, host="h")
    (root / "a.bin").unlink()
    result = BackupWriter(lab.site).run(None, items)
    assert result.session.status is SessionStatus.COMPLETED_FAILURE
    assert [f.object.mount.rsplit("/", 1)[-1] for f in result.failed] == ["a.bin"]
    assert len(result.versions) == 2


def test_backup_item_from_file_follows_only_when_told(lab, tmp_path):
    target = tmp_path / "target"
    target.write_bytes(b"x" * 10)
    link = tmp_path / "link"
    link.symlink_to(target)
    obj = BackupObject(type=ObjectType.FILESYSTEM, host="h", mount="/link")
    followed = BackupWriter(lab.site).run(None, [BackupItem.from_file(obj, link)])
    assert followed.ok
    assert followed.bytes == 10
    refused = BackupWriter(lab.site).run(None, [BackupItem.from_file(obj, link, follow=False)])
    (failed,) = refused.failed
    assert "symbolic link" in failed.reason


# ---------------------------------------------------------------------- copy reports


def test_a_post_backup_copy_short_of_targets_is_not_ok_and_names_the_media_left(lab):
    # five virtual cartridges, one scratch tape behind the VLS
    writer = BackupWriter(lab.site, capacity=4 << 20, specification="daily")
    result = writer.run(None, items_from_bytes({"big": os.urandom(10_000_000)}, host="h"))
    assert result.ok
    assert len(result.media) == 5
    service = CopyService(
        lab.site,
        bindings=[CopyBinding(specification="daily", policy=CopyPolicy(target_pool="Vault"))],
    )
    (report,) = service.on_session_completed(result.session.id)
    assert len(report.committed) == 1
    assert not report.ok
    assert len(report.missed) == 4
    assert {m.reason for m in report.missed} == {Reason.NO_TARGET_LEFT}
    assert {m.barcode for m in report.missed} == {m.barcode for m in result.media[1:]}


def test_media_that_need_no_copy_are_not_missed(lab):
    writer = BackupWriter(lab.site, capacity=8 << 20, specification="daily")
    result = writer.run(None, items_from_bytes({"small": b"x" * 1000}, host="h"))
    service = CopyService(lab.site)
    (medium,) = result.media
    first = service.copy_media([medium.barcode], CopyPolicy(target_pool="Vault"))
    assert first.ok
    again = service.copy_media([medium.barcode], CopyPolicy(target_pool="Vault"))
    assert [u.reason for u in again.plan.unplaced] == [Reason.ALREADY_COPIED]
    assert again.missed == ()
    assert again.ok
