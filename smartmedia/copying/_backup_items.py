"""Backup inputs: the objects a backup writes, from files or from bytes in memory.

A :class:`BackupItem` pairs a :class:`~smartmedia.model.BackupObject` with a callable
that yields its chunks when its turn comes, so files are opened one at a time and
streamed, never read whole into memory.

A file is opened when its turn comes (:meth:`BackupItem.from_file`): only a regular file
(:func:`smartmedia._fs.open_regular`), so one that became a FIFO, a device or a symbolic
link since it was listed fails that object (the writer's failure policy: the session
ends ``COMPLETED_FAILURE`` naming it) instead of hanging the backup.
"""

from __future__ import annotations

import datetime as _dt
import os
import socket
from collections.abc import Callable, Iterable, Iterator, Mapping
from pathlib import Path
from typing import Any

import attrs

from smartmedia._fs import open_regular
from smartmedia.copying._site import Site
from smartmedia.errors import (
    ValidationError,
)
from smartmedia.format import (
    Block,
)
from smartmedia.model import (
    BackupObject,
    ObjectType,
    SessionId,
)

__all__ = [
    "BackupItem",
    "FailedObject",
    "items_from_bytes",
    "items_from_directory",
    "next_session_id",
]

#: Capacity of a new virtual cartridge unless told otherwise: small, so that sessions of
#: a few hundred megabytes span cartridges (real VLS cartridges are usually larger).
DEFAULT_CAPACITY = 64 << 20
#: Block size of the backups this writer makes (a common VTL setting).
DEFAULT_BACKUP_BLOCK_SIZE = 256 << 10
#: How much a source is read at a time.
DEFAULT_CHUNK_SIZE = 1 << 20
#: Data protection of backed-up media unless told otherwise: four weeks from the end.
DEFAULT_PROTECTION = _dt.timedelta(weeks=4)


# ------------------------------------------------------------------------------- inputs


def _is_backup_object(_: object, __: object, value: Any) -> None:
    if not isinstance(value, BackupObject):
        raise ValidationError(f"expected a BackupObject, got {type(value).__name__}", path="object")


def _is_callable(_: object, __: object, value: Any) -> None:
    if not callable(value):
        raise ValidationError(
            f"the source must be callable, got {type(value).__name__}", path="source"
        )


@attrs.frozen(kw_only=True, eq=False)
class BackupItem:
    """One object to back up and where its bytes come from.

    ``source`` is called once, when the object's turn comes, and returns its bytes as
    chunks of any size (a chunk may be reused by the source once the next one is asked
    for). Nothing is read before then, so a session of many files holds one open file.
    """

    object: BackupObject = attrs.field(validator=_is_backup_object)
    source: Callable[[], Iterable[Block]] = attrs.field(validator=_is_callable)

    @classmethod
    def from_bytes(
        cls, obj: BackupObject, data: bytes | bytearray | memoryview, *, chunk_size: int = 0
    ) -> BackupItem:
        """An item whose bytes are ``data`` (handed out in ``chunk_size`` slices, or whole)."""
        if not isinstance(data, bytes | bytearray | memoryview):
            raise ValidationError(f"expected bytes, got {type(data).__name__}", path="data")
        size = _chunk_size(chunk_size, allow_zero=True)
        view = memoryview(data).cast("B")

        def chunks() -> Iterator[Block]:
            if size == 0 or view.nbytes <= size:
                yield view
                return
            for start in range(0, view.nbytes, size):
                yield view[start : start + size]

        return cls(object=obj, source=chunks)

    @classmethod
    def from_file(
        cls,
        obj: BackupObject,
        path: str | os.PathLike[str],
        *,
        chunk_size: int = DEFAULT_CHUNK_SIZE,
        follow: bool = True,
    ) -> BackupItem:
        """An item whose bytes are those of the regular file ``path``, read in
        ``chunk_size`` pieces when its turn comes.

        The file is opened only then, without blocking (and, unless ``follow``, without
        following a symbolic link): if it is no longer a regular file by then (a FIFO, a
        device, a directory) the object fails with that reason, the backup goes on.
        """
        return cls(object=obj, source=_file_chunks(path, chunk_size, follow=follow))


@attrs.frozen(kw_only=True)
class FailedObject:
    """An object left out of a session, and why (its source could not be read)."""

    object: BackupObject
    reason: str


def _chunk_size(value: object, *, allow_zero: bool = False) -> int:
    if type(value) is not int or value < (0 if allow_zero else 1):
        raise ValidationError(
            f"the chunk size must be an integer >= {0 if allow_zero else 1}, not {value!r}",
            path="chunk_size",
        )
    return value


def items_from_bytes(
    data: Mapping[str, bytes | bytearray | memoryview],
    *,
    host: str,
    type: ObjectType = ObjectType.INTEGRATION,
    chunk_size: int = DEFAULT_CHUNK_SIZE,
) -> list[BackupItem]:
    """One item per entry of ``data``: object ``host:name`` of ``type`` holding the bytes.

    For streams produced in memory (a database dump, generated test data).
    """
    if not isinstance(data, Mapping):
        raise ValidationError(f"expected a mapping of names to bytes, got {data!r}", path="data")
    items = []
    for name, payload in data.items():
        try:
            obj = BackupObject(type=type, host=host, mount=name)
            items.append(BackupItem.from_bytes(obj, payload, chunk_size=chunk_size))
        except ValidationError as error:
            raise error.under(f"data[{name!r}]") from None
    return items


def _file_chunks(
    path: str | os.PathLike[str], size: int = DEFAULT_CHUNK_SIZE, *, follow: bool = False
) -> Callable[[], Iterator[Block]]:
    """A source reading the regular file ``path`` in chunks of ``size`` bytes when called.

    The file is opened only then, without blocking and without following a symbolic
    link (unless ``follow``): anything but a regular file raises
    :class:`~smartmedia.errors.ValidationError`, which fails the object, not the backup.
    """
    chunk = _chunk_size(size)
    target = os.fspath(path)

    def chunks() -> Iterator[Block]:
        buffer = bytearray(chunk)
        view = memoryview(buffer)
        fd = open_regular(target, what="backup source", field="source", follow=follow)
        with open(fd, "rb", buffering=0, closefd=True) as stream:
            while True:
                got = stream.readinto(buffer)
                if not got:
                    return
                yield view[:got]

    return chunks


def items_from_directory(
    path: str | os.PathLike[str],
    *,
    host: str | None = None,
    chunk_size: int = DEFAULT_CHUNK_SIZE,
) -> list[BackupItem]:
    """One item per regular file under ``path`` (recursively), in path order.

    Each object is a ``FILESYSTEM`` object of ``host`` (default: this machine's name)
    whose mount is the file's absolute path. Files are streamed in ``chunk_size`` pieces
    when their turn comes, never held whole in memory. Symbolic links and special files
    are not followed (they are not data); a directory without files gives no items.
    """
    root = Path(path)
    if not root.is_dir():
        raise ValidationError(f"{str(root)!r} is not a directory", path="path")
    size = _chunk_size(chunk_size)
    owner = (socket.gethostname() or "localhost") if host is None else host
    files = []
    for directory, subdirectories, names in os.walk(root):
        subdirectories.sort()
        for name in names:
            file = Path(directory, name)
            if file.is_file() and not file.is_symlink():
                files.append(file)
    items = []
    for file in sorted(files, key=lambda f: f.relative_to(root).as_posix()):
        mount = file.resolve().as_posix()
        try:
            obj = BackupObject(type=ObjectType.FILESYSTEM, host=owner, mount=mount)
        except ValidationError as error:
            raise error.under(f"files[{mount!r}]") from None
        items.append(BackupItem.from_file(obj, file, chunk_size=size, follow=False))
    return items


def next_session_id(site: Site, at: _dt.datetime | None = None) -> SessionId:
    """The next free session ID of the day of ``at`` (default: now, in UTC)."""
    when = (site.now() if at is None else at).astimezone(_dt.timezone.utc)
    day = when.date()
    midnight = _dt.datetime.combine(day, _dt.time(), tzinfo=_dt.timezone.utc)
    taken = [
        s.id.number
        for s in site.catalog.sessions(since=midnight - _dt.timedelta(days=1))
        if s.id.date == day
    ]
    return SessionId(date=day, number=max(taken, default=0) + 1)
