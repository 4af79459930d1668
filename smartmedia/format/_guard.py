"""May this medium be written over? The verdict from its first block, sans I/O.

Design rule: never overwrite a cartridge that holds data the catalog does not release.
Whoever writes a medium from its start (a copy engine, an initialisation) first reads
its first block and asks :func:`check_overwrite` with what the catalog releases on that
cartridge (:class:`Overwrite`). The answer depends on the bytes and that value only, so
every engine — simulated, host or appliance — reaches the same verdict:

* a blank medium (nothing recorded, or a first block of zeros) may always be written;
* a medium header of this format may be written over when its medium ID is one the
  catalog released (``media``: the catalog records that medium as scratch, or as
  recyclable and recycled), or when it is an unfinished copy of a medium in
  ``copies_of`` (a copy whose job the catalog released: the copy was never recorded,
  so the bytes hold nothing the catalog keeps);
* anything else — our header of another medium, a damaged header of ours, another
  tool's format (:func:`~smartmedia.format.identify`: tar, LTFS, Bacula...), bytes
  nobody recognises, a filemark at the start — is refused, unless ``force`` says an
  operator chose to initialise the medium whatever it holds.
"""

from __future__ import annotations

import attrs

from smartmedia.errors import ValidationError
from smartmedia.format._blockio import Block, ReadResult
from smartmedia.format._identify import Identified, MediumKind, identify
from smartmedia.model import MediumId

__all__ = ["Overwrite", "OverwriteVerdict", "check_overwrite"]


def _ids(value: object) -> tuple[MediumId, ...]:
    if isinstance(value, MediumId):
        return (value,)
    items = tuple(value) if isinstance(value, tuple | list | frozenset | set) else None
    if items is None or not all(isinstance(i, MediumId) for i in items):
        raise ValidationError(f"expected medium IDs, got {value!r}"[:200], path="overwrite")
    return tuple(sorted(set(items), key=str))


@attrs.frozen(kw_only=True)
class Overwrite:
    """What the catalog releases on one cartridge: what it may be found holding.

    ``media``: medium IDs whose data the catalog released (the cartridge's scratch or
    recycled record); ``copies_of``: originals whose copies onto this cartridge were
    released unfinished; ``force``: initialise whatever the medium holds (an explicit
    operator decision, never a default). The default releases nothing: only a blank
    medium may be written.
    """

    media: tuple[MediumId, ...] = attrs.field(default=(), converter=_ids)
    copies_of: tuple[MediumId, ...] = attrs.field(default=(), converter=_ids)
    force: bool = attrs.field(default=False)

    def __attrs_post_init__(self) -> None:
        if type(self.force) is not bool:
            raise ValidationError(f"expected a bool, got {self.force!r}", path="force")


@attrs.frozen
class OverwriteVerdict:
    """:attr:`ok` if the medium may be written; ``found`` is what its first block shows,
    ``reason`` why it is refused (or why it may be written)."""

    ok: bool
    found: Identified
    reason: str


def check_overwrite(first: ReadResult | Block, allowed: Overwrite) -> OverwriteVerdict:
    """Whether a medium whose first block is ``first`` may be written over.

    ``first`` is what reading the medium's first block gave (a block, a filemark, or
    :data:`~smartmedia.format.END_OF_DATA` for a blank medium). Never raises for any
    bytes.

    >>> from smartmedia.format import END_OF_DATA
    >>> check_overwrite(END_OF_DATA, Overwrite()).ok
    True
    >>> verdict = check_overwrite(bytes(257) + b"ustar" + bytes(250), Overwrite())
    >>> verdict.ok, verdict.reason
    (False, 'it holds another format (tar: ustar header); initialise it to overwrite')
    """
    found = identify(first)
    if found.kind is MediumKind.BLANK:
        return OverwriteVerdict(True, found, f"blank ({found.detail})")
    if allowed.force:
        return OverwriteVerdict(True, found, f"initialised by force over {_what(found)}")
    header = found.header
    if found.kind is MediumKind.SMARTMEDIA and header is not None:
        if header.medium_id in allowed.media:
            return OverwriteVerdict(True, found, f"medium {header.medium_id} is released")
        if header.original is not None and header.original in allowed.copies_of:
            return OverwriteVerdict(
                True, found, f"an unfinished copy of {header.original} whose job was released"
            )
        return OverwriteVerdict(
            False,
            found,
            f"it holds medium {header.medium_id} ('{header.label}'), which the catalog does "
            "not release for overwriting",
        )
    return OverwriteVerdict(False, found, f"it holds {_what(found)}; initialise it to overwrite")


def _what(found: Identified) -> str:
    if found.kind is MediumKind.SMARTMEDIA:
        return f"our {found.detail}"
    if found.kind is MediumKind.DAMAGED:
        return f"a damaged header of this format ({found.detail[:120]})"
    if found.kind is MediumKind.UNKNOWN:
        return f"unrecognised data ({found.detail[:120]})"
    return f"another format ({found.kind.value}: {found.detail[:120]})"
