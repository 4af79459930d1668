"""SimVLS: virtual cartridges, copy orders, results, digests, contention and faults."""

from __future__ import annotations

import itertools

import pytest

from smartmedia.devices import CopyHandle, CopyOrder, CopyState, VirtualLibrarySystem
from smartmedia.errors import CopyFailed, ElementBusy, ValidationError
from smartmedia.format import MediumReader
from smartmedia.model import Barcode, DriveSerial
from smartmedia.sim import (
    DriveFailure,
    Faults,
    MediumFault,
    PowerLoss,
    RobotFault,
    StreamDeath,
)

from .site import build_site, identity, write_backup


def order(source: str, target: str) -> CopyOrder:
    return CopyOrder(
        source_library="VTL",
        source=Barcode(source),
        target_library="TAPES",
        target=Barcode(target),
        identity=identity(target),
    )


def read_back(vls, library_name: str, barcode: str):
    """Verify a cartridge by reading it in a drive of its library (as a restore would)."""
    libraries = {lib.name: lib for lib in (*vls.virtual_libraries(), *vls.physical_libraries())}
    library = libraries[library_name]
    slot = library.locate_cartridge(Barcode(barcode))
    drive_address = library.inventory().drives[-1].address
    library.move(slot, drive_address)
    drive = library.drive(drive_address)
    reader = MediumReader(drive)
    report = reader.verify()
    drive.unload()
    library.move(drive_address, slot)
    return reader.header, report


def test_sim_vls_is_a_virtual_library_system():
    vls = build_site()
    assert isinstance(vls, VirtualLibrarySystem)
    assert [lib.visible for lib in vls.virtual_libraries()] == [True]
    assert [lib.visible for lib in vls.physical_libraries()] == [False]


def test_virtual_cartridges_create_list_delete():
    vls = build_site()
    made = vls.create_cartridge("VTL", Barcode("VIRT01"), capacity=10**9)
    assert (made.capacity, made.bytes_used) == (10**9, 0)
    write_backup(vls, "VIRT02")
    listed = {c.barcode.value: c for c in vls.cartridges("VTL")}
    assert listed["VIRT02"].bytes_used > 1 << 20
    vls.delete_cartridge("VTL", Barcode("VIRT01"))
    assert [c.barcode.value for c in vls.cartridges("VTL")] == ["VIRT02"]
    with pytest.raises(ValidationError):
        vls.delete_cartridge("VTL", Barcode("VIRT01"))
    with pytest.raises(ValidationError, match="no virtual library"):
        vls.cartridges("NOPE")
    with pytest.raises(ValidationError, match="already exists"):
        vls.create_cartridge("VTL", Barcode("VIRT02"))


def test_a_copy_is_byte_identical_with_a_new_header_and_a_matching_digest():
    vls = build_site()
    write_backup(vls, "SRC001", nbytes=3 << 20)
    handle = vls.start_copy(order("SRC001", "TGT000L9"))
    assert vls.poll(handle).state is CopyState.QUEUED
    (result,) = vls.wait([handle])
    result.check()
    assert result.state is CopyState.COMPLETED
    assert result.drive in {d.serial for d in vls.drives}
    assert result.started is not None
    assert result.finished > result.started
    source_header, source_report = read_back(vls, "VTL", "SRC001")
    target_header, target_report = read_back(vls, "TAPES", "TGT000L9")
    assert source_report.ok
    assert target_report.ok
    assert result.digest == source_report.digest == target_report.digest
    assert target_header.original == source_header.medium_id
    assert target_header.copy_generation == 1
    assert target_header.barcode == Barcode("TGT000L9")
    assert target_header.medium_id == result.order.identity.medium_id
    source = vls.store.get("SRC001")
    target = vls.physical_library("TAPES").store.get("TGT000L9")
    assert target.count == source.count
    assert all(target.read(i) == source.read(i) for i in range(1, source.count))
    assert result.bytes_copied == target.bytes_used
    # the target is back in its slot, every drive free
    assert (
        vls.physical_library("TAPES").inventory().location_of(Barcode("TGT000L9")).kind.value
        == "slot"
    )


def test_streams_limit_concurrency_and_the_robot_is_shared():
    vls = build_site(drives=2, streams=1, targets=2, trace=True)
    write_backup(vls, "SRC001")
    write_backup(vls, "SRC002")
    handles = [
        vls.start_copy(order("SRC001", "TGT000L9")),
        vls.start_copy(order("SRC002", "TGT001L9")),
    ]
    first, second = vls.wait(handles)
    assert second.started >= first.finished  # one stream: strictly one after the other
    vls2 = build_site(drives=2, streams=2, targets=2, trace=True)
    write_backup(vls2, "SRC001")
    write_backup(vls2, "SRC002")
    h2 = [
        vls2.start_copy(order("SRC001", "TGT000L9")),
        vls2.start_copy(order("SRC002", "TGT001L9")),
    ]
    a, b = vls2.wait(h2)
    assert b.started < a.finished  # two streams overlap
    moves = [t for t, text in vls2.clock.trace if text.startswith("TAPES moved")]
    assert all(later - earlier >= 10.0 - 1e-9 for earlier, later in itertools.pairwise(moves))
    assert a.drive != b.drive


def test_same_seed_same_events_and_another_seed_other_events():
    def run(seed):
        vls = build_site(seed=seed, trace=True, drives=2, streams=2, targets=3, jitter=0.3)
        for i in range(3):
            write_backup(vls, f"SRC00{i}", nbytes=1 << 19, seed=i + 1)
        handles = [vls.start_copy(order(f"SRC00{i}", f"TGT00{i}L9")) for i in range(3)]
        results = [
            (r.state, r.bytes_copied, r.drive, r.started, r.finished) for r in vls.wait(handles)
        ]
        return results, vls.clock.trace, vls.clock.events

    first, second, other = run(7), run(7), run(8)
    assert first == second
    assert first[1] != other[1]  # robot jitter drawn from another seed


def test_cancel_queued_and_running():
    vls = build_site(streams=1, targets=2)
    write_backup(vls, "SRC001", nbytes=4 << 20)
    write_backup(vls, "SRC002")
    running = vls.start_copy(order("SRC001", "TGT000L9"))
    queued = vls.start_copy(order("SRC002", "TGT001L9"))
    vls.cancel(queued)
    assert vls.poll(queued).state is CopyState.CANCELLED
    vls.wait([running], timeout=20.0)  # the target is loading by now
    vls.cancel(running)
    result, _again = vls.wait([running, queued])
    assert result.state is CopyState.CANCELLED
    assert result.digest is None
    with pytest.raises(CopyFailed, match="cancelled"):
        result.check()
    inventory = vls.physical_library("TAPES").inventory()
    assert all(d.cartridge is None for d in inventory.drives)  # put back after cancelling


def test_unknown_things_are_caller_errors():
    vls = build_site()
    write_backup(vls, "SRC001")
    with pytest.raises(ValidationError, match="not in virtual library"):
        vls.start_copy(order("SRC999", "TGT000L9"))
    with pytest.raises(ValidationError, match="not in library"):
        vls.start_copy(order("SRC001", "TGT999L9"))
    with pytest.raises(ValidationError, match="no copy"):
        vls.poll(CopyHandle("copy-999"))
    with pytest.raises(ValidationError, match=r"identity\.barcode"):
        CopyOrder(
            source_library="VTL",
            source=Barcode("SRC001"),
            target_library="TAPES",
            target=Barcode("TGT000L9"),
            identity=identity("TGT001L9"),
        )


def test_a_source_in_use_cannot_be_deleted():
    vls = build_site()
    write_backup(vls, "SRC001")
    vls.start_copy(order("SRC001", "TGT000L9"))
    with pytest.raises(ElementBusy):
        vls.delete_cartridge("VTL", Barcode("SRC001"))


def _fails(faults, *, match, nbytes=4 << 20, **site):
    vls = build_site(faults=faults, **site)
    write_backup(vls, "SRC001", nbytes=nbytes)
    (result,) = vls.wait([vls.start_copy(order("SRC001", "TGT000L9"))])
    assert result.state is CopyState.FAILED, result
    assert result.digest is None
    assert match in result.error
    with pytest.raises(CopyFailed):
        result.check()
    return vls, result


def test_medium_error_on_the_source_fails_the_copy_at_that_block():
    faults = Faults(media=(MediumFault(barcode=Barcode("SRC001"), block=20),))
    vls, _result = _fails(faults, match="block 20")
    target = vls.physical_library("TAPES").store.get("TGT000L9")
    assert target.count == 20  # blocks 0..19 reached the tape


def test_stream_death_after_bytes():
    faults = Faults(streams=(StreamDeath(source=Barcode("SRC001"), after_bytes=1 << 20),))
    _, result = _fails(faults, match="stream died")
    assert result.bytes_copied <= 1 << 20


def test_drive_failure_after_bytes_fails_the_copy_and_the_drive():
    faults = Faults(drives=(DriveFailure(serial=DriveSerial("TAPES-1"), after_bytes=2 << 20),))
    vls, _result = _fails(faults, match="TAPES-1", drives=1)
    assert vls.drives[0].state.value == "failed"


def test_robot_error_on_the_first_move():
    faults = Faults(robots=(RobotFault(library="TAPES", move=1),))
    vls, _ = _fails(faults, match="failed move 1")
    inventory = vls.physical_library("TAPES").inventory()
    assert inventory.location_of(Barcode("TGT000L9")).kind.value == "slot"


def test_target_too_small_ends_at_end_of_medium():
    _fails(Faults(), match="full", target_capacity=1 << 20)


def test_power_loss_fails_the_copy_and_drops_unflushed_data():
    vls = build_site()
    write_backup(vls, "SRC001", nbytes=8 << 20)
    start = vls.clock.events
    vls.clock.arm_power_loss(start + 8)
    (result,) = vls.wait([vls.start_copy(order("SRC001", "TGT000L9"))])
    assert result.state is CopyState.FAILED
    assert "power" in result.error
    target = vls.physical_library("TAPES").store.get("TGT000L9")
    assert target.count == 0  # nothing was flushed before power went


def test_power_loss_declared_in_faults():
    vls = build_site(faults=Faults(power=(PowerLoss(at_event=10_000_000),)))
    assert vls.clock.power_epoch == 0


def test_directory_stores_survive_a_restart_between_backup_and_copy(tmp_path):
    from smartmedia.sim import DirectoryStore

    (tmp_path / "vls").mkdir()
    (tmp_path / "tapes").mkdir()
    first = build_site(
        vls_store=DirectoryStore(tmp_path / "vls"), tape_store=DirectoryStore(tmp_path / "tapes")
    )
    write_backup(first, "SRC001", nbytes=2 << 20)
    first.store.close()
    first.physical_library("TAPES").store.close()

    # a new process: fresh simulators on the same directories
    vls_store = DirectoryStore(tmp_path / "vls")
    tape_store = DirectoryStore(tmp_path / "tapes", sync=False)
    second = build_site(vls_store=vls_store, tape_store=tape_store, targets=0)
    second.virtual_library("VTL").place("SRC001")
    for barcode in tape_store.barcodes():
        second.physical_library("TAPES").place(barcode)
    (result,) = second.wait([second.start_copy(order("SRC001", "TGT000L9"))])
    result.check()
    _, source_report = read_back(second, "VTL", "SRC001")
    _, target_report = read_back(second, "TAPES", "TGT000L9")
    assert result.digest == source_report.digest == target_report.digest


def test_a_failed_copy_names_the_cartridge_at_fault():
    """A medium error on the target names the target; a dead drive names no cartridge."""
    from smartmedia.copying import BackupWriter, build_lab, items_from_bytes
    from smartmedia.devices import CopyOrder, CopyState
    from smartmedia.format import CopyIdentity
    from smartmedia.model import Barcode, DriveSerial, MediumId
    from smartmedia.sim import DriveFailure, Faults, MediumFault

    target = Barcode("SCR001L9")
    for faults, expected in (
        (Faults(media=(MediumFault(barcode=target, block=4, on_write=True),)), target),
        (Faults(drives=(DriveFailure(serial=DriveSerial("MSL-1"), after_bytes=100_000),)), None),
    ):
        lab = build_lab(faults=faults)
        result = BackupWriter(lab.site).run(None, items_from_bytes({"x": bytes(600_000)}, host="h"))
        identity = CopyIdentity(medium_id=MediumId("0a000001:00000001:0001:0001"), label="c")
        handle = lab.vls.start_copy(
            CopyOrder(
                source_library="VTL",
                source=result.media[0].barcode,
                target_library="MSL",
                target=target,
                identity=identity,
            )
        )
        (copied,) = lab.vls.wait([handle])
        assert copied.state is CopyState.FAILED
        assert copied.faulty_medium == expected
        lab.close()
