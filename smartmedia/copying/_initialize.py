"""Initialising a cartridge: the explicit step that lets data nobody released be overwritten.

Copies never write over a cartridge whose first block shows data the catalog does not
release (:func:`smartmedia.format.check_overwrite`); the copy runner records such a
cartridge as holding unknown data. :func:`initialize_medium` is how an operator takes it
back: it reads the first block, refuses unless the cartridge is blank or released —
or ``force`` says to write over whatever it holds — then writes a fresh medium header
(no sessions) and records the cartridge as an empty medium of ``pool``. Data the
catalog *does* record on the cartridge (object versions, a copy job holding it) is never
initialised away, ``force`` or not: recycle it first.
"""

from __future__ import annotations

import attrs

from smartmedia.catalog import CopyJobState
from smartmedia.copying._mount import mounted
from smartmedia.copying._site import Site
from smartmedia.errors import ConflictError, ProtectedMedium, ValidationError
from smartmedia.format import MediumHeader, MediumWriter, Overwrite, check_overwrite
from smartmedia.model import Barcode, Location, Medium, MediumState, Protection

__all__ = ["initialize_medium"]


def initialize_medium(
    site: Site,
    barcode: Barcode,
    *,
    pool: str,
    library: str | None = None,
    force: bool = False,
) -> Medium:
    """Write a new medium header on cartridge ``barcode`` of ``library`` (default: the
    site's target library) and record it as an empty medium of ``pool``; the record.

    Raises :class:`~smartmedia.errors.ProtectedMedium` when the first block holds data
    the catalog does not release and ``force`` is false, and
    :class:`~smartmedia.errors.ConflictError` when the catalog records data on the
    cartridge or a copy job holds it.
    """
    if not isinstance(barcode, Barcode):
        raise ValidationError(f"expected a Barcode, got {type(barcode).__name__}", path="barcode")
    if type(force) is not bool:
        raise ValidationError(f"expected a bool, got {force!r}", path="force")
    catalog = site.catalog
    name = site.target_library if library is None else library
    changer = site.library(name)
    target_pool = catalog.pool(pool)
    records = [m for m in catalog.media_with_barcode(barcode) if m.location.library in (name, None)]
    held = {
        medium
        for job in catalog.copy_jobs(state=CopyJobState.RESERVED)
        for medium in (job.source, *job.targets)
    }
    for known in records:
        if catalog.positions_on_medium(known.id) or known.is_copy:
            raise ConflictError(
                f"{barcode} holds medium {known.id}, whose data the catalog records; "
                "recycle it first"
            )
        if known.id in held:
            raise ConflictError(f"{barcode} (medium {known.id}) is held by a copy job")
    if len(records) > 1:
        raise ConflictError(
            f"the catalog records {len(records)} media on {barcode}: "
            + ", ".join(str(r.id) for r in records)
        )
    record = records[0] if records else None
    released = tuple(r.id for r in records if not r.state.holds_data)
    now = site.now()
    if record is not None and record.pool == pool:
        medium_id, label = record.id, record.label
    else:
        allocation = catalog.allocate(pool)
        medium_id = allocation.medium if record is None else record.id
        label = allocation.label
    with mounted(changer, barcode) as drive:
        cartridge = drive.cartridge
        if cartridge is None or not drive.generation.can_write(cartridge.media_type):
            raise ValidationError(f"no drive of {name} can write {barcode}", path="barcode")
        if cartridge.media_type is not target_pool.media_type:
            raise ValidationError(
                f"{barcode} is {cartridge.media_type} media; pool {pool} holds "
                f"{target_pool.media_type}",
                path="pool",
            )
        verdict = check_overwrite(drive.read_block(), Overwrite(media=released, force=force))
        if not verdict.ok:
            raise ProtectedMedium(
                f"{barcode} was not initialised: {verdict.reason} (force=True overwrites it)"
            )
        drive.rewind()
        header = MediumHeader(
            medium_id=medium_id,
            label=label,
            media_type=cartridge.media_type,
            pool=pool,
            created=now,
            barcode=barcode,
            write_count=1 if record is None else record.write_count + 1,
        )
        MediumWriter(drive, header, now=site.now).close()
        media_type = cartridge.media_type
    location = changer.inventory().location_of(barcode) or Location.unknown()
    if record is None:
        medium = Medium(
            id=medium_id,
            label=label,
            media_type=media_type,
            pool=pool,
            capacity=media_type.native_capacity,
            formatted_at=now,
            barcode=barcode,
            state=MediumState.EMPTY,
            location=location,
            write_count=1,
        )
        catalog.add_medium(medium)
        return medium
    medium = attrs.evolve(
        record,
        label=label,
        pool=pool,
        state=MediumState.EMPTY,
        bytes_used=0,
        write_count=header.write_count,
        protection=Protection.none(),
        location=location,
    )
    catalog.update_medium(medium)
    return catalog.medium(medium_id)
