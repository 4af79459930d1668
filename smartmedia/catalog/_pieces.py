"""Placing imported pieces of object versions: their spans, and the sizes of versions.

A medium tells, for each piece of an object version on it, the session's piece number
on that medium (``SessionStart.span``: 0 where the session began, n on its n-th next
medium), the sequence number of the piece's first data block and the piece's bytes. It
does not tell which piece of the *version* it is when the version began on an earlier
medium, nor the version's whole size. Import keeps what each medium told in
``imported_pieces`` and derives both, so media can be imported one at a time, in any
order, with the same result:

* a version's **span numbers** count its pieces from 0 (as :class:`Position` says): the
  piece on the medium of session piece ``s`` has span ``s - s0``, where ``s0`` is the
  session piece of the medium on which the version's data begins (its first sequence is
  0; the writer puts at least one data block of a cut version on every medium it goes
  on, so the pieces lie on consecutive session pieces). Until that medium is imported,
  ``s0`` is unknown and each piece carries ``s`` itself — never lower than its true span,
  so span 0 stays missing and no restore is offered — and all of them move down by
  ``s0`` when it arrives;
* a version's **size** is the sum of the bytes of its pieces, one per first sequence
  (the same piece on an original and its copies counts once). It grows as pieces arrive.

Versions recorded otherwise (by a backup session, or loaded from an export) keep their
recorded size and spans: a piece of them found on a medium must fit within the size, and
takes its span from its neighbours on the media before and after it.

Invariants: every position with an ``imported_pieces`` row was placed here; a version's
positions are all provisional (no piece with first sequence 0 known) or all final.
"""

from __future__ import annotations

import attrs

from smartmedia.catalog._db import Db
from smartmedia.catalog._sessions import add_positions
from smartmedia.catalog._values import Position
from smartmedia.errors import ConflictError
from smartmedia.model import Medium, MediumId, ObjectVersion

__all__ = ["Piece", "is_managed", "place"]

_JOIN = (
    "FROM positions p JOIN imported_pieces i "
    "ON i.medium = p.medium AND i.first_block = p.first_block"
)


@attrs.frozen(kw_only=True)
class Piece:
    """One object version's data on the medium being imported, as the medium tells it.

    ``version`` has size 0 (its size is the catalog's to keep). ``previous_medium`` and
    ``continues_on`` are the medium the session came from and goes on to, if any.
    """

    version: ObjectVersion
    first_block: int
    last_block: int
    first_sequence: int
    bytes: int
    complete: bool
    session_span: int
    previous_medium: MediumId | None
    continues_on: MediumId | None


def is_managed(db: Db, vid: int) -> bool:
    """True if import keeps the size and spans of version ``vid``: it has imported pieces,
    and every piece of it on an original was placed by an import."""
    if not db.value(f"SELECT 1 {_JOIN} WHERE p.version = ? LIMIT 1", (vid,)):
        return False
    foreign = db.value(
        "SELECT 1 FROM positions p JOIN media m ON m.id = p.medium "
        "LEFT JOIN imported_pieces i ON i.medium = p.medium AND i.first_block = p.first_block "
        "WHERE p.version = ? AND m.original IS NULL AND i.medium IS NULL LIMIT 1",
        (vid,),
    )
    return not foreign


def _span_on(db: Db, medium: MediumId | None, vid: int) -> int | None:
    if medium is None:
        return None
    value = db.value(
        "SELECT min(span) FROM positions WHERE medium = ? AND version = ?", (str(medium), vid)
    )
    return None if value is None else int(value)


def _copied_span(db: Db, medium: Medium, piece: Piece, vid: int) -> int | None:
    """On a copy, the span of the same piece on its original (same blocks), if recorded."""
    if medium.original is None:
        return None
    value = db.value(
        "SELECT span FROM positions WHERE medium = ? AND version = ? AND first_block = ? "
        "AND last_block = ?",
        (str(medium.original), vid, piece.first_block, piece.last_block),
    )
    return None if value is None else int(value)


def _managed_span(db: Db, medium: Medium, piece: Piece, vid: int, notes: list[str]) -> int:
    """The span of ``piece`` of an import-kept version (renumbering its other pieces when
    this one is where the version begins)."""
    where = f"medium {medium.id}: {piece.version}"
    starts = {
        int(r[0])
        for r in db.all(
            f"SELECT i.session_span {_JOIN} WHERE p.version = ? AND i.first_sequence = 0",
            (vid,),
        )
    }
    if len(starts) > 1 or (
        starts and piece.first_sequence == 0 and piece.session_span not in starts
    ):
        found = sorted(starts | ({piece.session_span} if piece.first_sequence == 0 else set()))
        raise ConflictError(
            f"{where} begins on session pieces {found} of different media: they are not "
            "the media of one session"
        )
    if piece.first_sequence == 0:
        s0 = piece.session_span
        if not starts and s0:
            lowest = db.value("SELECT min(span) FROM positions WHERE version = ?", (vid,))
            if lowest is not None and int(lowest) < s0:
                raise ConflictError(
                    f"{where} begins on session piece {s0}, but another medium holds a piece "
                    f"of it on session piece {lowest}"
                )
            db.run("UPDATE positions SET span = span - ? WHERE version = ?", (s0, vid))
        return 0
    if starts:
        (s0,) = starts
        span = piece.session_span - s0
        if span <= 0:
            raise ConflictError(
                f"{where} continues on session piece {piece.session_span}, but begins on "
                f"session piece {s0} of another medium"
            )
        return span
    notes.append(
        f"{piece.version}: its data begins on a medium not imported yet; the piece on "
        f"this medium is numbered provisionally (span {piece.session_span}, its session "
        "piece) until that medium is imported"
    )
    return piece.session_span


def _recorded_span(db: Db, medium: Medium, piece: Piece, vid: int, notes: list[str]) -> int | None:
    """The span of ``piece`` of a version whose spans were recorded otherwise."""
    if piece.first_sequence == 0:
        return 0
    before = _span_on(db, piece.previous_medium, vid)
    if before is not None:
        return before + 1
    after = _span_on(db, piece.continues_on, vid) if not piece.complete else None
    if after is not None and after >= 1:
        return after - 1
    notes.append(
        f"{piece.version}: not recorded on medium {medium.id}: the catalog holds the "
        "version, but none of its pieces on the media before and after this one, so the "
        "place of this piece among them is unknown (import those media first)"
    )
    return None


def _resize(db: Db, vid: int, piece: Piece, medium: Medium, notes: list[str]) -> None:
    """Grow the version's size to the bytes of its imported pieces, one per first sequence."""
    others = {
        int(r[0])
        for r in db.all(
            f"SELECT i.bytes {_JOIN} WHERE p.version = ? AND i.first_sequence = ? "
            "AND i.medium <> ?",
            (vid, piece.first_sequence, str(medium.id)),
        )
    }
    if others and others != {piece.bytes}:
        notes.append(
            f"{piece.version}: medium {medium.id} holds {piece.bytes} bytes from data block "
            f"{piece.first_sequence}, another medium {sorted(others)}; the larger counts "
            "(a damaged read shows fewer bytes)"
        )
    total = db.value(
        f"SELECT sum(b) FROM (SELECT max(i.bytes) AS b {_JOIN} WHERE p.version = ? "
        "GROUP BY i.first_sequence)",
        (vid,),
    )
    db.run("UPDATE versions SET size = max(size, ?) WHERE id = ?", (int(total or 0), vid))


def place(
    db: Db, medium: Medium, piece: Piece, vid: int, *, managed: bool, notes: list[str]
) -> bool:
    """Record ``piece`` on ``medium`` (already recorded, holding data) as a position of
    version ``vid``; returns False if its span cannot be known (with a note why).

    ``managed``: import keeps the version's size and spans (:func:`is_managed`, or the
    version is new). Raises :class:`ConflictError` if the piece contradicts the records.
    """
    span = _copied_span(db, medium, piece, vid)
    if span is None:
        if managed:
            span = _managed_span(db, medium, piece, vid, notes)
        else:
            size = int(db.value("SELECT size FROM versions WHERE id = ?", (vid,)))
            if piece.bytes > size:
                raise ConflictError(
                    f"medium {medium.id} holds {piece.bytes} bytes of {piece.version}, more "
                    f"than its recorded size of {size} bytes"
                )
            span = _recorded_span(db, medium, piece, vid, notes)
            if span is None:
                return False
    position = Position(
        medium=medium.id,
        object_version=piece.version,
        first_block=piece.first_block,
        last_block=piece.last_block,
        span=span,
    )
    add_positions(
        db,
        [position],
        {(piece.version.object, piece.version.session): (vid, piece.version)},
        session_id=None,
        label=f"medium {medium.id}: pieces",
        allow_copies=medium.is_copy,
    )
    db.run(
        "INSERT INTO imported_pieces (medium, first_block, session_span, first_sequence, bytes) "
        "VALUES (?, ?, ?, ?, ?)",
        (str(medium.id), piece.first_block, piece.session_span, piece.first_sequence, piece.bytes),
    )
    if managed:
        _resize(db, vid, piece, medium, notes)
    return True
