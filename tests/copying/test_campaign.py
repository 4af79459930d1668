"""Faults and power losses at every step of a copy run: afterwards, with resume, the
catalog holds, no unverified copy is recorded, every backup restores
(the full campaign, many seeds, is bench/faults.py)."""

import pytest

from smartmedia.model import Barcode, DriveSerial
from smartmedia.sim import DriveFailure, Faults, MediumFault, RobotFault, StreamDeath
from smartmedia.testing.campaign import run_scenario


def test_a_clean_run_copies_everything():
    outcome = run_scenario()
    assert outcome.ok, outcome.problems
    assert (outcome.committed, outcome.crashed) == (3, False)


@pytest.mark.parametrize("after", range(1, 200, 7))
def test_power_loss_at_any_event_then_resume(after):
    outcome = run_scenario(power_loss_after=after, seed=after)
    assert outcome.ok, outcome.problems


FAULTS = {
    "target-bad-block": Faults(
        media=(MediumFault(barcode=Barcode("SCR001L9"), block=3, on_write=True),)
    ),
    "source-bad-block": Faults(media=(MediumFault(barcode=Barcode("VC0002"), block=4),)),
    "drive-dies": Faults(drives=(DriveFailure(serial=DriveSerial("MSL-1"), after_bytes=300_000),)),
    "drive-dies-early": Faults(drives=(DriveFailure(serial=DriveSerial("MSL-2"), at_time=30.0),)),
    "robot-fails": Faults(robots=(RobotFault(library="MSL", move=3),)),
    "stream-dies": Faults(streams=(StreamDeath(source=Barcode("VC0001"), after_bytes=200_000),)),
}


@pytest.mark.parametrize("name", sorted(FAULTS))
def test_each_fault_kind_leaves_a_consistent_site(name):
    outcome = run_scenario(faults=FAULTS[name], seed=7)
    assert outcome.ok, outcome.problems
    assert outcome.committed >= 1
