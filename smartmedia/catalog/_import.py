"""Importing media: recording in the catalog what a medium holds, read from the medium.

This is how the catalog is rebuilt without its database, and how a medium whose records
were purged (a physical copy back from a vault) becomes usable again. The medium's scan
(:meth:`smartmedia.format.MediumReader.scan`: its header and catalog segments, or its
blocks where a catalog segment is damaged) gives the medium, its sessions, and the
pieces of object versions on it. Rules (docs/catalog.md, "Importing media"):

* all of one import is one transaction; an import that raises has changed nothing;
* importing the same medium twice changes nothing the second time;
* a medium ID the catalog knows, with other contents (another formatting, a version at
  other blocks, a recorded piece the intact medium does not hold) is a
  :class:`~smartmedia.errors.ConflictError`, never a merge. The one addition accepted
  to a known medium is data written after everything recorded on it (it was appended
  to after the catalog last heard of it);
* a copy is recorded as a copy of its original when the catalog holds that original;
  otherwise as a copy of the medium that holds the same pieces, or else as an original;
* sessions and versions are created as the media show them; spans and sizes of
  versions cut across media are derived piece by piece (:mod:`._pieces`), in any order.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

import attrs

from smartmedia.catalog._codec import micros
from smartmedia.catalog._db import Db
from smartmedia.catalog._lookup import get_medium, get_session, version_id
from smartmedia.catalog._media import add_pool, check_medium, write_medium, write_new_medium
from smartmedia.catalog._pieces import Piece, is_managed, place
from smartmedia.catalog._queries import positions_on_medium
from smartmedia.catalog._scanned import (
    Key,
    damage_notes,
    invalid,
    pieces_of,
    session_of,
    sessions_of,
)
from smartmedia.catalog._sessions import add_versions, finish_session, insert_session, touch_media
from smartmedia.catalog._values import ImportReport, Position
from smartmedia.errors import ConflictError, InvalidRecord, ValidationError
from smartmedia.format import (
    MediumContents,
    MediumHeader,
    MediumReader,
    SessionOnMedium,
)
from smartmedia.model import (
    Location,
    MediaPool,
    Medium,
    MediumId,
    MediumState,
    ObjectVersion,
    Protection,
    SessionId,
)

if TYPE_CHECKING:
    from smartmedia.catalog._protocol import Catalog

__all__ = ["import_contents", "import_medium"]


# ------------------------------------------------------------------------------ the medium


def _state_of(contents: MediumContents) -> MediumState:
    """Empty without sessions; full when a session went on on another medium (the writer
    moves on at early warning); else non-appendable: an imported medium, original or
    copy, takes no more data until someone says otherwise (:meth:`update_medium`)."""
    if not (contents.sessions or contents.objects):
        return MediumState.EMPTY
    if any(s.end is not None and s.end.continues_on is not None for s in contents.sessions):
        return MediumState.FULL
    return MediumState.NON_APPENDABLE


def _new_medium(
    header: MediumHeader,
    contents: MediumContents,
    lineage: tuple[MediumId | None, int],
    location: Location,
    protection: Protection,
) -> Medium:
    used = sum(o.bytes for o in contents.objects)
    state = _state_of(contents)
    try:
        return Medium(
            id=header.medium_id,
            label=header.label,
            media_type=header.media_type,
            pool=header.pool,
            capacity=max(header.media_type.native_capacity, used),
            formatted_at=header.created,
            barcode=header.barcode,
            bytes_used=used if state.holds_data else 0,
            write_count=header.write_count,
            protection=protection,
            location=location,
            state=state,
            original=lineage[0],
            copy_generation=lineage[1],
        )
    except ValidationError as e:
        raise invalid(e, "header") from None


def _holds_same_pieces(db: Db, medium_id: MediumId, pieces: Sequence[Piece]) -> MediumId | None:
    """The one original (other than ``medium_id``) holding the same pieces at the same
    blocks — the medium a copy was made from, or a copy of it promoted in its place."""
    found: set[str] = set()
    for piece in pieces:
        vid = version_id(db, piece.version.object, piece.version.session)
        if vid is None:
            continue
        for row in db.all(
            "SELECT p.medium, p.span, i.first_sequence FROM positions p "
            "JOIN media m ON m.id = p.medium LEFT JOIN imported_pieces i "
            "ON i.medium = p.medium AND i.first_block = p.first_block "
            "WHERE p.version = ? AND p.first_block = ? AND p.last_block = ? "
            "AND m.original IS NULL AND m.id <> ?",
            (vid, piece.first_block, piece.last_block, str(medium_id)),
        ):
            sequence = row[2] if row[2] is not None else (0 if row[1] == 0 else None)
            if sequence == piece.first_sequence:
                found.add(str(row[0]))
    return MediumId(found.pop()) if len(found) == 1 else None


def _lineage(
    db: Db, header: MediumHeader, pieces: Sequence[Piece], notes: list[str]
) -> tuple[MediumId | None, int]:
    """The original and copy generation the medium is recorded with."""
    if header.original is not None:
        row = db.value("SELECT 1 FROM media WHERE id = ?", (str(header.original),))
        if row:
            named = get_medium(db, header.original)
            if named.original is None and named.state.holds_data:
                return named.id, header.copy_generation
            if named.original is not None:
                line = get_medium(db, named.original)
                if line.state.holds_data:
                    notes.append(
                        f"its original {named.id} is now a copy of {line.id}: recorded as a "
                        f"copy of {line.id}"
                    )
                    return line.id, 1
    twin = _holds_same_pieces(db, header.medium_id, pieces)
    if twin is not None:
        if header.original is None:
            notes.append(
                f"medium {twin} is recorded as an original holding the same pieces (a copy "
                "of this medium imported before it): this medium is recorded as its copy"
            )
        else:
            notes.append(
                f"its original {header.original} is not usable in the catalog; medium {twin} "
                f"holds the same pieces: recorded as a copy of {twin}"
            )
        return twin, header.copy_generation if twin == header.original else 1
    if header.original is not None:
        notes.append(
            f"its original {header.original} is not in the catalog (or holds no data): "
            "imported as an original, the original of its line"
        )
    return None, 0


def _ensure_pool(db: Db, header: MediumHeader) -> str | None:
    if db.value("SELECT 1 FROM pools WHERE name = ?", (header.pool,)):
        return None
    try:
        pool = MediaPool(name=header.pool, media_type=header.media_type)
    except ValidationError as e:
        raise invalid(e, "header.pool") from None
    add_pool(db, pool)
    return pool.name


def _barcode_notes(db: Db, medium: Medium, notes: list[str]) -> None:
    if medium.barcode is None:
        return
    others = db.all(
        "SELECT id FROM media WHERE barcode = ? AND id <> ? ORDER BY id",
        (str(medium.barcode), str(medium.id)),
    )
    if others:
        names = ", ".join(r[0] for r in others)
        notes.append(f"barcode {medium.barcode} is also recorded on medium {names}")


# ------------------------------------------------------------------------ a known medium


def _compare_known(  # noqa: PLR0917 - one caller, private
    db: Db,
    known: Medium,
    contents: MediumContents,
    seen: list[tuple[Key, int, int]],
    pieces: list[Piece],
    notes: list[str],
) -> list[Piece]:
    """Check a known medium against what it holds; returns the pieces still to record."""
    header = contents.header
    where = f"medium {known.id}"
    # a copy's header keeps its source's formatting time (rewrite_header), which a copy
    # job may not have recorded as the copy's: only an original's is compared
    if not header.is_copy and micros(known.formatted_at) != micros(header.created):
        raise ConflictError(
            f"{where} is recorded as formatted at {known.formatted_at.isoformat()}, the medium "
            f"says {header.created.isoformat()}: another medium under the same ID"
        )
    if known.media_type is not header.media_type:
        raise ConflictError(
            f"{where} is recorded as {known.media_type.value}, the medium is "
            f"{header.media_type.value}"
        )
    recorded = positions_on_medium(db, known.id)
    if not recorded:
        return pieces
    at: dict[Key, tuple[int, int]] = {
        (p.object_version.object, p.object_version.session): (p.first_block, p.last_block)
        for p in recorded
    }
    on_medium = {key: (first, last) for key, first, last in seen}
    damaged = bool(contents.damaged or contents.rebuilt_segments or not contents.closed)
    for p in recorded:
        key = (p.object_version.object, p.object_version.session)
        blocks = on_medium.get(key)
        if blocks is not None and blocks != (p.first_block, p.last_block):
            raise ConflictError(
                f"{where}: the catalog records {p.object_version} at blocks {p.first_block}.."
                f"{p.last_block}, the medium holds it at blocks {blocks[0]}..{blocks[1]}"
            )
        if blocks is None:
            message = (
                f"{where}: the catalog records {p.object_version} at blocks {p.first_block}.."
                f"{p.last_block}, the medium does not hold it"
            )
            if not damaged:
                raise ConflictError(message)
            notes.append(f"{message} readably; the catalog keeps it")
    end = max(p.last_block for p in recorded)
    new = [p for p in pieces if (p.version.object, p.version.session) not in at]
    for piece in new:
        if piece.first_block <= end and version_id(db, *_key(piece.version)) is None:
            raise ConflictError(
                f"{where}: the medium holds {piece.version} at blocks {piece.first_block}.."
                f"{piece.last_block}, among the recorded data, and the catalog does not know it"
            )
    if any(p.first_block > end for p in new):
        notes.append(
            f"{where} holds data written after block {end}, the last the catalog records: "
            "recorded as appended to it"
        )
    return new


# ---------------------------------------------------------------------------- the import


def _record_sessions(
    db: Db,
    sessions: dict[SessionId, SessionOnMedium],
    added: list[SessionId],
    finished: list[SessionId],
    notes: list[str],
) -> None:
    for session_id, piece in sessions.items():
        session = session_of(piece)
        if not db.value("SELECT 1 FROM sessions WHERE id = ?", (str(session_id),)):
            insert_session(db, session)
            added.append(session_id)
            continue
        known = get_session(db, session_id)
        if (known.type, micros(known.started), known.specification) != (
            session.type,
            micros(session.started),
            session.specification,
        ):
            raise ConflictError(
                f"session {session_id} on the medium ({session.type.value}, started "
                f"{session.started.isoformat()}, {session.specification!r}) is not the recorded "
                f"one ({known.type.value}, started {known.started.isoformat()}, "
                f"{known.specification!r})"
            )
        if not session.status.is_finished:
            continue
        assert session.ended is not None
        if not known.status.is_finished:
            finish_session(db, session_id, session.status, session.ended)
            finished.append(session_id)
        elif known.status is not session.status:
            # (end times differ by design: the medium's end is written before the
            # catalog finishes the session)
            notes.append(
                f"session {session_id} is recorded as {known.status.label}, the medium says "
                f"{session.status.label}; the catalog keeps its record"
            )


def _link_notes(db: Db, sessions: dict[SessionId, SessionOnMedium], notes: list[str]) -> None:
    for session_id, piece in sessions.items():
        links = [("from", piece.start.previous_medium)]
        if piece.end is not None:
            links.append(("on", piece.end.continues_on))
        else:
            notes.append(
                f"session {session_id} has no end on the medium: recorded as in progress "
                "unless another medium ends it"
            )
        for word, other in links:
            if other is not None and not db.value(
                "SELECT 1 FROM media WHERE id = ?", (str(other),)
            ):
                notes.append(
                    f"session {session_id} continues {word} medium {other}, not in the catalog yet"
                )


def _record_medium(
    db: Db,
    contents: MediumContents,
    pieces: list[Piece],
    seen: list[tuple[Key, int, int]],
    *,
    location: Location,
    protection: Protection,
    notes: list[str],
) -> tuple[Medium, Medium | None, str | None, list[Piece]]:
    """Record the medium (or check the known one): the medium, the known record, the pool
    added, and the pieces still to record."""
    header = contents.header
    known = None
    if db.value("SELECT 1 FROM media WHERE id = ?", (str(header.medium_id),)):
        known = get_medium(db, header.medium_id)
    if known is not None and (known.state.holds_data or not pieces):
        return known, known, None, _compare_known(db, known, contents, seen, pieces, notes)
    new = _new_medium(header, contents, _lineage(db, header, pieces, notes), location, protection)
    pool_added = None
    if known is None:
        pool_added = _ensure_pool(db, header)
        check_medium(db, new, f"medium {new.id}")
        _barcode_notes(db, new, notes)
        write_new_medium(db, new)
        medium = new
    else:
        _compare_known(db, known, contents, seen, [], notes)
        medium = attrs.evolve(
            known,
            state=new.state,
            bytes_used=new.bytes_used,
            capacity=max(known.capacity, new.bytes_used),
            original=new.original,
            copy_generation=new.copy_generation,
        )
        check_medium(db, medium, f"medium {medium.id}")
        write_medium(db, medium)
        notes.append(f"medium {medium.id} was recorded as holding no data; its data is back")
    if medium.original is not None:
        db.run(
            "UPDATE media SET state = ? WHERE id = ? AND state = ?",
            (MediumState.NON_APPENDABLE.value, str(medium.original), MediumState.APPENDABLE.value),
        )
    return medium, known, pool_added, pieces


def _record_versions(db: Db, pieces: list[Piece]) -> list[ObjectVersion]:
    """Add the versions of ``pieces`` the catalog does not hold; returns them."""
    new = [p.version for p in pieces if version_id(db, *_key(p.version)) is None]
    by_session: dict[SessionId, list[ObjectVersion]] = {}
    for version in new:
        by_session.setdefault(version.session, []).append(version)
    for session_id, versions in by_session.items():
        add_versions(db, session_id, versions)
    return new


def _place_pieces(
    db: Db, medium: Medium, pieces: list[Piece], fresh: set[Key], notes: list[str]
) -> list[Position]:
    if pieces and not medium.state.holds_data:
        raise ConflictError(
            f"medium {medium.id} is recorded as {medium.state.value}, but holds data"
        )
    placed: list[Position] = []
    for piece in pieces:
        key = _key(piece.version)
        vid = version_id(db, *key)
        assert vid is not None
        if db.value("SELECT backup_time FROM versions WHERE id = ?", (vid,)) != micros(
            piece.version.backup_time
        ):
            raise ConflictError(
                f"medium {medium.id} holds {piece.version} backed up at "
                f"{piece.version.backup_time.isoformat()}; the catalog records another backup "
                "time for it"
            )
        managed = key in fresh or is_managed(db, vid)
        if place(db, medium, piece, vid, managed=managed, notes=notes):
            placed.append(
                Position(
                    medium=medium.id,
                    object_version=piece.version,
                    first_block=piece.first_block,
                    last_block=piece.last_block,
                )
            )
    return placed


def import_contents(
    db: Db,
    contents: MediumContents,
    *,
    location: Location,
    protection: Protection,
) -> ImportReport:
    """Record ``contents`` (a medium's scan) in the catalog; run inside a write transaction."""
    if not isinstance(contents, MediumContents):
        raise InvalidRecord(
            f"expected the MediumContents of a scan, got {type(contents).__name__}",
            path="contents",
        )
    if not isinstance(location, Location):
        raise InvalidRecord(f"expected a Location, got {type(location).__name__}", path="location")
    if not isinstance(protection, Protection):
        raise InvalidRecord(
            f"expected a Protection, got {type(protection).__name__}", path="protection"
        )
    notes: list[str] = []
    damage_notes(contents, notes)
    sessions = sessions_of(contents, notes)
    pieces, seen = pieces_of(contents, sessions, notes)
    medium, known, pool_added, pieces = _record_medium(
        db, contents, pieces, seen, location=location, protection=protection, notes=notes
    )
    sessions_added: list[SessionId] = []
    sessions_finished: list[SessionId] = []
    _record_sessions(db, sessions, sessions_added, sessions_finished, notes)
    _link_notes(db, sessions, notes)
    new_versions = _record_versions(db, pieces)
    placed = _place_pieces(db, medium, pieces, {_key(v) for v in new_versions}, notes)
    if placed:
        touch_media(db, {str(medium.id): placed})
        if known is not None:
            used = sum(o.bytes for o in contents.objects)
            db.run(
                "UPDATE media SET bytes_used = max(bytes_used, min(capacity, ?)) WHERE id = ?",
                (used, str(medium.id)),
            )
    blocks = {p.first_block for p in placed}
    positions = tuple(p for p in positions_on_medium(db, medium.id) if p.first_block in blocks)
    versions = {_key(p.object_version): p.object_version for p in positions}
    return ImportReport(
        medium=medium.id,
        already_known=known is not None,
        as_copy_of=get_medium(db, medium.id).original,
        pool_added=pool_added,
        sessions_added=tuple(sessions_added),
        sessions_finished=tuple(sessions_finished),
        versions_added=tuple(versions[_key(v)] for v in new_versions if _key(v) in versions),
        positions_added=positions,
        warnings=tuple(notes),
    )


def _key(version: ObjectVersion) -> Key:
    return (version.object, version.session)


def import_medium(
    catalog: Catalog,
    reader: MediumReader,
    *,
    location: Location | None = None,
    protection: Protection | None = None,
    full_scan: bool = False,
) -> ImportReport:
    """Record in ``catalog`` what the medium read by ``reader`` holds; returns what it did.

    Scans the medium (:meth:`MediumReader.scan`: its header and catalog segments, or the
    blocks of a segment whose catalog is damaged; with ``full_scan`` every block header
    too, so that damaged blocks inside recorded pieces are named) and hands the contents to
    :meth:`Catalog.import_contents`, one transaction. ``location`` (default: unknown) and
    ``protection`` (default: none) are given to a medium new to the catalog; a known
    medium keeps its own. Raises the format errors of the scan (a medium without a
    readable header) and the catalog errors of :meth:`Catalog.import_contents`.
    """
    if not isinstance(reader, MediumReader):
        raise InvalidRecord(f"expected a MediumReader, got {type(reader).__name__}", path="reader")
    return catalog.import_contents(
        reader.scan(full=full_scan),
        location=Location.unknown() if location is None else location,
        protection=Protection.none() if protection is None else protection,
    )
