"""Durable device state: what a simulated device keeps of itself across a crash.

A real library knows where its cartridges are after a power cut: a robot move has
happened once it returned. A directory-backed simulator gets the same property from a
:class:`StateFile`: each change is written through before the operation returns, so at
any instant the devices and the catalog are two durable systems that a site reconciles
when it opens (see :func:`smartmedia.copying.reconcile`).

File layout (little-endian; ``docs/format.md``, "Device state files")::

    magic  b"SMSTATE\\x00"   8 bytes
    u32    version (1)
    u32    length of the document
    u32    CRC32C of the document
    ...    the document: UTF-8 JSON, an object

Invariants: a file is replaced atomically — written to a new temporary file beside it
(``O_EXCL | O_NOFOLLOW``), fsynced, renamed over the old one, and the directory fsynced —
so a crash leaves the old state or the new one, never a mix; a file whose magic, length or
CRC32C does not hold (damage, or a torn write on a file system that does not order the
rename after the data) is reported as :class:`StateDamaged`, never guessed at, and it is
kept beside under ``<name>.damaged`` before a new state replaces it.
"""

from __future__ import annotations

import contextlib
import json
import os
import struct
from pathlib import Path
from typing import Any

import crc32c

from smartmedia._fs import read_regular
from smartmedia.errors import DeviceError, ValidationError

__all__ = ["StateDamaged", "StateFile"]

MAGIC = b"SMSTATE\x00"
VERSION = 1
_HEAD = struct.Struct("<8sIII")
#: The largest document a state file may hold: a library of thousands of elements fits
#: in a few hundred kilobytes; anything larger is damage, not state.
MAX_DOCUMENT = 16 << 20
_MAX_DEPTH = 8


class StateDamaged(DeviceError):
    """A device's state file cannot be read: the device comes up without that state."""

    def __init__(self, message: str, *, path: str) -> None:
        super().__init__(message)
        self.path = path


def _depth_ok(raw: bytes, limit: int) -> bool:
    """True when ``raw`` nests brackets at most ``limit`` deep (strings skipped)."""
    depth = 0
    in_string = escaped = False
    for byte in raw:
        if in_string:
            if escaped:
                escaped = False
            elif byte == 0x5C:  # backslash
                escaped = True
            elif byte == 0x22:
                in_string = False
        elif byte == 0x22:
            in_string = True
        elif byte in (0x5B, 0x7B):
            depth += 1
            if depth > limit:
                return False
        elif byte in (0x5D, 0x7D):
            depth -= 1
    return True


class StateFile:
    """One device's durable state, a JSON object, at ``path``."""

    def __init__(self, path: str | os.PathLike[str], *, sync: bool = True) -> None:
        self.path = Path(path)
        self._sync = sync

    def load(self) -> dict[str, Any] | None:
        """The saved document, ``None`` if the device has never saved one.

        :class:`StateDamaged` if the file is there but not a whole state file (not a
        regular file, bad magic, length or CRC32C, not a JSON object).
        """
        self._remove_temporaries()
        if not os.path.lexists(self.path):
            return None
        try:
            raw = read_regular(
                self.path, what="device state file", limit=_HEAD.size + MAX_DOCUMENT, follow=False
            )
        except ValidationError as error:
            raise self._damaged(f"cannot be read: {error}") from None
        return self._decode(raw)

    def _decode(self, raw: bytes) -> dict[str, Any]:
        if len(raw) < _HEAD.size:
            raise self._damaged("is shorter than its header")
        magic, version, length, crc = _HEAD.unpack_from(raw)
        if magic != MAGIC:
            raise self._damaged("is not a device state file (bad magic)")
        if version != VERSION:
            raise self._damaged(f"has state version {version}; this is {VERSION}")
        document = raw[_HEAD.size :]
        if len(document) != length or crc32c.crc32c(document) != crc:
            raise self._damaged("is torn or damaged (length or CRC32C does not match)")
        if not _depth_ok(document, _MAX_DEPTH):
            raise self._damaged(f"nests deeper than {_MAX_DEPTH} levels")
        try:
            value = json.loads(document)
        except (ValueError, RecursionError) as error:
            raise self._damaged(f"holds no valid JSON ({error})") from None
        if not isinstance(value, dict):
            raise self._damaged("holds no JSON object")
        return value

    def save(self, document: dict[str, Any]) -> None:
        """Replace the state with ``document`` atomically and durably."""
        payload = json.dumps(document, separators=(",", ":"), allow_nan=False).encode()
        data = _HEAD.pack(MAGIC, VERSION, len(payload), crc32c.crc32c(payload)) + payload
        directory = self.path.parent
        temporary = directory / f".{self.path.name}.{os.getpid()}.new"
        flags = os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_NOFOLLOW | os.O_CLOEXEC
        with contextlib.suppress(FileNotFoundError):
            os.unlink(temporary)
        fd = os.open(temporary, flags, 0o644)
        try:
            view = memoryview(data)
            while view:
                view = view[os.write(fd, view) :]
            if self._sync:
                os.fsync(fd)
        except BaseException:
            os.close(fd)
            with contextlib.suppress(OSError):
                os.unlink(temporary)
            raise
        os.close(fd)
        try:
            os.replace(temporary, self.path)
        except BaseException:
            with contextlib.suppress(OSError):
                os.unlink(temporary)
            raise
        if self._sync:
            dir_fd = os.open(directory, os.O_RDONLY | os.O_DIRECTORY | os.O_CLOEXEC)
            try:
                os.fsync(dir_fd)
            finally:
                os.close(dir_fd)

    def set_aside(self) -> Path | None:
        """Keep a damaged file as ``<name>.damaged`` (so a new state does not destroy the
        evidence); its new path, or ``None`` if there was nothing to keep."""
        kept = self.path.with_name(self.path.name + ".damaged")
        try:
            os.replace(self.path, kept)
        except FileNotFoundError:
            return None
        return kept

    def _remove_temporaries(self) -> None:
        """Temporary files a crash left behind are never state: remove them."""
        prefix = f".{self.path.name}."
        with contextlib.suppress(OSError):
            for entry in os.scandir(self.path.parent):
                if entry.name.startswith(prefix) and entry.name.endswith(".new"):
                    with contextlib.suppress(OSError):
                        os.unlink(entry.path)

    def _damaged(self, why: str) -> StateDamaged:
        return StateDamaged(f"device state file {self.path} {why}", path=str(self.path))
