"""Opening a medium kept in a file: a tape image (``docs/format.md``, "Tape image
files") or a cartridge file of a lab (``LAB/tapes/<barcode>.img``).

Both are opened read-only and handed out as a
:class:`~smartmedia.format.LocatableBlockSource`, so the format's reader works on them
as on a drive. Only a regular file is opened (:func:`smartmedia._fs.open_regular`): a
FIFO, device or directory is refused with one line instead of hanging the command.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from smartmedia._fs import open_regular
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
    descriptor = open_regular(path, what="image", field="image")
    try:
        magic = os.pread(descriptor, 8, 0)
        if magic == IMAGE_MAGIC:
            os.close(descriptor)  # TapeImage opens its file itself (a regular file, just seen)
            descriptor = -1
            image = TapeImage.open(path)
            try:
                yield image
            finally:
                image.close()
            return
        if magic != _CARTRIDGE_MAGIC:
            raise ValidationError(
                f"{path} is not a tape image (no tape image or lab cartridge header)",
                path="image",
            )
        try:
            cartridge = FileImage(descriptor, name=str(path), sync=False)
        except OSError as error:
            raise ValidationError(
                f"{path} ends in a torn record ({error.strerror}); it needs repairing by the lab",
                path="image",
            ) from None
        descriptor = -1  # the cartridge owns it now
    finally:
        if descriptor >= 0:
            os.close(descriptor)
    try:
        yield CartridgeSource(cartridge)
    finally:
        cartridge.close()
