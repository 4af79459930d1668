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

from smartmedia.errors import MediumError, ValidationError
from smartmedia.format import END_OF_DATA, IMAGE_MAGIC, LocatableBlockSource, ReadResult, TapeImage
from smartmedia.sim import CartridgeImage, FileImage

__all__ = ["CartridgeSource", "open_medium"]

_CARTRIDGE_MAGIC = b"SMTAPE\x00\x01"


class CartridgeSource:
    """A simulated cartridge's image read as a tape: a locatable block source."""

    def __init__(self, image: CartridgeImage) -> None:
        self._image = image
        self._position = 0

    @property
    def position(self) -> int:
        return self._position

    def locate(self, position: int) -> None:
        if type(position) is not int or position < 0:
            raise ValidationError(f"cannot locate to {position!r}", path="position")
        self._position = min(position, self._image.count)

    def read_block(self) -> ReadResult:
        if self._position >= self._image.count:
            return END_OF_DATA
        position = self._position
        self._position += 1
        try:
            return self._image.read(position)
        except MediumError:
            raise
        except (OSError, ValueError) as error:
            raise MediumError(
                f"block {position} cannot be read: {error}",
                barcode=str(self._image.barcode),
                block=position,
            ) from None


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
