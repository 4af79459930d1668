"""Hypothesis strategies for every model value, for our tests and for yours.

Needs the ``test`` extra (``hypothesis``). Every strategy builds only valid values, so a
property test can assume that whatever it is given passes validation::

    from hypothesis import given
    from smartmedia.testing import strategies as sms

    @given(sms.media())
    def test_my_report_handles_any_medium(medium): ...
"""

from __future__ import annotations

import datetime as _dt
import string

from hypothesis import strategies as st

from smartmedia.model import (
    AllocationPolicy,
    BackupObject,
    Barcode,
    Cartridge,
    CopyTrigger,
    Drive,
    DriveSerial,
    Library,
    Location,
    MailSlot,
    MediaPool,
    MediaType,
    Medium,
    MediumCondition,
    MediumId,
    MediumState,
    ObjectType,
    ObjectVersion,
    Protection,
    Session,
    SessionId,
    SessionStatus,
    SessionType,
    Slot,
    UsagePolicy,
)

__all__ = [
    "aware_datetimes",
    "backup_objects",
    "barcodes",
    "cartridges",
    "drive_serials",
    "libraries",
    "locations",
    "lto_barcodes",
    "media",
    "media_pools",
    "media_types",
    "medium_ids",
    "names",
    "object_versions",
    "protections",
    "session_ids",
    "sessions",
]

_HEX = "0123456789abcdef"
_UPPER_ALNUM = string.ascii_uppercase + string.digits
_BARCODE_CHARS = string.ascii_letters + string.digits + "-_"


def aware_datetimes() -> st.SearchStrategy[_dt.datetime]:
    """Datetimes from 2000 to 2100 in UTC or a whole-quarter-hour offset."""
    offsets = st.integers(-48, 56).map(lambda q: _dt.timezone(_dt.timedelta(minutes=15 * q)))
    return st.datetimes(
        min_value=_dt.datetime(2000, 1, 2), max_value=_dt.datetime(2099, 12, 30), timezones=offsets
    )


def _hex(digits: int) -> st.SearchStrategy[str]:
    return st.text(_HEX, min_size=digits, max_size=digits)


def medium_ids() -> st.SearchStrategy[MediumId]:
    return st.builds(
        lambda a, b, c, d: MediumId(f"{a}:{b}:{c}:{d}"), _hex(8), _hex(8), _hex(4), _hex(4)
    )


def session_ids() -> st.SearchStrategy[SessionId]:
    return st.builds(
        SessionId,
        date=st.dates(min_value=_dt.date(1990, 1, 1), max_value=_dt.date(2999, 12, 31)),
        number=st.integers(1, 10_000),
    )


def media_types(*, physical: bool = False) -> st.SearchStrategy[MediaType]:
    kinds = [t for t in MediaType if not (physical and t.is_virtual)]
    return st.sampled_from(kinds)


def lto_barcodes(media_type: MediaType | None = None) -> st.SearchStrategy[Barcode]:
    """8-character LTO labels whose media code names ``media_type`` (any LTO type if None)."""
    codes = sorted(
        code
        for t in MediaType
        if media_type is None or t is media_type
        for code in (t.data_code, t.worm_code)
        if code is not None
    )
    serial = st.text(_UPPER_ALNUM, min_size=6, max_size=6).filter(
        lambda s: not s.startswith(("CLN", "DG"))
    )
    return st.builds(lambda s, c: Barcode(s + c), serial, st.sampled_from(codes))


def barcodes() -> st.SearchStrategy[Barcode]:
    """Any valid barcode: LTO labels and free-form labels of up to 16 characters."""
    return st.one_of(lto_barcodes(), st.text(_BARCODE_CHARS, min_size=1, max_size=16).map(Barcode))


def drive_serials() -> st.SearchStrategy[DriveSerial]:
    return st.text(string.ascii_letters + string.digits + "._-", min_size=1, max_size=32).map(
        DriveSerial
    )


def names(max_size: int = 64) -> st.SearchStrategy[str]:
    """Printable names (pool, library, vault, label), Unicode included."""
    return st.text(
        st.characters(codec="utf-8", categories=("L", "N", "P", "S", "Zs")),
        min_size=1,
        max_size=max_size,
    ).filter(str.isprintable)


def protections() -> st.SearchStrategy[Protection]:
    return st.one_of(
        st.just(Protection.none()),
        st.just(Protection.permanent()),
        aware_datetimes().map(Protection.until_time),
    )


def locations() -> st.SearchStrategy[Location]:
    ordinal = st.integers(1, 10_000)
    return st.one_of(
        st.just(Location.unknown()),
        st.builds(Location.slot, names(), ordinal),
        st.builds(Location.drive, names(), ordinal),
        st.builds(Location.mail_slot, names(), ordinal),
        st.builds(Location.in_vault, names(128)),
    )


def media_pools() -> st.SearchStrategy[MediaPool]:
    return st.builds(
        MediaPool,
        name=names(),
        media_type=media_types(),
        allocation=st.sampled_from(AllocationPolicy),
        usage=st.sampled_from(UsagePolicy),
        valid_months=st.integers(1, 600),
        max_overwrites=st.integers(1, 10_000),
        free_pool=st.none(),
        description=st.text(max_size=40).filter(str.isprintable),
    )


@st.composite
def media(draw: st.DrawFn, *, copies: bool | None = None) -> Medium:
    """Consistent media; ``copies`` True/False forces a copy/an original."""
    media_type = draw(media_types())
    capacity = draw(st.integers(1, 40 * 10**12))
    state = draw(st.sampled_from(MediumState))
    used = draw(st.integers(0, capacity)) if state.holds_data else 0
    first = draw(st.none() | aware_datetimes())
    last = None if first is None else draw(st.none() | st.just(first) | aware_datetimes())
    if first is not None and last is not None and last < first:
        first, last = last, first
    medium_id = draw(medium_ids())
    is_copy = draw(st.booleans()) if copies is None else copies
    original = draw(medium_ids().filter(lambda m: m != medium_id)) if is_copy else None
    barcode = draw(st.none() | lto_barcodes(media_type) if media_type.data_code else st.none())
    return Medium(
        id=medium_id,
        label=draw(names(80)),
        media_type=media_type,
        pool=draw(names()),
        capacity=capacity,
        formatted_at=draw(aware_datetimes()),
        barcode=barcode,
        bytes_used=used,
        write_count=draw(st.integers(0, 1000)),
        first_written=first,
        last_written=last,
        protection=draw(protections()),
        location=draw(locations()),
        condition=draw(st.sampled_from(MediumCondition)),
        state=state,
        original=original,
        copy_generation=draw(st.integers(1, 5)) if is_copy else 0,
    )


def backup_objects() -> st.SearchStrategy[BackupObject]:
    return st.builds(
        BackupObject,
        type=st.sampled_from(ObjectType),
        host=st.from_regex(r"[a-z][a-z0-9-]{0,20}(\.[a-z]{2,6}){0,2}", fullmatch=True),
        mount=st.one_of(
            st.just("/"), st.from_regex(r"(/[A-Za-z0-9_. -]{1,12}){1,4}", fullmatch=True)
        ),
        description=st.text(max_size=30).filter(str.isprintable),
    )


def object_versions() -> st.SearchStrategy[ObjectVersion]:
    return st.builds(
        ObjectVersion,
        object=backup_objects(),
        session=session_ids(),
        backup_time=aware_datetimes(),
        size=st.integers(0, 10**14),
    )


@st.composite
def sessions(draw: st.DrawFn) -> Session:
    kind = draw(st.sampled_from(SessionType))
    status = draw(st.sampled_from(SessionStatus))
    started = draw(aware_datetimes())
    ended = None
    if status.is_finished:
        ended = started + draw(st.timedeltas(_dt.timedelta(0), _dt.timedelta(days=3)))
    trigger = draw(st.none() | st.sampled_from(CopyTrigger)) if kind is SessionType.COPY else None
    return Session(
        id=draw(session_ids()),
        type=kind,
        status=status,
        started=started,
        ended=ended,
        specification=draw(st.text(max_size=30).filter(str.isprintable)),
        trigger=trigger,
    )


def cartridges(media_type: MediaType | None = None) -> st.SearchStrategy[Cartridge]:
    kinds = st.just(media_type) if media_type else media_types()
    return kinds.flatmap(
        lambda t: st.builds(
            Cartridge,
            media_type=st.just(t),
            barcode=(lto_barcodes(t) if t.data_code else st.none()),
            write_protected=st.booleans(),
        )
    )


@st.composite
def libraries(draw: st.DrawFn, *, max_slots: int = 20, max_drives: int = 4) -> Library:
    """Consistent libraries: unique addresses, serials and barcodes."""
    generation = draw(media_types(physical=True))
    n_slots = draw(st.integers(0, max_slots))
    n_drives = draw(st.integers(0, max_drives))
    n_mail = draw(st.integers(0, 4))
    count = n_slots + n_drives + n_mail
    labels: list[Barcode] = []
    if generation.data_code is not None:  # types without a barcode code stay unlabelled
        labels = draw(
            st.lists(lto_barcodes(generation), min_size=count, max_size=count, unique=True)
        )
    filled = draw(st.lists(st.booleans(), min_size=count, max_size=count))

    def cartridge(i: int) -> Cartridge | None:
        if not filled[i]:
            return None
        barcode = labels[i] if labels else None
        return Cartridge(media_type=generation, barcode=barcode)

    serials = draw(st.lists(drive_serials(), min_size=n_drives, max_size=n_drives, unique=True))
    return Library(
        name=draw(names()),
        virtual=draw(st.booleans()),
        visible=draw(st.booleans()),
        slots=tuple(
            Slot(ordinal=i + 1, address=1000 + i, cartridge=cartridge(i)) for i in range(n_slots)
        ),
        drives=tuple(
            Drive(
                ordinal=i + 1,
                address=100 + i,
                serial=serials[i],
                generation=generation,
                cartridge=cartridge(n_slots + i),
            )
            for i in range(n_drives)
        ),
        mail_slots=tuple(
            MailSlot(ordinal=i + 1, address=10 + i, cartridge=cartridge(n_slots + n_drives + i))
            for i in range(n_mail)
        ),
    )
