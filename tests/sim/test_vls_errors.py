"""Exceptions inside simulated processes end what they were doing, with a reason (issue 12).

A full disk under a copy used to leave the copy RUNNING for ever (the exception died in
the clock's task) and every waiter polled without end.
"""

from __future__ import annotations

import errno
import os

from smartmedia.devices import CopyOrder, CopyState
from smartmedia.model import Barcode
from smartmedia.sim import SimClock

from .site import build_site, identity, write_backup


def _order(source: str, target: str) -> CopyOrder:
    return CopyOrder(
        source_library="VTL",
        source=Barcode(source),
        target_library="TAPES",
        target=Barcode(target),
        identity=identity(target),
    )


def test_a_process_that_raises_tells_its_owner_and_the_clock_goes_on():
    clock = SimClock()
    told: list[Exception] = []

    def dies():
        yield 5.0
        raise RuntimeError("boom")

    def lives():
        yield 10.0
        return "fine"

    task = clock.spawn(dies(), "dies", on_error=told.append)
    other = clock.spawn(lives(), "lives")
    clock.run()
    assert task.done
    assert isinstance(task.error, RuntimeError)
    assert [str(e) for e in told] == ["boom"]
    assert other.outcome() == "fine"
    assert clock.now() == 10.0


def test_a_full_disk_under_the_target_fails_the_copy_with_a_reason():
    vls = build_site()
    write_backup(vls, "SRC001", nbytes=3 << 20)
    target = vls.physical_library("TAPES").store.get("TGT000L9")
    append = target.append_records
    calls = 0

    def full(records):
        nonlocal calls
        calls += 1
        if calls > 1:
            raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))
        append(records)

    target.append_records = full
    (result,) = vls.wait([vls.start_copy(_order("SRC001", "TGT000L9"))])
    assert result.state is CopyState.FAILED
    assert result.error == "target write failed on TGT000L9: No space left on device"
    assert result.faulty_medium is None  # the disk is at fault, not the cartridge
    drives = vls.physical_library("TAPES").inventory().drives
    assert all(d.cartridge is None for d in drives)  # the target went back to its slot
    # the drive and the stream are free: the next copy runs
    target.append_records = append
    (again,) = vls.wait([vls.start_copy(_order("SRC001", "TGT001L9"))])
    assert again.state is CopyState.COMPLETED


def test_an_unexpected_exception_fails_the_copy_as_an_internal_error():
    vls = build_site()
    write_backup(vls, "SRC001")
    source = vls.store.get("SRC001")

    def broken(position):
        raise KeyError("surprise")
        yield  # pragma: no cover

    source.iter_records = broken
    handle = vls.start_copy(_order("SRC001", "TGT000L9"))
    (result,) = vls.wait([handle], timeout=10_000.0)
    assert result.state is CopyState.FAILED
    assert "internal error" in result.error
    assert "surprise" in result.error


def test_an_exception_past_every_handler_still_ends_the_copy():
    vls = build_site()
    write_backup(vls, "SRC001")
    handle = vls.start_copy(_order("SRC001", "TGT000L9"))
    job = vls._job(handle)

    def explode():
        raise RuntimeError("escaped")
        yield  # pragma: no cover

    job.task._process = explode()  # the process dies outside the engine's handlers
    (result,) = vls.wait([handle], timeout=10_000.0)
    assert result.state is CopyState.FAILED
    assert "internal error of the copy engine" in result.error
    assert "escaped" in result.error
