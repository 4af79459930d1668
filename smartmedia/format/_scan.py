"""Rebuilding what a medium holds from its catalog segments, or from its blocks.

The writer closes every data segment with a catalog segment describing it. A scan takes
each segment's description from its catalog where all of the catalog's parts are
readable, and otherwise from the headers of the segment's own blocks — so a medium whose
catalog is damaged, or that was never closed (a crash), still yields its contents.
"""

from __future__ import annotations

import attrs

from smartmedia.errors import FormatError, MediumError
from smartmedia.format._blocks import RawHeader
from smartmedia.format._layout import Flag
from smartmedia.format._records import (
    CatalogSegment,
    Extent,
    MediumHeader,
    ObjectStart,
    Record,
    SessionEnd,
    SessionStart,
)
from smartmedia.model import ObjectVersion, SessionId
from smartmedia.model import _validators as v

__all__ = ["DamagedBlock", "MediumContents", "ObjectOnMedium", "Rebuilder", "SessionOnMedium"]


_MAX_MESSAGE = 300


@attrs.frozen(kw_only=True)
class DamagedBlock:
    """A block that could not be used: where, which error, which field, why."""

    block: int = attrs.field(validator=v.natural)
    error: str = attrs.field(validator=v.text(max_length=64))
    message: str = attrs.field(validator=v.text(max_length=4096))
    field: str | None = attrs.field(default=None)

    @classmethod
    def of(cls, block: int, error: FormatError | MediumError) -> DamagedBlock:
        reason = error.reason if isinstance(error, FormatError) else str(error)
        field = error.field if isinstance(error, FormatError) else None
        message = reason or "damaged"
        if not message.isprintable():
            message = repr(message)
        if len(message) > _MAX_MESSAGE:  # the message may quote a 4 KiB field
            message = message[: _MAX_MESSAGE - 3] + "..."
        return cls(block=block, error=type(error).__name__[:64], message=message, field=field)


@attrs.frozen(kw_only=True)
class SessionOnMedium:
    """A session's piece on this medium: its start record and, if written here, its end.

    ``start.span`` > 0 means the piece continues a session from ``start.previous_medium``;
    an end with ``continues_on`` means it goes on on that medium.
    """

    start: SessionStart
    start_block: int
    end: SessionEnd | None = None
    end_block: int | None = None

    @property
    def session(self) -> SessionId:
        return self.start.session


@attrs.frozen(kw_only=True)
class ObjectOnMedium:
    """An object version's data on this medium.

    ``start`` is its object start record (``None`` if that record and the catalog that
    described it are both damaged). Blocks ``first_block``..``last_block`` hold data blocks
    ``first_sequence``.. of the object; ``complete`` means its last block is here.
    """

    session: SessionId
    index: int
    start: ObjectStart | None
    start_block: int | None
    first_block: int
    last_block: int
    first_sequence: int
    blocks: int
    bytes: int
    complete: bool

    @property
    def whole(self) -> bool:
        """All of the object is on this medium."""
        return self.first_sequence == 0 and self.complete

    def version(self) -> ObjectVersion | None:
        """The object version (its size is that of the data on this medium)."""
        return None if self.start is None else self.start.version(self.bytes)


@attrs.frozen(kw_only=True)
class MediumContents:
    """What a scan found: the medium's sessions and objects in block order."""

    header: MediumHeader
    sessions: tuple[SessionOnMedium, ...]
    objects: tuple[ObjectOnMedium, ...]
    damaged: tuple[DamagedBlock, ...]
    rebuilt_segments: tuple[int, ...]
    closed: bool

    def object(self, session: SessionId, index: int) -> ObjectOnMedium | None:
        for found in self.objects:
            if found.session == session and found.index == index:
                return found
        return None


class _Observed:
    """A data segment as its own blocks describe it."""

    def __init__(self) -> None:
        self.records: list[tuple[int, Record]] = []
        self.extents: list[Extent] = []
        self.open: list[int] | None = None  # first, last, first seq, last seq, bytes, complete
        self.key: tuple[SessionId, int] | None = None

    def __bool__(self) -> bool:
        return bool(self.records or self.extents or self.open)

    def data(self, index: int, header: RawHeader, session: SessionId) -> None:
        key = (session, header.object_index)
        last = int(bool(header.flags & Flag.LAST))
        o = self.open
        if o is not None and key == self.key and header.sequence == o[3] + 1 and not o[5]:
            o[1] = index
            o[3] = header.sequence
            o[4] += header.payload_length
            o[5] = last
            return
        self.close()
        self.key = key
        self.open = [index, index, header.sequence, header.sequence, header.payload_length, last]

    def close(self) -> None:
        if self.open is None or self.key is None:
            return
        first, last, first_seq, _, size, complete = self.open
        self.extents.append(
            Extent(
                session=self.key[0],
                object_index=self.key[1],
                first_block=first,
                last_block=last,
                first_sequence=first_seq,
                bytes=size,
                complete=bool(complete),
            )
        )
        self.open = None


class Rebuilder:
    """Collects a scan's blocks, segment by segment, and builds :class:`MediumContents`."""

    def __init__(self, header: MediumHeader) -> None:
        self._header = header
        self._records: list[tuple[int, Record]] = []
        self._extents: list[Extent] = []
        self._observed = _Observed()
        self._parts: dict[int, CatalogSegment] = {}
        self._catalog_damaged = False
        self._in_catalog = False
        self._segment = 0
        self._damaged: list[DamagedBlock] = []
        self._rebuilt: list[int] = []
        self._closed = False

    def record(self, index: int, value: Record) -> None:
        self._leave_catalog()
        self._observed.close()
        self._observed.records.append((index, value))

    def data(self, index: int, header: RawHeader, session: SessionId) -> None:
        self._leave_catalog()
        self._observed.data(index, header, session)

    def catalog(self, index: int, segment: CatalogSegment) -> None:
        del index
        self._in_catalog = True
        if self._parts and next(iter(self._parts.values())).number != segment.number:
            self._catalog_damaged = True
        self._parts[segment.part] = segment

    def damaged(self, damage: DamagedBlock) -> None:
        self._damaged.append(damage)
        if self._in_catalog:
            self._catalog_damaged = True

    def filemark(self, index: int) -> None:
        """A data segment ends at a filemark; its catalog follows."""
        del index
        self._observed.close()
        if self._observed:
            self._in_catalog = True

    def end(self, index: int) -> None:
        del index
        self._finish_segment()
        self._closed = True

    def _leave_catalog(self) -> None:
        if self._in_catalog:
            self._finish_segment()

    def _catalog_usable(self) -> bool:
        parts = self._parts
        if not parts or self._catalog_damaged:
            return False
        count = next(iter(parts.values())).parts
        return set(parts) == set(range(1, count + 1)) and all(
            p.parts == count for p in parts.values()
        )

    def _finish_segment(self) -> None:
        observed = self._observed
        observed.close()
        if not observed and not self._parts:
            self._in_catalog = False
            return
        self._segment += 1
        if self._catalog_usable():
            for number in sorted(self._parts):
                part = self._parts[number]
                self._records.extend((r.block, r.record) for r in part.records)
                self._extents.extend(part.extents)
        else:
            self._records.extend(observed.records)
            self._extents.extend(observed.extents)
            self._rebuilt.append(self._segment)
        self._observed = _Observed()
        self._parts = {}
        self._catalog_damaged = False
        self._in_catalog = False

    def add_catalog(self, parts: list[CatalogSegment]) -> None:
        """One data segment, described by all the parts of its catalog (read directly,
        without its data blocks)."""
        self._segment += 1
        for part in sorted(parts, key=lambda p: p.part):
            self._records.extend((r.block, r.record) for r in part.records)
            self._extents.extend(part.extents)

    def result(self) -> MediumContents:
        self._finish_segment()
        return MediumContents(
            header=self._header,
            sessions=self._sessions(),
            objects=self._objects(),
            damaged=tuple(self._damaged),
            rebuilt_segments=tuple(self._rebuilt),
            closed=self._closed,
        )

    def _sessions(self) -> tuple[SessionOnMedium, ...]:
        found: list[SessionOnMedium] = []
        for block, record in sorted(self._records, key=lambda r: r[0]):
            if isinstance(record, SessionStart):
                found.append(SessionOnMedium(start=record, start_block=block))
            elif isinstance(record, SessionEnd):
                for i in range(len(found) - 1, -1, -1):
                    if found[i].session == record.session and found[i].end is None:
                        found[i] = attrs.evolve(found[i], end=record, end_block=block)
                        break
        return tuple(found)

    def _objects(self) -> tuple[ObjectOnMedium, ...]:
        starts: dict[tuple[SessionId, int], tuple[int, ObjectStart]] = {}
        for block, record in self._records:
            if isinstance(record, ObjectStart):
                starts.setdefault((record.session, record.index), (block, record))
        grouped: dict[tuple[SessionId, int], list[Extent]] = {}
        for extent in self._extents:
            grouped.setdefault((extent.session, extent.object_index), []).append(extent)
        for key in starts:
            grouped.setdefault(key, [])
        result: list[ObjectOnMedium] = []
        for key, extents in grouped.items():
            start = starts.get(key)
            if not extents:
                continue  # an object start with no data after it on this medium
            result.append(
                ObjectOnMedium(
                    session=key[0],
                    index=key[1],
                    start=None if start is None else start[1],
                    start_block=None if start is None else start[0],
                    first_block=min(e.first_block for e in extents),
                    last_block=max(e.last_block for e in extents),
                    first_sequence=min(e.first_sequence for e in extents),
                    blocks=sum(e.blocks for e in extents),
                    bytes=sum(e.bytes for e in extents),
                    complete=any(e.complete for e in extents),
                )
            )
        result.sort(key=lambda o: o.first_block)
        return tuple(result)
