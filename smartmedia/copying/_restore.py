"""Restores: choosing a copy to restore from, bringing it where it can be read, reading it.

Every copy of a medium is byte-identical after its header, so any copy (or the original)
can give the pieces of an object version, and a block a damaged copy cannot give is at
the same place on every other copy of that medium.

* :func:`restore_sources` ranks the media holding a version by how soon they can be
  read — readable now, after a move, from a vault, missing — with originals before copies
  and expired (recyclable) media after protected ones, and says why for each. It asks
  the libraries where each cartridge really is, not only the catalog.
* :func:`prepare_restore` carries out the moves that make a source readable: out of
  the physical library behind the VLS through its mail slot, by the operator to a
  mail slot of a library the application sees, imported there, each step recorded in
  the catalog. A cartridge the catalog does not know (its records were purged) is
  imported into the catalog by reading it (:func:`import_cartridge`).
* :func:`restore` reads a version through visible drives, piece after piece across the
  spanned media, every block checked; when a block is damaged it goes on from another
  copy at the same block, so the sink receives exactly the version's bytes, once each.
  Only what was verified is written to the sink, and the total is checked against the
  catalog's size of the version before the restore is reported complete.
"""

from __future__ import annotations

import contextlib
import datetime as _dt
from collections.abc import Callable, Sequence

from smartmedia.catalog import Position, RecycleResult
from smartmedia.copying._backup_media import element_of
from smartmedia.copying._mount import mount
from smartmedia.copying._restore_moves import (
    import_cartridge,
    prepare_restore,
    restore_sources,
)
from smartmedia.copying._restore_values import (
    Move,
    Mover,
    RestoreError,
    RestoreResult,
    RestoreSource,
    Sink,
    SourceRank,
    SourceSwitch,
)
from smartmedia.copying._site import Site
from smartmedia.devices import TapeDrive
from smartmedia.errors import (
    DeviceError,
    FormatError,
    NotOnMedium,
    ValidationError,
)
from smartmedia.format import MediumReader, RecordType, decode_block_header
from smartmedia.model import (
    Location,
    MediumId,
    ObjectVersion,
    SessionId,
)

__all__ = [
    "Move",
    "Mover",
    "RestoreError",
    "RestoreResult",
    "RestoreSource",
    "SourceRank",
    "SourceSwitch",
    "import_cartridge",
    "prepare_restore",
    "recycle_original",
    "restore",
    "restore_sources",
]

# --------------------------------------------------------------------------- reading


class _Progress:
    """How far a restore got: the next data block sequence, bytes and blocks written."""

    def __init__(self, write: Callable[[memoryview], object]) -> None:
        self.write = write
        self.sequence = 0
        self.bytes = 0
        self.blocks = 0
        self.media: list[MediumId] = []


class _Damaged(Exception):
    """A source failed while reading a piece: at which block (if known), and why."""

    def __init__(self, error: Exception, block: int | None) -> None:
        super().__init__(str(error))
        self.error = error
        self.block = block


def _peek(drive: TapeDrive, block: int) -> tuple[int, SessionId | None, int, int, int]:
    """(type, session, object index, sequence, flags) of the block at ``block``."""
    drive.locate(block)
    item = drive.read_block()
    if not isinstance(item, bytes | bytearray | memoryview):
        raise NotOnMedium(f"block {block} holds no record (a filemark or the end of data)")
    header = decode_block_header(item, block_index=block)
    return header.type, header.session, header.object_index, header.sequence, header.flags


def _read_piece(
    site: Site,
    source: RestoreSource,
    position: Position,
    progress: _Progress,
    resume_at: int | None,
) -> None:
    """Read the piece ``position`` of ``source`` into ``progress``, from where it got."""
    version = position.object_version
    assert source.library is not None
    assert source.medium.barcode is not None
    library = site.library(source.library)
    try:
        mounted = mount(library, source.medium.barcode, source.medium.media_type)
    except (ValidationError, DeviceError) as error:  # not in its slot, no free drive...
        raise _Damaged(error, None) from error
    progress.media.append(source.medium.id)
    block = position.first_block
    try:
        reader = MediumReader(mounted.drive)
        if reader.header.medium_id != source.medium.id:
            raise NotOnMedium(
                f"cartridge {source.medium.barcode} holds medium {reader.header.medium_id}, "
                f"not {source.medium.id}",
                block=0,
            )
        kind, session, index, first_sequence, _ = _peek(mounted.drive, position.first_block)
        if kind != RecordType.DATA or session != version.session:
            raise NotOnMedium(
                f"block {position.first_block} of {source.medium.id} holds no data of "
                f"session {version.session}",
                block=position.first_block,
            )
        if first_sequence > progress.sequence:
            raise RestoreError(
                f"data blocks {progress.sequence}..{first_sequence - 1} of {version} are on no "
                "medium the catalog knows",
                version=version,
            )
        start, skip = position.first_block, progress.sequence - first_sequence
        if (
            skip
            and resume_at is not None
            and _resumable(mounted.drive, position, resume_at, index, progress.sequence)
        ):
            start, skip = resume_at, 0
        block = start
        for payload in reader.read_object(version.session, index, first_block=start):
            if skip:
                skip -= 1
                continue
            progress.write(payload)
            progress.sequence += 1
            progress.blocks += 1
            progress.bytes += len(payload)
    except (FormatError, DeviceError) as error:
        where = getattr(error, "block", None)
        raise _Damaged(error, block if where is None else where) from error
    finally:
        with contextlib.suppress(DeviceError):  # if stuck, the inventory shows it in the drive
            mounted.release()


def _resumable(drive: TapeDrive, position: Position, block: int, index: int, sequence: int) -> bool:
    """True if ``block`` of this medium is data block ``sequence`` of the piece's object:
    after a switch, reading goes on there (copies are byte-identical) instead of from
    the piece's start."""
    if not position.first_block < block <= position.last_block:
        return False
    try:
        kind, session, found_index, found_sequence, _ = _peek(drive, block)
    except (FormatError, DeviceError):
        return False
    return (
        kind == RecordType.DATA
        and session == position.object_version.session
        and found_index == index
        and found_sequence == sequence
    )


def _writer(sink: Sink) -> Callable[[memoryview], object]:
    write = getattr(sink, "write", None)
    if callable(write):
        return write  # type: ignore[no-any-return]
    if callable(sink):
        return sink
    raise ValidationError(
        f"the sink must be a binary file or a callable, not {type(sink).__name__}", path="sink"
    )


def restore(
    site: Site,
    version: ObjectVersion,
    sink: Sink,
    *,
    sources: Sequence[RestoreSource] | None = None,
) -> RestoreResult:
    """Read ``version`` into ``sink`` from readable sources; returns what was read.

    ``sources`` are the media to use, in order of preference (default:
    :func:`restore_sources`); only readable ones are used (bring others with
    :func:`prepare_restore` first). For each span the first source holding it is read
    through a drive of its library, every block verified; a damaged block (or a failed
    drive) makes the restore go on from the next source of that span at the same
    block. Raises :class:`RestoreError` when a span has no readable source or every
    source of a span fails (the sink then holds the verified bytes before that point),
    or when the bytes read do not add up to the version's recorded size.
    """
    write = _writer(sink)
    started = site.now()
    ranked = restore_sources(site, version) if sources is None else list(sources)
    for i, item in enumerate(ranked):
        if not isinstance(item, RestoreSource):
            raise ValidationError(
                f"expected a RestoreSource, got {type(item).__name__}", path=f"sources[{i}]"
            )
    candidates = site.catalog.restore_candidates(version)
    if not candidates:
        raise RestoreError(f"no medium holds {version}", version=version)
    stored = candidates[0].position.object_version
    spans = sorted({c.span for c in candidates})
    if spans != list(range(len(spans))):
        raise RestoreError(
            f"the catalog holds spans {spans} of {stored}: a piece is not recorded",
            version=stored,
        )
    progress = _Progress(write)
    switches: list[SourceSwitch] = []
    for span in spans:
        _restore_span(site, stored, span, ranked, progress=progress, switches=switches)
    if progress.bytes != stored.size:
        raise RestoreError(
            f"read {progress.bytes} bytes of {stored}, the catalog records {stored.size}",
            version=stored,
        )
    return RestoreResult(
        version=stored,
        bytes=progress.bytes,
        blocks=progress.blocks,
        media=tuple(progress.media),
        switches=tuple(switches),
        started=started,
        finished=max(site.now(), started),
    )


def _holds(source: RestoreSource, version: ObjectVersion, span: int) -> bool:
    position = source.position(span)
    return (
        position is not None
        and position.object_version.object == version.object
        and position.object_version.session == version.session
    )


def _restore_span(
    site: Site,
    version: ObjectVersion,
    span: int,
    ranked: Sequence[RestoreSource],
    *,
    progress: _Progress,
    switches: list[SourceSwitch],
) -> None:
    holding = [s for s in ranked if _holds(s, version, span)]
    readable = [s for s in holding if s.rank is SourceRank.READABLE]
    if not readable:
        others = "; ".join(f"{s.medium.id}: {s.reason}" for s in holding) or "none"
        raise RestoreError(
            f"no readable medium holds span {span} of {version} (media holding it: {others}); "
            "prepare_restore() one of them first",
            version=version,
        )
    # A source that failed at a data block is not asked for that block again, but may
    # give later ones: two copies damaged at different blocks still restore.
    failed: set[tuple[MediumId, int]] = set()
    offset: int | None = None  # where the last failure was, from the piece's first block
    errors: list[str] = []

    def untried() -> RestoreSource | None:
        return next((s for s in readable if (s.medium.id, progress.sequence) not in failed), None)

    source = untried()
    while source is not None:
        position = source.position(span)
        assert position is not None
        resume_at = None if offset is None else position.first_block + offset
        try:
            _read_piece(site, source, position, progress, resume_at)
        except _Damaged as damage:
            failed.add((source.medium.id, progress.sequence))
            offset = None if damage.block is None else damage.block - position.first_block
            error = f"{type(damage.error).__name__}: {damage.error}"
            errors.append(f"{source.medium.id} at block {damage.block}: {error}")
            following = untried()
            switches.append(
                SourceSwitch(
                    span=span,
                    from_medium=source.medium.id,
                    block=damage.block,
                    error=error,
                    to_medium=None if following is None else following.medium.id,
                )
            )
            source = following
            continue
        return
    raise RestoreError(
        f"every readable medium holding span {span} of {version} failed: " + "; ".join(errors),
        version=version,
    )


# ------------------------------------------------------------------------- recycling


def recycle_original(
    site: Site, medium_id: MediumId, *, at: _dt.datetime | None = None
) -> RecycleResult:
    """Recycle an original whose protection has ended; its oldest copy becomes the original.

    The catalog forgets the medium's data (:meth:`Catalog.recycle`, which promotes the
    copy first); then, if it is a virtual cartridge still on the VLS, the cartridge is
    deleted there and the medium's location becomes unknown. Raises
    :class:`~smartmedia.errors.ProtectedMedium` (nothing changed) while protected,
    :class:`~smartmedia.errors.ValidationError` for a copy.
    """
    medium = site.catalog.medium(medium_id)
    if medium.is_copy:
        raise ValidationError(
            f"medium {medium_id} is a copy of {medium.original}, not an original",
            path="medium_id",
        )
    result = site.catalog.recycle(medium_id, at=site.now() if at is None else at)
    if medium.barcode is not None and medium.media_type.is_virtual:
        for library in site.vls.virtual_libraries():
            if element_of(library, medium.barcode) is not None:
                site.vls.delete_cartridge(library.name, medium.barcode)
                site.catalog.move_medium(medium_id, Location.unknown())
                break
    return result
