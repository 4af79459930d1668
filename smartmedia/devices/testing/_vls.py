"""Conformance rules of :class:`~smartmedia.devices.VirtualLibrarySystem`.

The factory returns a fresh VLS with at least one virtual library (a free slot and a
drive) and at least one attached physical library holding at least two blank, writable
cartridges in storage slots, and a drive that can write them. The rules write a small
medium of the library's format onto a new virtual cartridge (through the virtual
library's drive), copy it, and read both back to compare. The overwrite rule also writes
one block on a target through a drive of the physical library (as a foreign tool
would), to check that the VLS reads a target's first block before writing it.
"""

from __future__ import annotations

import datetime as dt
import itertools
from collections.abc import Callable

from smartmedia.devices._library import TapeLibrary
from smartmedia.devices._vls import (
    COPY_TRANSITIONS,
    CopyHandle,
    CopyOrder,
    CopyResult,
    CopyState,
    VirtualLibrarySystem,
)
from smartmedia.devices.testing._rules import Rule, expect, expect_raises, run_rules
from smartmedia.errors import CopyFailed, ValidationError
from smartmedia.format import (
    CopyIdentity,
    MediumHeader,
    MediumReader,
    MediumWriter,
    Overwrite,
    VerifyReport,
)
from smartmedia.model import (
    BackupObject,
    Barcode,
    MediaType,
    ObjectType,
    ObjectVersion,
    SessionId,
    new_medium_id,
)

__all__ = ["VLS_RULES", "check_vls"]

VlsFactory = Callable[[], VirtualLibrarySystem]
_T0 = dt.datetime(2026, 1, 1, tzinfo=dt.timezone.utc)


def _libraries(vls: VirtualLibrarySystem) -> tuple[TapeLibrary, TapeLibrary]:
    virtual, physical = vls.virtual_libraries(), vls.physical_libraries()
    expect(bool(virtual), "the VLS has no virtual library")
    expect(bool(physical), "the VLS has no physical library attached")
    return virtual[0], physical[0]


def _targets(physical: TapeLibrary) -> list[Barcode]:
    found = [
        s.cartridge.barcode
        for s in physical.inventory().slots
        if s.cartridge is not None and s.cartridge.barcode is not None
    ]
    expect(len(found) >= 2, f"{physical.name} needs two cartridges in slots for the rules")
    return found


def _read(library: TapeLibrary, barcode: Barcode) -> tuple[MediumHeader, VerifyReport]:
    """Load ``barcode`` into the library's first drive, verify it, put it back."""
    inventory = library.inventory()
    home = inventory.location_of(barcode)
    expect(home is not None, f"{barcode} is not in {library.name}")
    slot = next(
        s.address for s in inventory.slots if s.cartridge and s.cartridge.barcode == barcode
    )
    drive_address = inventory.drives[0].address
    library.move(slot, drive_address)
    drive = library.drive(drive_address)
    try:
        reader = MediumReader(drive)
        report = reader.verify()
    finally:
        drive.unload()
        library.move(drive_address, slot)
    return reader.header, report


def _write_source(vls: VirtualLibrarySystem, library: TapeLibrary, barcode: Barcode) -> None:
    vls.create_cartridge(library.name, barcode)
    inventory = library.inventory()
    slot = next(
        s.address for s in inventory.slots if s.cartridge and s.cartridge.barcode == barcode
    )
    drive_address = inventory.drives[0].address
    library.move(slot, drive_address)
    drive = library.drive(drive_address)
    header = MediumHeader(
        medium_id=new_medium_id(),
        label=f"conformance {barcode}",
        media_type=MediaType.VIRTUAL,
        pool="conformance",
        created=_T0,
        barcode=barcode,
        block_size=64 * 1024,
    )
    writer = MediumWriter(drive, header, now=lambda: _T0)
    session = SessionId(_T0.date(), 1)
    writer.begin_session(session, started=_T0)
    version = ObjectVersion(
        object=BackupObject(type=ObjectType.FILESYSTEM, host="conformance", mount="/"),
        session=session,
        backup_time=_T0,
    )
    writer.write_object(version, [bytes(range(256)) * 1024 for _ in range(3)])
    writer.end_session(ended=_T0)
    writer.close()
    drive.unload()
    library.move(drive_address, slot)


def _order(
    source_library: TapeLibrary,
    source: Barcode,
    physical: TapeLibrary,
    target: Barcode,
    overwrite: Overwrite | None = None,
) -> CopyOrder:
    return CopyOrder(
        source_library=source_library.name,
        source=source,
        target_library=physical.name,
        target=target,
        identity=CopyIdentity(medium_id=new_medium_id(), label=f"copy {target}", barcode=target),
        overwrite=overwrite if overwrite is not None else Overwrite(),
    )


#: The first block of a POSIX tar archive (an empty file named "x"), as a foreign tool
#: would leave it.
_TAR = b"x" + bytes(256) + b"ustar\x0000" + bytes(504 - 250)


def _write_foreign(library: TapeLibrary, barcode: Barcode) -> None:
    inventory = library.inventory()
    slot = next(
        s.address for s in inventory.slots if s.cartridge and s.cartridge.barcode == barcode
    )
    drive_address = inventory.drives[0].address
    library.move(slot, drive_address)
    drive = library.drive(drive_address)
    try:
        drive.write_block(_TAR)
        drive.write_filemarks(1)
    finally:
        drive.unload()
        library.move(drive_address, slot)


def _first_block(library: TapeLibrary, barcode: Barcode) -> object:
    inventory = library.inventory()
    slot = next(
        s.address for s in inventory.slots if s.cartridge and s.cartridge.barcode == barcode
    )
    drive_address = inventory.drives[0].address
    library.move(slot, drive_address)
    drive = library.drive(drive_address)
    try:
        first = drive.read_block()
        return bytes(first) if isinstance(first, bytes | bytearray | memoryview) else first
    finally:
        drive.unload()
        library.move(drive_address, slot)


def _overwrite(make: VlsFactory) -> None:
    vls = make()
    virtual, physical = _libraries(vls)
    ours, foreign = _targets(physical)[:2]
    first, second = Barcode("CONF06"), Barcode("CONF07")
    _write_source(vls, virtual, first)
    _write_source(vls, virtual, second)
    done = vls.start_copy(order := _order(virtual, first, physical, ours))
    expect(vls.wait([done])[0].state is CopyState.COMPLETED, "the copy onto a blank failed")
    before = _first_block(physical, ours)
    (again,) = vls.wait([vls.start_copy(_order(virtual, second, physical, ours))])
    expect(
        again.state is CopyState.FAILED and again.refused_target,
        f"a copy over a medium nobody released ended {again.state} (refused_target "
        f"{again.refused_target}): {again.error}",
    )
    expect(bool(again.error), "a refused target says nothing about why")
    expect(_first_block(physical, ours) == before, "a refused target was written")
    released = Overwrite(media=(order.identity.medium_id,))
    (over,) = vls.wait([vls.start_copy(_order(virtual, second, physical, ours, released))])
    expect(over.state is CopyState.COMPLETED, f"a copy over a released medium: {over.error}")
    _write_foreign(physical, foreign)
    (tar,) = vls.wait([vls.start_copy(_order(virtual, first, physical, foreign, released))])
    expect(tar.state is CopyState.FAILED and tar.refused_target, "a tar archive was overwritten")
    expect(_first_block(physical, foreign) == _TAR, "a refused tar archive was written")
    forced = Overwrite(force=True)
    (done_forced,) = vls.wait([vls.start_copy(_order(virtual, first, physical, foreign, forced))])
    expect(done_forced.state is CopyState.COMPLETED, f"a forced copy: {done_forced.error}")


def _visibility(make: VlsFactory) -> None:
    vls = make()
    expect(isinstance(vls, VirtualLibrarySystem), "does not implement the VLS protocol")
    _virtual, _physical = _libraries(vls)
    expect(all(lib.visible for lib in vls.virtual_libraries()), "a virtual library is hidden")
    expect(not any(lib.visible for lib in vls.physical_libraries()), "a physical one is visible")


def _cartridges(make: VlsFactory) -> None:
    vls = make()
    virtual, _ = _libraries(vls)
    made = vls.create_cartridge(virtual.name, Barcode("CONF01"))
    expect(made.bytes_used == 0, f"a new virtual cartridge holds {made.bytes_used} bytes")
    listed = {c.barcode: c for c in vls.cartridges(virtual.name)}
    expect(Barcode("CONF01") in listed, "a created cartridge is not listed")
    vls.delete_cartridge(virtual.name, Barcode("CONF01"))
    gone = {c.barcode for c in vls.cartridges(virtual.name)}
    expect(Barcode("CONF01") not in gone, "a deleted cartridge is still listed")
    expect_raises(ValidationError, lambda: vls.cartridges("no such library"), "unknown library")


def _copy(make: VlsFactory) -> None:
    vls = make()
    virtual, physical = _libraries(vls)
    target = _targets(physical)[0]
    source = Barcode("CONF02")
    _write_source(vls, virtual, source)
    listed = {c.barcode: c for c in vls.cartridges(virtual.name)}
    expect(listed[source].bytes_used > 0, "the written cartridge lists 0 bytes used")
    order = _order(virtual, source, physical, target)
    handle = vls.start_copy(order)
    (result,) = vls.wait([handle])
    expect(result.state is CopyState.COMPLETED, f"the copy ended {result.state}: {result.error}")
    expect(result.order == order, "the result names another order")
    expect(result.digest is not None, "a completed copy of real bytes reports no digest")
    source_header, source_report = _read(virtual, source)
    target_header, target_report = _read(physical, target)
    expect(target_report.ok, f"the target does not verify: {target_report}")
    expect(result.digest == source_report.digest, "the digest is not the source's")
    expect(result.digest == target_report.digest, "the digest is not what was written")
    expect(target_header.medium_id == order.identity.medium_id, "the target kept another ID")
    expect(target_header.original == source_header.medium_id, "the copy names no original")
    expect(target_header.barcode == target, "the target header names another barcode")
    expect(result.bytes_copied >= listed[source].bytes_used - 4096, "bytes_copied too small")
    expect(vls.poll(handle) == result, "a finished result changed")


def _transitions(make: VlsFactory) -> None:
    vls = make()
    virtual, physical = _libraries(vls)
    _write_source(vls, virtual, Barcode("CONF03"))
    handle = vls.start_copy(_order(virtual, Barcode("CONF03"), physical, _targets(physical)[0]))
    seen: list[CopyResult] = [vls.poll(handle)]
    for _ in range(10_000):
        if seen[-1].state.is_finished:
            break
        (now,) = vls.wait([handle], timeout=5.0)
        seen.append(now)
    for before, after in itertools.pairwise(seen):
        expect(
            after.state is before.state or after.state in COPY_TRANSITIONS[before.state],
            f"a copy went from {before.state} to {after.state}",
        )
    expect(seen[-1].state.is_finished, "the copy never finished")
    (again,) = vls.wait([handle], timeout=1.0)
    expect(again == seen[-1], "a finished result changed")


def _cancel(make: VlsFactory) -> None:
    vls = make()
    virtual, physical = _libraries(vls)
    _write_source(vls, virtual, Barcode("CONF04"))
    handle = vls.start_copy(_order(virtual, Barcode("CONF04"), physical, _targets(physical)[0]))
    vls.cancel(handle)
    (result,) = vls.wait([handle])
    expect(
        result.state in (CopyState.CANCELLED, CopyState.COMPLETED),
        f"a cancelled copy ended {result.state}",
    )
    if result.state is CopyState.CANCELLED:
        expect(result.digest is None, "a cancelled copy claims a digest")
        expect_raises(CopyFailed, result.check, "check() of a cancelled copy")
    vls.cancel(handle)
    expect(vls.poll(handle) == result, "cancelling a finished copy changed it")


def _failure(make: VlsFactory) -> None:
    vls = make()
    virtual, physical = _libraries(vls)
    blank = Barcode("CONF05")
    vls.create_cartridge(virtual.name, blank)
    handle = vls.start_copy(_order(virtual, blank, physical, _targets(physical)[1]))
    (result,) = vls.wait([handle])
    expect(result.state is CopyState.FAILED, f"copying a blank cartridge ended {result.state}")
    expect(bool(result.error), "a failed copy says nothing about why")
    expect(result.digest is None, "a failed copy claims a digest")
    expect_raises(CopyFailed, result.check, "check() of a failed copy")


def _bad_handle(make: VlsFactory) -> None:
    vls = make()
    expect_raises(ValidationError, lambda: vls.poll(CopyHandle("no-such-copy")), "poll")
    expect_raises(ValidationError, lambda: vls.cancel(CopyHandle("no-such-copy")), "cancel")


VLS_RULES: tuple[Rule[VlsFactory], ...] = (
    Rule("vls.visibility", "virtual libraries visible, physical ones hidden", _visibility),
    Rule("vls.cartridges", "virtual cartridges are created, listed, deleted", _cartridges),
    Rule("vls.copy", "a copy is byte identical after its new header; digest", _copy),
    Rule("vls.transitions", "results move along COPY_TRANSITIONS only", _transitions),
    Rule("vls.cancel", "a cancelled copy ends cancelled, without a digest", _cancel),
    Rule("vls.failure", "a copy that cannot be made ends FAILED, with why", _failure),
    Rule(
        "vls.overwrite",
        "a target holding data the order does not release is refused, untouched",
        _overwrite,
    ),
    Rule("vls.bad-handle", "unknown handles are caller errors", _bad_handle),
)


def check_vls(make_vls: VlsFactory, *, only: list[str] | None = None) -> None:
    """Check every rule of :data:`VLS_RULES` against systems from the factory."""
    run_rules(VLS_RULES, make_vls, only)
