"""The simulated drive passes the conformance suite; a broken one is caught by name."""

from __future__ import annotations

import pytest

from smartmedia.devices.testing import DRIVE_RULES, DriveFactories, NonConformance, check_tape_drive
from smartmedia.format import FILEMARK
from smartmedia.sim import SimTapeDrive

from .conftest import make_drive

FACTORIES = DriveFactories(
    make_drive,
    make_short_drive=lambda: make_drive(capacity=8 << 20),
    make_protected_drive=lambda: make_drive(write_protected=True),
)


@pytest.mark.parametrize("rule", DRIVE_RULES, ids=str)
def test_sim_drive_keeps_rule(rule):
    rule.run(FACTORIES)


def test_check_tape_drive_in_one_call():
    check_tape_drive(
        make_drive,
        make_short_drive=lambda: make_drive(capacity=4 << 20, early_warning=1 << 20),
        make_protected_drive=lambda: make_drive(write_protected=True),
    )


class SkipsOneFilemarkTooFew(SimTapeDrive):
    """A broken driver: spacing forward stops *before* the filemark."""

    def space_filemarks(self, count: int) -> None:
        super().space_filemarks(count)
        if count > 0:
            self.locate(self.position - 1)


class FilemarkNeverConsumed(SimTapeDrive):
    """A broken driver: reading a filemark does not move past it."""

    def read_block(self):
        position = self.position
        got = super().read_block()
        if got is FILEMARK:
            self.locate(position)
        return got


def _broken(cls):
    def factory():
        drive = make_drive()
        broken = cls(serial="BROKEN1", generation=drive.generation, clock=drive.clock)
        drive.unload()
        broken.insert(drive.remove())
        return broken

    return factory


def test_broken_space_is_named():
    with pytest.raises(NonConformance, match=r"drive\.space-forward") as caught:
        check_tape_drive(_broken(SkipsOneFilemarkTooFew))
    assert caught.value.rule == "drive.space-forward"
    assert isinstance(caught.value, AssertionError)


def test_broken_filemark_read_is_named():
    with pytest.raises(NonConformance) as caught:
        check_tape_drive(_broken(FilemarkNeverConsumed), only=["drive.filemarks"])
    assert caught.value.rule == "drive.filemarks"


def test_unknown_rule_name_is_refused():
    with pytest.raises(NonConformance, match="no such rule"):
        check_tape_drive(make_drive, only=["drive.teleport"])
