"""Hostile JSON: every document the library reads goes through ``loads_document``, which
turns any text into a value or a ValidationError naming the document, never another
exception (RecursionError, ValueError of the int parser, MemoryError...)."""

import contextlib
import datetime as dt
import json
import math

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from smartmedia.catalog import CatalogExport, SqliteCatalog, load_json
from smartmedia.errors import InvalidRecord, ValidationError
from smartmedia.model import Medium
from smartmedia.serialization import (
    MAX_JSON_DEPTH,
    MAX_JSON_INT_DIGITS,
    from_json,
    loads_document,
    structure,
    to_json,
)

from .test_serialization import sample_medium_data


def export_from_json(text):
    """Load ``text`` as a catalog export into a new catalog, which must stay empty."""
    with SqliteCatalog(":memory:") as fresh:
        try:
            load_json(fresh, text)
        finally:
            assert fresh.media() == []
            assert fresh.pools() == []


INT64_MAX = 2**63 - 1
INT64_MIN = -(2**63)

HOSTILE = {
    "deep arrays": "[" * 100_000 + "]" * 100_000,
    "deep objects": '{"a":' * 100_000 + "1" + "}" * 100_000,
    "unclosed deep": "[" * 100_000,
    "5000-digit integer": "[1" + "0" * 5000 + "]",
    "negative 5000-digit integer": "[-1" + "0" * 5000 + "]",
    "NaN": '{"x": NaN}',
    "Infinity": "[Infinity]",
    "-Infinity": "[-Infinity]",
    "1e309": "[1e309]",
    "-1e309": "[-1e309]",
    "duplicate keys": '{"a": 1, "a": 2}',
    "nested duplicate keys": '{"a": [{"b": 1, "c": 2, "b": 3}]}',
    "lone high surrogate": '["\\ud800"]',
    "lone low surrogate in a key": '{"\\udc00": 1}',
    "not JSON": "{",
    "empty": "",
}


@pytest.mark.parametrize("name", sorted(HOSTILE))
def test_hostile_text_is_refused_naming_the_document(name):
    with pytest.raises(ValidationError) as info:
        loads_document(HOSTILE[name], what="the test document")
    assert str(info.value).count("the test document") == 1
    assert len(str(info.value)) < 200


@pytest.mark.parametrize("name", sorted(HOSTILE))
def test_every_reader_refuses_hostile_text(name):
    with pytest.raises(ValidationError):
        from_json(HOSTILE[name], Medium)
    with pytest.raises(InvalidRecord, match="a catalog export"):
        export_from_json(HOSTILE[name])


def test_depth_limit_is_exact_and_documents_below_it_load():
    assert loads_document("[" * MAX_JSON_DEPTH + "]" * MAX_JSON_DEPTH, what="d") is not None
    with pytest.raises(ValidationError, match=f"at most {MAX_JSON_DEPTH}"):
        loads_document("[" * (MAX_JSON_DEPTH + 1) + "]" * (MAX_JSON_DEPTH + 1), what="d")
    # brackets inside strings are text, not nesting
    text = json.dumps(["[" * 1000, "{" * 1000, '\\"[[['])
    assert loads_document(text, what="d") == ["[" * 1000, "{" * 1000, '\\"[[[']


def test_integer_digits_limit():
    assert loads_document("9" * MAX_JSON_INT_DIGITS, what="d") == int("9" * MAX_JSON_INT_DIGITS)
    with pytest.raises(ValidationError, match="integer of 41 digits"):
        loads_document("9" * (MAX_JSON_INT_DIGITS + 1), what="d")
    # long fractions are floats, not integers: they parse
    assert loads_document("1." + "0" * 5000, what="d") == 1.0


def test_bytes_must_be_utf8_and_valid_pairs_are_kept():
    with pytest.raises(ValidationError, match="not UTF-8 text at byte 2"):
        loads_document(b'["\xff"]', what="d")
    with pytest.raises(ValidationError, match="not UTF-8"):
        loads_document(b'["\xed\xa0\x80"]', what="d")  # an encoded surrogate
    assert loads_document('["\\ud83d\\ude00"]', what="d") == ["\U0001f600"]
    assert loads_document('["\\\\ud800"]', what="d") == ["\\ud800"]  # an escaped backslash


def test_lone_surrogates_are_reported_with_their_path():
    with pytest.raises(ValidationError, match="lone surrogate") as info:
        loads_document('{"media": [{"label": "ok"}, {"label": "x\\udfff"}]}', what="d")
    assert info.value.path == "media[1].label"
    with pytest.raises(ValidationError, match="lone surrogate"):
        loads_document('["\ud800"]', what="d")  # a raw one in str text


def test_size_limit():
    assert loads_document("[1, 2]", what="d", max_bytes=6) == [1, 2]
    with pytest.raises(ValidationError, match="larger than 6 bytes"):
        loads_document(b"[1, 2] ", what="d", max_bytes=6)
    with pytest.raises(ValidationError, match="larger than 6 characters"):
        loads_document("[1, 2] ", what="d", max_bytes=6)


JSON_ALPHABET = st.sampled_from([*'[]{}",:0123456789-+.eE \\ntrufalsNIiy', "\\u", "\ud800"])


@settings(max_examples=500)
@given(st.lists(JSON_ALPHABET, max_size=200).map("".join))
def test_any_text_gives_data_or_a_validation_error(text):
    with contextlib.suppress(ValidationError):
        loads_document(text, what="d")


@settings(max_examples=300)
@given(st.binary(max_size=200))
def test_any_bytes_give_data_or_a_validation_error(raw):
    with contextlib.suppress(ValidationError):
        loads_document(raw, what="d")


plain = st.recursive(
    st.none()
    | st.booleans()
    | st.integers()
    | st.floats(allow_nan=False, allow_infinity=False)
    | st.text(),
    lambda c: st.lists(c, max_size=4) | st.dictionaries(st.text(max_size=4), c, max_size=4),
    max_leaves=20,
)


def _refused(data):
    if isinstance(data, bool) or data is None or isinstance(data, float):
        return False
    if isinstance(data, int):
        return len(str(abs(data))) > MAX_JSON_INT_DIGITS
    if isinstance(data, str):
        return any(0xD800 <= ord(c) <= 0xDFFF for c in data)
    if isinstance(data, list):
        return any(_refused(x) for x in data)
    return any(_refused(k) or _refused(v) for k, v in data.items())


@settings(max_examples=300)
@given(plain)
def test_documents_json_accepts_read_the_same(data):
    text = json.dumps(data)
    if _refused(data):
        # the documented refusals: integers too long, lone surrogates in text
        with pytest.raises(ValidationError, match=r"digits|surrogate"):
            loads_document(text, what="d")
        return
    assert loads_document(text, what="d") == data


# ---------------------------------------------------------------- integers and floats


@settings(max_examples=300)
@given(
    st.one_of(
        st.integers(INT64_MAX - 1000, INT64_MAX + 1000),
        st.integers(INT64_MIN - 1000, INT64_MIN + 1000),
        st.integers(),
        st.integers(min_value=2**63, max_value=10**39),
    )
)
def test_integers_fit_64_bits_with_their_path(value):
    data = sample_medium_data()
    data["capacity"] = value
    data["bytes_used"] = 0
    text = json.dumps(data)
    if 1 <= value <= INT64_MAX:
        assert from_json(text, Medium).capacity == value
        return
    with pytest.raises(ValidationError) as info:
        from_json(text, Medium)
    assert info.value.path == "capacity"


@pytest.mark.parametrize("value", [INT64_MAX + 1, 10**30, INT64_MIN - 1])
def test_int_out_of_range_is_refused_by_the_converter(value):
    with pytest.raises(ValidationError, match="signed 64-bit"):
        structure(value, int)
    assert structure(INT64_MAX, int) == INT64_MAX
    assert structure(INT64_MIN, int) == INT64_MIN


@pytest.mark.parametrize("value", [math.nan, math.inf, -math.inf, 10**400])
def test_floats_must_be_finite(value):
    with pytest.raises(ValidationError, match="finite"):
        structure(value, float)
    with pytest.raises(ValidationError, match="finite"):
        structure(value, dt.timedelta)


def test_a_catalog_export_with_an_integer_beyond_64_bits_names_the_field():
    data = json.loads(to_json(CatalogExport()))
    data["media"] = [sample_medium_data() for _ in range(4)]
    data["media"][3]["capacity"] = 2**63
    with pytest.raises(InvalidRecord) as info:
        export_from_json(json.dumps(data))
    assert [p.path for p in info.value.problems] == ["media[3].capacity"]
    assert "out of range" in str(info.value)
