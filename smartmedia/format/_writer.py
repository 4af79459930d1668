"""The streaming medium writer: sessions and objects in, blocks and filemarks out.

The writer packs any chunks into full blocks, closes a data segment with its catalog
segment every ``segment_size`` payload bytes, and — when the sink reports early warning —
closes the medium properly and continues the session on the next one, linking the two
pieces both ways. It returns where every object lies, so a catalog can record positions.
"""

from __future__ import annotations

import datetime as _dt
from collections.abc import Callable, Iterable

import attrs
import crc32c

from smartmedia.errors import EndOfMedium, ValidationError, WriterStateError
from smartmedia.format._blockio import Block, BlockSink, view_of
from smartmedia.format._blocks import pack_header
from smartmedia.format._codec import (
    CATALOG_FIXED_SIZE,
    catalog_block,
    catalog_entry_bytes,
    encode_end_of_data,
    encode_medium_header,
    encode_object_start,
    encode_session_end,
    encode_session_start,
)
from smartmedia.format._layout import Flag, RecordType
from smartmedia.format._records import (
    CatalogRecord,
    CatalogSegment,
    EndOfDataRecord,
    Extent,
    MediumHeader,
    ObjectStart,
    SessionEnd,
    SessionStart,
)
from smartmedia.model import MediumId, ObjectVersion, SessionId, SessionStatus, SessionType
from smartmedia.model import _validators as v

__all__ = ["MediumWriter", "NextMedium", "ObjectPlacement", "Piece", "WriteSummary"]

#: Called when a medium is full: given the full medium's header, returns the sink and the
#: header of the medium to continue on.
NextMedium = Callable[[MediumHeader], tuple[BlockSink, MediumHeader]]


def _utc_now() -> _dt.datetime:
    return _dt.datetime.now(_dt.timezone.utc)


@attrs.frozen(kw_only=True)
class Piece:
    """The part of an object version on one medium: blocks ``first_block``..``last_block``
    (other records may sit between its data blocks), from data block ``first_sequence``."""

    medium_id: MediumId = attrs.field(validator=v.instance_of(MediumId))
    first_block: int = attrs.field(validator=v.natural)
    last_block: int = attrs.field(validator=v.natural)
    first_sequence: int = attrs.field(validator=v.natural)
    bytes: int = attrs.field(validator=v.natural)


@attrs.frozen(kw_only=True)
class ObjectPlacement:
    """Where an object version was written: its pieces in medium order."""

    version: ObjectVersion = attrs.field(validator=v.instance_of(ObjectVersion))
    index: int = attrs.field(validator=v.positive)
    pieces: tuple[Piece, ...] = attrs.field(validator=v.tuple_of(Piece))
    complete: bool = attrs.field(default=True, validator=v.instance_of(bool))


@attrs.frozen(kw_only=True)
class WriteSummary:
    """What a writer wrote: its media in order and every object's placement."""

    media: tuple[MediumHeader, ...] = attrs.field(validator=v.tuple_of(MediumHeader))
    objects: tuple[ObjectPlacement, ...] = attrs.field(validator=v.tuple_of(ObjectPlacement))


class _Segment:
    """A data segment being written: its records and extents for the catalog."""

    __slots__ = ("bytes", "extents", "first", "last", "number", "records")

    def __init__(self, number: int) -> None:
        self.number = number
        self.first: int | None = None
        self.last = 0
        self.bytes = 0
        self.records: list[CatalogRecord] = []
        self.extents: list[Extent] = []


class _Object:
    """An object version being written: its next sequence number, open piece and extent."""

    __slots__ = (
        "extent_bytes",
        "extent_first",
        "extent_sequence",
        "last_block",
        "piece_bytes",
        "piece_first",
        "piece_sequence",
        "pieces",
        "sequence",
        "start",
    )

    def __init__(self, start: ObjectStart) -> None:
        self.start = start
        self.sequence = 0
        self.last_block = 0
        self.pieces: list[Piece] = []
        self.piece_first: int | None = None
        self.piece_sequence = 0
        self.piece_bytes = 0
        self.extent_first: int | None = None
        self.extent_sequence = 0
        self.extent_bytes = 0


class MediumWriter:
    """Writes sessions onto a medium (and, when it fills, onto the media that follow).

    Constructing the writer formats the medium: it writes the medium header and a
    filemark. Then :meth:`begin_session`, any number of :meth:`write_object`,
    :meth:`end_session`, and finally :meth:`close`, which writes the last catalog
    segment and the end-of-data record. Calls out of this order raise
    :class:`~smartmedia.errors.WriterStateError`.

    Spanning: when the sink reports early warning, the writer ends the session's piece on
    this medium (a session end that names the next medium, a catalog segment, end of
    data), asks ``next_medium`` for the next sink and header, and goes on there (a session
    start that names the previous medium). Without ``next_medium`` it closes the medium
    the same way and raises :class:`~smartmedia.errors.EndOfMedium`.

    Chunks may be reused by the caller once the iterator has moved past them. Blocks are
    handed to the sink as immutable ``bytes`` the sink may keep. Chunks of at least a
    block's payload are copied once (into their block); smaller ones twice.
    """

    def __init__(
        self,
        sink: BlockSink,
        header: MediumHeader,
        *,
        next_medium: NextMedium | None = None,
        now: Callable[[], _dt.datetime] = _utc_now,
    ) -> None:
        if not isinstance(sink, BlockSink):
            raise ValidationError(f"expected a BlockSink, got {type(sink).__name__}", path="sink")
        if not isinstance(header, MediumHeader):
            raise ValidationError(f"expected a MediumHeader, got {type(header).__name__}")
        self._next_medium = next_medium
        self._now = now
        self._media: list[MediumHeader] = []
        self._placements: list[ObjectPlacement] = []
        self._session: SessionStart | None = None
        self._session_objects = 0
        self._session_bytes = 0
        self._object: _Object | None = None
        self._closed = False
        self._start_medium(sink, header)

    # ------------------------------------------------------------------------ public API

    @property
    def header(self) -> MediumHeader:
        """The header of the medium being written."""
        return self._header

    @property
    def position(self) -> int:
        """The block index the next block will take on the current medium."""
        return self._position

    @property
    def media(self) -> tuple[MediumHeader, ...]:
        return tuple(self._media)

    def begin_session(
        self,
        session: SessionId,
        *,
        type: SessionType = SessionType.BACKUP,
        started: _dt.datetime | None = None,
        specification: str = "",
    ) -> None:
        """Start ``session`` here (a medium holds any number of sessions, one at a time)."""
        self._check_open()
        if self._session is not None:
            raise WriterStateError(f"session {self._session.session} has not ended")
        record = SessionStart(
            session=session,
            type=type,
            started=self._now() if started is None else started,
            specification=specification,
        )
        self._refuse_unfit(record, encode_session_start(record, block_index=0), "specification")
        if self._early_warning:
            self._switch_medium()
        self._session = record
        self._session_objects = 0
        self._session_bytes = 0
        self._segment_record(record, encode_session_start(record, block_index=self._position))

    def write_object(self, version: ObjectVersion, chunks: Iterable[Block]) -> ObjectPlacement:
        """Write one object version's data, given as chunks of any size.

        Returns its placement; the returned version's ``size`` is the bytes written. If
        ``chunks`` raises, the object is recorded as incomplete and the error propagates;
        the writer stays usable (end the session as failed or aborted).
        """
        self._check_open()
        session = self._session
        if session is None:
            raise WriterStateError("write_object() before begin_session()")
        if not isinstance(version, ObjectVersion):
            raise ValidationError(f"expected an ObjectVersion, got {type(version).__name__}")
        if version.session != session.session:
            raise WriterStateError(
                f"object version of session {version.session} in session {session.session}"
            )
        start = ObjectStart(
            session=session.session,
            index=self._session_objects + 1,
            object=version.object,
            backup_time=version.backup_time,
        )
        self._refuse_unfit(start, encode_object_start(start, block_index=0), "object")
        if self._early_warning:
            self._switch_medium()
        self._session_objects += 1
        self._object = _Object(start)
        self._segment_record(start, encode_object_start(start, block_index=self._position))
        written = 0
        complete = False
        try:
            written = self._write_data(chunks)
            complete = True
        finally:
            placement = self._finish_object(version, written, complete)
        return placement

    def end_session(
        self, status: SessionStatus = SessionStatus.COMPLETED, *, ended: _dt.datetime | None = None
    ) -> SessionEnd:
        """End the current session with ``status`` (any finished status)."""
        self._check_open()
        session = self._session
        if session is None:
            raise WriterStateError("end_session() without a session")
        if not status.is_finished:
            raise ValidationError(f"a session ends with a finished status, not {status.value}")
        record = self._write_session_end(status, None, ended)
        self._session = None
        return record

    def close(self) -> WriteSummary:
        """Finish the medium: last catalog segment, end-of-data record, filemark."""
        self._check_open()
        if self._session is not None:
            raise WriterStateError(f"session {self._session.session} has not ended")
        self._close_medium()
        self._closed = True
        return WriteSummary(media=tuple(self._media), objects=tuple(self._placements))

    # --------------------------------------------------------------------------- internals

    def _check_open(self) -> None:
        if self._closed:
            raise WriterStateError("the writer is closed")

    def _start_medium(self, sink: BlockSink, header: MediumHeader) -> None:
        self._sink = sink
        self._header = header
        self._media.append(header)
        self._position = 0
        self._early_warning = False
        self._segment = _Segment(1)
        self._last_catalog = 0
        self._medium_sessions = 0
        self._medium_blocks = 0
        self._medium_bytes = 0
        self._per_block = header.payload_per_block
        self._segment_size = header.segment_size
        self._write(encode_medium_header(header))
        self._filemark()

    def _refuse_unfit(
        self, record: SessionStart | ObjectStart | SessionEnd, block: bytes, path: str
    ) -> None:
        """Refuse, before anything is written, a record that fits no block of this medium
        or whose entry fits no catalog part (its segment could never be closed)."""
        size = self._header.block_size
        if len(block) > size:
            raise ValidationError(
                f"a record of {len(block)} bytes does not fit in the medium's "
                f"{size}-byte blocks (long names need larger blocks)",
                path=path,
            )
        entry = len(catalog_entry_bytes(CatalogRecord(block=0, record=record)))
        room = self._per_block - CATALOG_FIXED_SIZE
        if entry > room:
            raise ValidationError(
                f"the record's catalog entry of {entry} bytes does not fit in a catalog "
                f"part of the medium's {size}-byte blocks ({room} bytes; long names need "
                "larger blocks)",
                path=path,
            )

    def _write(self, block: bytes) -> None:
        if len(block) > self._header.block_size:
            raise ValidationError(
                f"a record of {len(block)} bytes does not fit in the medium's "
                f"{self._header.block_size}-byte blocks (long names need larger blocks)"
            )
        if self._sink.write_block(block):
            self._early_warning = True
        self._position += 1

    def _filemark(self) -> None:
        if self._sink.write_filemarks(1):
            self._early_warning = True
        self._position += 1

    def _segment_record(
        self, record: SessionStart | ObjectStart | SessionEnd, block: bytes
    ) -> None:
        segment = self._segment
        if segment.first is None:
            segment.first = self._position
        segment.last = self._position
        segment.records.append(CatalogRecord(block=self._position, record=record))
        if isinstance(record, SessionStart):
            self._medium_sessions += 1
        self._write(block)

    def _write_data(self, chunks: Iterable[Block]) -> int:
        per_block = self._per_block
        pending: list[Block] = []
        filled = 0
        written = 0
        for chunk in chunks:
            view = view_of(chunk, "chunk")
            size = view.nbytes
            offset = 0
            while offset < size:
                take = min(per_block - filled, size - offset)
                pending.append(view[offset : offset + take])
                filled += take
                offset += take
                if filled == per_block:
                    self._data_block(pending, filled, last=False)
                    written += filled
                    pending = []
                    filled = 0
            if pending:  # the caller may reuse the chunk once we move on
                pending = [b"".join(pending)]
        self._data_block(pending, filled, last=True)
        return written + filled

    def _data_block(self, pieces: list[Block], size: int, *, last: bool) -> None:
        if self._early_warning:
            self._switch_medium()
        obj = self._object
        assert obj is not None
        crc = 0
        for piece in pieces:
            crc = crc32c.crc32c(piece, crc)
        position = self._position
        header = pack_header(
            RecordType.DATA,
            Flag.LAST if last else 0,
            obj.start.session,
            obj.start.index,
            obj.sequence,
            position,
            size,
            crc,
        )
        pieces.insert(0, header)
        self._write(b"".join(pieces))
        segment = self._segment
        if segment.first is None:
            segment.first = position
        segment.last = position
        segment.bytes += size
        if obj.piece_first is None:
            obj.piece_first = position
            obj.piece_sequence = obj.sequence
        if obj.extent_first is None:
            obj.extent_first = position
            obj.extent_sequence = obj.sequence
        obj.piece_bytes += size
        obj.extent_bytes += size
        obj.last_block = position
        obj.sequence += 1
        self._medium_blocks += 1
        self._medium_bytes += size
        self._session_bytes += size
        if segment.bytes >= self._segment_size and not last:
            self._close_extent(complete=False)
            self._end_segment()

    def _close_extent(self, *, complete: bool) -> None:
        obj = self._object
        if obj is None or obj.extent_first is None:
            return
        self._segment.extents.append(
            Extent(
                session=obj.start.session,
                object_index=obj.start.index,
                first_block=obj.extent_first,
                last_block=obj.last_block,
                first_sequence=obj.extent_sequence,
                bytes=obj.extent_bytes,
                complete=complete,
            )
        )
        obj.extent_first = None
        obj.extent_bytes = 0

    def _close_piece(self) -> None:
        obj = self._object
        if obj is None or obj.piece_first is None:
            return
        obj.pieces.append(
            Piece(
                medium_id=self._header.medium_id,
                first_block=obj.piece_first,
                last_block=obj.last_block,
                first_sequence=obj.piece_sequence,
                bytes=obj.piece_bytes,
            )
        )
        obj.piece_first = None
        obj.piece_bytes = 0

    def _finish_object(
        self, version: ObjectVersion, written: int, complete: bool
    ) -> ObjectPlacement:
        obj = self._object
        assert obj is not None
        self._close_extent(complete=complete)
        self._close_piece()
        placement = ObjectPlacement(
            version=attrs.evolve(version, size=written),
            index=obj.start.index,
            pieces=tuple(obj.pieces),
            complete=complete,
        )
        self._placements.append(placement)
        self._object = None
        return placement

    def _end_segment(self) -> None:
        segment = self._segment
        if segment.first is None:
            return
        self._filemark()
        entries = [catalog_entry_bytes(r) for r in segment.records]
        entries += [catalog_entry_bytes(e) for e in segment.extents]
        room = self._per_block - CATALOG_FIXED_SIZE
        parts: list[list[bytes]] = [[]]
        used = 0
        for entry in entries:
            if used + len(entry) > room and parts[-1]:
                parts.append([])
                used = 0
            parts[-1].append(entry)
            used += len(entry)
        first_part = self._position
        for number, part in enumerate(parts, start=1):
            value = CatalogSegment(
                number=segment.number,
                data_first=segment.first,
                data_last=segment.last,
                previous_catalog=self._last_catalog,
                part=number,
                parts=len(parts),
            )
            self._write(catalog_block(value, part, block_index=self._position))
        self._filemark()
        self._last_catalog = first_part
        self._segment = _Segment(segment.number + 1)

    def _close_medium(self) -> None:
        self._end_segment()
        record = EndOfDataRecord(
            last_catalog=self._last_catalog,
            sessions=self._medium_sessions,
            segments=self._segment.number - 1,  # those closed: the open one is empty
            data_blocks=self._medium_blocks,
            bytes=self._medium_bytes,
        )
        self._write(encode_end_of_data(record, block_index=self._position))
        self._filemark()

    def _write_session_end(
        self,
        status: SessionStatus,
        continues_on: MediumId | None,
        ended: _dt.datetime | None = None,
    ) -> SessionEnd:
        session = self._session
        assert session is not None
        record = SessionEnd(
            session=session.session,
            ended=self._now() if ended is None else ended,
            status=status,
            objects=self._session_objects,
            bytes=self._session_bytes,
            continues_on=continues_on,
        )
        self._segment_record(record, encode_session_end(record, block_index=self._position))
        return record

    def _switch_medium(self) -> None:
        """The medium is past early warning: close it and go on on the next one."""
        old = self._header
        session = self._session
        obj = self._object
        self._close_extent(complete=False)
        self._close_piece()
        if self._next_medium is None:
            if session is not None:
                self._write_session_end(SessionStatus.ABORTED, None)
                self._session = None
            self._close_medium()
            self._closed = True
            raise EndOfMedium(f"medium {old.medium_id} is full and no next medium was given")
        sink, header = self._next_medium(old)
        if not isinstance(header, MediumHeader) or header.medium_id in {
            m.medium_id for m in self._media
        }:
            raise ValidationError(
                "next_medium() must return a sink and the header of a medium not yet used "
                f"by this writer, got {header!r}"
            )
        if session is not None:
            self._write_session_end(SessionStatus.IN_PROGRESS, header.medium_id)
        self._close_medium()
        self._start_medium(sink, header)
        if session is None:
            return
        continued = attrs.evolve(session, span=session.span + 1, previous_medium=old.medium_id)
        self._session = continued
        self._segment_record(continued, encode_session_start(continued, block_index=self._position))
        if obj is not None:
            again = attrs.evolve(obj.start, first_sequence=obj.sequence)
            self._segment_record(again, encode_object_start(again, block_index=self._position))
