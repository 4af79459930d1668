"""Conformance rules of :class:`~smartmedia.devices.TapeDrive`.

A factory returns a drive with a blank, writable cartridge loaded (a fresh one per call:
rules write on it). Early-warning rules need a cartridge small enough to fill in a test:
pass ``make_short_drive`` (the simulator takes a ``capacity``; on hardware, a short
partition); write-protection rules need ``make_protected_drive`` (a drive with a
write-protected cartridge loaded). Rules whose factory is missing are skipped.
"""

from __future__ import annotations

from collections.abc import Callable

import attrs

from smartmedia.devices._drive import DriveState, TapeDrive
from smartmedia.devices.testing._rules import Rule, expect, expect_raises, run_rules
from smartmedia.errors import BlankCheck, EndOfMedium, NotReady, ValidationError, WriteProtected
from smartmedia.format import END_OF_DATA, FILEMARK, BlockSink, LocatableBlockSource
from smartmedia.model import DriveSerial, MediaType

__all__ = ["DRIVE_RULES", "DriveFactories", "check_tape_drive"]

DriveFactory = Callable[[], TapeDrive]


@attrs.frozen
class DriveFactories:
    """The factories the drive rules use (see the module docstring)."""

    make_drive: DriveFactory
    make_short_drive: DriveFactory | None = None
    make_protected_drive: DriveFactory | None = None


def _block(i: int, size: int = 512) -> bytes:
    return bytes([i % 251]) * size


def _read_all(drive: TapeDrive) -> list[object]:
    out: list[object] = []
    for _ in range(10_000):
        item = drive.read_block()
        if item is END_OF_DATA:
            return out
        out.append(item if item is FILEMARK else bytes(item))  # type: ignore[arg-type]
    raise AssertionError("no END_OF_DATA after 10,000 objects")


def _layout(drive: TapeDrive) -> None:
    """Writes A FM B B FM C (positions 0..5), end of data at 6."""
    drive.write_block(_block(1))
    drive.write_filemarks(1)
    drive.write_block(_block(2))
    drive.write_block(_block(3))
    drive.write_filemarks(1)
    drive.write_block(_block(4))


def _identity(f: DriveFactories) -> None:
    drive = f.make_drive()
    expect(isinstance(drive, TapeDrive), "does not implement the TapeDrive protocol")
    expect(isinstance(drive, BlockSink), "is not a BlockSink")
    expect(isinstance(drive, LocatableBlockSource), "is not a LocatableBlockSource")
    expect(isinstance(drive.serial, DriveSerial), f"serial is {drive.serial!r}")
    expect(isinstance(drive.generation, MediaType), f"generation is {drive.generation!r}")
    size = drive.max_block_size
    expect(type(size) is int and size >= 1, f"max_block_size is {size!r}")
    expect(drive.state is DriveState.LOADED, f"a fresh drive is {drive.state}, not loaded")
    expect(drive.cartridge is not None, "a loaded drive reports no cartridge")


def _blank(f: DriveFactories) -> None:
    drive = f.make_drive()
    expect(drive.position == 0, f"a blank cartridge starts at {drive.position}")
    for _ in range(2):
        got = drive.read_block()
        expect(got is END_OF_DATA, f"reading a blank cartridge gave {got!r}")
    expect(drive.position == 0, "reading END_OF_DATA moved the drive")


def _round_trip(f: DriveFactories) -> None:
    drive = f.make_drive()
    sizes = [1, 2, 4096, 65536, drive.max_block_size]
    for i, size in enumerate(sizes):
        ew = drive.write_block(_block(i, size))
        expect(ew is False, "early warning on an almost empty cartridge")
        expect(drive.position == i + 1, f"position {drive.position} after {i + 1} blocks")
    drive.rewind()
    expect(drive.position == 0, "rewind did not go to position 0")
    got = _read_all(drive)
    expect(got == [_block(i, s) for i, s in enumerate(sizes)], "blocks read back differ")
    expect(drive.position == len(sizes), "END_OF_DATA is not at the object count")


def _filemarks(f: DriveFactories) -> None:
    drive = f.make_drive()
    _layout(drive)
    expect(drive.position == 6, f"6 objects written, position {drive.position}")
    drive.write_filemarks(0)
    expect(drive.position == 6, "write_filemarks(0) moved the drive")
    drive.write_filemarks(2)
    expect(drive.position == 8, "write_filemarks(2) did not take two positions")
    expect_raises(ValidationError, lambda: drive.write_filemarks(-1), "write_filemarks(-1)")
    drive.rewind()
    want = [_block(1), FILEMARK, _block(2), _block(3), FILEMARK, _block(4), FILEMARK, FILEMARK]
    expect(_read_all(drive) == want, "filemarks are not read once each, in place")


def _end_of_data(f: DriveFactories) -> None:
    drive = f.make_drive()
    _layout(drive)
    drive.locate(6)
    for _ in range(3):
        expect(drive.read_block() is END_OF_DATA, "END_OF_DATA was not returned again")
    expect(drive.position == 6, "END_OF_DATA was consumed")


def _overwrite(f: DriveFactories) -> None:
    drive = f.make_drive()
    _layout(drive)
    drive.locate(2)
    drive.write_block(_block(9))
    expect(drive.position == 3, "position after overwriting")
    drive.rewind()
    want = [_block(1), FILEMARK, _block(9)]
    expect(_read_all(drive) == want, "writing did not discard what followed")


def _locate(f: DriveFactories) -> None:
    drive = f.make_drive()
    _layout(drive)
    objects = [_block(1), FILEMARK, _block(2), _block(3), FILEMARK, _block(4)]
    for position in (3, 0, 5, 1, 4, 2):
        drive.locate(position)
        expect(drive.position == position, f"locate({position}) went to {drive.position}")
        got = drive.read_block()
        got = got if got is FILEMARK else bytes(got)  # type: ignore[arg-type]
        expect(got == objects[position], f"locate({position}) read the wrong object")
    drive.locate(100)
    expect(drive.read_block() is END_OF_DATA, "locating past the end does not read END_OF_DATA")
    expect_raises(ValidationError, lambda: drive.locate(-1), "locate(-1)")


def _space_forward(f: DriveFactories) -> None:
    drive = f.make_drive()
    _layout(drive)
    drive.rewind()
    drive.space_filemarks(1)
    expect(drive.position == 2, f"space(1) from 0 stopped at {drive.position}, not 2")
    drive.space_filemarks(0)
    expect(drive.position == 2, "space(0) moved the drive")
    drive.space_filemarks(1)
    expect(drive.position == 5, f"space(1) from 2 stopped at {drive.position}, not 5")
    expect(drive.read_block() == _block(4), "the block after the second filemark")
    drive.rewind()
    drive.space_filemarks(2)
    expect(drive.position == 5, "space(2) from 0")
    expect_raises(BlankCheck, lambda: drive.space_filemarks(1), "space(1) past the last mark")
    expect(drive.position == 6, f"after BlankCheck the drive is at {drive.position}, not EOD")


def _space_backward(f: DriveFactories) -> None:
    drive = f.make_drive()
    _layout(drive)
    drive.space_filemarks(-1)
    expect(drive.position == 4, f"space(-1) from EOD stopped at {drive.position}, not 4")
    expect(drive.read_block() is FILEMARK, "space(-1) does not stop before the filemark")
    drive.locate(6)
    drive.space_filemarks(-2)
    expect(drive.position == 1, f"space(-2) from EOD stopped at {drive.position}, not 1")
    expect_raises(BlankCheck, lambda: drive.space_filemarks(-1), "space(-1) past BOT")
    expect(drive.position == 0, "after BlankCheck the drive is not at the beginning")


def _block_sizes(f: DriveFactories) -> None:
    drive = f.make_drive()
    drive.write_block(_block(1))
    too_big = drive.max_block_size + 1
    expect_raises(ValidationError, lambda: drive.write_block(b""), "an empty block")
    expect_raises(ValidationError, lambda: drive.write_block(bytes(too_big)), "a block too big")
    expect(drive.position == 1, "a refused block moved the drive")
    drive.rewind()
    expect(_read_all(drive) == [_block(1)], "a refused block was written")


def _unload(f: DriveFactories) -> None:
    drive = f.make_drive()
    _layout(drive)
    drive.unload()
    expect(drive.state is DriveState.EJECTED, f"after unload the drive is {drive.state}")
    expect(drive.cartridge is not None, "the ejected cartridge vanished from the drive")
    expect_raises(NotReady, drive.read_block, "read after unload")
    expect_raises(NotReady, lambda: drive.write_block(b"x"), "write after unload")
    expect_raises(NotReady, drive.rewind, "rewind after unload")
    drive.load()
    expect(drive.state is DriveState.LOADED, "load() did not load")
    expect(drive.position == 0, "a loaded cartridge is not at position 0")
    expect(len(_read_all(drive)) == 6, "data did not survive unload and load")


def _early_warning(f: DriveFactories) -> None:
    if f.make_short_drive is None:
        return
    drive = f.make_short_drive()
    size = min(drive.max_block_size, 64 * 1024)
    warned_at = None
    for i in range(1_000_000):
        if drive.write_block(_block(i, size)):
            warned_at = drive.position
            break
        expect(not drive.at_early_warning, "at_early_warning before any write reported it")
    expect(warned_at is not None, "no early warning before the end of the cartridge")
    expect(drive.at_early_warning, "at_early_warning is false after a write reported it")
    expect(drive.write_filemarks(1) is True, "a filemark past early warning reports False")
    extra = 0
    while True:
        position = drive.position
        try:
            expect(drive.write_block(_block(extra, size)) is True, "past EW a write said False")
        except EndOfMedium:
            expect(drive.position == position, "a write refused at end of medium moved")
            break
        extra += 1
        expect(extra < 1_000_000, "end of medium never came after early warning")
    expect(extra >= 1, "no room after early warning for a trailer")
    end = drive.position
    expect_raises(EndOfMedium, lambda: drive.write_block(_block(0, size)), "a write at EOM")
    drive.rewind()
    drive.locate(end)
    expect(drive.read_block() is END_OF_DATA, "a refused write at end of medium was recorded")


def _write_protected(f: DriveFactories) -> None:
    if f.make_protected_drive is None:
        return
    drive = f.make_protected_drive()
    cartridge = drive.cartridge
    expect(cartridge is not None and cartridge.write_protected, "cartridge is not protected")
    expect_raises(WriteProtected, lambda: drive.write_block(b"x"), "write_block")
    expect_raises(WriteProtected, lambda: drive.write_filemarks(1), "write_filemarks")
    drive.rewind()
    drive.read_block()  # reading a protected cartridge works (raising breaks the rule)


DRIVE_RULES: tuple[Rule[DriveFactories], ...] = (
    Rule("drive.identity", "serial, generation, block size, protocols", _identity),
    Rule("drive.blank", "a blank cartridge reads END_OF_DATA at position 0", _blank),
    Rule("drive.round-trip", "blocks of 1 to max bytes read back as written", _round_trip),
    Rule("drive.filemarks", "filemarks take a position each and read once", _filemarks),
    Rule("drive.end-of-data", "END_OF_DATA is returned again, not consumed", _end_of_data),
    Rule("drive.overwrite", "writing discards everything after the position", _overwrite),
    Rule("drive.locate", "locate goes to an object; past the end reads EOD", _locate),
    Rule("drive.space-forward", "space(n) stops after the n-th filemark", _space_forward),
    Rule("drive.space-backward", "space(-n) stops before the n-th mark back", _space_backward),
    Rule("drive.block-size", "blocks hold 1 to max_block_size bytes", _block_sizes),
    Rule("drive.unload", "unloaded drives are not ready; data survives", _unload),
    Rule("drive.early-warning", "EW, room for a trailer, then EndOfMedium", _early_warning),
    Rule("drive.write-protected", "protected cartridges refuse writes", _write_protected),
)


def check_tape_drive(
    make_drive: DriveFactory,
    *,
    make_short_drive: DriveFactory | None = None,
    make_protected_drive: DriveFactory | None = None,
    only: list[str] | None = None,
) -> None:
    """Check every rule of :data:`DRIVE_RULES` against drives from the factories.

    Raises :class:`NonConformance` naming the first rule broken. ``only`` restricts
    the check to the rules named.
    """
    factories = DriveFactories(make_drive, make_short_drive, make_protected_drive)
    run_rules(DRIVE_RULES, factories, only)
