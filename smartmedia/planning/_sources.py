"""Evaluating a selection against the catalog: the sources of a plan, and who is out.

Only originals holding data are copied (no copy of a copy); a source must sit in a
virtual library, where the VLS can read it; a source already reserved by a copy job, or
with the copies the policy asks for, is left out with that reason.
"""

from __future__ import annotations

import datetime as _dt
import fnmatch
from collections.abc import Mapping, Sequence, Set

from smartmedia.catalog import CatalogView, CopyJobState
from smartmedia.errors import UnknownEntity
from smartmedia.model import Medium, MediumId
from smartmedia.planning._plan import Reason, Unplaced
from smartmedia.planning._request import CopyPolicy, Selection

__all__ = ["reserved_media", "select_sources"]


def reserved_media(catalog: CatalogView) -> set[MediumId]:
    """Every medium a reserved copy job holds (as source or target)."""
    held: set[MediumId] = set()
    for job in catalog.copy_jobs(state=CopyJobState.RESERVED):
        held.add(job.source)
        held.update(job.targets)
    return held


def _explicit(selection: Selection, catalog: CatalogView, out: list[Unplaced]) -> list[Medium]:
    found: dict[MediumId, Medium] = {}
    for medium_id in selection.media:
        try:
            found.setdefault(medium_id, catalog.medium(medium_id))
        except UnknownEntity:
            out.append(
                Unplaced(
                    medium=medium_id,
                    reason=Reason.UNKNOWN_MEDIUM,
                    detail="no such medium in the catalog",
                )
            )
    for barcode in selection.barcodes:
        media = catalog.media_with_barcode(barcode)
        if not media:
            out.append(
                Unplaced(
                    medium=None,
                    barcode=barcode,
                    reason=Reason.UNKNOWN_MEDIUM,
                    detail="no medium with this barcode in the catalog (blank or foreign)",
                )
            )
        for medium in media:
            found.setdefault(medium.id, medium)
    for session in selection.sessions:
        try:
            media = catalog.media_of_session(session)
        except UnknownEntity:
            out.append(
                Unplaced(
                    medium=None,
                    reason=Reason.UNKNOWN_MEDIUM,
                    detail=f"session {session} is not in the catalog",
                )
            )
            continue
        for medium in media:
            found.setdefault(medium.id, medium)
    return [found[k] for k in sorted(found)]


def _object_names(catalog: CatalogView, medium: Medium) -> set[str]:
    return {
        f"{p.object_version.object.host}:{p.object_version.object.mount}"
        for p in catalog.positions_on_medium(medium.id)
    }


def _matches(
    selection: Selection,
    catalog: CatalogView,
    medium: Medium,
    now: _dt.datetime,
    copy_counts: Mapping[MediumId, int],
) -> bool:
    s = selection
    if s.pools and medium.pool not in s.pools:
        return False
    if s.media_types and medium.media_type not in s.media_types:
        return False
    written = medium.last_written
    if s.written_after is not None and (written is None or written < s.written_after):
        return False
    if s.written_before is not None and (written is None or written >= s.written_before):
        return False
    if s.min_age is not None and (written is None or now - written < s.min_age):
        return False
    if s.label_pattern is not None and not fnmatch.fnmatchcase(medium.label, s.label_pattern):
        return False
    if s.fewer_copies_than is not None and copy_counts.get(medium.id, 0) >= s.fewer_copies_than:
        return False
    if s.objects:
        names = _object_names(catalog, medium)
        if not any(fnmatch.fnmatchcase(n, p) for n in names for p in s.objects):
            return False
    return True


def select_sources(
    selection: Selection,
    policy: CopyPolicy,
    catalog: CatalogView,
    now: _dt.datetime,
    *,
    media: Sequence[Medium],
    copy_counts: Mapping[MediumId, int],
    held: Set[MediumId],
) -> tuple[list[Medium], list[Unplaced]]:
    """The media to copy (by ID) and the selected media left out, with reasons.

    ``media`` is every medium of the catalog, ``copy_counts`` the copies each original
    has and ``held`` the media reserved copy jobs hold, read once by the caller.
    """
    out: list[Unplaced] = []
    if selection.is_explicit:
        candidates = _explicit(selection, catalog, out)
    else:
        # criteria look only at originals that hold data: the rest is never a source
        candidates = [m for m in media if not m.is_copy and m.state.holds_data and m.bytes_used]
    virtual = {lib.name for lib in catalog.libraries() if lib.virtual}
    sources: list[Medium] = []
    for medium in candidates:
        if not _matches(selection, catalog, medium, now, copy_counts):
            continue
        if medium.is_copy:
            out.append(
                _out(
                    medium,
                    Reason.IS_A_COPY,
                    f"a copy of {medium.original}; copies are not copied again",
                )
            )
        elif not medium.state.holds_data or medium.bytes_used == 0:
            out.append(_out(medium, Reason.NO_DATA, f"the medium is {medium.state.value}"))
        elif medium.id in held:
            out.append(_out(medium, Reason.SOURCE_IN_USE, "a copy job in progress holds it"))
        elif medium.location.library not in virtual:
            out.append(
                _out(
                    medium,
                    Reason.SOURCE_NOT_ON_VLS,
                    f"it is at '{medium.location}', not in a virtual library of the VLS",
                )
            )
        else:
            copies = copy_counts.get(medium.id, 0)
            if copies >= policy.copies:
                out.append(
                    _out(
                        medium,
                        Reason.ALREADY_COPIED,
                        f"it has {copies} cop{'y' if copies == 1 else 'ies'}, "
                        f"the policy asks for {policy.copies}",
                    )
                )
            else:
                sources.append(medium)
    return sources, out


def _out(medium: Medium, reason: Reason, detail: str) -> Unplaced:
    return Unplaced(medium=medium.id, barcode=medium.barcode, reason=reason, detail=detail)
