"""The VLS copy engine: one copy order as a process on the shared clock.

Steps: wait for a copy stream, claim a free drive of the target library that can write
the target, pay the setup time, have the robot load the target, write the source's
medium header rewritten for the target (:func:`smartmedia.format.rewrite_header`) —
after reading the target's first block and refusing to write over data the order does
not release (:func:`smartmedia.format.check_overwrite`) — copy
every further block and filemark byte for byte while feeding
:class:`smartmedia.format.PayloadDigest`, flush, unload, and have the robot put the
target back in its slot.

Invariants:

* time is charged per chunk (``chunk_bytes``) from the drive's streaming rate when fed
  at the VLS stream rate, so a starved drive shoe-shines; the number of events grows
  with bytes / chunk, not with blocks;
* faults fire exactly where declared: a chunk is cut at the object where a drive or
  stream fault, a bad block, or the end of the target falls, the objects before it are
  written, then the copy fails;
* a synthetic source is copied *by size* onto a memory target (no bytes generated: the
  target gets the same run of generated blocks behind its new header) unless the VLS
  materialises synthetic content; such a copy claims no digest;
* whatever happens, the drive is released and (when it still works) the target is
  unloaded and put back where it came from;
* every exception ends the copy: an ``OSError`` of the store (a full disk, a file
  limit) fails it with ``"target write failed ..."`` or ``"source read failed ..."``;
  anything else fails it as an internal error of the engine. A copy never stays
  ``RUNNING`` after its process ended (:func:`process_died` is the task's last word).
"""

from __future__ import annotations

import math
from collections.abc import Iterator
from typing import TYPE_CHECKING

import attrs

from smartmedia.devices import CopyHandle, CopyOrder, CopyResult, CopyState, DriveState
from smartmedia.errors import (
    CopyFailed,
    DeviceError,
    DriveError,
    EndOfMedium,
    FormatError,
    MediumError,
    ValidationError,
    WriteProtected,
)
from smartmedia.format import END_OF_DATA, Filemark, PayloadDigest, check_overwrite, rewrite_header
from smartmedia.model import Barcode
from smartmedia.sim._clock import Process, Task
from smartmedia.sim._drive import SimTapeDrive
from smartmedia.sim._image import CartridgeImage, MemoryImage, Object, SyntheticRun

if TYPE_CHECKING:
    from smartmedia.sim._library import SimTapeLibrary
    from smartmedia.sim._vls import SimVLS

__all__ = ["CopyJob", "process_died", "run_copy"]


class _Stop(Exception):
    """Ends a copy with the error that stopped it (internal to the engine)."""

    def __init__(self, error: DeviceError | FormatError | ValidationError) -> None:
        self.error = error


@attrs.define(eq=False)
class CopyJob:
    """The engine's record of one copy order (its :meth:`result` is the public view)."""

    handle: CopyHandle
    order: CopyOrder
    state: CopyState = CopyState.QUEUED
    bytes_copied: int = 0
    digest: int | None = None
    error: str | None = None
    faulty_medium: Barcode | None = None
    drive: SimTapeDrive | None = None
    started: float | None = None
    finished: float | None = None
    cancel_requested: bool = False
    refused_target: bool = False
    task: Task[None] | None = None

    def result(self) -> CopyResult:
        return CopyResult(
            handle=self.handle,
            order=self.order,
            state=self.state,
            bytes_copied=self.bytes_copied,
            digest=self.digest if self.state is CopyState.COMPLETED else None,
            error=self.error,
            faulty_medium=self.faulty_medium,
            drive=None if self.drive is None else self.drive.serial,
            started=self.started,
            finished=self.finished,
            refused_target=self.refused_target and self.state is CopyState.FAILED,
        )

    def __str__(self) -> str:
        return f"copy {self.handle}"


def run_copy(vls: SimVLS, job: CopyJob) -> Process[None]:
    """The whole life of ``job``: queue for a stream, copy, finish."""
    yield vls.streams.acquire()
    try:
        if job.state is CopyState.QUEUED:  # not cancelled while it waited
            yield from _run(vls, job)
    finally:
        vls.streams.release()


def process_died(vls: SimVLS, job: CopyJob, error: Exception) -> None:
    """The copy's process raised past every handler: the copy fails, naming why."""
    if not job.state.is_finished:
        _finish(vls, job, CopyState.FAILED, f"internal error of the copy engine: {_text(error)}")


def _text(error: BaseException) -> str:
    if isinstance(error, OSError) and error.strerror:
        return error.strerror
    return f"{type(error).__name__}: {error}"[:300]


def _finish(
    vls: SimVLS,
    job: CopyJob,
    state: CopyState,
    error: str | None = None,
    cause: BaseException | None = None,
) -> None:
    job.state, job.error, job.finished = state, error, vls.clock.now()
    if isinstance(cause, MediumError) and cause.barcode is not None:
        job.faulty_medium = Barcode(cause.barcode)
    vls.clock.log(f"{job} {state.value}" + (f": {error}" if error else ""))


def _run(vls: SimVLS, job: CopyJob) -> Process[None]:
    clock, order = vls.clock, job.order
    library = vls.physical_library(order.target_library)
    job.state, job.started = CopyState.RUNNING, clock.now()
    clock.log(f"{job} running: {order.source} -> {order.target}")
    drives = vls.drive_pool(library)
    yield drives.acquire()
    drive: SimTapeDrive | None = None
    home: int | None = None
    try:
        drive = _claim(library, job)
        job.drive = drive
        epoch = clock.power_epoch
        yield vls.timing.setup_seconds
        _check(vls, job, epoch)
        home = library.slot_of(order.target)
        if home is None:
            raise _Stop(ValidationError(f"target {order.target} is not in a storage slot"))
        yield from library.move_steps(home, library.address_of(drive), owner=job)
        _check(vls, job, epoch)
        digest = yield from _copy_data(vls, job, drive, epoch)
        yield from drive._unload_steps(owner=job)
        yield from library.move_steps(library.address_of(drive), home, owner=job)
        job.digest = digest
        _finish(vls, job, CopyState.COMPLETED)
    except _Stop as stop:
        state = CopyState.CANCELLED if job.cancel_requested else CopyState.FAILED
        note = yield from _put_back(library, job, drive, home)
        _finish(vls, job, state, str(stop.error) + note, stop.error)
    except (DeviceError, FormatError, ValidationError) as error:
        note = yield from _put_back(library, job, drive, home)
        _finish(vls, job, CopyState.FAILED, f"{type(error).__name__}: {error}{note}", error)
    except Exception as error:  # a defect or an unforeseen I/O error: still a failed copy
        note = yield from _put_back(library, job, drive, home)
        _finish(vls, job, CopyState.FAILED, f"internal error: {_text(error)}{note}")
    finally:
        if drive is not None:
            drive.reserved_by = None
        drives.release()


def _claim(library: SimTapeLibrary, job: CopyJob) -> SimTapeDrive:
    media = library.store.get(job.order.target).media_type
    for drive in library.drives_of():
        free = drive.reserved_by is None and drive.state is DriveState.EMPTY
        if free and drive.generation.can_write(media):
            drive.reserved_by = job
            return drive
    raise _Stop(DriveError(f"no free drive of {library.name} can write {media} media"))


def _check(vls: SimVLS, job: CopyJob, epoch: int) -> None:
    if vls.clock.power_epoch != epoch:
        raise _Stop(DeviceError("power lost during the copy"))
    if job.cancel_requested:
        raise _Stop(CopyFailed("cancelled"))


def _put_back(
    library: SimTapeLibrary, job: CopyJob, drive: SimTapeDrive | None, home: int | None
) -> Process[str]:
    """Best effort after a failure: unload the target and return it to its slot.

    Returns a note for the error text when the target could not be put back.
    """
    if drive is None or home is None or drive.state is DriveState.EMPTY:
        return ""
    if drive.state is DriveState.FAILED:
        return f"; the target stays in failed drive {drive.serial}"
    try:
        if drive.state is DriveState.LOADED:
            yield from drive._unload_steps(owner=job)
        if drive.state is DriveState.EJECTED:
            yield from library.move_steps(library.address_of(drive), home, owner=job)
    except DeviceError as error:
        return f"; the target stays in drive {drive.serial}: {error}"
    return ""


def _copy_data(vls: SimVLS, job: CopyJob, drive: SimTapeDrive, epoch: int) -> Process[int | None]:
    """Header rewrite, then the payload; the digest of what was written (or None)."""
    order = job.order
    source = vls.store.get(order.source)
    target = drive.image
    assert target is not None
    if target.write_protected or not drive.generation.can_write(target.media_type):
        raise _Stop(WriteProtected(f"{order.target} cannot be written in {drive.serial}"))
    with _io(f"source read failed on {order.source}"):
        first = source.read(0) if source.count else None
    if first is None or isinstance(first, Filemark):
        raise _Stop(FormatError(f"{order.source} has no medium header"))
    header = rewrite_header(first, order.identity)
    _guard(job, target)
    with _io(f"target write failed on {order.target}"):
        target.truncate(0)
    feeder = _Feeder(vls, job, drive, source=source, target=target, epoch=epoch)
    yield from feeder.write([(header, None)])
    run = source.synthetic_run
    by_size = run is not None and isinstance(target, MemoryImage) and not vls.materialize_synthetic
    if by_size and isinstance(source, MemoryImage):
        head, run, tail = source.parts()
        yield from feeder.objects(iter((obj, None) for obj in head[1:]))
        if run is not None:
            yield from feeder.run(run)
        yield from feeder.objects(iter((obj, None) for obj in tail))
        target.flush()
        return None
    yield from feeder.objects(source.iter_records(1))
    with _io(f"target write failed on {order.target}"):
        target.flush()
    return feeder.digest.value


def _guard(job: CopyJob, target: CartridgeImage) -> None:
    """Read the target's first block; refuse to write over what the order does not release."""
    with _io(f"target read failed on {job.order.target}"):
        first = target.read(0) if target.count else END_OF_DATA
    verdict = check_overwrite(first, job.order.overwrite)
    if not verdict.ok:
        job.refused_target = True
        raise _Stop(CopyFailed(f"target {job.order.target} refused: {verdict.reason}"))


class _io:
    """Turns an ``OSError`` of a store into a failed copy that says what failed."""

    def __init__(self, what: str) -> None:
        self.what = what

    def __enter__(self) -> None:
        return None

    def __exit__(self, kind: object, error: BaseException | None, _tb: object) -> None:
        if isinstance(error, OSError):
            raise _Stop(DeviceError(f"{self.what}: {_text(error)}")) from error


class _Feeder:
    """Writes objects to the target in chunks, charging time and firing faults."""

    def __init__(
        self,
        vls: SimVLS,
        job: CopyJob,
        drive: SimTapeDrive,
        *,
        source: CartridgeImage,
        target: CartridgeImage,
        epoch: int,
    ) -> None:
        self.vls, self.job, self.drive = vls, job, drive
        self.source, self.target, self.epoch = source, target, epoch
        self.digest = PayloadDigest()
        self.position = 1  # next source position
        self.source_bad = vls.faults.bad_blocks(job.order.source)
        self.target_bad = vls.faults.bad_blocks(target.barcode, writing=True)
        self.death = vls.faults.stream_death(job.order.source)
        self.feed = vls.timing.stream_rate

    def budget(self) -> tuple[int, DeviceError]:
        """Bytes that can be written before the nearest limit, and what that limit is."""
        limits: list[tuple[float, DeviceError]] = [
            (
                self.target.capacity - self.target.bytes_used,
                EndOfMedium(f"{self.target.barcode} is full after {self.job.bytes_copied} bytes"),
            )
        ]
        failure = self.drive._failure
        if failure is not None and failure.after_bytes is not None:
            limits.append(
                (
                    failure.after_bytes - self.drive.bytes_moved,
                    DriveError(
                        f"drive {self.drive.serial} failed after {failure.after_bytes} bytes"
                    ),
                )
            )
        if failure is not None and failure.at_time is not None:
            seconds = failure.at_time - self.vls.clock.now()
            rate = self.drive.timing.effective_rate(self.feed)
            limits.append(
                (
                    math.floor(max(0.0, seconds) * rate),
                    DriveError(f"drive {self.drive.serial} failed at {failure.at_time} s"),
                )
            )
        if self.death is not None:
            limits.append(
                (
                    self.death.after_bytes - self.job.bytes_copied,
                    DeviceError(f"the copy stream died after {self.death.after_bytes} bytes"),
                )
            )
        room, error = min(limits, key=lambda item: item[0])
        return max(0, int(room)), error

    def write(self, records: list[tuple[Object, int | None]]) -> Process[None]:
        """Write ``records`` (already within budget) and charge their time."""
        nbytes = sum(0 if isinstance(obj, Filemark) else len(obj) for obj, _ in records)
        seconds = self.drive.timing.streaming_seconds(nbytes, self.feed)
        yield from self.drive._charge_steps(seconds, "copy", nbytes)
        _check(self.vls, self.job, self.epoch)
        with _io(f"target write failed on {self.target.barcode}"):
            self.target.append_records(records)
        self.job.bytes_copied += nbytes

    def objects(self, records: Iterator[tuple[Object, int | None]]) -> Process[None]:
        """Copy ``records`` (objects with their CRC32C, if known) in chunks."""
        chunk_limit = self.vls.chunk_bytes
        exhausted = False
        while not exhausted:
            room, limit_error = self.budget()
            chunk: list[tuple[Object, int | None]] = []
            size = 0
            stop: DeviceError | None = None
            while size < chunk_limit:
                with _io(f"source read failed on {self.source.barcode}"):
                    item = next(records, None)
                if item is None:
                    exhausted = True
                    break
                obj = item[0]
                length = 0 if isinstance(obj, Filemark) else len(obj)
                stop = self._bad(self.position)
                if stop is None and size + length > room:
                    stop = limit_error
                if stop is not None:
                    break
                if isinstance(obj, Filemark):
                    self.digest.update_filemarks(1)
                else:
                    self.digest.update_block(obj)
                chunk.append(item)
                size += length
                self.position += 1
            if chunk:
                yield from self.write(chunk)
            if stop is not None:
                self._fail(stop)

    def _bad(self, position: int) -> MediumError | None:
        for bad, image, verb in (
            (self.source_bad, self.source, "read"),
            (self.target_bad, self.target, "write"),
        ):
            if position in bad:
                return MediumError(
                    f"cannot {verb} block {position} of {image.barcode}",
                    barcode=str(image.barcode),
                    block=position,
                )
        return None

    def run(self, run: SyntheticRun) -> Process[None]:
        """Copy a synthetic run by size: time and faults, no bytes generated."""
        step = max(self.vls.chunk_bytes, self.vls.synthetic_step_bytes)
        done = 0
        first = self.position
        bad = sorted(p for p in self.source_bad | self.target_bad if first <= p < first + run.count)
        while done < run.count:
            room, limit_error = self.budget()
            blocks = min(run.count - done, max(1, step // run.block_size))
            stop: DeviceError | None = None
            if bad and bad[0] < first + done + blocks:
                blocks = bad[0] - first - done
                stop = self._bad(bad[0])
            if blocks * run.block_size > room:
                blocks, stop = room // run.block_size, limit_error
            if blocks:
                nbytes = blocks * run.block_size
                seconds = self.drive.timing.streaming_seconds(nbytes, self.feed)
                yield from self.drive._charge_steps(seconds, "copy", nbytes)
                _check(self.vls, self.job, self.epoch)
                self._extend_run(run, done + blocks)
                self.job.bytes_copied += nbytes
                done += blocks
                self.position += blocks
            if stop is not None:
                self._fail(stop)

    def _extend_run(self, run: SyntheticRun, count: int) -> None:
        assert isinstance(self.target, MemoryImage)
        _, current, _ = self.target.parts()
        if current is None:
            self.target.append_run(run.truncated(count))
        else:
            self.target.truncate(self.target.count - current.count)
            self.target.append_run(run.truncated(count))

    def _fail(self, error: DeviceError) -> None:
        if isinstance(error, DriveError):
            self.drive._state = DriveState.FAILED
        with _io(f"target write failed on {self.target.barcode}"):
            self.target.flush()  # what reached the tape before the failure stays
        raise _Stop(error)
