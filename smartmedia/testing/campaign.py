"""Fault campaigns on a simulated site: inject a fault or a power loss into a copy run,
settle with :func:`~smartmedia.copying.resume`, and check what must always hold.

What must hold after every scenario: the catalog's invariants (``check()``); no copy
job left reserved; every copy the catalog records reads back, verifies, carries its
source's digest and names its original; and every backup restores byte-identically.
Used by the tests (a few scenarios) and by ``bench/faults.py`` (all of them, many seeds).
"""

from __future__ import annotations

import os
from collections.abc import Callable

import attrs

from smartmedia.catalog import CopyJobState
from smartmedia.copying import (
    BackupWriter,
    CopyService,
    Lab,
    build_lab,
    items_from_bytes,
    resume,
)
from smartmedia.errors import SmartMediaError
from smartmedia.format import (
    MediumHeader,
    MediumReader,
    VerifyReport,
)
from smartmedia.model import (
    Barcode,
)
from smartmedia.planning import CopyPolicy
from smartmedia.sim import CartridgeSource, Faults

__all__ = ["Outcome", "PowerCut", "check_site", "run_scenario", "small_backups"]

POLICY = CopyPolicy(target_pool="Vault")


class PowerCut(Exception):
    """Raised into the copy run when the simulated power goes: the runner dies with it."""


@attrs.frozen
class Outcome:
    """What a scenario did: copies committed before and by resume, and what broke."""

    committed: int
    released: int
    crashed: bool
    problems: tuple[str, ...]

    @property
    def ok(self) -> bool:
        return not self.problems


def small_backups(lab: Lab, count: int, *, size: int = 400_000) -> dict[Barcode, bytes]:
    """``count`` one-object backups onto new virtual cartridges; their data by barcode."""
    data: dict[Barcode, bytes] = {}
    writer = BackupWriter(lab.site, capacity=16 << 20, block_size=64 * 1024, barcode_prefix="VC")
    for n in range(1, count + 1):
        payload = os.urandom(size)
        result = writer.run(None, items_from_bytes({f"d{n}": payload}, host=f"h{n}"))
        if not result.ok or len(result.media) != 1 or result.media[0].barcode is None:
            raise SmartMediaError(f"the campaign's backup {n} failed: {result.error}")
        data[result.media[0].barcode] = payload
    return data


def check_site(
    lab: Lab, data: dict[Barcode, bytes], *, unreadable: frozenset[Barcode] = frozenset()
) -> list[str]:
    """Everything that must hold; the problems found (none when all is well).

    ``unreadable`` are sources with a bad block injected on purpose: they cannot restore
    and must have no copy recorded (a copy of them could not have verified).
    """
    problems: list[str] = []
    catalog = lab.catalog
    report = catalog.check()
    if not report.ok:
        problems.extend(report.problems)
    if catalog.copy_jobs(state=CopyJobState.RESERVED):
        problems.append("copy jobs are still reserved")
    for barcode, payload in data.items():
        [original] = [m for m in catalog.media_with_barcode(barcode) if not m.is_copy]
        if barcode in unreadable:
            if catalog.copies_of(original.id):
                problems.append(f"a copy of the damaged source {barcode} was recorded")
            continue
        reader = MediumReader(CartridgeSource(lab.store.get(barcode)))
        source = reader.verify()
        position = catalog.positions_on_medium(original.id)[0]
        session = position.object_version.session
        got = b"".join(bytes(v) for v in reader.read_object(session, 1))
        if got != payload:
            problems.append(f"backup on {barcode} no longer restores")
        for record in catalog.copies_of(original.id):
            copy = catalog.medium(record.copy)
            if copy.barcode is None:
                problems.append(f"copy {copy.id} has no barcode")
                continue
            try:
                header, target = _read_copy(lab, copy.barcode)
            except SmartMediaError as error:
                problems.append(f"copy {copy.id} on {copy.barcode} cannot be read: {error}")
                continue
            if not target.ok or target.digest != source.digest:
                problems.append(f"copy {copy.id} on {copy.barcode} does not verify")
            if header.medium_id != copy.id or header.original != original.id:
                problems.append(f"copy {copy.id} on {copy.barcode} has the wrong header")
    return problems


def _read_copy(lab: Lab, barcode: Barcode) -> tuple[MediumHeader, VerifyReport]:
    """Read a copy back, from the store itself."""
    reader = MediumReader(CartridgeSource(lab.store.get(barcode)))
    return reader.header, reader.verify()


def run_scenario(
    *,
    seed: int = 0,
    faults: Faults | None = None,
    power_loss_after: int | None = None,
    sources: int = 3,
    configure: Callable[[Lab], None] | None = None,
) -> Outcome:
    """Back up ``sources`` cartridges, copy them with ``faults`` armed (or the power
    going ``power_loss_after`` events into the copy run), resume, and check."""
    lab = build_lab(seed=seed, faults=faults, physical_drives=2)
    try:
        data = small_backups(lab, sources)
        if configure is not None:
            configure(lab)
        crashed = False
        if power_loss_after is not None:
            lab.clock.arm_power_loss(lab.clock.events + power_loss_after)

            def cut() -> None:
                raise PowerCut

            lab.clock.on_power_loss(cut)
        service = CopyService(lab.site)
        try:
            service.copy_media(list(data), POLICY)
        except PowerCut:
            crashed = True
        lab.clock.disarm_power_loss()
        settled = resume(lab.site)
        damaged = frozenset(f.barcode for f in (faults.media if faults else ()) if not f.on_write)
        problems = check_site(lab, data, unreadable=damaged)
        copies = sum(len(lab.catalog.copies_of(m.id)) for m in lab.catalog.media(pool="VTL"))
        return Outcome(
            committed=copies,
            released=len(settled.released),
            crashed=crashed,
            problems=tuple(problems),
        )
    finally:
        lab.close()
