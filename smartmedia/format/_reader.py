"""The streaming medium reader: records, verified object data, verification and scans.

The reader holds one block at a time, whatever the medium's size. A damaged block (bad
checksum, bad field, an unreadable block reported by the device) is reported with its
index and the reader goes on with the next block: tape blocks are discrete, so the next
good block or filemark is where it picks up again.
"""

from __future__ import annotations

from collections.abc import Iterator

import attrs

from smartmedia.errors import (
    DamagedMedium,
    FieldOutOfRange,
    FormatError,
    MediumError,
    NotOnMedium,
    ValidationError,
)
from smartmedia.format._blockio import BlockSource, EndOfData, Filemark, LocatableBlockSource
from smartmedia.format._blocks import (
    RawHeader,
    check_payload,
    parse_header,
    session_from_key,
    session_key,
)
from smartmedia.format._codec import (
    decode_catalog_segment,
    decode_end_of_data,
    decode_medium_header,
    decode_object_start,
    decode_record,
)
from smartmedia.format._copy import PayloadDigest
from smartmedia.format._layout import Flag, RecordType
from smartmedia.format._records import (
    BlockHeader,
    CatalogSegment,
    EndOfDataRecord,
    MediumHeader,
    ObjectStart,
    SessionEnd,
    SessionStart,
)
from smartmedia.format._scan import DamagedBlock, MediumContents, Rebuilder
from smartmedia.model import MediumId, SessionId
from smartmedia.model import _validators as v

__all__ = [
    "FilemarkAt",
    "MediumReader",
    "RecordAt",
    "VerifyReport",
]


@attrs.frozen
class RecordAt:
    """A good block: its index, header and value (a record, a data payload view valid until
    the next read, or ``None`` for a record type this version skips)."""

    block: int
    header: BlockHeader
    value: object


@attrs.frozen
class FilemarkAt:
    block: int


Item = RecordAt | FilemarkAt | DamagedBlock


@attrs.frozen(kw_only=True)
class VerifyReport:
    """The result of reading a whole medium and checking every block.

    ``complete`` means the end-of-data record was found (the medium was closed);
    ``digest`` is the :class:`PayloadDigest` of blocks 1.. as read.
    """

    medium_id: MediumId = attrs.field(validator=v.instance_of(MediumId))
    blocks: int = attrs.field(validator=v.natural)
    filemarks: int = attrs.field(validator=v.natural)
    data_blocks: int = attrs.field(validator=v.natural)
    bytes: int = attrs.field(validator=v.natural)
    sessions: int = attrs.field(validator=v.natural)
    objects: int = attrs.field(validator=v.natural)
    damaged: tuple[DamagedBlock, ...] = attrs.field(validator=v.tuple_of(DamagedBlock))
    complete: bool = attrs.field(validator=v.instance_of(bool))
    digest: int = attrs.field(validator=v.natural)

    @property
    def ok(self) -> bool:
        """Every block good and the medium closed."""
        return self.complete and not self.damaged


def _check_position(claimed: int, index: int) -> None:
    """A block names its own position: one read elsewhere is misplaced (or spliced in)."""
    if claimed != index:
        raise FieldOutOfRange(
            f"the block says it is block {claimed}", block=index, field="block_index", offset=32
        )


#: block 0 is the medium header, block 1 its filemark: data (or the end of data) is next
_FIRST_DATA_BLOCK = 2


class _CatalogChain:
    """The catalog links a verification expects (spec §5, §6), from the medium's layout.

    The layout says which block is what (§7): after the medium header's filemark, and
    after each catalog's closing filemark, a data segment begins; after the filemark
    that closes a data segment comes part 1 of its catalog (or the end of data). So a
    damaged or unreadable block still moves the chain on: damage is reported once.
    """

    def __init__(self) -> None:
        self.closed = 0  # part 1 of the last catalog segment a filemark closed
        self.current = 0  # part 1 of the latest catalog segment
        self.carried = 0  # the previous_catalog the latest segment's parts must carry
        self.span = (0, 0)  # the data_first and data_last they must carry
        self._segment_first = 0
        self._last_block = 0
        self._before_filemark = 0
        self._after_filemark = False
        self._in_catalog = True  # the medium header counts as the end of a catalog
        self._catalog_before_filemark = True

    def filemark(self) -> None:
        self.closed = self.current
        self._before_filemark = self._last_block
        self._catalog_before_filemark = self._in_catalog
        self._after_filemark = True

    def block(self, index: int, record_type: int | None) -> None:
        """Block ``index`` was read: its record type, ``None`` if unreadable."""
        if self._after_filemark:
            if self._catalog_before_filemark:
                self._segment_first = index
                self._in_catalog = False
            elif record_type != RecordType.END_OF_DATA:
                self.carried, self.current = self.closed, index
                self.span = (self._segment_first, self._before_filemark)
                self._in_catalog = True
        self._last_block = index
        self._after_filemark = False


def _broken_link(index: int, field: str, expected: int) -> DamagedBlock:
    """A catalog link that does not name the catalog segment before it (spec §5, §6)."""
    return DamagedBlock(
        block=index,
        error=FieldOutOfRange.__name__,
        message=f"{field} does not name block {expected}, the previous catalog segment",
        field=field,
    )


def _checked_header(block: object, index: int) -> RawHeader:
    raw = parse_header(block, index)  # type: ignore[arg-type]
    _check_position(raw.block_index, index)
    return raw


class _Sessions:
    """Session IDs of data blocks, built once per session rather than once per block."""

    def __init__(self) -> None:
        self._known: dict[tuple[int, int], SessionId | None] = {}

    def get(self, raw: RawHeader, index: int) -> SessionId:
        key = (raw.date, raw.number)
        found = self._known.get(key)
        if found is None:
            found = session_from_key(raw.date, raw.number, block=index, offset=12)
            if found is None:
                raise FieldOutOfRange(
                    "a data block without a session", block=index, field="session", offset=12
                )
            self._known[key] = found
        return found


class MediumReader:
    """Reads a medium of this format from a block source.

    Construction reads block 0 and checks it is a medium header (``header``); a
    :class:`~smartmedia.errors.FormatError` there means the medium is not one of ours
    (see :func:`~smartmedia.format.identify`). Each of :meth:`records`, :meth:`verify`,
    :meth:`scan` and :meth:`read_object` starts at block 1 (or the block given) when the
    source can locate; over a plain stream they go on from where the last one stopped.
    """

    def __init__(self, source: BlockSource) -> None:
        if not isinstance(source, BlockSource):
            raise ValidationError(f"expected a BlockSource, got {type(source).__name__}")
        self._source = source
        self._locatable = isinstance(source, LocatableBlockSource)
        if self._locatable:
            source.locate(0)  # type: ignore[attr-defined]
        first = source.read_block()
        if isinstance(first, EndOfData | Filemark):
            raise DamagedMedium(
                "the medium holds no medium header (blank, or a filemark first)", block=0
            )
        self.header: MediumHeader = decode_medium_header(first)
        self._position = 1

    # ------------------------------------------------------------------------- iteration

    def _seek(self, block: int) -> None:
        if self._locatable:
            self._source.locate(block)  # type: ignore[attr-defined]
            self._position = block
        elif block < self._position:
            raise ValidationError(
                f"cannot go back to block {block} on a source that cannot locate "
                f"(at block {self._position})"
            )

    def _raw(self, start: int) -> Iterator[tuple[int, object]]:
        """(index, block bytes | Filemark | MediumError) up to the end of recorded data."""
        self._seek(start)
        source = self._source
        while True:
            index = self._position
            try:
                item = source.read_block()
            except MediumError as error:
                self._position += 1
                yield index, error
                continue
            if isinstance(item, EndOfData):
                return
            self._position += 1
            if index < start:
                continue
            yield index, item

    def records(self, start: int = 1) -> Iterator[Item]:
        """Every block and filemark from ``start`` on, decoded and checked, up to the
        end-of-data record (or the end of recorded data on a medium never closed)."""
        for index, item in self._raw(start):
            if isinstance(item, Filemark):
                yield FilemarkAt(index)
                continue
            if isinstance(item, MediumError):
                yield DamagedBlock.of(index, item)
                continue
            try:
                decoded = decode_record(item, block_index=index)  # type: ignore[arg-type]
                _check_position(decoded.header.block_index, index)
            except FormatError as error:
                yield DamagedBlock.of(index, error)
                continue
            yield RecordAt(index, decoded.header, decoded.value)
            if isinstance(decoded.value, EndOfDataRecord):
                return

    # -------------------------------------------------------------------------- reading

    def read_object(
        self,
        session: SessionId,
        index: int,
        *,
        first_block: int = 1,
        first_sequence: int | None = None,
    ) -> Iterator[memoryview]:
        """The payload of object ``index`` of ``session`` on this medium, block by block.

        Each view is verified and valid until the next one is asked for. Stops after the
        object's last block, or where its session continues on the next medium. The first
        data block must be number ``first_sequence`` of the object (the object start
        record on the medium says which when not given): a damaged or missing first block
        is an error, never skipped. Raises :class:`~smartmedia.errors.NotOnMedium` if the
        object is not found from ``first_block`` on, a
        :class:`~smartmedia.errors.FormatError` naming the block if a block of it is
        damaged or missing, and passes on the device's
        :class:`~smartmedia.errors.MediumError`.
        """
        if not isinstance(session, SessionId):
            raise ValidationError(f"expected a SessionId, got {type(session).__name__}")
        want_date, want_number = session_key(session)
        expected: int | None = None
        start = first_sequence
        skipped: FormatError | MediumError | None = None  # damage before the first block
        for position, item in self._raw(first_block):
            if isinstance(item, Filemark):
                continue
            if isinstance(item, MediumError):
                if expected is None:
                    skipped = skipped or item
                    continue
                raise item
            try:
                raw = parse_header(item, position)  # type: ignore[arg-type]
            except FormatError as error:
                if expected is None:
                    skipped = skipped or error
                    continue
                raise
            mine = raw.date == want_date and raw.number == want_number
            if raw.type == RecordType.DATA and mine and raw.object_index == index:
                if expected is None:
                    expected = start
                    if expected is None and skipped is not None:
                        raise skipped  # it may have been this object's first block
                if expected is not None and raw.sequence != expected:
                    if skipped is not None:
                        raise skipped
                    raise DamagedMedium(
                        f"data block {expected} of the object is missing "
                        f"(found block {raw.sequence})",
                        block=position,
                        field="sequence",
                    )
                yield check_payload(item, raw, position)  # type: ignore[arg-type]
                expected = raw.sequence + 1
                if raw.flags & Flag.LAST:
                    return
            elif raw.type == RecordType.OBJECT_START and mine and raw.object_index == index:
                if expected is None and start is None:
                    record = decode_object_start(item, block_index=position)  # type: ignore[arg-type]
                    start = record.first_sequence
                    skipped = None  # damage before the object's start is not its own
            elif raw.type == RecordType.SESSION_END and mine:
                if expected is not None and raw.flags & Flag.CONTINUES:
                    return  # the object goes on on the next medium
                break
            elif raw.type == RecordType.END_OF_DATA:
                break
        if expected is None:
            if skipped is not None:
                raise skipped
            raise NotOnMedium(
                f"object {index} of session {session} is not on medium "
                f"{self.header.medium_id} from block {first_block} on"
            )
        raise DamagedMedium(
            f"object {index} of session {session} ends without its last block",
            block=self._position,
        )

    def verify(self) -> VerifyReport:
        """Read every block, check it, and count what the medium holds."""
        digest = PayloadDigest()
        blocks = filemarks = data_blocks = size = sessions = objects = 0
        damaged: list[DamagedBlock] = []
        complete = False
        chain = _CatalogChain()
        for index, item in self._raw(1):
            if isinstance(item, Filemark):
                filemarks += 1
                digest.update_filemarks(1)
                if complete:
                    break
                chain.filemark()
                continue
            if complete:
                break
            blocks += 1
            if isinstance(item, MediumError):
                chain.block(index, None)
                damaged.append(DamagedBlock.of(index, item))
                continue
            digest.update_block(item)  # type: ignore[arg-type]
            raw: RawHeader | None = None
            try:
                raw = _checked_header(item, index)
                chain.block(index, raw.type)
                if raw.type == RecordType.DATA:
                    check_payload(item, raw, index)  # type: ignore[arg-type]
                    data_blocks += 1
                    size += raw.payload_length
                    continue
                value = decode_record(item, block_index=index).value  # type: ignore[arg-type]
            except FormatError as error:
                if raw is None:
                    chain.block(index, None)
                damaged.append(DamagedBlock.of(index, error))
                continue
            if isinstance(value, SessionStart):
                sessions += value.span == 0
            elif isinstance(value, ObjectStart):
                objects += value.first_sequence == 0
            elif isinstance(value, CatalogSegment):
                if value.previous_catalog != chain.carried:
                    damaged.append(_broken_link(index, "previous_catalog", chain.carried))
                elif (value.data_first, value.data_last) != chain.span:
                    damaged.append(
                        DamagedBlock(
                            block=index,
                            error=FieldOutOfRange.__name__,
                            message=f"the catalog describes blocks {value.data_first}.."
                            f"{value.data_last}, its segment is blocks {chain.span[0]}.."
                            f"{chain.span[1]}",
                            field="data_first",
                        )
                    )
            elif isinstance(value, EndOfDataRecord):
                complete = True
                if value.last_catalog != chain.current:
                    damaged.append(_broken_link(index, "last_catalog", chain.current))
        return VerifyReport(
            medium_id=self.header.medium_id,
            blocks=blocks + 1,
            filemarks=filemarks,
            data_blocks=data_blocks,
            bytes=size,
            sessions=sessions,
            objects=objects,
            damaged=tuple(damaged),
            complete=complete,
            digest=digest.value,
        )

    def scan(self, *, full: bool = False) -> MediumContents:
        """What the medium holds — sessions, objects and their blocks — without a database.

        Built from the catalog segments; where one is damaged or missing (a medium never
        closed), that segment is rebuilt from its blocks' headers instead (named in
        ``rebuilt_segments``). Data payloads are not checked here: that is :meth:`verify`.

        On a source that can locate, the scan first goes to the end of the medium, reads
        the end-of-data record and walks the catalog segments backwards through their
        ``previous_catalog`` links, reading no data block at all; if anything on that
        path is missing or damaged it reads the medium from the start instead. ``full``
        always reads every block header (to name damaged blocks among the data).
        """
        if self._locatable and not full:
            fast = self._scan_catalogs()
            if fast is not None:
                return fast
        return self._scan_blocks()

    def _scan_catalogs(self) -> MediumContents | None:
        """The contents from the catalog chain alone, or ``None`` if it is not intact."""
        source = self._source
        try:
            source.locate(1 << 62)  # type: ignore[attr-defined]
            end = int(source.position)  # type: ignore[attr-defined]
            if end < 4:
                return None
            eod_block = end - 2
            self._seek(eod_block)
            item = source.read_block()
            self._position += 1
            if isinstance(item, EndOfData | Filemark):
                return None
            eod = decode_end_of_data(item, block_index=eod_block)
            segments: list[list[CatalogSegment]] = []
            at = eod.last_catalog
            # The chain goes strictly backwards and covers the medium: each catalog ends
            # (its last part, then a filemark) right before what follows it — the next
            # segment's data or the end of data — and the first segment's data follows
            # the medium header and its filemark. Anything else is damage.
            bound = eod_block
            while at:
                if at >= bound:
                    return None
                parts = self._catalog_parts(at)
                if parts is None:
                    return None
                first = parts[0]
                if (
                    at + len(parts) + 1 != bound
                    or not first.data_first <= first.data_last < at
                    or (segments and first.number != segments[-1][0].number - 1)
                ):
                    return None
                segments.append(parts)
                bound = first.data_first
                at = first.previous_catalog
                if len(segments) > eod.segments:
                    return None
            if len(segments) != eod.segments or bound != _FIRST_DATA_BLOCK:
                return None
            if segments and segments[-1][0].number != 1:
                return None
        except (FormatError, MediumError):
            return None
        rebuild = Rebuilder(self.header)
        for parts in reversed(segments):
            rebuild.add_catalog(parts)
        rebuild.end(eod_block)
        return rebuild.result()

    def _catalog_parts(self, first: int) -> list[CatalogSegment] | None:
        """All parts of the catalog segment whose part 1 is at block ``first``."""
        self._seek(first)
        parts: list[CatalogSegment] = []
        while True:
            position = self._position
            item = self._source.read_block()
            self._position += 1
            if isinstance(item, EndOfData | Filemark):
                return None
            part = decode_catalog_segment(item, block_index=position)
            if part.part != len(parts) + 1 or (parts and part.number != parts[0].number):
                return None
            parts.append(part)
            if part.part == part.parts:
                return parts

    def _scan_blocks(self) -> MediumContents:
        rebuild = Rebuilder(self.header)
        sessions = _Sessions()
        for index, item in self._raw(1):
            if isinstance(item, Filemark):
                rebuild.filemark(index)
                continue
            if isinstance(item, MediumError):
                rebuild.damaged(DamagedBlock.of(index, item))
                continue
            try:
                raw = _checked_header(item, index)
                if raw.type == RecordType.DATA:
                    rebuild.data(index, raw, sessions.get(raw, index))
                    continue
                decoded = decode_record(item, block_index=index)  # type: ignore[arg-type]
            except FormatError as error:
                rebuild.damaged(DamagedBlock.of(index, error))
                continue
            value = decoded.value
            if isinstance(value, SessionStart | ObjectStart | SessionEnd):
                rebuild.record(index, value)
            elif isinstance(value, CatalogSegment):
                rebuild.catalog(index, value)
            elif isinstance(value, EndOfDataRecord):
                rebuild.end(index)
                break
        return rebuild.result()
