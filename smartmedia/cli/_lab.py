"""A lab that survives between commands: a simulated site kept in a directory.

:func:`~smartmedia.copying.build_lab` on a directory keeps everything a real site keeps
durably: cartridges (image files), each library's element contents (written through on
every move), and the catalog (SQLite). A :class:`PersistentLab` adds what only the lab
has — its configuration, the virtual clock, copy bindings and scheduled copies — in
``lab.json``, and one command at a time.

Directory layout::

    lab.json          configuration, clock, copy bindings, scheduled copies (atomic)
    catalog.sqlite    the catalog
    tapes/*.img       one image file per cartridge
    devices/*.state   each library's element contents (see smartmedia.sim.StateFile)
    scheduler.json    when each scheduled copy last ran
    .lock             held while a command works on the lab (one command at a time)

Invariants: a command killed at any point leaves two durable systems — devices and
catalog — that the next command reconciles when it opens the lab
(:func:`~smartmedia.copying.reconcile`); opening never fails because they disagree, and
what it settled or could not settle is :attr:`PersistentLab.reconciled` (``lab show``
lists it). The virtual clock never goes back: it resumes at the latest time the lab
file, a device or the catalog recorded. ``lab.json`` is validated with the same ranges
``lab init`` takes, so a hand-edited file cannot make a command hang or crash.
"""

from __future__ import annotations

import contextlib
import datetime as _dt
import errno
import logging
import math
import os
import re
import stat
import tempfile
from collections.abc import Callable
from pathlib import Path
from types import TracebackType

import attrs

from smartmedia._fs import read_regular
from smartmedia.catalog import ImportReport, import_medium
from smartmedia.copying import (
    LAB_EPOCH,
    LAB_LATEST,
    CopyBinding,
    Lab,
    ReconcileReport,
    ScheduledCopy,
    SchedulerState,
    build_lab,
)
from smartmedia.errors import SmartMediaError, ValidationError
from smartmedia.format import END_OF_DATA, MediumReader, identify
from smartmedia.model import Barcode, Location
from smartmedia.planning import CopyPolicy
from smartmedia.serialization import from_json, to_json
from smartmedia.sim import CartridgeSource, SimTapeLibrary

_log = logging.getLogger(__name__)

__all__ = [
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
STATE_VERSION = 2
#: The most virtual seconds a lab's clock may show (its dates stay computable).
MAX_CLOCK = (LAB_LATEST - LAB_EPOCH).total_seconds()
#: Largest state file read: lab.json holds a configuration and a few schedules.
MAX_STATE_BYTES = 4 << 20


class LabError(ValidationError):
    """The lab directory cannot be used: missing, not a lab, in use, or damaged."""


def _within(low: int, high: int, what: str) -> Callable[[object, attrs.Attribute[int], int], None]:
    def check(_: object, attribute: attrs.Attribute[int], value: int) -> None:
        if type(value) is not int or not low <= value <= high:
            shown = repr(value) if len(repr(value)) <= 40 else repr(value)[:40] + "..."
            raise ValidationError(f"must be {low}..{high} {what}, not {shown}", path=attribute.name)

    return check


@attrs.frozen(kw_only=True)
class LabConfig:
    """How the lab's site is built (the arguments of :func:`build_lab`).

    The ranges are ``lab init``'s, checked again whenever ``lab.json`` is read: a lab
    of 10^7 drives is not a configuration, it is damage.
    """

    seed: int = attrs.field(default=0, validator=_within(0, 2**63 - 1, "(a seed)"))
    scratch: int = attrs.field(default=12, validator=_within(0, 999, "scratch cartridges"))
    virtual_slots: int = attrs.field(default=40, validator=_within(1, 9999, "virtual slots"))
    physical_slots: int = attrs.field(default=40, validator=_within(1, 9999, "physical slots"))
    physical_drives: int = attrs.field(default=4, validator=_within(1, 64, "drives"))
    streams: int = attrs.field(default=4, validator=_within(1, 64, "copy streams"))

    def __attrs_post_init__(self) -> None:
        if self.scratch > self.physical_slots:
            raise ValidationError(
                f"{self.scratch} scratch cartridges do not fit {self.physical_slots} slots",
                path="scratch",
            )


def _check_clock(_: object, attribute: attrs.Attribute[float], value: float) -> None:
    if type(value) not in (int, float) or not math.isfinite(value) or not 0 <= value <= MAX_CLOCK:
        raise ValidationError(
            f"must be a number of seconds from 0 to {MAX_CLOCK:.0f}, not {value!r}",
            path=attribute.name,
        )


@attrs.frozen(kw_only=True)
class LabState:
    """What only the lab keeps: cartridges, element contents and the catalog keep
    themselves (see the module docstring)."""

    version: int
    config: LabConfig
    clock: float = attrs.field(default=0.0, validator=_check_clock)
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
            _write_atomically(root / STATE_FILE, to_json(state, indent=2) + "\n")
            lab = _build(root, state.config)
        except BaseException:
            os.close(lock)
            raise
        return cls(root, lab, state, lock)

    @classmethod
    def open(cls, path: str | os.PathLike[str], *, rebuilding: bool = False) -> PersistentLab:
        """The lab in ``path``, reconciled with its devices; :class:`LabError` if there
        is none. ``rebuilding``: open a lab whose catalog was lost, to import into it."""
        root = Path(path)
        state_file = root / STATE_FILE
        if not (root / STATE_FILE).exists() and not state_file.is_symlink():
            raise LabError(
                f"no lab in {root} (create one with: smartmedia lab init --lab {root})",
            )
        lock = _lock(root)
        try:
            state = _read_state(state_file)
            lab = _build(root, state.config, rebuilding=rebuilding)
            if state.clock > lab.clock.now():
                lab.clock.sleep(state.clock - lab.clock.now())
        except BaseException:
            os.close(lock)
            raise
        opened = cls(root, lab, state, lock)
        for line in opened.reconciled.disagreements if opened.reconciled else ():
            _log.warning("%s", line)
        return opened

    @property
    def reconciled(self) -> ReconcileReport | None:
        """What opening the lab found between its devices and its catalog."""
        return self.lab.reconciled

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

    def import_cartridges(self) -> list[tuple[Barcode, ImportReport | None, str]]:
        """Record in the catalog what every cartridge of the lab holds (see
        :func:`~smartmedia.catalog.import_medium`), read from its image without a drive:
        originals first, so that copies are linked to them. One (barcode, report, error)
        per cartridge holding media of ours; the error is empty when it was imported."""
        lab = self.lab
        found: list[tuple[bool, Barcode, Location]] = []
        where = {
            c.barcode: library.inventory().location_of(c.barcode)
            for library in libraries(lab)
            for c in library.inventory().cartridges()
            if c.barcode is not None
        }
        for barcode in lab.store.barcodes():
            try:
                image = lab.store.get(barcode)
                first = identify(image.read(0) if image.count else END_OF_DATA)
            except SmartMediaError:
                continue
            if first.header is not None:
                location = where.get(barcode) or Location.unknown()
                found.append((first.header.is_copy, barcode, location))
        done: list[tuple[Barcode, ImportReport | None, str]] = []
        for _, barcode, location in sorted(found, key=lambda item: (item[0], str(item[1]))):
            try:
                reader = MediumReader(CartridgeSource(lab.store.get(barcode)))
                report = import_medium(lab.catalog, reader, location=location)
            except SmartMediaError as error:
                done.append((barcode, None, f"{type(error).__name__}: {error}"))
                continue
            done.append((barcode, report, ""))
        return done

    def advance(self, seconds: float) -> None:
        """Let ``seconds`` of virtual time pass, as if the site idled; refused past the
        latest time a lab may reach."""
        if not math.isfinite(seconds) or seconds < 0:
            raise ValidationError(f"cannot let {seconds!r} seconds pass", path="time")
        if self.lab.clock.now() + seconds > MAX_CLOCK:
            raise ValidationError(
                f"a lab's clock stops at {LAB_LATEST:%Y-%m-%d}; that is too far", path="time"
            )
        self.lab.clock.sleep(seconds)
        self.save()

    def save(self) -> None:
        """Write ``lab.json`` (the clock, bindings, schedules) atomically."""
        self.state = attrs.evolve(self.state, clock=min(self.lab.clock.now(), MAX_CLOCK))
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


def _read_state(state_file: Path) -> LabState:
    """``lab.json``, checked: a regular file (no link) of sane size, every value in range."""
    try:
        raw = read_regular(state_file, what="the lab file", limit=MAX_STATE_BYTES, follow=False)
    except ValidationError as error:
        raise LabError(str(error)) from None
    version = _version_of(raw)
    if version is not None and version != STATE_VERSION:
        raise LabError(
            f"{state_file} has version {version}; this is {STATE_VERSION} "
            "(a lab made by an earlier version: create a new one)"
        )
    try:
        state = from_json(raw, LabState)
    except ValidationError as error:
        raise LabError(f"{state_file} is damaged: {error}") from None
    except (ValueError, RecursionError, OverflowError) as error:
        raise LabError(f"{state_file} is damaged: {type(error).__name__}") from None
    if state.version != STATE_VERSION:
        raise LabError(f"{state_file} has version {state.version}; this is {STATE_VERSION}")
    return state


def _version_of(raw: bytes) -> int | None:
    """The ``version`` of a lab file, read without trusting the rest of it."""
    found = re.search(rb'"version"\s*:\s*(\d{1,6})\b', raw[:4096])
    return int(found.group(1)) if found else None


def _lock(root: Path) -> int:
    """Hold ``root/.lock`` exclusively (POSIX ``flock``; not locked where there is none).

    The lock file is never a link or anything but a regular file: a planted symlink
    could otherwise make every command create or truncate a file elsewhere."""
    flags = os.O_RDWR | os.O_CREAT | os.O_CLOEXEC | os.O_NOFOLLOW | os.O_NONBLOCK
    try:
        descriptor = os.open(root / LOCK_FILE, flags, 0o644)
    except OSError as error:
        if error.errno == errno.ELOOP:
            raise LabError(f"{root / LOCK_FILE} is a symlink; refusing to follow it") from None
        raise LabError(f"cannot open {root / LOCK_FILE}: {error.strerror}") from None
    if not stat.S_ISREG(os.fstat(descriptor).st_mode):
        os.close(descriptor)
        raise LabError(f"{root / LOCK_FILE} is not a regular file")
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


def _build(root: Path, config: LabConfig, *, rebuilding: bool = False) -> Lab:
    try:
        return build_lab(
            directory=root,
            rebuilding=rebuilding,
            seed=config.seed,
            virtual_slots=config.virtual_slots,
            physical_slots=config.physical_slots,
            physical_drives=config.physical_drives,
            scratch=config.scratch,
            streams=config.streams,
        )
    except OSError as error:
        raise LabError(f"cannot open the lab in {root}: {error}") from None


def libraries(lab: Lab) -> tuple[SimTapeLibrary, ...]:
    """The lab's libraries: the virtual one, the one behind the VLS, the visible one."""
    return (lab.vtl, lab.msl, lab.restore)
