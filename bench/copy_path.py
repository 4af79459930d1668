"""The copy path end to end: a verified smart copy through ``CopyService`` on a lab whose
cartridges are image files in a directory, against ``shutil.copyfile`` of the source
cartridge's image in the same run.

The copy service reads the source once through a virtual drive (its digest: every block's
CRC32C checked), has the VLS copy it onto a physical cartridge (every source block
checked again, the target's digest computed over the bytes written), compares the
digests and records the copy. Target: >= 0.8x the speed of ``shutil.copyfile``. Prints
both wall times and the ratio. ``--quick`` copies 64 MiB instead of 2 GiB.
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import shutil
import tempfile
import time
from pathlib import Path

import attrs

from smartmedia.catalog import Position
from smartmedia.copying import CopyService, build_lab
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
from smartmedia.planning import CopyPolicy

CHUNK = 1 << 20


def backup(lab, size: int) -> Medium:  # type: ignore[no-untyped-def]
    site, catalog = lab.site, lab.catalog
    barcode = Barcode("BIG001")
    lab.vls.create_cartridge("VTL", barcode, capacity=size + (256 << 20))
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
        capacity=size + (256 << 20),
        formatted_at=now,
        barcode=barcode,
        location=Location.slot("VTL", slot.ordinal),
    )
    catalog.add_medium(medium)
    session = SessionId(date=now.date(), number=1)
    version = ObjectVersion(
        object=BackupObject(type=ObjectType.FILESYSTEM, host="bench", mount="/data"),
        session=session,
        backup_time=now,
    )
    pattern = os.urandom(CHUNK)
    header = MediumHeader(
        medium_id=medium.id,
        label=medium.label,
        media_type=MediaType.VIRTUAL,
        pool="VTL",
        created=now,
        barcode=barcode,
    )
    with mounted(lab.vtl, barcode) as drive:
        writer = MediumWriter(drive, header, now=site.now)
        writer.begin_session(session)
        placement = writer.write_object(version, (pattern for _ in range(size // CHUNK)))
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
        ),
        [placement.version],
        [
            Position(
                medium=medium.id,
                object_version=placement.version,
                first_block=p.first_block,
                last_block=p.last_block,
            )
            for p in placement.pieces
        ],
    )
    return medium


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--quick", action="store_true")
    args = parser.parse_args()
    size = (64 if args.quick else 2048) * CHUNK
    with tempfile.TemporaryDirectory() as tmp:
        lab = build_lab(directory=tmp)
        try:
            medium = backup(lab, size)
            image = next(Path(tmp, "tapes").glob("BIG001*"))
            os.sync()
            t0 = time.perf_counter()
            shutil.copyfile(image, Path(tmp, "plain-copy.img"))
            plain = time.perf_counter() - t0
            os.remove(Path(tmp, "plain-copy.img"))
            os.sync()
            t0 = time.perf_counter()
            report = CopyService(lab.site).copy_media([medium.id], CopyPolicy(target_pool="Vault"))
            smart = time.perf_counter() - t0
            assert report.ok, report.outcomes
        finally:
            lab.close()
    gib = size / 2**30
    print(f"copy of a {gib:.2f} GiB virtual cartridge (directory store), verified and recorded")
    print(f"  CopyService.copy_media   {smart:7.3f} s  {size / smart / 1e9:5.2f} GB/s")
    print(f"  shutil.copyfile          {plain:7.3f} s  {size / plain / 1e9:5.2f} GB/s")
    print(f"  ratio {plain / smart:.2f}x of copyfile's speed (target >= 0.8x)")


if __name__ == "__main__":
    main()
