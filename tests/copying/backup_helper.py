"""A minimal backup for the runner tests: one object onto one new virtual cartridge,
recorded in the catalog (the full BackupWriter has its own tests)."""

import datetime as dt
import itertools
import os

import attrs

from smartmedia.catalog import Position
from smartmedia.copying._mount import mounted
from smartmedia.format import MediumHeader, MediumWriter
from smartmedia.model import (
    BackupObject,
    Barcode,
    Location,
    MediaType,
    Medium,
    MediumState,
    ObjectType,
    ObjectVersion,
    Protection,
    Session,
    SessionId,
    SessionStatus,
    SessionType,
)

_numbers = itertools.count(1)


def small_backup(lab, *, size=2_000_000, specification="daily", barcode=None, number=None):
    """Back up ``size`` random bytes; returns (medium, version, data)."""
    site, catalog = lab.site, lab.site.catalog
    n = next(_numbers)
    barcode = barcode or Barcode(f"VT{n:04d}")
    lab.vls.create_cartridge("VTL", barcode, capacity=64 << 20)
    slot = next(
        s for s in lab.vtl.inventory().slots if s.cartridge and s.cartridge.barcode == barcode
    )
    allocation = catalog.allocate("VTL")
    now = site.now()
    medium = Medium(
        id=allocation.medium,
        label=allocation.label,
        media_type=MediaType.VIRTUAL,
        pool="VTL",
        capacity=64 << 20,
        formatted_at=now,
        barcode=barcode,
        location=Location.slot("VTL", slot.ordinal),
    )
    catalog.add_medium(medium)
    numbers = [s.id.number for s in catalog.sessions() if s.id.date == now.date()]
    session = SessionId(date=now.date(), number=number or max(numbers, default=0) + 1)
    obj = BackupObject(type=ObjectType.FILESYSTEM, host=f"host{n}", mount="/data")
    data = os.urandom(size)
    header = MediumHeader(
        medium_id=medium.id,
        label=medium.label,
        media_type=MediaType.VIRTUAL,
        pool="VTL",
        created=now,
        barcode=barcode,
        block_size=64 * 1024,
    )
    with mounted(lab.vtl, barcode) as drive:
        writer = MediumWriter(drive, header, now=site.now)
        writer.begin_session(session, specification=specification)
        placement = writer.write_object(
            ObjectVersion(object=obj, session=session, backup_time=now), [data]
        )
        writer.end_session()
        writer.close()
    end = site.now()
    medium = attrs.evolve(
        medium,
        state=MediumState.FULL,
        bytes_used=size,
        write_count=1,
        first_written=now,
        last_written=end,
        protection=Protection.for_period(now, dt.timedelta(days=7)),
    )
    catalog.update_medium(medium)
    catalog.record_session(
        Session(
            id=session,
            type=SessionType.BACKUP,
            status=SessionStatus.COMPLETED,
            started=now,
            ended=end,
            specification=specification,
        ),
        [placement.version],
        [
            Position(
                medium=medium.id,
                object_version=placement.version,
                first_block=piece.first_block,
                last_block=piece.last_block,
            )
            for piece in placement.pieces
        ],
    )
    return medium, placement.version, data
