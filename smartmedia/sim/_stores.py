"""Cartridge stores: where simulated cartridges live between loads.

:class:`MemoryStore` keeps images in memory (and holds *synthetic* cartridges, whose
content is generated from a seed, so simulations of petabytes need no disk).
:class:`DirectoryStore` keeps one image file per cartridge in a directory, so cartridges
survive a process restart. Both answer a power loss the same way: what was not flushed
is gone (:meth:`CartridgeStore.power_loss`).

Directory store safety: a file name is made from a barcode only after strict validation
(letters, digits, ``-`` and ``_``; no dots, separators or spaces, so no path traversal),
files are opened relative to the directory's descriptor with ``O_NOFOLLOW`` (a symlink
planted in the directory is refused, never followed), and only regular files count.
"""

from __future__ import annotations

import abc
import errno
import os
import re
import stat
from collections.abc import Iterable
from pathlib import Path

from smartmedia._fs import describe_mode
from smartmedia.errors import ValidationError
from smartmedia.model import Barcode, MediaType
from smartmedia.sim._dirimage import FileImage
from smartmedia.sim._image import CartridgeImage, MemoryImage, Object, SyntheticRun

__all__ = ["CartridgeStore", "DirectoryStore", "MemoryStore"]

_SAFE_NAME = re.compile(r"[A-Za-z0-9_-]{1,16}")
_SUFFIX = ".img"


def _barcode(barcode: Barcode | str) -> Barcode:
    return barcode if isinstance(barcode, Barcode) else Barcode.parse(barcode)


def _capacity(media_type: MediaType, capacity: int | None) -> int:
    if capacity is None:
        return media_type.native_capacity
    if type(capacity) is not int or capacity < 1:
        raise ValidationError(f"must be an integer >= 1, not {capacity!r}", path="capacity")
    return capacity


class CartridgeStore(abc.ABC):
    """Cartridge images by barcode. One image object per barcode while the store lives."""

    def __init__(self) -> None:
        self._images: dict[Barcode, CartridgeImage] = {}

    @abc.abstractmethod
    def create(
        self,
        barcode: Barcode | str,
        media_type: MediaType,
        *,
        capacity: int | None = None,
        write_protected: bool = False,
    ) -> CartridgeImage:
        """A new, blank cartridge (native capacity of ``media_type`` unless given)."""

    @abc.abstractmethod
    def barcodes(self) -> tuple[Barcode, ...]:
        """Every cartridge in the store, sorted."""

    def get(self, barcode: Barcode | str) -> CartridgeImage:
        """The image of ``barcode``; :class:`ValidationError` if the store has none."""
        code = _barcode(barcode)
        image = self._images.get(code)
        if image is None:
            image = self._open(code)
            self._images[code] = image
        return image

    def __contains__(self, barcode: object) -> bool:
        if not isinstance(barcode, Barcode | str):
            return False
        try:
            self.get(barcode)
        except ValidationError:
            return False
        return True

    def _open(self, barcode: Barcode) -> CartridgeImage:
        raise ValidationError(f"no cartridge {barcode} in the store", path="barcode")

    def delete(self, barcode: Barcode | str) -> None:
        """Forget the cartridge ``barcode`` and its data."""
        code = _barcode(barcode)
        if code not in self:
            raise ValidationError(f"no cartridge {code} in the store", path="barcode")
        self._images.pop(code).close()
        self._remove(code)

    def _remove(self, barcode: Barcode) -> None:  # noqa: B027 - memory keeps nothing more
        """Remove what the store keeps of ``barcode`` beyond its image object."""

    def _check_new(self, barcode: Barcode) -> None:
        if barcode in self:
            raise ValidationError(f"cartridge {barcode} already exists", path="barcode")

    def flush(self) -> None:
        """Make every image durable."""
        for image in self._images.values():
            image.flush()

    def power_loss(self) -> None:
        """Drop, in every image, what was written since its last flush."""
        for image in self._images.values():
            image.revert()

    def close(self) -> None:
        """Release open files; the store is not used afterwards."""
        for image in self._images.values():
            image.close()
        self._images.clear()


class MemoryStore(CartridgeStore):
    """Images in memory, gone with the process; also the home of synthetic cartridges."""

    def create(
        self,
        barcode: Barcode | str,
        media_type: MediaType,
        *,
        capacity: int | None = None,
        write_protected: bool = False,
    ) -> MemoryImage:
        code = _barcode(barcode)
        self._check_new(code)
        image = MemoryImage(
            barcode=code,
            media_type=media_type,
            capacity=_capacity(media_type, capacity),
            write_protected=write_protected,
        )
        self._images[code] = image
        return image

    def add_synthetic(
        self,
        barcode: Barcode | str,
        media_type: MediaType,
        *,
        head: Iterable[Object],
        run: SyntheticRun,
        tail: Iterable[Object] = (),
        capacity: int | None = None,
        write_protected: bool = False,
    ) -> MemoryImage:
        """A cartridge holding ``head`` (e.g. a medium header), ``run``, then ``tail``.

        Only the explicit objects take memory: ``run.count`` blocks of generated content
        cost nothing until they are read.
        """
        code = _barcode(barcode)
        self._check_new(code)
        image = MemoryImage(
            barcode=code,
            media_type=media_type,
            capacity=_capacity(media_type, capacity),
            write_protected=write_protected,
            head=head,
            run=run,
            tail=tail,
        )
        self._images[code] = image
        return image

    def barcodes(self) -> tuple[Barcode, ...]:
        return tuple(sorted(self._images))


class DirectoryStore(CartridgeStore):
    """One image file per cartridge in ``path`` (``<barcode>.img``); survives restarts.

    ``sync``: flushes call ``fsync``, so data flushed survives a real crash too. The
    directory must exist and must not itself be a symlink.
    """

    def __init__(self, path: str | os.PathLike[str], *, sync: bool = True) -> None:
        super().__init__()
        self.path = Path(path)
        self._sync = sync
        try:
            self._dir_fd = os.open(
                self.path, os.O_RDONLY | os.O_DIRECTORY | os.O_NOFOLLOW | os.O_CLOEXEC
            )
        except OSError as e:
            raise ValidationError(
                f"{self.path} is not a usable store directory: {e.strerror}", path="path"
            ) from None

    @staticmethod
    def _file_name(barcode: Barcode) -> str:
        text = str(barcode)
        if not _SAFE_NAME.fullmatch(text):
            raise ValidationError(f"{text!r} cannot name an image file", path="barcode")
        return text + _SUFFIX

    def create(
        self,
        barcode: Barcode | str,
        media_type: MediaType,
        *,
        capacity: int | None = None,
        write_protected: bool = False,
    ) -> FileImage:
        code = _barcode(barcode)
        name = self._file_name(code)
        size = _capacity(media_type, capacity)
        flags = os.O_RDWR | os.O_CREAT | os.O_EXCL | os.O_NOFOLLOW | os.O_CLOEXEC
        try:
            fd = os.open(name, flags, 0o644, dir_fd=self._dir_fd)
        except FileExistsError:
            raise ValidationError(
                f"cartridge {code} already exists: {self.path / name} is {self._what(name)}",
                path="barcode",
            ) from None
        except OSError as error:
            raise ValidationError(
                f"cannot create {self.path / name}: {error.strerror}", path="barcode"
            ) from None
        FileImage.write_new(
            fd,
            barcode=code,
            media_type=media_type,
            capacity=size,
            write_protected=write_protected,
            sync=self._sync,
        )
        if self._sync:
            os.fsync(self._dir_fd)
        image = FileImage(fd, name=str(self.path / name), sync=self._sync)
        self._images[code] = image
        return image

    def _open(self, barcode: Barcode) -> CartridgeImage:
        name = self._file_name(barcode)
        try:
            fd = os.open(name, os.O_RDWR | os.O_NOFOLLOW | os.O_CLOEXEC, dir_fd=self._dir_fd)
        except FileNotFoundError:
            raise ValidationError(
                f"no cartridge {barcode} in {self.path}", path="barcode"
            ) from None
        except OSError as e:
            if e.errno == errno.ELOOP:
                raise ValidationError(
                    f"{self.path / name} is a symlink; the store does not follow links",
                    path="barcode",
                ) from None
            raise ValidationError(f"cannot open {self.path / name}: {e.strerror}") from None
        try:
            if not stat.S_ISREG(os.fstat(fd).st_mode):
                raise ValidationError(f"{self.path / name} is not a regular file", path="barcode")
            image = FileImage(fd, name=str(self.path / name), sync=self._sync)
        except BaseException:
            os.close(fd)
            raise
        if image.barcode != barcode:
            image.close()
            raise ValidationError(
                f"{self.path / name} holds cartridge {image.barcode}, not {barcode}",
                path="barcode",
            )
        return image

    def _remove(self, barcode: Barcode) -> None:
        os.unlink(self._file_name(barcode), dir_fd=self._dir_fd)
        if self._sync:
            os.fsync(self._dir_fd)

    def _what(self, name: str) -> str:
        """What the directory entry ``name`` is, in words."""
        try:
            mode = os.stat(name, dir_fd=self._dir_fd, follow_symlinks=False).st_mode
        except OSError as error:
            return f"unreadable ({error.strerror})"
        return describe_mode(mode)

    def problems(self) -> tuple[str, ...]:
        """Every entry of the directory named like a cartridge image that is not a usable
        one, with the reason (a symlink, a directory, a FIFO, an empty or damaged file).
        Such entries are never cartridges, and their barcodes cannot be created anew
        until they are removed; a site reports them instead of dropping them silently."""
        found = []
        for name in sorted(os.listdir(self._dir_fd)):
            if not name.endswith(_SUFFIX):
                continue
            stem = name[: -len(_SUFFIX)]
            if not _SAFE_NAME.fullmatch(stem):
                found.append(f"{self.path / name}: not named after a barcode; ignored")
                continue
            what = self._what(name)
            if what != "a regular file":
                found.append(f"{self.path / name} is {what}, not a cartridge image; ignored")
                continue
            try:
                self.get(stem)
            except ValidationError as error:
                found.append(f"{self.path / name} is not a usable cartridge: {error}")
        return tuple(found)

    def barcodes(self) -> tuple[Barcode, ...]:
        found = []
        for name in os.listdir(self._dir_fd):
            stem = name[: -len(_SUFFIX)]
            if not name.endswith(_SUFFIX) or not _SAFE_NAME.fullmatch(stem):
                continue
            info = os.stat(name, dir_fd=self._dir_fd, follow_symlinks=False)
            if stat.S_ISREG(info.st_mode):
                found.append(Barcode(stem))
        return tuple(sorted(found))

    def close(self) -> None:
        super().close()
        try:
            os.close(self._dir_fd)
        except OSError:
            return
