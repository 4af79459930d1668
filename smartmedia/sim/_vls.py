"""The simulated VLS: virtual libraries on a cartridge store, and a copy engine.

Invariants:

* virtual cartridges live in the VLS's store and are unique by barcode across its
  virtual libraries; physical libraries keep their own stores;
* at most ``streams`` copy orders run at once; the others wait, first come first
  served; each running copy holds one drive of its target library (see
  :mod:`smartmedia.sim._copy`);
* a handle's result moves only along :data:`~smartmedia.devices.COPY_TRANSITIONS`;
* everything is driven by the shared clock: :meth:`SimVLS.wait` runs it (virtual time
  passes for every simulator at once), :meth:`SimVLS.poll` does not.
"""

from __future__ import annotations

import itertools
from collections.abc import Iterable, Sequence

from smartmedia.devices import (
    LIBRARY_MODELS,
    CopyHandle,
    CopyOrder,
    CopyResult,
    CopyState,
    RobotTiming,
    VirtualCartridge,
    VlsTiming,
)
from smartmedia.errors import ElementBusy, ValidationError
from smartmedia.model import Barcode, MediaType
from smartmedia.sim._clock import Clock, Resource
from smartmedia.sim._copy import CopyJob, process_died, run_copy
from smartmedia.sim._drive import SimTapeDrive
from smartmedia.sim._faults import Faults
from smartmedia.sim._image import Object, SyntheticRun
from smartmedia.sim._library import SimTapeLibrary
from smartmedia.sim._state import StateFile
from smartmedia.sim._stores import CartridgeStore, MemoryStore

__all__ = ["SimVLS"]


def _barcode(value: Barcode | str) -> Barcode:
    return value if isinstance(value, Barcode) else Barcode.parse(value)


class SimVLS:
    """A simulated VLS on ``clock`` whose virtual cartridges live in ``store``.

    ``physical`` are the libraries attached behind it (they should be built with
    ``visible=False``); ``streams`` is how many copies run at once. ``chunk_bytes`` is
    the granularity at which copies charge time and are checked for faults and
    cancellation; ``synthetic_step_bytes`` the (larger) step of copies simulated by size.
    ``materialize_synthetic`` makes copies of synthetic cartridges generate and write
    real bytes (and report a digest) instead of copying by size.
    """

    def __init__(
        self,
        *,
        clock: Clock,
        store: CartridgeStore | None = None,
        physical: Iterable[SimTapeLibrary] = (),
        streams: int = 4,
        timing: VlsTiming | None = None,
        faults: Faults | None = None,
        chunk_bytes: int = 4 << 20,
        synthetic_step_bytes: int = 256 << 30,
        materialize_synthetic: bool = False,
    ) -> None:
        if type(streams) is not int or streams < 1:
            raise ValidationError(f"must be an integer >= 1, not {streams!r}", path="streams")
        if type(chunk_bytes) is not int or chunk_bytes < 1:
            raise ValidationError(f"must be >= 1, not {chunk_bytes!r}", path="chunk_bytes")
        self.clock = clock
        self.store = store if store is not None else MemoryStore()
        self.timing = timing if timing is not None else VlsTiming()
        self.faults = faults if faults is not None else Faults()
        for loss in self.faults.power:
            clock.arm_power_loss(loss.at_event)
        self.chunk_bytes = chunk_bytes
        self.synthetic_step_bytes = synthetic_step_bytes
        self.materialize_synthetic = materialize_synthetic
        self.streams = Resource(clock, "copy streams", streams)
        self._virtual: dict[str, SimTapeLibrary] = {}
        self._physical: dict[str, SimTapeLibrary] = {}
        self._pools: dict[str, Resource] = {}
        for library in physical:
            self.attach(library)
        self._jobs: dict[CopyHandle, CopyJob] = {}
        self._numbers = itertools.count(1)

    # -- libraries -------------------------------------------------------------------------

    def attach(self, library: SimTapeLibrary) -> None:
        """Attach a physical library behind the VLS."""
        if library.name in self._physical or library.name in self._virtual:
            raise ValidationError(f"a library named {library.name} exists", path="name")
        self._physical[library.name] = library
        self._pools[library.name] = Resource(
            self.clock, f"drives of {library.name}", max(1, len(library.drives_of()))
        )

    def add_virtual_library(
        self,
        name: str,
        *,
        slots: int,
        drives: int = 2,
        mail_slots: int = 0,
        robot: RobotTiming | None = None,
        serial_prefix: str | None = None,
        state: StateFile | None = None,
    ) -> SimTapeLibrary:
        """Configure a virtual library with ``drives`` virtual drives (its element
        contents kept durably in ``state`` when given; see :class:`SimTapeLibrary`)."""
        if name in self._physical or name in self._virtual:
            raise ValidationError(f"a library named {name} exists", path="name")
        library = SimTapeLibrary.build(
            name=name,
            clock=self.clock,
            store=self.store,
            generation=MediaType.VIRTUAL,
            drives=drives,
            slots=slots,
            mail_slots=mail_slots,
            faults=self.faults,
            serial_prefix=serial_prefix,
            robot=robot if robot is not None else LIBRARY_MODELS["virtual"],
            visible=True,
            virtual=True,
            state=state,
        )
        self._virtual[name] = library
        return library

    def virtual_libraries(self) -> tuple[SimTapeLibrary, ...]:
        return tuple(self._virtual.values())

    def physical_libraries(self) -> tuple[SimTapeLibrary, ...]:
        return tuple(self._physical.values())

    def virtual_library(self, name: str) -> SimTapeLibrary:
        try:
            return self._virtual[name]
        except KeyError:
            raise ValidationError(f"no virtual library {name!r}", path="library") from None

    def physical_library(self, name: str) -> SimTapeLibrary:
        try:
            return self._physical[name]
        except KeyError:
            raise ValidationError(f"no physical library {name!r}", path="library") from None

    def drive_pool(self, library: SimTapeLibrary) -> Resource:
        return self._pools[library.name]

    # -- virtual cartridges ----------------------------------------------------------------

    def create_cartridge(
        self, library: str, barcode: Barcode | str, capacity: int | None = None
    ) -> VirtualCartridge:
        target = self.virtual_library(library)
        code = _barcode(barcode)
        if target.inventory().free_slots() == ():
            raise ValidationError(f"virtual library {library} has no free slot", path="library")
        self.store.create(code, MediaType.VIRTUAL, capacity=capacity)
        target.place(code)
        return self._describe(library, code)

    def add_synthetic_cartridge(
        self,
        library: str,
        barcode: Barcode | str,
        *,
        head: Iterable[Object],
        run: SyntheticRun,
        tail: Iterable[Object] = (),
        capacity: int | None = None,
    ) -> VirtualCartridge:
        """A virtual cartridge whose payload is generated (see :class:`SyntheticRun`)."""
        target = self.virtual_library(library)
        if not isinstance(self.store, MemoryStore):
            raise ValidationError("synthetic cartridges need a MemoryStore", path="store")
        code = _barcode(barcode)
        self.store.add_synthetic(
            code, MediaType.VIRTUAL, head=head, run=run, tail=tail, capacity=capacity
        )
        target.place(code)
        return self._describe(library, code)

    def cartridges(self, library: str) -> tuple[VirtualCartridge, ...]:
        inventory = self.virtual_library(library).inventory()
        return tuple(
            self._describe(library, c.barcode)
            for c in inventory.cartridges()
            if c.barcode is not None
        )

    def delete_cartridge(self, library: str, barcode: Barcode | str) -> None:
        target = self.virtual_library(library)
        code = _barcode(barcode)
        if target.locate_cartridge(code) is None:
            raise ValidationError(f"{code} is not in virtual library {library}", path="barcode")
        if any(
            job.order.source == code and not job.state.is_finished for job in self._jobs.values()
        ):
            raise ElementBusy(f"{code} is being copied")
        target.take(code)
        self.store.delete(code)

    def _describe(self, library: str, barcode: Barcode) -> VirtualCartridge:
        image = self.store.get(barcode)
        return VirtualCartridge(
            library=library,
            barcode=barcode,
            capacity=image.capacity,
            bytes_used=image.bytes_used,
            write_protected=image.write_protected,
        )

    # -- copies ----------------------------------------------------------------------------

    def start_copy(self, order: CopyOrder) -> CopyHandle:
        if not isinstance(order, CopyOrder):
            raise ValidationError(f"expected a CopyOrder, got {type(order).__name__}")
        source_library = self.virtual_library(order.source_library)
        if source_library.locate_cartridge(order.source) is None:
            raise ValidationError(
                f"{order.source} is not in virtual library {order.source_library}",
                path="source",
            )
        target_library = self.physical_library(order.target_library)
        if target_library.locate_cartridge(order.target) is None:
            raise ValidationError(
                f"{order.target} is not in library {order.target_library}", path="target"
            )
        handle = CopyHandle(f"copy-{next(self._numbers)}")
        job = CopyJob(handle=handle, order=order)
        self._jobs[handle] = job
        job.task = self.clock.spawn(
            run_copy(self, job), str(handle), on_error=lambda error: process_died(self, job, error)
        )
        self.clock.log(f"{job} queued")
        return handle

    def _job(self, handle: CopyHandle) -> CopyJob:
        try:
            return self._jobs[handle]
        except (KeyError, TypeError):
            raise ValidationError(f"no copy {handle!r} on this VLS", path="handle") from None

    def poll(self, handle: CopyHandle) -> CopyResult:
        return self._job(handle).result()

    def wait(
        self, handles: Sequence[CopyHandle], timeout: float | None = None
    ) -> tuple[CopyResult, ...]:
        jobs = [self._job(h) for h in handles]
        waiting = 0  # jobs before this index have finished (a finished job stays finished)

        def done() -> bool:
            nonlocal waiting
            while waiting < len(jobs) and jobs[waiting].state.is_finished:
                waiting += 1
            return waiting == len(jobs)

        self.clock.run_until(done, timeout)
        return tuple(j.result() for j in jobs)

    def cancel(self, handle: CopyHandle) -> None:
        job = self._job(handle)
        if job.state.is_finished:
            return
        job.cancel_requested = True
        if job.state is CopyState.QUEUED:
            job.state, job.error, job.finished = CopyState.CANCELLED, "cancelled", self.clock.now()
            self.clock.log(f"{job} cancelled while queued")

    def results(self) -> tuple[CopyResult, ...]:
        """Every copy order's result, in the order they were started."""
        return tuple(job.result() for job in self._jobs.values())

    @property
    def drives(self) -> tuple[SimTapeDrive, ...]:
        """Every physical drive behind the VLS."""
        return tuple(d for lib in self._physical.values() for d in lib.drives_of())
