"""Opening a medium kept in a file: a tape image (``docs/format.md``, "Tape image
files") or a cartridge file of a lab (``LAB/tapes/<barcode>.img``).

Both are opened read-only and handed out as a
:class:`~smartmedia.format.LocatableBlockSource`, so the format's reader works on them
as on a drive.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from smartmedia.errors import ValidationError
from smartmedia.format import IMAGE_MAGIC, LocatableBlockSource, TapeImage
from smartmedia.sim import CartridgeSource, FileImage

__all__ = ["open_medium"]

_CARTRIDGE_MAGIC = b"SMTAPE\x00\x01"


@contextmanager
def open_medium(path: Path) -> Iterator[LocatableBlockSource]:
    """The medium in the file ``path``, read-only.

    :class:`~smartmedia.errors.ValidationError` if the file is neither kind of image;
    ``OSError`` if it cannot be read.
    """
    with path.open("rb") as probe:
        magic = probe.read(8)
    if magic == IMAGE_MAGIC:
        image = TapeImage.open(path)
        try:
            yield image
        finally:
            image.close()
        return
    if magic == _CARTRIDGE_MAGIC:
        descriptor = os.open(path, os.O_RDONLY | os.O_CLOEXEC)
        try:
            cartridge = FileImage(descriptor, name=str(path), sync=False)
        except OSError as error:
            os.close(descriptor)
            raise ValidationError(
                f"{path} ends in a torn record ({error.strerror}); it needs repairing by the lab",
                path="image",
            ) from None
        except BaseException:
            os.close(descriptor)
            raise
        try:
            yield CartridgeSource(cartridge)
        finally:
            cartridge.close()
        return
    raise ValidationError(
        f"{path} is not a tape image (no tape image or lab cartridge header)", path="image"
    )
