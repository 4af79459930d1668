"""Integers of model values fit a signed 64-bit integer, as the catalog stores them; error
messages cut long values."""

import datetime as dt

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from smartmedia.catalog import SqliteCatalog
from smartmedia.errors import InvalidBarcode, InvalidSessionId, ValidationError, quote
from smartmedia.model import (
    Barcode,
    MediaPool,
    MediaType,
    Medium,
    MediumId,
    MediumState,
    SessionId,
)

UTC = dt.timezone.utc
T0 = dt.datetime(2026, 1, 15, 12, 0, tzinfo=UTC)
INT64_MAX = 2**63 - 1

near_the_bound = st.one_of(
    st.integers(INT64_MAX - 1000, INT64_MAX + 1000),
    st.integers(2**63, 2**200),
    st.sampled_from([10**5000, INT64_MAX, INT64_MAX + 1, 2**64]),
)


def medium(**changes):
    base = dict(
        id=MediumId("c0a80105:4f6b3a10:1b2c:0001"),
        label="VTL_1",
        media_type=MediaType.VIRTUAL,
        pool="VTL",
        capacity=10**12,
        formatted_at=T0,
        barcode=Barcode("VT0001"),
    )
    base.update(changes)
    return Medium(**base)


@settings(max_examples=200)
@given(near_the_bound, st.sampled_from(["capacity", "bytes_used", "write_count"]))
def test_counters_beyond_64_bits_are_refused_at_construction(value, field):
    changes = {field: value}
    if field == "bytes_used":
        changes.update(capacity=INT64_MAX, state=MediumState.FULL)
    if value <= INT64_MAX:
        assert getattr(medium(**changes), field) == value
        return
    with pytest.raises(ValidationError, match="signed 64-bit") as info:
        medium(**changes)
    assert info.value.path == field
    assert len(str(info.value)) < 200


@pytest.mark.parametrize("field", ["valid_months", "max_overwrites"])
def test_pool_limits_beyond_64_bits(field):
    with pytest.raises(ValidationError, match="signed 64-bit") as info:
        MediaPool(name="P", media_type=MediaType.LTO9, **{field: 2**63})
    assert info.value.path == field


def test_the_largest_values_are_stored_by_the_catalog():
    """The bound is the catalog's: a value at it is recorded and read back."""
    with SqliteCatalog(":memory:") as catalog:
        catalog.add_pool(MediaPool(name="VTL", media_type=MediaType.VIRTUAL))
        big = medium(
            capacity=INT64_MAX,
            bytes_used=INT64_MAX,
            write_count=INT64_MAX,
            state=MediumState.FULL,
            first_written=T0,
            last_written=T0,
        )
        catalog.add_medium(big)
        assert catalog.medium(big.id) == big


def test_session_numbers_fit_64_bits():
    assert SessionId.parse(f"2026/01/01-{INT64_MAX}").number == INT64_MAX
    for text in (f"2026/01/01-{INT64_MAX + 1}", "2026/01/01-" + "9" * 5000):
        with pytest.raises(InvalidSessionId):
            SessionId.parse(text)
    with pytest.raises(InvalidSessionId):
        SessionId(date=dt.date(2026, 1, 1), number=2**63)


def test_messages_cut_long_values():
    with pytest.raises(InvalidBarcode) as info:
        Barcode.parse("A" * 100_000)
    message = str(info.value)
    assert len(message) < 200
    assert "...(100000 chars)" in message
    with pytest.raises(ValidationError) as info:
        medium(label="L" * 100_000)
    assert len(str(info.value)) < 200
    with pytest.raises(ValidationError) as info:
        medium(capacity=10**5000)
    assert "integer of 16610 bits" in str(info.value)


@given(st.one_of(st.text(), st.integers(), st.binary(), st.lists(st.integers())))
def test_quote_is_short_and_never_raises(value):
    text = quote(value)
    assert len(text) <= 80 + 40
    if len(repr(value)) <= 80:
        assert text == repr(value)


def test_quote_shows_the_start_and_the_length():
    assert quote("abc") == "'abc'"
    assert quote("x" * 100, limit=5) == "'xxxxx'...(100 chars)"
    assert quote(list(range(100)), limit=10) == "[0, 1, 2, ...(390 chars)"
    assert quote(-(2**1000)) == "<-integer of 1001 bits>"
