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
import os
import shutil
import tempfile
import time
from pathlib import Path

from smartmedia.copying import BackupItem, BackupWriter, CopyService, build_lab
from smartmedia.model import BackupObject, Medium, ObjectType
from smartmedia.planning import CopyPolicy

CHUNK = 1 << 20


def backup(lab, size: int) -> Medium:  # type: ignore[no-untyped-def]
    """One object of ``size`` bytes (a 1 MiB pattern, repeated) on one virtual cartridge."""
    pattern = os.urandom(CHUNK)
    item = BackupItem(
        object=BackupObject(type=ObjectType.FILESYSTEM, host="bench", mount="/data"),
        source=lambda: (pattern for _ in range(size // CHUNK)),
    )
    writer = BackupWriter(lab.site, capacity=size + (256 << 20), barcode_prefix="BIG")
    result = writer.run(None, [item])
    assert result.ok, result.error
    (medium,) = result.media
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
            image = next(Path(tmp, "tapes").glob(f"{medium.barcode}*"))
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
