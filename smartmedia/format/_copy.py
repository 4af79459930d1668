"""What a smart copy does to a medium: a new identity in the header, payload untouched.

A copy's block 0 is the source's medium header with a new medium ID, barcode and label,
and the original's ID and copy generation set; every other block is copied byte for
byte. :class:`PayloadDigest` summarises everything after block 0, so a source and a
correct copy of it have the same digest.
"""

from __future__ import annotations

import attrs
import crc32c

from smartmedia.errors import FieldOutOfRange, ValidationError
from smartmedia.format._blockio import Block, view_of
from smartmedia.format._codec import decode_medium_header, encode_medium_header
from smartmedia.format._records import medium_id_check
from smartmedia.model import Barcode, MediaType, MediumId
from smartmedia.model import _validators as v

__all__ = ["CopyIdentity", "PayloadDigest", "rewrite_header"]

_FILEMARK_TOKEN = b"\xff\xff\xff\xff"


@attrs.frozen(kw_only=True)
class CopyIdentity:
    """The identity a copy target gets: its own medium ID, label and barcode, and — when
    the target is another kind of medium than the source (a physical tape copying a
    virtual one) — its media type and pool. ``None`` keeps the source's."""

    medium_id: MediumId = attrs.field(validator=medium_id_check(optional=False))
    label: str = attrs.field(validator=v.text(max_length=80))
    barcode: Barcode | None = attrs.field(
        default=None, validator=v.optional(v.instance_of(Barcode))
    )
    media_type: MediaType | None = attrs.field(
        default=None, validator=v.optional(v.instance_of(MediaType))
    )
    pool: str | None = attrs.field(default=None, validator=v.optional(v.text(max_length=64)))


def rewrite_header(header_block: Block, identity: CopyIdentity) -> bytes:
    """Block 0 for the copy of the medium whose block 0 is ``header_block``.

    The copy names the source's original (the source itself, or the source's original
    when copying a copy) and one more copy generation. Raises a
    :class:`~smartmedia.errors.FormatError` subclass if ``header_block`` is not a valid
    medium header, :class:`~smartmedia.errors.ValidationError` if the identity is the
    source's own or is not a :class:`CopyIdentity`.
    """
    if not isinstance(identity, CopyIdentity):
        raise ValidationError(f"expected a CopyIdentity, got {type(identity).__name__}")
    source = decode_medium_header(header_block)
    original = source.original or source.medium_id
    if identity.medium_id in (source.medium_id, original):
        raise ValidationError(
            f"the copy needs a medium ID of its own, {identity.medium_id} is the source's",
            path="medium_id",
        )
    if source.copy_generation >= 0xFFFF:
        raise FieldOutOfRange("copy generation would overflow", block=0, field="copy_generation")
    copy = attrs.evolve(
        source,
        medium_id=identity.medium_id,
        label=identity.label,
        barcode=identity.barcode,
        media_type=identity.media_type or source.media_type,
        pool=identity.pool or source.pool,
        original=original,
        copy_generation=source.copy_generation + 1,
    )
    return encode_medium_header(copy)


class PayloadDigest:
    """A CRC32C over every block after the medium header, and the filemarks between them.

    Each block contributes its 4-byte little-endian length and its bytes; each filemark
    the 4 bytes ``ff ff ff ff``. Feed it blocks 1.. of a medium in order.
    """

    __slots__ = ("_crc", "blocks", "bytes", "filemarks")

    def __init__(self) -> None:
        self._crc = 0
        self.blocks = 0
        self.filemarks = 0
        self.bytes = 0

    def update_block(self, data: Block) -> None:
        view = view_of(data)
        self._crc = crc32c.crc32c(view, crc32c.crc32c(view.nbytes.to_bytes(4, "little"), self._crc))
        self.blocks += 1
        self.bytes += view.nbytes

    def update_filemarks(self, count: int = 1) -> None:
        for _ in range(count):
            self._crc = crc32c.crc32c(_FILEMARK_TOKEN, self._crc)
        self.filemarks += count

    @property
    def value(self) -> int:
        return self._crc
