"""A small backup for the runner tests: one object onto one new virtual cartridge,
written and recorded by :class:`BackupWriter`."""

import itertools
import os

from smartmedia.copying import BackupWriter, items_from_bytes

_numbers = itertools.count(1)


def small_backup(lab, *, size=2_000_000, specification="daily", barcode=None):
    """Back up ``size`` random bytes; returns (medium, version, data)."""
    n = next(_numbers)
    data = os.urandom(size)
    prefix = "VT" if barcode is None else str(barcode)[:-3]
    writer = BackupWriter(
        lab.site, specification=specification, capacity=64 << 20, barcode_prefix=prefix
    )
    result = writer.run(None, items_from_bytes({f"data{n}": data}, host=f"host{n}"))
    assert result.ok, result.error
    (medium,) = result.media
    if barcode is not None:
        assert medium.barcode == barcode, (medium.barcode, barcode)
    (version,) = result.versions
    return medium, version, data
