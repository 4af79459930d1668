"""Opening files a user names, safely: only regular files, never a hang.

A path given where a file is expected may name a FIFO, a device, a socket or a
directory — by mistake, or because someone swapped the file after it was listed.
Opening a FIFO for reading blocks until a writer appears (for ever, with a lab locked);
reading ``/dev/zero`` never ends. Every layer that opens a file a caller named goes
through :func:`open_regular`, which opens without blocking (``O_NONBLOCK``), ``fstat``\\s
the descriptor it got, refuses anything but a regular file with a
:class:`~smartmedia.errors.ValidationError` naming the path and what it is, and only
then clears ``O_NONBLOCK``. The check is made on the open descriptor, so a file replaced
between listing and opening is caught too.

:func:`read_regular` and :func:`write_regular` are the whole-file reads and writes built
on it; the read has a size limit, so a huge (or growing) file cannot exhaust memory.

This module sits beside the layers (like :mod:`smartmedia.errors`): any layer may use it.
"""

from __future__ import annotations

import errno
import os
import stat

from smartmedia.errors import ValidationError

__all__ = ["describe_mode", "open_regular", "read_regular", "write_regular"]

_NOFOLLOW = getattr(os, "O_NOFOLLOW", 0)
_CLOEXEC = getattr(os, "O_CLOEXEC", 0)
_NONBLOCK = getattr(os, "O_NONBLOCK", 0)


def describe_mode(mode: int) -> str:
    """What a file of ``st_mode`` ``mode`` is, in words ("a FIFO (named pipe)", ...)."""
    if stat.S_ISREG(mode):
        return "a regular file"
    if stat.S_ISDIR(mode):
        return "a directory"
    if stat.S_ISFIFO(mode):
        return "a FIFO (named pipe)"
    if stat.S_ISCHR(mode):
        return "a character device"
    if stat.S_ISBLK(mode):
        return "a block device"
    if stat.S_ISSOCK(mode):
        return "a socket"
    if stat.S_ISLNK(mode):
        return "a symbolic link"
    return "not a regular file"


def _kind_of(path: str | os.PathLike[str], follow: bool, dir_fd: int | None) -> str:
    try:
        return describe_mode(os.stat(path, dir_fd=dir_fd, follow_symlinks=follow).st_mode)
    except OSError:
        return "not a regular file"


def _refuse(path: str | os.PathLike[str], what: str, field: str, kind: str) -> ValidationError:
    return ValidationError(f"{what} {os.fspath(path)!r} is {kind}, not a regular file", path=field)


def open_regular(
    path: str | os.PathLike[str],
    *,
    what: str,
    field: str = "",
    write: bool = False,
    follow: bool = True,
    dir_fd: int | None = None,
) -> int:
    """A descriptor on the regular file ``path``, opened without ever blocking.

    ``what`` names the file in messages ("plan file", "tape image"); ``field`` is the
    path of the :class:`~smartmedia.errors.ValidationError` raised for a file that is
    not regular (a FIFO, device, socket, directory — or, with ``follow=False``, a
    symbolic link). With ``write`` the file is opened write-only, created (mode 0o644)
    if missing and emptied once it is known to be regular. ``dir_fd`` as for
    :func:`os.open`. Other failures (no such file, no permission) raise ``OSError``.
    The descriptor is close-on-exec and blocking; the caller closes it.
    """
    flags = _CLOEXEC | _NONBLOCK | (0 if follow else _NOFOLLOW)
    flags |= (os.O_WRONLY | os.O_CREAT) if write else os.O_RDONLY
    try:
        fd = os.open(path, flags, 0o644, dir_fd=dir_fd)
    except OSError as error:
        # ENXIO: a FIFO opened for writing with no reader, or a socket; EISDIR: a
        # directory opened for writing; ELOOP: a symbolic link with O_NOFOLLOW
        if error.errno in (errno.ENXIO, errno.EISDIR) or (
            error.errno == errno.ELOOP and not follow
        ):
            raise _refuse(path, what, field, _kind_of(path, follow, dir_fd)) from None
        raise
    try:
        mode = os.fstat(fd).st_mode
        if not stat.S_ISREG(mode):
            raise _refuse(path, what, field, describe_mode(mode))
        if _NONBLOCK:
            os.set_blocking(fd, True)
        if write:
            os.ftruncate(fd, 0)
    except BaseException:
        os.close(fd)
        raise
    return fd


def read_regular(
    path: str | os.PathLike[str],
    *,
    what: str,
    limit: int,
    field: str = "",
    follow: bool = True,
) -> bytes:
    """The whole content of the regular file ``path``, at most ``limit`` bytes.

    Refuses what :func:`open_regular` refuses, and a file larger than ``limit`` (checked
    before reading, and again while reading a file that grows) with a
    :class:`~smartmedia.errors.ValidationError`.
    """
    fd = open_regular(path, what=what, field=field, follow=follow)
    try:
        if os.fstat(fd).st_size > limit:
            raise _too_large(path, what, field, limit)
        chunks: list[bytes] = []
        total = 0
        while chunk := os.read(fd, min(1 << 20, limit + 1 - total)):
            chunks.append(chunk)
            total += len(chunk)
            if total > limit:
                raise _too_large(path, what, field, limit)
        return b"".join(chunks)
    finally:
        os.close(fd)


def _too_large(path: str | os.PathLike[str], what: str, field: str, limit: int) -> ValidationError:
    return ValidationError(
        f"{what} {os.fspath(path)!r} is larger than {limit} bytes, the most accepted", path=field
    )


def write_regular(path: str | os.PathLike[str], data: bytes, *, what: str, field: str = "") -> None:
    """Write ``data`` as the whole content of the regular file ``path`` (created if
    missing); a FIFO, device or directory there is refused, not written to."""
    fd = open_regular(path, what=what, field=field, write=True)
    try:
        view = memoryview(data)
        while view:
            view = view[os.write(fd, view) :]
    finally:
        os.close(fd)
