"""A custom tape drive driver that passes the conformance suite.

Run: python examples/custom_driver.py

``SkeletonDrive`` implements the :class:`smartmedia.devices.TapeDrive` protocol. It is
the shape of a real driver: each method says which command a driver for a SCSI tape
drive would send (the SSC command set), and where a real driver talks to the device,
this one talks to a :class:`smartmedia.format.MemoryTape` standing in for the medium.
Replace the ``MemoryTape`` calls with your transport and keep the rest: the state
checks, the errors and the position rules are what the suite checks.

The script runs every rule of :data:`smartmedia.devices.testing.DRIVE_RULES` (one line
each), then :func:`~smartmedia.devices.testing.check_tape_drive` as a test would, then
writes and verifies a small medium of the smartmedia format on the drive.
"""

from __future__ import annotations

import datetime as dt

from smartmedia.devices import DriveState, TapeDrive
from smartmedia.devices.testing import (
    DRIVE_RULES,
    DriveFactories,
    NonConformance,
    check_tape_drive,
)
from smartmedia.errors import BlankCheck, NotReady, ValidationError, WriteProtected
from smartmedia.format import (
    END_OF_DATA,
    FILEMARK,
    Block,
    MediumHeader,
    MediumReader,
    MediumWriter,
    MemoryTape,
    ReadResult,
)
from smartmedia.model import (
    BackupObject,
    Barcode,
    Cartridge,
    DriveSerial,
    MediaType,
    MediumIdGenerator,
    ObjectType,
    ObjectVersion,
    SessionId,
)

UTC = dt.timezone.utc


class SkeletonDrive:
    """One tape drive and the cartridge in it.

    ``tape`` is the medium of the loaded cartridge (a :class:`MemoryTape` here; the
    device itself in a real driver), ``cartridge`` what the changer knows of it.
    """

    def __init__(
        self,
        serial: str,
        generation: MediaType,
        *,
        max_block_size: int = 1024 * 1024,
    ) -> None:
        # A real driver opens the device node here and checks the serial number the
        # drive reports (INQUIRY, VPD page 0x80) against the one the changer gives.
        self._serial = DriveSerial(serial)
        self._generation = generation
        self._max_block_size = max_block_size  # READ BLOCK LIMITS
        self._state = DriveState.EMPTY
        self._cartridge: Cartridge | None = None
        self._tape: MemoryTape | None = None

    # -- what the changer does: a cartridge arrives in the drive ------------------------

    def insert(self, cartridge: Cartridge, tape: MemoryTape) -> None:
        """The robot put ``cartridge`` into the drive; the drive threads it."""
        if self._state is not DriveState.EMPTY:
            raise NotReady(f"drive {self._serial} already holds a cartridge")
        if not self._generation.can_read(cartridge.media_type):
            raise ValidationError(
                f"a {self._generation.value} drive cannot read {cartridge.media_type.value}",
                path="cartridge",
            )
        self._cartridge, self._tape = cartridge, tape
        self._state = DriveState.LOADED
        tape.rewind()

    # -- identity -----------------------------------------------------------------------

    @property
    def serial(self) -> DriveSerial:
        return self._serial

    @property
    def generation(self) -> MediaType:
        return self._generation

    @property
    def max_block_size(self) -> int:
        return self._max_block_size

    @property
    def state(self) -> DriveState:
        return self._state

    @property
    def cartridge(self) -> Cartridge | None:
        return self._cartridge

    # -- medium operations --------------------------------------------------------------

    def _loaded(self) -> MemoryTape:
        """The loaded medium; NotReady otherwise (TEST UNIT READY)."""
        if self._state is not DriveState.LOADED or self._tape is None:
            raise NotReady(f"drive {self._serial}: no cartridge loaded ({self._state.value})")
        return self._tape

    def _writable(self) -> MemoryTape:
        tape = self._loaded()
        assert self._cartridge is not None
        if self._cartridge.write_protected:
            raise WriteProtected(f"drive {self._serial}: the cartridge is write protected")
        if not self._generation.can_write(self._cartridge.media_type):
            raise WriteProtected(
                f"a {self._generation.value} drive only reads {self._cartridge.media_type.value}"
            )
        return tape

    @property
    def at_early_warning(self) -> bool:
        # REQUEST SENSE: the EOM bit with sense key NO SENSE.
        tape = self._loaded()
        return tape.capacity is not None and tape.bytes_used >= tape.capacity - tape.early_warning

    @property
    def position(self) -> int:
        return self._loaded().position  # READ POSITION (logical object identifier)

    def write_block(self, data: Block) -> bool:
        size = memoryview(data).nbytes
        tape = self._writable()
        if not 1 <= size <= self._max_block_size:
            raise ValidationError(
                f"a block is 1..{self._max_block_size} bytes, not {size}", path="data"
            )
        return tape.write_block(data)  # WRITE(6), variable block mode; raises EndOfMedium

    def write_filemarks(self, count: int = 1) -> bool:
        if type(count) is not int or count < 0:
            raise ValidationError(f"must be an integer >= 0, not {count!r}", path="count")
        return self._writable().write_filemarks(count)  # WRITE FILEMARKS(6)

    def read_block(self) -> ReadResult:
        return self._loaded().read_block()  # READ(6); FILEMARK / BLANK CHECK sense

    def locate(self, position: int) -> None:
        if type(position) is not int or position < 0:
            raise ValidationError(f"must be an integer >= 0, not {position!r}", path="position")
        self._loaded().locate(position)  # LOCATE(16)

    def space_filemarks(self, count: int) -> None:
        # SPACE(16), code 1 (filemarks). Emulated here by reading and locating.
        tape = self._loaded()
        if count > 0:
            passed = 0
            while passed < count:
                item = tape.read_block()
                if item is END_OF_DATA:
                    raise BlankCheck(f"end of data after {passed} of {count} filemarks")
                if item is FILEMARK:
                    passed += 1
        elif count < 0:
            passed = 0
            position = tape.position
            while passed < -count:
                if position == 0:
                    tape.locate(0)
                    raise BlankCheck(f"beginning of medium after {passed} of {-count} filemarks")
                position -= 1
                tape.locate(position)
                if tape.read_block() is FILEMARK:
                    passed += 1
            tape.locate(position)

    def rewind(self) -> None:
        self._loaded().rewind()  # REWIND

    def load(self) -> None:
        if self._state is DriveState.LOADED:
            return
        if self._state is not DriveState.EJECTED or self._tape is None:
            raise NotReady(f"drive {self._serial}: no cartridge to load ({self._state.value})")
        self._state = DriveState.LOADED  # LOAD UNLOAD, load bit set
        self._tape.rewind()

    def unload(self) -> None:
        tape = self._loaded()
        if self._cartridge is not None and not self._cartridge.write_protected:
            tape.write_filemarks(0)  # WRITE FILEMARKS(0): flush buffered blocks
        tape.rewind()
        self._state = DriveState.EJECTED  # LOAD UNLOAD, load bit clear


# -- the factories the conformance suite uses ---------------------------------------------

_made = 0


def make_drive(*, capacity: int | None = None, write_protected: bool = False) -> SkeletonDrive:
    """A fresh drive with a blank cartridge loaded, as the suite asks."""
    global _made  # noqa: PLW0603 (a counter for unique barcodes)
    _made += 1
    drive = SkeletonDrive(f"SKEL{_made:04d}", MediaType.LTO9)
    cartridge = Cartridge(
        media_type=MediaType.LTO9,
        barcode=Barcode(f"SK{_made:04d}L9"),
        write_protected=write_protected,
    )
    drive.insert(cartridge, MemoryTape(capacity=capacity, early_warning=256 * 1024))
    return drive


def make_short_drive() -> SkeletonDrive:
    return make_drive(capacity=4 * 1024 * 1024)


def make_protected_drive() -> SkeletonDrive:
    return make_drive(write_protected=True)


def write_and_verify(drive: TapeDrive) -> str:
    """Write one session with one object onto ``drive`` and verify the medium."""
    now = dt.datetime(2026, 11, 25, 22, 0, tzinfo=UTC)
    session = SessionId.parse("2026/11/25-1")
    header = MediumHeader(
        medium_id=MediumIdGenerator("10.0.0.7")(),
        label="Skeleton_1",
        media_type=MediaType.LTO9,
        pool="Skeleton",
        created=now,
        block_size=64 * 1024,
    )
    writer = MediumWriter(drive, header, now=lambda: now)
    writer.begin_session(session, specification="skeleton")
    obj = BackupObject(type=ObjectType.FILESYSTEM, host="db1", mount="/var/lib/db")
    data = bytes(range(256)) * 4096  # 1 MiB
    writer.write_object(ObjectVersion(object=obj, session=session, backup_time=now), [data])
    writer.end_session()
    writer.close()
    drive.rewind()
    result = MediumReader(drive).verify()
    if not result.ok:
        raise SystemExit(f"the medium written on the skeleton drive does not verify: {result}")
    return f"crc32c:{result.digest:08x}"


def main() -> None:
    factories = DriveFactories(
        make_drive,
        make_short_drive=make_short_drive,
        make_protected_drive=make_protected_drive,
    )
    broken = 0
    for rule in DRIVE_RULES:
        try:
            rule.run(factories)
        except NonConformance as error:
            broken += 1
            print(f"  FAIL {rule.name:<24} {error.reason}")
        else:
            print(f"  ok   {rule.name:<24} {rule.description}")
    if broken:
        raise SystemExit(f"{broken} rule(s) broken")
    # What a driver's own test suite would call:
    check_tape_drive(
        make_drive, make_short_drive=make_short_drive, make_protected_drive=make_protected_drive
    )
    digest = write_and_verify(make_drive())
    print(f"SkeletonDrive conforms to all {len(DRIVE_RULES)} drive rules; a medium written")
    print(f"on it with MediumWriter verifies with MediumReader ({digest})")


if __name__ == "__main__":
    main()
