"""SimTapeLibrary: conformance, robot timing and contention, faults, mail slots."""

from __future__ import annotations

import pytest

from smartmedia.devices import DriveState, RobotTiming
from smartmedia.devices.testing import LIBRARY_RULES, NonConformance, check_tape_library
from smartmedia.errors import DestinationFull, RobotError, SourceEmpty, ValidationError
from smartmedia.model import Barcode, Location, MediaType
from smartmedia.sim import Faults, MemoryStore, RobotFault, SimClock, SimTapeDrive, SimTapeLibrary


def make_library(
    *,
    clock: SimClock | None = None,
    cartridges: int = 3,
    slots: int = 6,
    drives: int = 2,
    mail_slots: int = 2,
    faults: Faults | None = None,
    robot: RobotTiming | None = None,
    name: str = "MSL",
) -> SimTapeLibrary:
    clock = clock if clock is not None else SimClock()
    store = MemoryStore()
    library = SimTapeLibrary.build(
        name=name,
        clock=clock,
        store=store,
        generation=MediaType.LTO9,
        drives=drives,
        slots=slots,
        mail_slots=mail_slots,
        faults=faults,
        robot=robot,
    )
    for i in range(cartridges):
        store.create(f"LIB{i:03d}L9", MediaType.LTO9)
        library.place(f"LIB{i:03d}L9")
    return library


@pytest.mark.parametrize("rule", LIBRARY_RULES, ids=str)
def test_sim_library_keeps_rule(rule):
    rule.run(make_library)


def test_check_tape_library_in_one_call():
    check_tape_library(make_library)


class EnumerationOrderLibrary(SimTapeLibrary):
    """A broken driver: maps drive elements to data paths by position, not serial."""

    def drive(self, address):
        inventory = self.inventory()
        index = [d.address for d in inventory.drives].index(address)
        return self.drives_of()[::-1][index]


def test_matching_drives_by_enumeration_order_is_caught():
    def factory():
        clock, store = SimClock(), MemoryStore()
        drives = [
            SimTapeDrive(serial=f"ENUM{i}", generation=MediaType.LTO9, clock=clock)
            for i in range(2)
        ]
        library = EnumerationOrderLibrary(
            name="ENUM", clock=clock, store=store, drives=drives, slots=4
        )
        for i in range(2):
            store.create(f"ENU{i:03d}L9", MediaType.LTO9)
            library.place(f"ENU{i:03d}L9")
        return library

    with pytest.raises(NonConformance) as caught:
        check_tape_library(factory)
    assert caught.value.rule == "library.drive-by-serial"


def test_inventory_addresses_ordinals_and_locations():
    library = make_library()
    inventory = library.inventory()
    assert [s.address for s in inventory.slots] == [4096 + i for i in range(6)]
    assert [d.ordinal for d in inventory.drives] == [1, 2]
    assert inventory.drives[0].serial.value == "MSL-1"
    assert inventory.location_of(Barcode("LIB001L9")) == Location.slot("MSL", 2)
    assert not inventory.virtual
    assert inventory.visible


def test_moves_take_robot_and_load_time():
    clock = SimClock()
    library = make_library(clock=clock, robot=RobotTiming(move_seconds=10.0))
    drive = library.drives_of()[0]
    library.move(4096, library.address_of(drive))
    assert clock.now() == pytest.approx(10.0 + drive.timing.load_seconds)
    assert drive.state is DriveState.LOADED


def test_concurrent_moves_queue_for_the_robot():
    clock = SimClock(trace=True)
    library = make_library(clock=clock, robot=RobotTiming(move_seconds=10.0))
    d1, d2 = (library.address_of(d) for d in library.drives_of())
    t1 = clock.spawn(library.move_steps(4096, d1))
    t2 = clock.spawn(library.move_steps(4097, d2))
    clock.run()
    assert t1.done
    assert t2.done
    assert t1.error is None
    assert t2.error is None
    moved = [t for t, text in clock.trace if "moved" in text]
    assert moved == [10.0, 20.0]  # the second move waited for the robot


def test_robot_fault_on_the_kth_move_leaves_the_cartridge():
    faults = Faults(robots=(RobotFault(library="MSL", move=2),))
    library = make_library(faults=faults)
    drive = library.address_of(library.drives_of()[0])
    library.move(4096, 4096 + 5)
    before = library.inventory()
    with pytest.raises(RobotError, match="move 2"):
        library.move(4097, drive)
    assert library.inventory() == before
    library.move(4097, drive)  # the third move works
    assert library.drive(drive).cartridge.barcode == Barcode("LIB001L9")


def test_export_import_and_operator_actions():
    library = make_library(mail_slots=1)
    mail = library.export(4096)
    with pytest.raises(DestinationFull):
        library.export(4097)
    assert library.remove_mail(mail) == Barcode("LIB000L9")
    with pytest.raises(SourceEmpty):
        library.remove_mail(mail)
    library.insert_mail("LIB000L9")
    assert library.import_() == (4096,)


def test_import_stops_when_slots_run_out():
    library = make_library(cartridges=2, slots=2, mail_slots=1)
    library.store.create("EXTRA1L9", MediaType.LTO9)
    library.insert_mail("EXTRA1L9")
    with pytest.raises(DestinationFull):
        library.import_()


def test_bad_setup_is_refused():
    library = make_library()
    with pytest.raises(ValidationError, match="already in"):
        library.place("LIB000L9")
    with pytest.raises(ValidationError, match="no cartridge"):
        library.place("NOPE00L9")
    with pytest.raises(ValidationError, match="address"):
        library.drive(4096)
    with pytest.raises(ValidationError, match="slots"):
        make_library(slots=-1)
