"""A small simulated site for VLS tests: a VLS, a virtual library, a physical library."""

from __future__ import annotations

import datetime as dt
import os

from smartmedia.devices import RobotTiming
from smartmedia.format import CopyIdentity, MediumHeader, MediumWriter
from smartmedia.model import (
    BackupObject,
    Barcode,
    MediaType,
    MediumIdGenerator,
    ObjectType,
    ObjectVersion,
    SessionId,
)
from smartmedia.sim import (
    CartridgeStore,
    Faults,
    MemoryStore,
    SimClock,
    SimTapeLibrary,
    SimVLS,
)

T0 = dt.datetime(2026, 3, 1, 12, 0, tzinfo=dt.timezone.utc)
new_id = MediumIdGenerator("10.1.2.3", clock=lambda: 1_772_000_000, process=7)


def build_site(
    *,
    seed: int = 0,
    drives: int = 2,
    targets: int = 4,
    streams: int = 2,
    faults: Faults | None = None,
    vls_store: CartridgeStore | None = None,
    tape_store: CartridgeStore | None = None,
    trace: bool = False,
    target_capacity: int | None = None,
    jitter: float = 0.0,
    **vls_options: object,
) -> SimVLS:
    clock = SimClock(seed=seed, trace=trace)
    tapes = tape_store if tape_store is not None else MemoryStore()
    physical = SimTapeLibrary.build(
        name="TAPES",
        clock=clock,
        store=tapes,
        generation=MediaType.LTO9,
        drives=drives,
        slots=targets + 4,
        mail_slots=2,
        faults=faults,
        robot=RobotTiming(move_seconds=10.0, jitter=jitter),
        visible=False,
    )
    for i in range(targets):
        code = f"TGT{i:03d}L9"
        tapes.create(code, MediaType.LTO9, capacity=target_capacity)
        physical.place(code)
    vls = SimVLS(
        clock=clock,
        store=vls_store,
        physical=[physical],
        streams=streams,
        faults=faults,
        **vls_options,  # type: ignore[arg-type]
    )
    vls.add_virtual_library("VTL", slots=16, drives=2)
    return vls


def header(barcode: str, *, block_size: int = 64 * 1024) -> MediumHeader:
    return MediumHeader(
        medium_id=new_id(),
        label=f"Default VTL_{barcode}",
        media_type=MediaType.VIRTUAL,
        pool="Default VTL",
        created=T0,
        barcode=Barcode(barcode),
        block_size=block_size,
    )


def write_backup(vls: SimVLS, barcode: str, *, nbytes: int = 1 << 20, seed: int = 1) -> None:
    """A real backup session onto virtual cartridge ``barcode`` (created here)."""
    vls.create_cartridge("VTL", barcode)
    library = vls.virtual_library("VTL")
    slot = library.locate_cartridge(Barcode(barcode))
    drive_address = library.inventory().drives[0].address
    library.move(slot, drive_address)
    drive = library.drive(drive_address)
    writer = MediumWriter(drive, header(barcode), now=lambda: T0)
    session = SessionId(T0.date(), seed)
    writer.begin_session(session, started=T0)
    version = ObjectVersion(
        object=BackupObject(type=ObjectType.FILESYSTEM, host="db1", mount="/data"),
        session=session,
        backup_time=T0,
    )
    data = os.urandom(nbytes) if seed < 0 else bytes((i * seed) % 251 for i in range(nbytes))
    writer.write_object(version, [data[i : i + 100_000] for i in range(0, nbytes, 100_000)])
    writer.end_session(ended=T0)
    writer.close()
    drive.unload()
    library.move(drive_address, slot)


def identity(target: str) -> CopyIdentity:
    return CopyIdentity(medium_id=new_id(), label=f"Copy of {target}", barcode=Barcode(target))
