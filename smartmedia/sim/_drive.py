"""The simulated tape drive: a :class:`~smartmedia.devices.TapeDrive` on a cartridge image.

Invariants:

* every operation charges its time to the shared clock from the drive's
  :class:`~smartmedia.devices.DriveTiming` *before* it takes effect; if the drive fails
  or power is lost during that time, the operation raises and has no effect;
* writing makes data durable at filemarks, locate, space, rewind and unload (a drive
  flushes its buffer then); a power loss drops the rest and leaves the drive at
  position 0;
* capacity: a write that would end past the cartridge's capacity raises
  :class:`~smartmedia.errors.EndOfMedium` and writes nothing; one that ends within the
  last ``early_warning`` bytes succeeds and returns ``True``;
* streaming: a writer that feeds the drive slower than its minimum speed-matching rate
  (measured over each buffer-full of data, in virtual time) pays a backhitch per buffer.
"""

from __future__ import annotations

from smartmedia.devices import DriveState, DriveTiming
from smartmedia.errors import (
    BlankCheck,
    DriveError,
    EndOfMedium,
    MediumError,
    NotReady,
    ValidationError,
    WriteProtected,
)
from smartmedia.format import END_OF_DATA, FILEMARK, Block, Filemark, ReadResult, view_of
from smartmedia.model import Cartridge, DriveSerial, MediaType
from smartmedia.sim._clock import Clock, Process
from smartmedia.sim._faults import Faults
from smartmedia.sim._image import CartridgeImage

__all__ = ["EARLY_WARNING", "SimTapeDrive"]

#: Default distance of the early-warning point from the physical end (as mhVTL has it).
EARLY_WARNING = 2 << 20


class SimTapeDrive:
    """A simulated drive of ``generation`` with serial number ``serial``.

    Put a cartridge in with :meth:`insert` (a changer does it on a move); take it out
    with :meth:`remove` after :meth:`unload`. ``max_block_size`` is fixed per drive;
    ``early_warning`` is how far before the physical end the early-warning point lies.
    """

    def __init__(
        self,
        *,
        serial: DriveSerial | str,
        generation: MediaType,
        clock: Clock,
        timing: DriveTiming | None = None,
        faults: Faults | None = None,
        max_block_size: int = 1 << 20,
        early_warning: int = EARLY_WARNING,
    ) -> None:
        self._serial = serial if isinstance(serial, DriveSerial) else DriveSerial.parse(serial)
        if not isinstance(generation, MediaType):
            raise ValidationError(f"not a media type: {generation!r}", path="generation")
        if type(max_block_size) is not int or max_block_size < 1:
            raise ValidationError(f"must be >= 1, not {max_block_size!r}", path="max_block_size")
        if type(early_warning) is not int or early_warning < 0:
            raise ValidationError(f"must be >= 0, not {early_warning!r}", path="early_warning")
        self._generation = generation
        self.clock = clock
        self.timing = timing if timing is not None else DriveTiming.for_generation(generation)
        self._faults = faults if faults is not None else Faults()
        self._failure = self._faults.drive_failure(self._serial)
        self._rng = clock.rng(f"drive/{self._serial}")
        self._max_block_size = max_block_size
        self.early_warning = early_warning
        self._state = DriveState.EMPTY
        self._image: CartridgeImage | None = None
        self._bad_read: frozenset[int] = frozenset()
        self._bad_write: frozenset[int] = frozenset()
        self._position = 0
        self.bytes_moved = 0
        self.reserved_by: object | None = None
        self._window_start = 0.0
        self._window_bytes = 0
        clock.on_power_loss(self._power_lost)
        for loss in self._faults.power:
            clock.arm_power_loss(loss.at_event)

    # -- identity and state ----------------------------------------------------------------

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
        return None if self._image is None else self._image.cartridge

    @property
    def image(self) -> CartridgeImage | None:
        """The image of the cartridge in the drive (for simulations and tests)."""
        return self._image

    @property
    def position(self) -> int:
        self._ready()
        return self._position

    @property
    def at_early_warning(self) -> bool:
        image = self._ready()
        return image.bytes_used > image.capacity - self.early_warning

    def __repr__(self) -> str:
        return f"SimTapeDrive({self._serial}, {self._generation}, {self._state.value})"

    # -- the changer's side ----------------------------------------------------------------

    def insert(self, image: CartridgeImage) -> None:
        """Put a cartridge into the empty drive and load it."""
        self._put(image)
        self.load()

    def remove(self) -> CartridgeImage:
        """Take the ejected cartridge out of the drive."""
        if self._state is not DriveState.EJECTED or self._image is None:
            raise NotReady(f"drive {self._serial} has no ejected cartridge to remove")
        image, self._image = self._image, None
        self._state = DriveState.EMPTY
        return image

    def load(self) -> None:
        self._run(self._load_steps())

    def unload(self) -> None:
        self._run(self._unload_steps())

    def _load_steps(self, owner: object | None = None) -> Process[None]:
        self._alive()
        if self.reserved_by is not None and self.reserved_by is not owner:
            raise NotReady(f"drive {self._serial} is in use by {self.reserved_by}")
        if self._state is DriveState.LOADED:
            return
        image = self._image
        if image is None:
            raise NotReady(f"drive {self._serial} is empty")
        if not self._generation.can_read(image.media_type):
            raise NotReady(
                f"{self._generation} drive {self._serial} cannot use "
                f"{image.media_type} cartridge {image.barcode}"
            )
        yield from self._charge_steps(self._jitter(self.timing.load_seconds), "load")
        self._state = DriveState.LOADED
        self._position = 0
        self._bad_read = self._faults.bad_blocks(image.barcode)
        self._bad_write = self._faults.bad_blocks(image.barcode, writing=True)
        self.clock.log(f"{self._serial} loaded {image.barcode}")

    def _unload_steps(self, owner: object | None = None) -> Process[None]:
        image = self._ready(owner)
        seconds = self.timing.rewind_time(self._byte(), image.capacity)
        seconds += self._jitter(self.timing.unload_seconds)
        yield from self._charge_steps(seconds, "unload")
        image.flush()
        self._position = 0
        self._state = DriveState.EJECTED
        self.clock.log(f"{self._serial} unloaded {image.barcode}")

    def _put(self, image: CartridgeImage) -> None:
        """A changer puts ``image`` into the empty drive (loading is a separate step)."""
        self._alive()
        if self._state is not DriveState.EMPTY:
            raise NotReady(f"drive {self._serial} already holds a cartridge")
        self._image = image
        self._state = DriveState.EJECTED

    # -- reading ---------------------------------------------------------------------------

    def read_block(self) -> ReadResult:
        image = self._ready()
        position = self._position
        if position >= image.count:
            return END_OF_DATA
        obj = image.read(position)
        if isinstance(obj, Filemark):
            self._charge(0.0, "read filemark")
            self._position = position + 1
            return FILEMARK
        self._charge(self.timing.streaming_seconds(len(obj)), "read", len(obj))
        self._position = position + 1
        if position in self._bad_read:
            raise MediumError(
                f"unreadable block {position} on {image.barcode}",
                barcode=str(image.barcode),
                block=position,
            )
        return obj

    # -- writing ---------------------------------------------------------------------------

    def write_block(self, data: Block) -> bool:
        image = self._writable()
        length = view_of(data).nbytes
        if not 1 <= length <= self._max_block_size:
            raise ValidationError(
                f"a block holds 1 to {self._max_block_size} bytes, not {length}", path="data"
            )
        position = self._position
        end = image.bytes_before(min(position, image.count)) + length
        if end > image.capacity:
            raise EndOfMedium(
                f"{image.barcode} is full: block {position} of {length} bytes does not fit"
            )
        self._charge(self._write_seconds(length), "write", length)
        if position in self._bad_write:
            raise MediumError(
                f"cannot write block {position} on {image.barcode}",
                barcode=str(image.barcode),
                block=position,
            )
        if position < image.count:
            image.truncate(position)
        image.append_block(data)
        self._position = position + 1
        return end > image.capacity - self.early_warning

    def write_filemarks(self, count: int = 1) -> bool:
        if type(count) is not int or count < 0:
            raise ValidationError(f"count must be an integer >= 0, not {count!r}", path="count")
        image = self._writable()
        position = self._position
        self._charge(0.0, "write filemarks")
        if count:
            if position < image.count:
                image.truncate(position)
            image.append_filemarks(count)
            self._position = position + count
        image.flush()
        return image.bytes_before(min(self._position, image.count)) > (
            image.capacity - self.early_warning
        )

    # -- positioning -----------------------------------------------------------------------

    def locate(self, position: int) -> None:
        if type(position) is not int or position < 0:
            raise ValidationError(
                f"a position is an integer >= 0, not {position!r}", path="position"
            )
        image = self._ready()
        target = min(position, image.count)
        self._move_to(target, "locate")

    def space_filemarks(self, count: int) -> None:
        if type(count) is not int:
            raise ValidationError(f"count must be an integer, not {count!r}", path="count")
        image = self._ready()
        position = self._position
        for _ in range(abs(count)):
            if count > 0:
                mark = image.next_filemark(position)
                if mark is None:
                    self._move_to(image.count, "space")
                    raise BlankCheck(f"end of data on {image.barcode} before a filemark")
                position = mark + 1
            else:
                mark = image.previous_filemark(position)
                if mark is None:
                    self._move_to(0, "space")
                    raise BlankCheck(f"beginning of {image.barcode} before a filemark")
                position = mark
        if count:
            self._move_to(position, "space")

    def rewind(self) -> None:
        image = self._ready()
        self._charge(self.timing.rewind_time(self._byte(), image.capacity), "rewind")
        image.flush()
        self._position = 0

    def _move_to(self, target: int, what: str) -> None:
        image = self._ready()
        seconds = self.timing.locate_time(self._byte(), image.bytes_before(target), image.capacity)
        self._charge(self._jitter(seconds), what)
        image.flush()
        self._position = target

    # -- internals -------------------------------------------------------------------------

    def _byte(self) -> int:
        assert self._image is not None
        return self._image.bytes_before(min(self._position, self._image.count))

    def _jitter(self, seconds: float) -> float:
        j = self.timing.jitter
        return seconds * self._rng.uniform(1 - j, 1 + j) if j and seconds else seconds

    def _write_seconds(self, length: int) -> float:
        """Streaming time of a write, with a backhitch per starved buffer-full."""
        seconds = self.timing.streaming_seconds(length)
        now = self.clock.now()
        if self._window_bytes == 0:
            self._window_start = now
        self._window_bytes += length
        if self._window_bytes >= self.timing.buffer_bytes:
            elapsed = now - self._window_start
            if elapsed > 0 and self._window_bytes / elapsed < self.timing.min_rate:
                seconds += self.timing.backhitch_seconds
            self._window_bytes = 0
        return seconds

    def _alive(self) -> None:
        if self._state is DriveState.FAILED:
            raise DriveError(f"drive {self._serial} has failed")
        failure = self._failure
        if (
            failure is not None
            and failure.at_time is not None
            and self.clock.now() >= failure.at_time
        ):
            self._fail("at its planned time")

    def _fail(self, why: str) -> None:
        self._state = DriveState.FAILED
        self.clock.log(f"{self._serial} failed")
        raise DriveError(f"drive {self._serial} failed {why}")

    def _ready(self, owner: object | None = None) -> CartridgeImage:
        self._alive()
        if self.reserved_by is not None and self.reserved_by is not owner:
            raise NotReady(f"drive {self._serial} is in use by {self.reserved_by}")
        if self._state is not DriveState.LOADED or self._image is None:
            raise NotReady(f"drive {self._serial} has no cartridge loaded")
        return self._image

    def _writable(self) -> CartridgeImage:
        image = self._ready()
        if image.write_protected:
            raise WriteProtected(f"cartridge {image.barcode} is write protected")
        if not self._generation.can_write(image.media_type):
            raise WriteProtected(
                f"a {self._generation} drive cannot write {image.media_type} cartridge "
                f"{image.barcode}"
            )
        return image

    def _charge(self, seconds: float, what: str, nbytes: int = 0) -> None:
        """Spend ``seconds`` on ``what``; fail instead if the drive or the power does."""
        epoch = self._before(nbytes)
        self.clock.sleep(seconds)
        self._after(epoch, what, nbytes)

    def _charge_steps(self, seconds: float, what: str, nbytes: int = 0) -> Process[None]:
        """:meth:`_charge` for a process: yields the time instead of sleeping."""
        epoch = self._before(nbytes)
        yield seconds
        self._after(epoch, what, nbytes)

    def _before(self, nbytes: int) -> int:
        failure = self._failure
        limit = None if failure is None else failure.after_bytes
        if limit is not None and self.bytes_moved + nbytes > limit:
            self._fail(f"after {self.bytes_moved} bytes")
        return self.clock.power_epoch

    def _after(self, epoch: int, what: str, nbytes: int) -> None:
        if self.clock.power_epoch != epoch:
            raise DriveError(f"power lost during {what} on drive {self._serial}")
        self._alive()
        self.bytes_moved += nbytes

    def _run(self, steps: Process[None]) -> None:
        """Run a process of delays synchronously, sleeping for each."""
        for wait in steps:
            assert isinstance(wait, float | int)
            self.clock.sleep(wait)

    def _power_lost(self) -> None:
        if self._image is not None:
            self._image.revert()
        self._position = 0
        self._window_bytes = 0
