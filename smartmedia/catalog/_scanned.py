"""What a medium's scan says, in the catalog's terms: sessions, pieces, damage.

Reads a :class:`~smartmedia.format.MediumContents` without touching the catalog. A
piece is kept for recording when its object start is readable, its session start is
readable, and its data is complete on the medium or goes on on the next medium of its
session (the last object of a session piece that continues elsewhere); every other
object is left out with a note saying why. Damage is reported block by block (the
first few), with the versions whose blocks it falls among.
"""

from __future__ import annotations

import attrs

from smartmedia.catalog._pieces import Piece
from smartmedia.errors import InvalidRecord, ValidationError
from smartmedia.format import MediumContents, ObjectOnMedium, SessionOnMedium
from smartmedia.model import BackupObject, Session, SessionId, SessionStatus

__all__ = ["Key", "damage_notes", "invalid", "pieces_of", "session_of", "sessions_of"]

#: damaged blocks named one by one in the report; more are counted
_NAMED_DAMAGE = 20

Key = tuple[BackupObject, SessionId]


def invalid(error: ValidationError, prefix: str) -> InvalidRecord:
    """``error`` as an :class:`InvalidRecord` with its problems under ``prefix``."""
    moved = error.under(prefix)
    result = InvalidRecord(moved.message, path=moved.path)
    result.problems = moved.problems
    result.args = moved.args
    return result


def damage_notes(contents: MediumContents, notes: list[str]) -> None:
    damaged = contents.damaged
    for d in damaged[:_NAMED_DAMAGE]:
        field = f", field {d.field}" if d.field else ""
        notes.append(f"block {d.block} is damaged ({d.error}{field}: {d.message})")
    if len(damaged) > _NAMED_DAMAGE:
        notes.append(f"... and {len(damaged) - _NAMED_DAMAGE} more damaged blocks")
    if contents.rebuilt_segments:
        numbers = ", ".join(str(n) for n in contents.rebuilt_segments)
        notes.append(
            f"catalog segment(s) {numbers} unreadable: their data segments were described "
            "from their own blocks"
        )
    if not contents.closed:
        notes.append(
            "the medium has no end of data (never closed, or cut short): what follows its "
            "last readable block is unknown"
        )


def sessions_of(contents: MediumContents, notes: list[str]) -> dict[SessionId, SessionOnMedium]:
    found: dict[SessionId, SessionOnMedium] = {}
    for piece in contents.sessions:
        if piece.session in found:
            notes.append(
                f"session {piece.session} starts twice on the medium (blocks "
                f"{found[piece.session].start_block} and {piece.start_block}); the first counts"
            )
            continue
        found[piece.session] = piece
    return found


def pieces_of(
    contents: MediumContents, sessions: dict[SessionId, SessionOnMedium], notes: list[str]
) -> tuple[list[Piece], list[tuple[Key, int, int]]]:
    """The pieces to record, and every identified piece on the medium (key and blocks)."""
    last_of_session: dict[SessionId, ObjectOnMedium] = {}
    for obj in contents.objects:
        last_of_session[obj.session] = obj
    pieces: list[Piece] = []
    seen: list[tuple[Key, int, int]] = []
    for obj in contents.objects:
        where = (
            f"object {obj.index} of session {obj.session} (blocks "
            f"{obj.first_block}..{obj.last_block})"
        )
        version = obj.version()
        if version is None:
            notes.append(f"{where}: its object start is damaged; not recorded")
            continue
        version = attrs.evolve(version, size=0)
        seen.append(((version.object, version.session), obj.first_block, obj.last_block))
        session = sessions.get(obj.session)
        if session is None:
            notes.append(f"{version}: the start of its session is unreadable; not recorded")
            continue
        continues_on = session.end.continues_on if session.end is not None else None
        cut = continues_on is not None and last_of_session[obj.session] is obj
        if not obj.complete and not cut:
            notes.append(
                f"{version}: incomplete (its data stops at block {obj.last_block} and does not "
                "go on on another medium); not recorded"
            )
            continue
        for d in contents.damaged:
            if obj.first_block <= d.block <= obj.last_block:
                notes.append(
                    f"{version}: damaged block {d.block} lies within its piece; a restore "
                    "from this medium may fail there"
                )
        pieces.append(
            Piece(
                version=version,
                first_block=obj.first_block,
                last_block=obj.last_block,
                first_sequence=obj.first_sequence,
                bytes=obj.bytes,
                complete=obj.complete,
                session_span=session.start.span,
                previous_medium=session.start.previous_medium,
                continues_on=continues_on,
            )
        )
    return pieces, seen


def session_of(piece: SessionOnMedium) -> Session:
    start, end = piece.start, piece.end
    finished = end is not None and end.continues_on is None and end.status.is_finished
    try:
        return Session(
            id=start.session,
            type=start.type,
            status=end.status if finished and end is not None else SessionStatus.IN_PROGRESS,
            started=start.started,
            ended=end.ended if finished and end is not None else None,
            specification=start.specification,
        )
    except ValidationError as e:
        raise invalid(e, f"session {start.session}") from None
