"""Hypothesis strategies for the on-tape format's records, for codec and reader tests."""

from __future__ import annotations

from hypothesis import strategies as st

from smartmedia.format import (
    MAX_BLOCK_SIZE,
    MIN_BLOCK_SIZE,
    NO_MEDIUM,
    BlockHeader,
    CatalogRecord,
    CatalogSegment,
    EndOfDataRecord,
    Extent,
    MediumHeader,
    ObjectStart,
    SessionEnd,
    SessionStart,
)
from smartmedia.model import MediumId, SessionStatus, SessionType
from smartmedia.testing.strategies import (
    aware_datetimes,
    backup_objects,
    barcodes,
    media_types,
    medium_ids,
    names,
    session_ids,
)

__all__ = [
    "block_headers",
    "catalog_segments",
    "end_of_data_records",
    "extents",
    "medium_headers",
    "object_starts",
    "records",
    "session_ends",
    "session_starts",
]


def _medium_ids() -> st.SearchStrategy[MediumId]:
    return medium_ids().filter(lambda m: m != NO_MEDIUM)


_U32 = st.integers(0, 2**32 - 1)
_U64 = st.integers(0, 2**63 - 1)  # u64 fields hold values below 2^63 (spec §1)


def block_headers() -> st.SearchStrategy[BlockHeader]:
    return st.builds(
        BlockHeader,
        type=st.integers(0, 2**16 - 1),
        flags=st.integers(0, 2**16 - 1),
        session=st.none() | session_ids(),
        object_index=_U32,
        sequence=_U64,
        block_index=_U64,
        payload_length=st.integers(0, MAX_BLOCK_SIZE - 56),
        payload_crc=_U32,
    )


@st.composite
def medium_headers(draw: st.DrawFn) -> MediumHeader:
    copy = draw(st.booleans())
    medium_id = draw(_medium_ids())
    original = draw(_medium_ids().filter(lambda m: m != medium_id)) if copy else None
    return MediumHeader(
        medium_id=medium_id,
        label=draw(names(80)),
        media_type=draw(media_types()),
        pool=draw(names(64)),
        created=draw(aware_datetimes()),
        barcode=draw(st.none() | barcodes()),
        block_size=draw(st.integers(MIN_BLOCK_SIZE // 4096, MAX_BLOCK_SIZE // 4096)) * 4096,
        segment_size=draw(st.integers(2**20, 2**48)),
        write_count=draw(_U32),
        original=original,
        copy_generation=draw(st.integers(1, 2**16 - 1)) if copy else 0,
    )


@st.composite
def session_starts(draw: st.DrawFn) -> SessionStart:
    span = draw(st.integers(0, 2**16 - 1))
    return SessionStart(
        session=draw(session_ids()),
        type=draw(st.sampled_from(SessionType)),
        started=draw(aware_datetimes()),
        specification=draw(st.just("") | names(128)),
        span=span,
        previous_medium=draw(_medium_ids()) if span else None,
    )


def object_starts() -> st.SearchStrategy[ObjectStart]:
    return st.builds(
        ObjectStart,
        session=session_ids(),
        index=st.integers(1, 2**32 - 1),
        object=backup_objects(),
        backup_time=aware_datetimes(),
        first_sequence=_U64,
    )


def session_ends() -> st.SearchStrategy[SessionEnd]:
    return st.builds(
        SessionEnd,
        session=session_ids(),
        ended=aware_datetimes(),
        status=st.sampled_from(SessionStatus),
        objects=_U32,
        bytes=_U64,
        continues_on=st.none() | _medium_ids(),
    )


def records() -> st.SearchStrategy[SessionStart | ObjectStart | SessionEnd]:
    return st.one_of(session_starts(), object_starts(), session_ends())


@st.composite
def extents(draw: st.DrawFn) -> Extent:
    first = draw(_U64)
    return Extent(
        session=draw(session_ids()),
        object_index=draw(_U32),
        first_block=first,
        last_block=draw(st.integers(first, 2**63 - 1)),
        first_sequence=draw(_U64),
        bytes=draw(_U64),
        complete=draw(st.booleans()),
    )


@st.composite
def catalog_segments(draw: st.DrawFn) -> CatalogSegment:
    parts = draw(st.integers(1, 2**16 - 1))
    return CatalogSegment(
        number=draw(st.integers(1, 2**32 - 1)),
        data_first=draw(_U64),
        data_last=draw(_U64),
        previous_catalog=draw(_U64),
        records=tuple(
            draw(st.lists(st.builds(CatalogRecord, block=_U64, record=records()), max_size=5))
        ),
        extents=tuple(draw(st.lists(extents(), max_size=5))),
        part=draw(st.integers(1, parts)),
        parts=parts,
    )


def end_of_data_records() -> st.SearchStrategy[EndOfDataRecord]:
    return st.builds(
        EndOfDataRecord,
        last_catalog=_U64,
        sessions=_U32,
        segments=_U32,
        data_blocks=_U64,
        bytes=_U64,
    )
