"""Where restored files go, and writing them there without ever leaving the target tree.

The host and mount of a backed-up object come from the catalog, which takes them from
``backup --host``, from imported media and from catalog imports: they are untrusted
text. A restore under ``DIR`` writes only inside ``DIR``.

The mapping (:func:`restore_components`), documented in ``docs/cli.md``:

* the host is **one** path component: every ``/``, ``\\``, ``%``, NUL and control
  character in it is written as ``%XX`` (its UTF-8 bytes in hex), and a host that is
  ``.`` or ``..`` becomes ``%2E`` / ``%2E%2E``;
* the mount is split at ``/``; empty and ``.`` components are dropped (they name the
  same path), ``..`` becomes the directory ``%2E%2E`` (it never climbs), and each
  component is escaped as the host is. A mount with no component left (``/``) is the
  file ``%2F``;
* a component longer than 255 bytes once escaped is refused (the object is not
  restored, with that reason).

The mapping is one-to-one, so two objects never land on the same file.

Writing (:func:`confined_file`) never follows a symbolic link below ``DIR``: each
directory is created with ``mkdir`` and opened with ``O_NOFOLLOW | O_DIRECTORY``
relative to its parent's descriptor; the data goes to a new temporary file beside the
target, created with ``O_EXCL | O_NOFOLLOW``, which is fsynced and renamed over the
target only when the restore succeeded (a symbolic link already at the target is
replaced, not followed), and removed otherwise.
"""

from __future__ import annotations

import contextlib
import errno
import os
import secrets
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import BinaryIO

from smartmedia.errors import ValidationError
from smartmedia.model import ObjectVersion

__all__ = ["confined_file", "host_component", "name_components", "restore_components"]

_NAME_MAX = 255
_NOFOLLOW = getattr(os, "O_NOFOLLOW", 0)
_DIRECTORY = getattr(os, "O_DIRECTORY", 0)
_CLOEXEC = getattr(os, "O_CLOEXEC", 0)
_SPECIAL = frozenset("/\\%\x00")


def _escape(text: str) -> str:
    out = []
    for char in text:
        if char in _SPECIAL or not char.isprintable():
            out.append("".join(f"%{b:02X}" for b in char.encode("utf-8", "surrogatepass")))
        else:
            out.append(char)
    escaped = "".join(out)
    if escaped in (".", ".."):
        return "%2E" * len(escaped)
    return escaped


def _checked(component: str, what: str) -> str:
    if len(component.encode("utf-8", "surrogatepass")) > _NAME_MAX:
        raise ValidationError(
            f"{what} {component[:60]!r}... is longer than {_NAME_MAX} bytes as a file name",
            path=what,
        )
    return component


def host_component(host: str) -> str:
    """The one path component a host's files are restored under (see the module)."""
    if not host:
        return "%00"  # the model forbids it; kept apart from every real host all the same
    return _checked(_escape(host), "host")


def name_components(mount: str) -> tuple[str, ...]:
    """The path components, below the host's, of an object's mount (see the module)."""
    parts = tuple(_escape(p) for p in mount.split("/") if p not in ("", "."))
    return tuple(_checked(p, "mount") for p in parts) or ("%2F",)


def restore_components(version: ObjectVersion) -> tuple[str, ...]:
    """Where ``version`` is restored below the target directory: host, then mount parts."""
    return (host_component(version.object.host), *name_components(version.object.mount))


def _open_directory(parent: int, name: str, shown: Path) -> int:
    with contextlib.suppress(FileExistsError):
        os.mkdir(name, 0o777, dir_fd=parent)
    try:
        return os.open(name, os.O_RDONLY | _DIRECTORY | _NOFOLLOW | _CLOEXEC, dir_fd=parent)
    except OSError as error:
        if error.errno in (errno.ELOOP, errno.ENOTDIR):
            raise ValidationError(
                f"{shown} is a symbolic link or not a directory; it is not followed",
                path="to",
            ) from None
        raise


@contextlib.contextmanager
def confined_file(root: Path, components: Sequence[str]) -> Iterator[BinaryIO]:
    """A new file to write, that becomes ``root/components...`` when the block ends well.

    ``root`` is created if missing (it may be a symbolic link: the caller chose it);
    nothing below it is followed. If the block raises, the temporary file is removed
    and the target is left as it was. Raises
    :class:`~smartmedia.errors.ValidationError` when a directory component is a
    symbolic link or not a directory, ``OSError`` when the file system refuses.
    """
    if not components or any(c in ("", ".", "..") or "/" in c or "\x00" in c for c in components):
        raise ValidationError(f"not a confined path: {list(components)!r}", path="components")
    root.mkdir(parents=True, exist_ok=True)
    directory = os.open(root, os.O_RDONLY | _DIRECTORY | _CLOEXEC)
    try:
        shown = root
        for name in components[:-1]:
            shown = shown / name
            inner = _open_directory(directory, name, shown)
            os.close(directory)
            directory = inner
        final = components[-1]
        temporary = f".{secrets.token_hex(8)}.partial"
        fd = os.open(
            temporary,
            os.O_WRONLY | os.O_CREAT | os.O_EXCL | _NOFOLLOW | _CLOEXEC,
            0o666,
            dir_fd=directory,
        )
        try:
            with open(fd, "wb", closefd=True) as file:
                yield file
                file.flush()
                os.fsync(file.fileno())
            os.rename(temporary, final, src_dir_fd=directory, dst_dir_fd=directory)
        except BaseException:
            with contextlib.suppress(OSError):
                os.unlink(temporary, dir_fd=directory)
            raise
        with contextlib.suppress(OSError):  # the rename is durable once the directory is
            os.fsync(directory)
    finally:
        os.close(directory)
