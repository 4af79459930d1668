"""Copies of synthetic cartridges: by size (no bytes) and materialised (real bytes)."""

from __future__ import annotations

import pytest

from smartmedia.devices import CopyOrder, CopyState
from smartmedia.format import FILEMARK, PayloadDigest, encode_medium_header
from smartmedia.model import Barcode, MediaType
from smartmedia.sim import DirectoryStore, Faults, MediumFault, SyntheticRun

from .site import build_site, header, identity

TB = 10**12


def add_source(vls, barcode: str, run: SyntheticRun) -> None:
    vls.add_synthetic_cartridge(
        "VTL",
        barcode,
        head=[encode_medium_header(header(barcode, block_size=run.block_size)), FILEMARK],
        run=run,
        tail=[FILEMARK],
        capacity=20 * TB,
    )


def order(source: str, target: str) -> CopyOrder:
    return CopyOrder(
        source_library="VTL",
        source=Barcode(source),
        target_library="TAPES",
        target=Barcode(target),
        identity=identity(target),
    )


def test_a_full_lto9_worth_copies_by_size_in_virtual_hours():
    vls = build_site(streams=1)
    run = SyntheticRun(seed=3, block_size=256 * 1024, count=17 * TB // (256 * 1024))
    add_source(vls, "SYN001", run)
    (result,) = vls.wait([vls.start_copy(order("SYN001", "TGT000L9"))])
    assert result.state is CopyState.COMPLETED
    assert result.digest is None  # nothing was written byte by byte: no digest is claimed
    hours = (result.finished - result.started) / 3600
    assert 15 < hours < 17  # 17 TB at the VLS stream rate of 300 MB/s, plus mounts
    target = vls.physical_library("TAPES").store.get("TGT000L9")
    source = vls.store.get("SYN001")
    assert target.count == source.count
    assert target.read(5_000_000) == source.read(5_000_000)  # same generated content
    assert result.bytes_copied == target.bytes_used
    assert vls.clock.events < 1000


def test_a_materialised_copy_writes_real_bytes_and_reports_the_digest():
    vls = build_site(materialize_synthetic=True)
    run = SyntheticRun(seed=9, block_size=64 * 1024, count=40)
    add_source(vls, "SYN002", run)
    (result,) = vls.wait([vls.start_copy(order("SYN002", "TGT001L9"))])
    expected = PayloadDigest()
    expected.update_filemarks(1)
    for i in range(run.count):
        expected.update_block(run.block(i))
    expected.update_filemarks(1)
    assert result.state is CopyState.COMPLETED
    assert result.digest == expected.value
    target = vls.physical_library("TAPES").store.get("TGT001L9")
    assert target.synthetic_run is None  # real blocks
    assert target.read(2 + 7) == run.block(7)


def test_synthetic_onto_a_directory_store_is_always_real(tmp_path):
    vls = build_site(tape_store=DirectoryStore(tmp_path, sync=False))
    run = SyntheticRun(seed=1, block_size=32 * 1024, count=10)
    add_source(vls, "SYN003", run)
    (result,) = vls.wait([vls.start_copy(order("SYN003", "TGT000L9"))])
    assert result.state is CopyState.COMPLETED
    assert result.digest is not None


def test_faults_fire_inside_a_run_copied_by_size():
    faults = Faults(media=(MediumFault(barcode=Barcode("SYN004"), block=1000),))
    vls = build_site(faults=faults)
    add_source(vls, "SYN004", SyntheticRun(seed=2, block_size=1 << 20, count=5000))
    (result,) = vls.wait([vls.start_copy(order("SYN004", "TGT000L9"))])
    assert result.state is CopyState.FAILED
    assert "block 1000" in result.error
    assert vls.physical_library("TAPES").store.get("TGT000L9").count == 1000


def test_a_target_too_small_for_a_synthetic_source():
    vls = build_site(target_capacity=10 * 10**9)
    add_source(vls, "SYN005", SyntheticRun(seed=2, block_size=1 << 20, count=20_000))
    (result,) = vls.wait([vls.start_copy(order("SYN005", "TGT000L9"))])
    assert result.state is CopyState.FAILED
    assert "full" in result.error
    target = vls.physical_library("TAPES").store.get("TGT000L9")
    assert target.bytes_used <= 10 * 10**9


@pytest.mark.parametrize("streams", [1, 2])
def test_makespan_follows_the_number_of_streams(streams):
    vls = build_site(streams=streams, drives=2, targets=2)
    run = SyntheticRun(seed=3, block_size=1 << 20, count=300_000)  # 300 GB-ish each
    for i in range(2):
        add_source(vls, f"SYN10{i}", run)
    results = vls.wait([vls.start_copy(order(f"SYN10{i}", f"TGT00{i}L9")) for i in range(2)])
    makespan = max(r.finished for r in results)
    single = results[0].finished - results[0].started
    assert makespan == pytest.approx(single * (3 - streams), rel=0.1)
    assert results[0].drive != results[1].drive or streams == 1


def test_a_slow_vls_stream_starves_the_drive():
    from smartmedia.devices import DriveTiming, VlsTiming

    nbytes = 200 * 10**9
    run = SyntheticRun(seed=4, block_size=1 << 20, count=nbytes // (1 << 20))
    durations = {}
    for rate in (200 * 10**6, 100 * 10**6):  # above and below LTO-9's 133 MB/s minimum
        vls = build_site(streams=1, timing=VlsTiming(stream_rate=rate, setup_seconds=0.0))
        add_source(vls, "SYN200", run)
        (result,) = vls.wait([vls.start_copy(order("SYN200", "TGT000L9"))])
        durations[rate] = result.finished - result.started
    lto9 = DriveTiming.for_generation(MediaType.LTO9)
    overhead = durations[200 * 10**6] - run.nbytes / (200 * 10**6)  # mounts, moves
    starved = durations[100 * 10**6] - overhead
    plain = run.nbytes / (100 * 10**6)
    assert starved == pytest.approx(plain + run.nbytes / lto9.buffer_bytes * 1.5, rel=1e-3)


def test_a_drive_failing_at_a_time_stops_a_copy_by_size_then():
    from smartmedia.model import DriveSerial
    from smartmedia.sim import DriveFailure

    faults = Faults(drives=(DriveFailure(serial=DriveSerial("TAPES-1"), at_time=3600.0),))
    vls = build_site(faults=faults, drives=1)
    add_source(vls, "SYN300", SyntheticRun(seed=4, block_size=1 << 20, count=5_000_000))
    (result,) = vls.wait([vls.start_copy(order("SYN300", "TGT000L9"))])
    assert result.state is CopyState.FAILED
    assert "TAPES-1" in result.error
    assert result.finished == pytest.approx(3600.0, abs=1.0)
