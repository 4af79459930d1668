"""The simulated tape library: a media changer with slots, drives, mail slots and robots.

Invariants:

* every cartridge (barcode) is in exactly one element; moves conserve the set of
  barcodes, and a failed move leaves everything where it was;
* moves queue for the library's robots (a :class:`~smartmedia.sim.Resource`), so moves
  of concurrent copies contend for them; each move takes the robot profile's time, a move
  into a drive also the drive's load time;
* element addresses are what commands take; ordinals (from 1) are what people see; a
  drive element is matched to its data path by serial number only.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from smartmedia.devices import DriveState, RobotTiming
from smartmedia.errors import (
    DestinationFull,
    ElementBusy,
    RobotError,
    SourceEmpty,
    ValidationError,
)
from smartmedia.model import (
    Barcode,
    Cartridge,
    DriveSerial,
    Library,
    MailSlot,
    MediaType,
    Slot,
)
from smartmedia.model import Drive as DriveElement
from smartmedia.sim._clock import Clock, Process, Resource
from smartmedia.sim._drive import SimTapeDrive
from smartmedia.sim._faults import Faults
from smartmedia.sim._state import StateDamaged, StateFile
from smartmedia.sim._stores import CartridgeStore

__all__ = ["SimTapeLibrary"]

_SLOT, _DRIVE, _MAIL = "slot", "drive", "mail slot"


class SimTapeLibrary:
    """A simulated library named ``name`` holding cartridges of ``store``.

    ``drives`` are in element order (drive 1 first); ``slots`` and ``mail_slots`` are
    counts. Element addresses start at ``mail_base``, ``drive_base`` and ``slot_base``
    (vendor-like defaults: mail slots at 10, drives at 256, slots at 4096).

    ``state``: where the library keeps its element contents durably (see the module
    docstring); without it they live in memory. :attr:`restored` tells whether the
    library had a state already (it is being reopened), even one that was damaged.
    """

    def __init__(
        self,
        *,
        name: str,
        clock: Clock,
        store: CartridgeStore,
        drives: Sequence[SimTapeDrive],
        slots: int,
        mail_slots: int = 0,
        robot: RobotTiming | None = None,
        faults: Faults | None = None,
        visible: bool = True,
        virtual: bool = False,
        slot_base: int = 4096,
        drive_base: int = 256,
        mail_base: int = 10,
        state: StateFile | None = None,
    ) -> None:
        for field, value in (("slots", slots), ("mail_slots", mail_slots)):
            if type(value) is not int or value < 0:
                raise ValidationError(f"must be an integer >= 0, not {value!r}", path=field)
        self._name = name
        self.clock = clock
        self.store = store
        self.robot = robot if robot is not None else RobotTiming()
        self._visible = visible
        self._virtual = virtual
        self._rng = clock.rng(f"robot/{name}")
        faults = faults if faults is not None else Faults()
        self._failing_moves = faults.failing_moves(name)
        for loss in faults.power:
            clock.arm_power_loss(loss.at_event)
        self.moves = 0
        self._robots = Resource(clock, f"robots of {name}", self.robot.robots)
        self._slots: dict[int, Barcode | None] = {slot_base + i: None for i in range(slots)}
        self._mail: dict[int, Barcode | None] = {mail_base + i: None for i in range(mail_slots)}
        self._drive_elements: dict[int, DriveSerial] = {
            drive_base + i: d.serial for i, d in enumerate(drives)
        }
        # data paths, keyed by serial number: the only way an element finds its drive
        self._paths: dict[DriveSerial, SimTapeDrive] = {d.serial: d for d in drives}
        if len(self._paths) != len(drives):
            raise ValidationError("two drives have the same serial number", path="drives")
        self._ordinal = {
            **{a: i + 1 for i, a in enumerate(self._slots)},
            **{a: i + 1 for i, a in enumerate(self._mail)},
            **{a: i + 1 for i, a in enumerate(self._drive_elements)},
        }
        if len(self._ordinal) != slots + mail_slots + len(drives):
            raise ValidationError("element address ranges overlap", path="slot_base")
        self.inventory()  # validates the name and the layout
        self._state = state
        #: What could not be restored from the state file, one line each.
        self.state_problems: list[str] = []
        #: True when the element contents came from an existing state file.
        self.restored = False
        #: The device clock's time when the state was last written (``None``: never).
        self.saved_at: float | None = None
        if state is not None:
            self._restore_state(state)

    # -- the protocol --------------------------------------------------------------------

    @property
    def name(self) -> str:
        return self._name

    @property
    def visible(self) -> bool:
        return self._visible

    def inventory(self) -> Library:
        def cartridge(barcode: Barcode | None) -> Cartridge | None:
            return None if barcode is None else self.store.get(barcode).cartridge

        drives = []
        for address, serial in self._drive_elements.items():
            drive = self._paths[serial]
            drives.append(
                DriveElement(
                    ordinal=self._ordinal[address],
                    address=address,
                    serial=serial,
                    generation=drive.generation,
                    cartridge=drive.cartridge,
                )
            )
        return Library(
            name=self._name,
            virtual=self._virtual,
            visible=self._visible,
            slots=tuple(
                Slot(ordinal=self._ordinal[a], address=a, cartridge=cartridge(b))
                for a, b in self._slots.items()
            ),
            drives=tuple(drives),
            mail_slots=tuple(
                MailSlot(ordinal=self._ordinal[a], address=a, cartridge=cartridge(b))
                for a, b in self._mail.items()
            ),
        )

    def move(self, source: int, destination: int) -> None:
        self.clock.run_process(self.move_steps(source, destination), f"move {source}")

    def export(self, slot: int) -> int:
        self._kind(slot, "slot", allowed=(_SLOT,))
        free = next((a for a, b in self._mail.items() if b is None), None)
        if free is None:
            raise DestinationFull(f"every mail slot of {self._name} is full")
        self.move(slot, free)
        return free

    def import_(self) -> tuple[int, ...]:
        placed = []
        for address, barcode in list(self._mail.items()):
            if barcode is None:
                continue
            free = next((a for a, b in self._slots.items() if b is None), None)
            if free is None:
                raise DestinationFull(f"no free storage slot in {self._name} for {barcode}")
            self.move(address, free)
            placed.append(free)
        return tuple(placed)

    def drive(self, address: int) -> SimTapeDrive:
        self._kind(address, "address", allowed=(_DRIVE,))
        return self._paths[self._drive_elements[address]]

    # -- setting up and operator actions -------------------------------------------------

    def place(self, barcode: Barcode | str, slot: int | None = None) -> int:
        """Put a cartridge of the store into storage slot ``slot`` (first free if None)."""
        code = barcode if isinstance(barcode, Barcode) else Barcode.parse(barcode)
        self.store.get(code)  # must exist
        if self.locate_cartridge(code) is not None:
            raise ValidationError(f"{code} is already in {self._name}", path="barcode")
        if slot is None:
            slot = next((a for a, b in self._slots.items() if b is None), None)
            if slot is None:
                raise DestinationFull(f"no free storage slot in {self._name}")
        self._kind(slot, "slot", allowed=(_SLOT,))
        if self._slots[slot] is not None:
            raise DestinationFull(f"slot {self._ordinal[slot]} of {self._name} is full")
        self._slots[slot] = code
        self._persist()
        return slot

    def insert_mail(self, barcode: Barcode | str) -> int:
        """An operator puts a cartridge into a free mail slot; its address."""
        code = barcode if isinstance(barcode, Barcode) else Barcode.parse(barcode)
        self.store.get(code)
        if self.locate_cartridge(code) is not None:
            raise ValidationError(f"{code} is already in {self._name}", path="barcode")
        free = next((a for a, b in self._mail.items() if b is None), None)
        if free is None:
            raise DestinationFull(f"every mail slot of {self._name} is full")
        self._mail[free] = code
        self._persist()
        return free

    def remove_mail(self, address: int) -> Barcode:
        """An operator takes the cartridge out of mail slot ``address`` (it leaves)."""
        self._kind(address, "address", allowed=(_MAIL,))
        barcode = self._mail[address]
        if barcode is None:
            raise SourceEmpty(f"mail slot {self._ordinal[address]} of {self._name} is empty")
        self._mail[address] = None
        self._persist()
        return barcode

    def take(self, barcode: Barcode) -> None:
        """Take ``barcode`` out of its storage or mail slot (it leaves the library)."""
        address = self.locate_cartridge(barcode)
        if address is None:
            raise ValidationError(f"{barcode} is not in {self._name}", path="barcode")
        if address in self._slots:
            self._slots[address] = None
        elif address in self._mail:
            self._mail[address] = None
        else:
            raise ElementBusy(f"{barcode} is in {self._describe(address)}")
        self._persist()

    def slot_of(self, barcode: Barcode) -> int | None:
        """The address of the storage slot holding ``barcode``, if one does."""
        return next((a for a, held in self._slots.items() if held == barcode), None)

    def locate_cartridge(self, barcode: Barcode) -> int | None:
        """The address of the element holding ``barcode``, if it is in the library."""
        for elements in (self._slots, self._mail):
            for address, held in elements.items():
                if held == barcode:
                    return address
        for address, serial in self._drive_elements.items():
            image = self._paths[serial].image
            if image is not None and image.barcode == barcode:
                return address
        return None

    def drives_of(self, generation: MediaType | None = None) -> tuple[SimTapeDrive, ...]:
        """The drives in element order (of one generation if given)."""
        drives = (self._paths[s] for s in self._drive_elements.values())
        return tuple(d for d in drives if generation is None or d.generation is generation)

    def address_of(self, drive: SimTapeDrive) -> int:
        """The element address of ``drive`` (by serial number)."""
        for address, serial in self._drive_elements.items():
            if serial == drive.serial:
                return address
        raise ValidationError(f"drive {drive.serial} is not in {self._name}", path="drive")

    # -- durable state -------------------------------------------------------------------

    def _persist(self) -> None:
        """Write the element contents through (a no-op without a state file)."""
        if self._state is None:
            return

        def held(elements: dict[int, Barcode | None]) -> dict[str, str]:
            return {str(self._ordinal[a]): str(b) for a, b in elements.items() if b is not None}

        drives = {}
        for address, serial in self._drive_elements.items():
            image = self._paths[serial].image
            if image is not None:
                drives[str(self._ordinal[address])] = str(image.barcode)
        self.saved_at = self.clock.now()
        self._state.save(
            {
                "library": self._name,
                "time": self.saved_at,
                "slots": held(self._slots),
                "mail_slots": held(self._mail),
                "drives": drives,
            }
        )

    def _restore_state(self, state: StateFile) -> None:
        try:
            document = state.load()
        except StateDamaged as error:
            self.restored = True  # there was a state; it is lost, not absent
            kept = state.set_aside()
            self.state_problems.append(
                f"{error}; the library starts empty"
                + (f" (the damaged file is kept as {kept})" if kept else "")
            )
            self._persist()
            return
        if document is None:
            self._persist()  # a new library: from now on its state exists
            return
        self.restored = True
        time = document.get("time")
        if isinstance(time, int | float) and not isinstance(time, bool) and 0 <= time < 1e12:
            self.saved_at = float(time)
        by_ordinal = {
            "slots": {self._ordinal[a]: a for a in self._slots},
            "mail_slots": {self._ordinal[a]: a for a in self._mail},
            "drives": {self._ordinal[a]: a for a in self._drive_elements},
        }
        seen: set[Barcode] = set()
        for kind, addresses in by_ordinal.items():
            entries = document.get(kind, {})
            if not isinstance(entries, dict):
                self.state_problems.append(f"{self._name}: {kind} of the saved state is not a map")
                continue
            for ordinal_text, barcode_text in entries.items():
                problem = self._restore_entry(kind, addresses, ordinal_text, barcode_text, seen)
                if problem is not None:
                    self.state_problems.append(f"{self._name}: {problem}")
        if self.state_problems:
            self._persist()  # the state now says what the library really holds

    def _restore_entry(
        self,
        kind: str,
        addresses: dict[int, int],
        ordinal_text: object,
        barcode_text: object,
        seen: set[Barcode],
    ) -> str | None:
        """Put one saved entry back; what was wrong with it, if anything."""
        where = f"{kind[:-1].replace('_', ' ')} {str(ordinal_text)[:20]}"
        if not isinstance(ordinal_text, str) or not ordinal_text.isdigit():
            return f"{where}: not an element number; entry left out"
        address = addresses.get(int(ordinal_text[:9]))
        if address is None:
            return f"{where}: the library has no such element; its cartridge is left out"
        if not isinstance(barcode_text, str):
            return f"{where}: the barcode is not text; entry left out"
        try:
            barcode = Barcode.parse(barcode_text)
            image = self.store.get(barcode)
        except ValidationError as error:
            return f"{where}: {error}; left out"
        if barcode in seen:
            return f"{where}: {barcode} is held by another element too; left out here"
        seen.add(barcode)
        if kind == "slots":
            self._slots[address] = barcode
        elif kind == "mail_slots":
            self._mail[address] = barcode
        else:
            self.drive(address)._put(image)  # the drive came back with it, unloaded
        return None

    # -- moves ---------------------------------------------------------------------------

    def move_steps(
        self, source: int, destination: int, owner: object | None = None
    ) -> Process[None]:
        """A move as a process: waits for a robot, then moves (see :meth:`move`).

        ``owner``: the holder of a drive's reservation (a VLS copy), who may use it.
        """
        source_kind = self._kind(source, "source")
        destination_kind = self._kind(destination, "destination")
        yield self._robots.acquire()
        try:
            loading = yield from self._move_holding_robot(
                source, source_kind, destination, destination_kind, owner
            )
        finally:
            self._robots.release()
        if loading is not None:  # the drive threads the tape; the robot is free again
            yield from loading._load_steps(owner)

    def _move_holding_robot(
        self,
        source: int,
        source_kind: str,
        destination: int,
        destination_kind: str,
        owner: object | None,
    ) -> Process[SimTapeDrive | None]:
        barcode = self._held(source, source_kind)
        if barcode is None:
            raise SourceEmpty(f"{self._describe(source)} is empty")
        for address, kind in ((source, source_kind), (destination, destination_kind)):
            if kind == _DRIVE and self.drive(address).reserved_by not in (None, owner):
                raise ElementBusy(f"{self._describe(address)} is in use by a copy")
        if source_kind == _DRIVE and self.drive(source).state is not DriveState.EJECTED:
            raise ElementBusy(f"{self._describe(source)} has its cartridge loaded")
        if self._held(destination, destination_kind) is not None:
            raise DestinationFull(f"{self._describe(destination)} is full")
        self.moves += 1
        number = self.moves
        epoch = self.clock.power_epoch
        seconds = self.robot.move_seconds
        if self.robot.jitter:
            seconds *= self._rng.uniform(1 - self.robot.jitter, 1 + self.robot.jitter)
        yield seconds
        if self.clock.power_epoch != epoch:
            raise RobotError(f"power lost during a move in {self._name}")
        if number in self._failing_moves:
            raise RobotError(f"the robot of {self._name} failed move {number}")
        image = self.drive(source).remove() if source_kind == _DRIVE else None
        if source_kind == _SLOT:
            self._slots[source] = None
        elif source_kind == _MAIL:
            self._mail[source] = None
        self.clock.log(f"{self._name} moved {barcode} to {self._describe(destination)}")
        if destination_kind == _DRIVE:
            drive = self.drive(destination)
            drive._put(image if image is not None else self.store.get(barcode))
            self._persist()
            return drive
        if destination_kind == _SLOT:
            self._slots[destination] = barcode
        else:
            self._mail[destination] = barcode
        self._persist()
        return None

    def _held(self, address: int, kind: str) -> Barcode | None:
        if kind == _SLOT:
            return self._slots[address]
        if kind == _MAIL:
            return self._mail[address]
        image = self._paths[self._drive_elements[address]].image
        return None if image is None else image.barcode

    def _kind(
        self, address: int, path: str, allowed: tuple[str, ...] = (_SLOT, _DRIVE, _MAIL)
    ) -> str:
        if type(address) is int:
            for kind, elements in (
                (_SLOT, self._slots),
                (_DRIVE, self._drive_elements),
                (_MAIL, self._mail),
            ):
                if address in elements:
                    if kind not in allowed:
                        break
                    return kind
        wanted = " or ".join(allowed)
        raise ValidationError(
            f"{address!r} is not the address of a {wanted} of {self._name}", path=path
        )

    def _describe(self, address: int) -> str:
        kind = _SLOT if address in self._slots else _MAIL if address in self._mail else _DRIVE
        return f"{kind} {self._ordinal[address]} of {self._name}"

    def __repr__(self) -> str:
        return (
            f"SimTapeLibrary({self._name!r}, {len(self._slots)} slots, {len(self._paths)} drives)"
        )

    @classmethod
    def build(
        cls,
        *,
        name: str,
        clock: Clock,
        store: CartridgeStore,
        generation: MediaType,
        drives: int,
        slots: int,
        mail_slots: int = 0,
        faults: Faults | None = None,
        serial_prefix: str | None = None,
        **options: object,
    ) -> SimTapeLibrary:
        """A library with ``drives`` new drives of ``generation`` (serials ``<prefix><n>``)."""
        if serial_prefix is None:
            serial_prefix = (re.sub(r"[^A-Za-z0-9]", "", name)[:8] or "DRV") + "-"
        prefix = serial_prefix
        made = [
            SimTapeDrive(
                serial=f"{prefix}{i + 1}", generation=generation, clock=clock, faults=faults
            )
            for i in range(drives)
        ]
        return cls(
            name=name,
            clock=clock,
            store=store,
            drives=made,
            slots=slots,
            mail_slots=mail_slots,
            faults=faults,
            **options,  # type: ignore[arg-type]
        )
