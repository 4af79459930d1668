"""The records of the format as values: medium header, session and object starts, session
ends, catalog segments and the end-of-data record.

Each value validates itself at construction, as model values do, so a record that
encodes is one the spec allows. The byte codecs live in :mod:`._codec`.
"""

from __future__ import annotations

import datetime as _dt

import attrs

from smartmedia.errors import ValidationError
from smartmedia.format._layout import (
    BLOCK_HEADER_SIZE,
    DEFAULT_BLOCK_SIZE,
    DEFAULT_SEGMENT_SIZE,
    FORMAT_MAJOR,
    FORMAT_MINOR,
    MAX_BLOCK_SIZE,
    MAX_SEGMENT_SIZE,
    MIN_BLOCK_SIZE,
    MIN_SEGMENT_SIZE,
    Flag,
    RecordType,
)
from smartmedia.model import (
    BackupObject,
    Barcode,
    MediaType,
    MediumId,
    ObjectVersion,
    SessionId,
    SessionStatus,
    SessionType,
)
from smartmedia.model import _validators as v

__all__ = [
    "NO_MEDIUM",
    "BlockHeader",
    "CatalogRecord",
    "CatalogSegment",
    "EndOfDataRecord",
    "Extent",
    "MediumHeader",
    "ObjectStart",
    "Record",
    "SessionEnd",
    "SessionStart",
    "medium_id_check",
]


def _uint(bits: int) -> v.Validator:
    """An integer field of ``bits`` bits on tape. A ``u64`` field holds values below
    2^63 only (spec §1): they fit a signed 64-bit integer, as databases store them."""
    limit = (1 << min(bits, 63)) - 1

    def check(instance: object, attribute: attrs.Attribute[int], value: object) -> None:
        v.non_negative(instance, attribute, value)
        assert isinstance(value, int)
        if value > limit:
            text = str(value) if value < 10**30 else f"a {value.bit_length()}-bit integer"
            raise ValidationError(f"{text} is more than {limit}", path=attribute.name)

    return check


NO_MEDIUM = MediumId("00000000:00000000:0000:0000")


def medium_id_check(optional: bool) -> v.Validator:
    """A medium ID other than the all-zero one, which the format reserves for "none"."""
    check_type = v.instance_of(MediumId)

    def check(instance: object, attribute: attrs.Attribute[MediumId], value: object) -> None:
        if value is None and optional:
            return
        check_type(instance, attribute, value)
        if value == NO_MEDIUM:
            raise ValidationError(
                "the all-zero medium ID is reserved on tape for 'no medium'", path=attribute.name
            )

    return check


@attrs.frozen(kw_only=True)
class BlockHeader:
    """The fixed header at the start of every block of the format (56 bytes).

    ``type`` is kept as a number so that blocks of record types this version does not
    know can be described (and skipped); :attr:`record_type` names known ones.
    ``sequence`` numbers the data blocks of an object version from 0 across all its
    media; ``block_index`` is the block's own position on its medium.
    """

    type: int = attrs.field(validator=_uint(16))
    flags: int = attrs.field(default=0, validator=_uint(16))
    session: SessionId | None = attrs.field(
        default=None, validator=v.optional(v.instance_of(SessionId))
    )
    object_index: int = attrs.field(default=0, validator=_uint(32))
    sequence: int = attrs.field(default=0, validator=_uint(64))
    block_index: int = attrs.field(default=0, validator=_uint(64))
    payload_length: int = attrs.field(default=0, validator=_uint(32))
    payload_crc: int = attrs.field(default=0, validator=_uint(32))
    major: int = attrs.field(default=FORMAT_MAJOR, validator=_uint(8))
    minor: int = attrs.field(default=FORMAT_MINOR, validator=_uint(8))
    header_length: int = attrs.field(default=BLOCK_HEADER_SIZE, validator=_uint(16))

    @property
    def record_type(self) -> RecordType | None:
        """The known record type, or ``None`` for a type this version does not know."""
        try:
            return RecordType(self.type)
        except ValueError:
            return None

    def has(self, flag: Flag) -> bool:
        return bool(self.flags & flag)


def _check_block_size(_: object, __: object, value: int) -> None:
    if not isinstance(value, int) or not MIN_BLOCK_SIZE <= value <= MAX_BLOCK_SIZE:
        raise ValidationError(
            f"block size must be {MIN_BLOCK_SIZE}..{MAX_BLOCK_SIZE} bytes, not {value!r}",
            path="block_size",
        )
    if value % 4096:
        raise ValidationError(
            f"block size must be a multiple of 4096 bytes, not {value}", path="block_size"
        )


def _check_segment_size(_: object, __: object, value: int) -> None:
    if not isinstance(value, int) or not MIN_SEGMENT_SIZE <= value <= MAX_SEGMENT_SIZE:
        raise ValidationError(
            f"segment size must be {MIN_SEGMENT_SIZE}..{MAX_SEGMENT_SIZE} bytes, not {value!r}",
            path="segment_size",
        )


@attrs.frozen(kw_only=True)
class MediumHeader:
    """Block 0 of a medium: who it is, how it is written, and — for a copy — whose copy.

    ``block_size`` bounds every block on the medium (header included); data segments
    close after ``segment_size`` payload bytes with a catalog segment. ``original`` and
    ``copy_generation`` are set together, on copies only.
    """

    medium_id: MediumId = attrs.field(validator=medium_id_check(optional=False))
    label: str = attrs.field(validator=v.text(max_length=80))
    media_type: MediaType = attrs.field(validator=v.instance_of(MediaType))
    pool: str = attrs.field(validator=v.text(max_length=64))
    created: _dt.datetime = attrs.field(validator=v.aware_datetime)
    barcode: Barcode | None = attrs.field(
        default=None, validator=v.optional(v.instance_of(Barcode))
    )
    block_size: int = attrs.field(default=DEFAULT_BLOCK_SIZE, validator=_check_block_size)
    segment_size: int = attrs.field(default=DEFAULT_SEGMENT_SIZE, validator=_check_segment_size)
    write_count: int = attrs.field(default=1, validator=_uint(32))
    original: MediumId | None = attrs.field(default=None, validator=medium_id_check(optional=True))
    copy_generation: int = attrs.field(default=0, validator=_uint(16))

    def __attrs_post_init__(self) -> None:
        if (self.original is None) != (self.copy_generation == 0):
            raise ValidationError(
                "a copy has an original and a copy generation >= 1; an original has neither",
                path="copy_generation",
            )
        if self.original == self.medium_id:
            raise ValidationError(
                f"medium {self.medium_id} names itself as its original", path="original"
            )

    @property
    def is_copy(self) -> bool:
        return self.original is not None

    @property
    def payload_per_block(self) -> int:
        """Data bytes in a full data block of this medium."""
        return self.block_size - BLOCK_HEADER_SIZE


@attrs.frozen(kw_only=True)
class SessionStart:
    """A session begins (``span`` 0) or continues from ``previous_medium`` (``span`` >= 1)."""

    session: SessionId = attrs.field(validator=v.instance_of(SessionId))
    type: SessionType = attrs.field(validator=v.instance_of(SessionType))
    started: _dt.datetime = attrs.field(validator=v.aware_datetime)
    specification: str = attrs.field(default="", validator=v.text(max_length=128, min_length=0))
    span: int = attrs.field(default=0, validator=_uint(16))
    previous_medium: MediumId | None = attrs.field(
        default=None, validator=medium_id_check(optional=True)
    )

    def __attrs_post_init__(self) -> None:
        if (self.span == 0) != (self.previous_medium is None):
            raise ValidationError(
                "a continued session (span >= 1) names its previous medium; a new one does not",
                path="previous_medium",
            )


@attrs.frozen(kw_only=True)
class ObjectStart:
    """An object version's data follows. ``first_sequence`` > 0 on a continuation."""

    session: SessionId = attrs.field(validator=v.instance_of(SessionId))
    index: int = attrs.field(validator=_uint(32))
    object: BackupObject = attrs.field(validator=v.instance_of(BackupObject))
    backup_time: _dt.datetime = attrs.field(validator=v.aware_datetime)
    first_sequence: int = attrs.field(default=0, validator=_uint(64))

    @index.validator
    def _check_index(self, _: attrs.Attribute[int], value: int) -> None:
        if value < 1:
            raise ValidationError("object indexes count from 1", path="index")

    def version(self, size: int = 0) -> ObjectVersion:
        return ObjectVersion(
            object=self.object, session=self.session, backup_time=self.backup_time, size=size
        )


@attrs.frozen(kw_only=True)
class SessionEnd:
    """A session (or its piece on this medium, when it ``continues_on`` another) ends.

    ``objects`` and ``bytes`` count the session's object versions and payload bytes
    from its start, all media included.
    """

    session: SessionId = attrs.field(validator=v.instance_of(SessionId))
    ended: _dt.datetime = attrs.field(validator=v.aware_datetime)
    status: SessionStatus = attrs.field(validator=v.instance_of(SessionStatus))
    objects: int = attrs.field(default=0, validator=_uint(32))
    bytes: int = attrs.field(default=0, validator=_uint(64))
    continues_on: MediumId | None = attrs.field(
        default=None, validator=medium_id_check(optional=True)
    )


#: The records of a data segment that its catalog segment carries.
Record = SessionStart | ObjectStart | SessionEnd


@attrs.frozen(kw_only=True)
class CatalogRecord:
    """A session or object record of the data segment, at its block."""

    block: int = attrs.field(validator=_uint(64))
    record: Record = attrs.field(validator=v.instance_of((SessionStart, ObjectStart, SessionEnd)))


@attrs.frozen(kw_only=True)
class Extent:
    """Where (part of) an object version lies in one data segment.

    Blocks ``first_block``..``last_block`` hold data blocks of the object with sequence
    numbers from ``first_sequence`` on, ``bytes`` payload bytes in all; ``complete``
    means the object's last block is among them.
    """

    session: SessionId = attrs.field(validator=v.instance_of(SessionId))
    object_index: int = attrs.field(validator=_uint(32))
    first_block: int = attrs.field(validator=_uint(64))
    last_block: int = attrs.field(validator=_uint(64))
    first_sequence: int = attrs.field(default=0, validator=_uint(64))
    bytes: int = attrs.field(default=0, validator=_uint(64))
    complete: bool = attrs.field(default=False, validator=v.instance_of(bool))

    def __attrs_post_init__(self) -> None:
        if self.last_block < self.first_block:
            raise ValidationError("an extent ends before it starts", path="last_block")

    @property
    def blocks(self) -> int:
        return self.last_block - self.first_block + 1


@attrs.frozen(kw_only=True)
class CatalogSegment:
    """What a data segment holds: its records and object extents (one part of ``parts``).

    ``previous_catalog`` is the block of the previous catalog segment's first part
    (0 for the first), so catalogs can also be walked backwards from the end.
    """

    number: int = attrs.field(validator=_uint(32))
    data_first: int = attrs.field(validator=_uint(64))
    data_last: int = attrs.field(validator=_uint(64))
    previous_catalog: int = attrs.field(default=0, validator=_uint(64))
    records: tuple[CatalogRecord, ...] = attrs.field(
        default=(), validator=v.tuple_of(CatalogRecord)
    )
    extents: tuple[Extent, ...] = attrs.field(default=(), validator=v.tuple_of(Extent))
    part: int = attrs.field(default=1, validator=_uint(16))
    parts: int = attrs.field(default=1, validator=_uint(16))

    def __attrs_post_init__(self) -> None:
        if self.number < 1:
            raise ValidationError("catalog segments count from 1", path="number")
        if not 1 <= self.part <= self.parts:
            raise ValidationError(f"part {self.part} of {self.parts}", path="part")


@attrs.frozen(kw_only=True)
class EndOfDataRecord:
    """The logical end of a medium's data, after its last catalog segment.

    A medium without it was not closed (a crash, or a writer still at work): its contents
    can still be rebuilt from the blocks.
    """

    last_catalog: int = attrs.field(default=0, validator=_uint(64))
    sessions: int = attrs.field(default=0, validator=_uint(32))
    segments: int = attrs.field(default=0, validator=_uint(32))
    data_blocks: int = attrs.field(default=0, validator=_uint(64))
    bytes: int = attrs.field(default=0, validator=_uint(64))
