"""SimTapeDrive beyond the protocol: timing, faults, compatibility, power loss."""

from __future__ import annotations

import pytest

from smartmedia.devices import DriveState, DriveTiming
from smartmedia.errors import (
    DriveError,
    EndOfMedium,
    MediumError,
    NotReady,
    ValidationError,
    WriteProtected,
)
from smartmedia.format import END_OF_DATA, FILEMARK
from smartmedia.model import Barcode, DriveSerial, MediaType
from smartmedia.sim import (
    DriveFailure,
    Faults,
    MediumFault,
    MemoryStore,
    PowerLoss,
    SimClock,
    SimTapeDrive,
)

from .conftest import make_drive

MB = 10**6


def test_streaming_is_charged_at_the_native_rate(clock):
    drive = make_drive(clock=clock, generation=MediaType.LTO9)
    start = clock.now()
    for _ in range(400):
        drive.write_block(bytes(MB))
    assert clock.now() - start == pytest.approx(1.0)  # 400 MB at 400 MB/s


def test_load_unload_and_locate_are_charged(clock):
    timing = DriveTiming.for_generation(MediaType.LTO8)
    drive = make_drive(clock=clock, generation=MediaType.LTO8)
    assert clock.now() == pytest.approx(timing.load_seconds)
    drive.write_block(bytes(MB))
    before = clock.now()
    drive.locate(0)
    assert clock.now() > before + timing.locate_seconds - 1e-9
    before = clock.now()
    drive.unload()
    assert clock.now() - before == pytest.approx(timing.unload_seconds)


def test_a_starved_writer_pays_backhitches(clock):
    timing = DriveTiming.for_generation(MediaType.LTO9, buffer_bytes=8 * MB)
    fed = make_drive(clock=SimClock(), timing=timing)
    starved = make_drive(clock=clock, timing=timing)
    for drive in (fed, starved):
        for _ in range(64):
            drive.write_block(bytes(MB))
            if drive is starved:
                clock.sleep(0.05)  # the host delivers 20 MB/s, below the 133 MB/s minimum
    fed_time = fed.clock.now() - timing.load_seconds
    starved_time = clock.now() - timing.load_seconds - 64 * 0.05
    assert fed_time == pytest.approx(64 * MB / timing.rate)
    assert starved_time == pytest.approx(fed_time + 8 * timing.backhitch_seconds)


def test_early_warning_distance_is_configurable():
    drive = make_drive(capacity=10 * MB, early_warning=5 * MB)
    results = [drive.write_block(bytes(MB)) for _ in range(10)]
    assert results == [False] * 5 + [True] * 5
    with pytest.raises(EndOfMedium):
        drive.write_block(b"x")
    assert drive.position == 10


def test_medium_fault_on_read_reports_the_block_and_moves_past_it():
    faults = Faults(media=(MediumFault(barcode=Barcode("BAD001L9"), block=1),))
    drive = make_drive(barcode="BAD001L9", faults=faults)
    for i in range(3):
        drive.write_block(bytes([i]) * 10)
    drive.rewind()
    assert drive.read_block() == bytes(10)
    with pytest.raises(MediumError) as caught:
        drive.read_block()
    assert (caught.value.block, caught.value.barcode) == (1, "BAD001L9")
    assert drive.read_block() == bytes([2]) * 10


def test_medium_fault_on_write_writes_nothing():
    faults = Faults(media=(MediumFault(barcode=Barcode("BAD002L9"), block=0, on_write=True),))
    drive = make_drive(barcode="BAD002L9", faults=faults)
    with pytest.raises(MediumError):
        drive.write_block(b"abc")
    assert drive.position == 0
    assert drive.read_block() is END_OF_DATA


def test_drive_fails_after_bytes_and_stays_failed():
    faults = Faults(drives=(DriveFailure(serial=DriveSerial("SNX"), after_bytes=3 * MB),))
    clock = SimClock()
    store = MemoryStore()
    drive = SimTapeDrive(serial="SNX", generation=MediaType.LTO9, clock=clock, faults=faults)
    drive.insert(store.create("FAIL01L9", MediaType.LTO9))
    for _ in range(3):
        drive.write_block(bytes(MB))
    with pytest.raises(DriveError, match="after 3000000 bytes"):
        drive.write_block(bytes(MB))
    assert drive.state is DriveState.FAILED
    with pytest.raises(DriveError):
        drive.rewind()


def test_drive_fails_at_a_time():
    faults = Faults(drives=(DriveFailure(serial=DriveSerial("SNT"), at_time=100.0),))
    clock = SimClock()
    drive = SimTapeDrive(serial="SNT", generation=MediaType.LTO9, clock=clock, faults=faults)
    drive.insert(MemoryStore().create("TIME01L9", MediaType.LTO9))
    drive.write_block(b"ok")
    clock.sleep(100.0)
    with pytest.raises(DriveError):
        drive.write_block(b"too late")


def test_power_loss_drops_unflushed_writes():
    clock = SimClock()
    clock.arm_power_loss(clock.events + 100)  # well after the load
    drive = make_drive(clock=clock)
    drive.write_block(b"kept")
    drive.write_filemarks(1)  # flushes

    def write_until_power_fails():
        for _ in range(200):
            drive.write_block(b"lost")

    with pytest.raises(DriveError, match="power lost"):
        write_until_power_fails()
    assert drive.position == 0
    assert [drive.read_block(), drive.read_block(), drive.read_block()] == [
        b"kept",
        FILEMARK,
        END_OF_DATA,
    ]


def test_power_loss_declared_in_faults_is_armed_by_the_clock_user():
    clock = SimClock()
    for loss in Faults(power=(PowerLoss(at_event=5),)).power:
        clock.arm_power_loss(loss.at_event)
    while clock.events < 5:
        clock.sleep(1)
    assert clock.power_epoch == 1


def test_generations_and_protection():
    with pytest.raises(NotReady, match="cannot use"):
        make_drive(generation=MediaType.LTO9, media=MediaType.LTO7)
    reader = make_drive(generation=MediaType.LTO7, media=MediaType.LTO5)  # reads, cannot write
    with pytest.raises(WriteProtected):
        reader.write_block(b"x")
    older = make_drive(generation=MediaType.LTO9, media=MediaType.LTO8)
    assert older.write_block(b"x") is False


def test_no_cartridge_and_bad_arguments():
    drive = SimTapeDrive(serial="SNE", generation=MediaType.LTO9, clock=SimClock())
    assert drive.cartridge is None
    with pytest.raises(NotReady):
        drive.read_block()
    with pytest.raises(NotReady):
        drive.load()
    with pytest.raises(NotReady):
        drive.remove()
    with pytest.raises(ValidationError, match="serial"):
        SimTapeDrive(serial="bad serial!", generation=MediaType.LTO9, clock=SimClock())
    loaded = make_drive()
    with pytest.raises(ValidationError, match="position"):
        loaded.locate(-1)
    with pytest.raises(ValidationError, match="count"):
        loaded.space_filemarks(1.5)  # type: ignore[arg-type]
    with pytest.raises(NotReady, match="already holds"):
        loaded.insert(MemoryStore().create("OTHER1L9", MediaType.LTO9))


def test_insert_unload_remove_cycle():
    drive = make_drive()
    drive.write_block(b"data")
    drive.unload()
    image = drive.remove()
    assert drive.state is DriveState.EMPTY
    assert image.count == 1
    drive.insert(image)
    assert drive.read_block() == b"data"


def test_a_block_that_is_not_bytes_is_a_validation_error():
    from smartmedia.copying import build_lab, mounted
    from smartmedia.errors import ValidationError
    from smartmedia.model import Barcode

    lab = build_lab()
    with mounted(lab.msl, Barcode("SCR001L9")) as drive:
        for wrong in ("text", None, 5):
            with pytest.raises(ValidationError):
                drive.write_block(wrong)
    lab.close()
