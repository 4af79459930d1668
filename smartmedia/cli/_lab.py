"""A lab that survives between commands: a simulated site kept in a directory.

:func:`~smartmedia.copying.build_lab` keeps cartridges (image files) and the catalog
(SQLite) in its directory, but the changers' element contents — which barcode is in
which slot or mail slot of ``VTL``, ``MSL`` and ``Restore`` — and the virtual clock
live in memory. A :class:`PersistentLab` saves those in ``lab.json`` after every command
and puts them back when the lab is opened again, so a tape carried to the ``Restore``
library by one command is still there for the next, and virtual time only moves forward.

Directory layout::

    lab.json          the lab's configuration, element contents, clock, copy bindings
                      and scheduled copies (written atomically)
    catalog.sqlite    the catalog
    tapes/*.img       one image file per cartridge
    scheduler.json    when each scheduled copy last ran
    .lock             held while a command works on the lab (one command at a time)

Invariants: ``lab.json`` is replaced atomically (temporary file, fsync, rename), so a
crash leaves the state before or after a command, never a mix; drives are emptied into
storage slots before the state is saved (a cartridge is never recorded in a drive).
"""

from __future__ import annotations

import contextlib
import datetime as _dt
import errno
import logging
import os
import tempfile
from collections.abc import Iterator
from pathlib import Path
from types import TracebackType

import attrs

from smartmedia.catalog import CopyJobState
from smartmedia.copying import (
    CopyBinding,
    Lab,
    ResumeReport,
    ScheduledCopy,
    SchedulerState,
    build_lab,
    resume,
)
from smartmedia.errors import DeviceError, SmartMediaError, ValidationError
from smartmedia.model import Barcode, Location
from smartmedia.planning import CopyPolicy
from smartmedia.serialization import from_json, to_json
from smartmedia.sim import SimTapeLibrary

_log = logging.getLogger(__name__)

__all__ = [
    "Element",
    "LabConfig",
    "LabError",
    "LabState",
    "PersistentLab",
    "default_bindings",
    "libraries",
]

STATE_FILE = "lab.json"
SCHEDULER_FILE = "scheduler.json"
LOCK_FILE = ".lock"
STATE_VERSION = 1


class LabError(ValidationError):
    """The lab directory cannot be used: missing, not a lab, in use, or damaged."""


@attrs.frozen(kw_only=True)
class LabConfig:
    """How the lab's site is built (the arguments of :func:`build_lab`)."""

    seed: int = 0
    scratch: int = attrs.field(default=12)
    virtual_slots: int = 40
    physical_slots: int = 40
    physical_drives: int = 4
    streams: int = 4

    @scratch.validator
    def _check_scratch(self, _: object, value: int) -> None:
        if type(value) is not int or not 0 <= value <= 999:
            raise ValidationError(
                f"must be 0..999 scratch cartridges, not {value!r}", path="scratch"
            )


@attrs.frozen(kw_only=True)
class Element:
    """A cartridge in an element of a library: ``kind`` is ``slot``, ``mail_slot`` or
    ``drive`` (only when it could not be put away)."""

    library: str
    kind: str
    ordinal: int
    barcode: Barcode


@attrs.frozen(kw_only=True)
class LabState:
    """Everything of a lab that is not in its image files or its catalog."""

    version: int
    config: LabConfig
    clock: float = 0.0
    elements: tuple[Element, ...] = ()
    bindings: tuple[CopyBinding, ...] = ()
    schedules: tuple[ScheduledCopy, ...] = ()


def default_bindings() -> tuple[CopyBinding, ...]:
    """Backups of specification ``daily`` are copied to pool ``Vault`` when they end."""
    return (CopyBinding(specification="daily", policy=CopyPolicy(target_pool="Vault")),)


def _write_atomically(path: Path, text: str) -> None:
    descriptor, temporary = tempfile.mkstemp(prefix=f".{path.name}.", dir=path.parent)
    try:
        with os.fdopen(descriptor, "w", encoding="utf-8") as file:
            file.write(text)
            file.flush()
            os.fsync(file.fileno())
        os.replace(temporary, path)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(temporary)
        raise
    directory = os.open(path.parent, os.O_RDONLY)
    try:
        os.fsync(directory)
    finally:
        os.close(directory)


class PersistentLab:
    """A :class:`~smartmedia.copying.Lab` opened from its directory; see the module
    docstring. Use :meth:`create` or :meth:`open`, as a context manager: leaving it
    saves the state and closes the lab."""

    def __init__(self, path: Path, lab: Lab, state: LabState, lock: int) -> None:
        self.path = path
        self.lab = lab
        self.state = state
        self._lock = lock
        self._closed = False
        #: What opening the lab settled of a command that died mid-copy (``None``: nothing).
        self.recovered: ResumeReport | None = None

    # ------------------------------------------------------------------- open, create

    @classmethod
    def create(cls, path: str | os.PathLike[str], config: LabConfig | None = None) -> PersistentLab:
        """A new lab in ``path`` (created if missing; it must not hold anything else)."""
        root = Path(path)
        if (root / STATE_FILE).exists():
            raise LabError(f"a lab exists already in {root}")
        if root.exists() and not root.is_dir():
            raise LabError(f"{root} is not a directory")
        if root.exists() and any(p.name != LOCK_FILE for p in root.iterdir()):
            raise LabError(f"{root} is not empty and holds no lab; choose another directory")
        try:
            root.mkdir(parents=True, exist_ok=True)
        except OSError as error:
            raise LabError(f"cannot create {root}: {error.strerror}") from None
        state = LabState(
            version=STATE_VERSION, config=config or LabConfig(), bindings=default_bindings()
        )
        lock = _lock(root)
        try:
            lab = _build(root, state.config)
        except BaseException:
            os.close(lock)
            raise
        made = cls(root, lab, state, lock)
        made.save()
        return made

    @classmethod
    def open(cls, path: str | os.PathLike[str]) -> PersistentLab:
        """The lab in ``path``; :class:`LabError` if there is none."""
        root = Path(path)
        state_file = root / STATE_FILE
        if not state_file.is_file():
            raise LabError(
                f"no lab in {root} (create one with: smartmedia lab init --lab {root})",
            )
        lock = _lock(root)
        try:
            try:
                state = from_json(state_file.read_bytes(), LabState)
            except ValidationError as error:
                raise LabError(f"{state_file} is damaged: {error}") from None
            if state.version != STATE_VERSION:
                raise LabError(
                    f"{state_file} has version {state.version}; this is {STATE_VERSION}",
                )
            lab = _build(root, state.config)
            try:
                _restore_elements(lab, state)
                if state.clock > lab.clock.now():
                    lab.clock.sleep(state.clock - lab.clock.now())
            except BaseException:
                lab.close()
                raise
        except BaseException:
            os.close(lock)
            raise
        opened = cls(root, lab, state, lock)
        opened._recover()
        return opened

    def _recover(self) -> None:
        """Settle the copy jobs a command killed mid-copy left reserved (see ``resume``):
        copies that finished and verify are recorded, the rest released."""
        if not self.lab.catalog.copy_jobs(state=CopyJobState.RESERVED):
            return
        self.recovered = resume(self.lab.site)
        _log.warning(
            "settled copies left by an interrupted command: %d recorded, %d released",
            len(self.recovered.committed),
            len(self.recovered.released),
        )

    # ------------------------------------------------------------------------- state

    @property
    def scheduler_file(self) -> Path:
        return self.path / SCHEDULER_FILE

    def scheduler_state(self) -> SchedulerState:
        return SchedulerState.load(self.scheduler_file)

    def now(self) -> _dt.datetime:
        return self.lab.site.now()

    @property
    def virtual_seconds(self) -> float:
        """Virtual time since the lab was created."""
        return self.lab.clock.now()

    def update(self, **changes: object) -> None:
        """Change the saved state (bindings, schedules); written by :meth:`save`."""
        self.state = attrs.evolve(self.state, **changes)  # type: ignore[arg-type]

    def save(self) -> None:
        """Put cartridges in drives away, then write ``lab.json`` atomically."""
        _park_drives(self.lab)
        self.state = attrs.evolve(
            self.state, clock=self.lab.clock.now(), elements=tuple(_elements(self.lab))
        )
        _write_atomically(self.path / STATE_FILE, to_json(self.state, indent=2) + "\n")

    def close(self) -> None:
        if self._closed:
            return
        self._closed = True
        try:
            self.lab.close()
        finally:
            os.close(self._lock)

    def __enter__(self) -> PersistentLab:
        return self

    def __exit__(
        self,
        kind: type[BaseException] | None,
        error: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        try:
            if kind is None or isinstance(error, SmartMediaError):
                self.save()
        finally:
            self.close()


def _lock(root: Path) -> int:
    """Hold ``root/.lock`` exclusively (POSIX ``flock``; not locked where there is none)."""
    descriptor = os.open(root / LOCK_FILE, os.O_RDWR | os.O_CREAT | os.O_CLOEXEC, 0o644)
    try:
        import fcntl
    except ImportError:  # no flock on this platform: one command at a time is up to you
        return descriptor
    try:
        fcntl.flock(descriptor, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except OSError as error:
        os.close(descriptor)
        if error.errno in (errno.EAGAIN, errno.EACCES, errno.EWOULDBLOCK):
            raise LabError(f"the lab in {root} is in use by another command") from None
        raise
    return descriptor


def _build(root: Path, config: LabConfig) -> Lab:
    return build_lab(
        directory=root,
        seed=config.seed,
        virtual_slots=config.virtual_slots,
        physical_slots=config.physical_slots,
        physical_drives=config.physical_drives,
        scratch=config.scratch,
        streams=config.streams,
    )


def libraries(lab: Lab) -> tuple[SimTapeLibrary, ...]:
    """The lab's libraries: the virtual one, the one behind the VLS, the visible one."""
    return (lab.vtl, lab.msl, lab.restore)


def _elements(lab: Lab) -> Iterator[Element]:
    for library in libraries(lab):
        inventory = library.inventory()
        for kind, elements in (
            ("slot", inventory.slots),
            ("mail_slot", inventory.mail_slots),
            ("drive", inventory.drives),
        ):
            for element in elements:
                cartridge = element.cartridge
                if cartridge is not None and cartridge.barcode is not None:
                    yield Element(
                        library=library.name,
                        kind=kind,
                        ordinal=element.ordinal,
                        barcode=cartridge.barcode,
                    )


def _park_drives(lab: Lab) -> None:
    """Unload every drive into a free storage slot, and record the move in the catalog."""
    for library in libraries(lab):
        inventory = library.inventory()
        free = list(inventory.free_slots())
        for element in inventory.drives:
            cartridge = element.cartridge
            if cartridge is None or cartridge.barcode is None or not free:
                continue
            slot = free.pop(0)
            try:
                library.drive(element.address).unload()
                library.move(element.address, slot.address)
            except DeviceError:
                continue  # stays in the drive; lab.json says so
            _recorded_move(
                lab,
                cartridge.barcode,
                Location.drive(library.name, element.ordinal),
                Location.slot(library.name, slot.ordinal),
            )


def _recorded_move(lab: Lab, barcode: Barcode, old: Location, new: Location) -> None:
    for medium in lab.catalog.media_with_barcode(barcode):
        if medium.location == old:
            lab.catalog.move_medium(medium.id, new)


def _restore_elements(lab: Lab, state: LabState) -> None:
    """Empty the freshly built libraries and put every cartridge where ``state`` says."""
    by_name = {library.name: library for library in libraries(lab)}
    for library in by_name.values():
        inventory = library.inventory()
        for held in inventory.slots + inventory.mail_slots:
            if held.cartridge is not None and held.cartridge.barcode is not None:
                library.take(held.cartridge.barcode)
    # storage slots first, then mail slots (a move from a slot puts a cartridge into the
    # right mail slot even when a lower one is empty), then cartridges left in drives
    ordered = sorted(state.elements, key=lambda e: ("slot", "mail_slot", "drive").index(e.kind))
    for element in ordered:
        found = by_name.get(element.library)
        if found is None or element.barcode not in lab.store:
            continue  # a cartridge deleted outside the lab: nothing to put back
        library = found
        inventory = library.inventory()
        if element.kind == "slot":
            slot = next(s for s in inventory.slots if s.ordinal == element.ordinal)
            library.place(element.barcode, slot.address)
        elif element.kind == "mail_slot":
            _into_mail_slot(library, element)
        else:
            home = library.place(element.barcode)
            ordinal = next(s.ordinal for s in library.inventory().slots if s.address == home)
            _recorded_move(
                lab,
                element.barcode,
                Location.drive(library.name, element.ordinal),
                Location.slot(library.name, ordinal),
            )


def _into_mail_slot(library: SimTapeLibrary, element: Element) -> None:
    mail = library.inventory().mail_slots
    wanted = next(m for m in mail if m.ordinal == element.ordinal)
    if all(m.cartridge is not None for m in mail if m.ordinal < element.ordinal):
        library.insert_mail(element.barcode)  # the first free mail slot is the one
        return
    home = library.place(element.barcode)
    library.move(home, wanted.address)
