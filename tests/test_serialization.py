import contextlib
import datetime as dt
import json

import pytest
from hypothesis import given
from hypothesis import strategies as st

from smartmedia import ValidationError
from smartmedia.model import (
    Barcode,
    Library,
    Location,
    MediaPool,
    MediaType,
    Medium,
    MediumId,
    ObjectVersion,
    Protection,
    Session,
    SessionId,
)
from smartmedia.serialization import from_json, structure, to_json, unstructure
from smartmedia.testing import strategies as sms

VALUES = [
    (sms.medium_ids(), MediumId),
    (sms.session_ids(), SessionId),
    (sms.barcodes(), Barcode),
    (sms.media(), Medium),
    (sms.media_pools(), MediaPool),
    (sms.sessions(), Session),
    (sms.object_versions(), ObjectVersion),
    (sms.libraries(), Library),
    (sms.protections(), Protection),
    (sms.locations(), Location),
]


@pytest.mark.parametrize(("strategy", "cls"), VALUES, ids=[c.__name__ for _, c in VALUES])
@given(data=st.data())
def test_json_round_trip_is_the_identity(strategy, cls, data):
    value = data.draw(strategy)
    text = to_json(value)
    back = from_json(text, cls)
    assert back == value
    assert to_json(back) == text  # offsets and microseconds survive, byte for byte


@given(st.lists(sms.media(), max_size=4))
def test_lists_and_tuples(media):
    assert from_json(to_json(media), list[Medium]) == media
    assert structure(unstructure(tuple(media)), tuple[Medium, ...]) == tuple(media)


def sample_medium_data():
    medium = Medium(
        id=MediumId("c0a80105:4f6b3a10:1b2c:0001"),
        label="Default LTO_1",
        media_type=MediaType.LTO9,
        pool="Default LTO",
        capacity=100,
        formatted_at=dt.datetime(2026, 1, 1, tzinfo=dt.timezone(dt.timedelta(hours=2))),
        barcode=Barcode("ABC123L9"),
    )
    return json.loads(to_json(medium))


def test_plain_data_shape():
    data = sample_medium_data()
    assert data["id"] == "c0a80105:4f6b3a10:1b2c:0001"
    assert data["media_type"] == "LTO-9"
    assert data["formatted_at"] == "2026-01-01T00:00:00+02:00"
    assert data["protection"] == {"kind": "none", "until": None}
    assert data["state"] == "empty"


def test_every_problem_is_reported_with_its_path():
    media = [sample_medium_data() for _ in range(4)]
    media[3]["barcode"] = "AB/../x"
    media[1]["capacity"] = "100"
    media[2]["surprise"] = 1
    media[0]["formatted_at"] = "2026-01-01T00:00:00"
    del media[2]["label"]
    with pytest.raises(ValidationError) as info:
        structure({"media": media}["media"], list[Medium])
    problems = {p.path: p.message for p in info.value.problems}
    assert (
        problems["[3].barcode"] == "'AB/../x' is not a valid barcode (1 to 16 characters "
        "of A-Z, a-z, 0-9, '-', '_')"
    )
    assert "expected an integer" in problems["[1].capacity"]
    assert problems["[2].surprise"] == "unknown field"
    assert problems["[2].label"] == "required field is missing"
    assert "no UTC offset" in problems["[0].formatted_at"]
    assert len(info.value.problems) == 5


def test_cross_field_rules_apply_to_documents():
    data = sample_medium_data()
    data["bytes_used"] = 500
    data["state"] = "full"
    with pytest.raises(ValidationError, match="exceed the capacity") as info:
        structure(data, Medium)
    assert info.value.path == "bytes_used"


def test_nested_paths():
    data = sample_medium_data()
    data["location"] = {"kind": "slot", "library": "L", "ordinal": 0, "vault": None}
    with pytest.raises(ValidationError) as info:
        structure(data, Medium)
    assert info.value.path == "location.ordinal"


@pytest.mark.parametrize(
    ("data", "cls", "message"),
    [
        ("x", Medium, "expected an object"),
        ({"a": 1}, list[Medium], "expected a list"),
        ("LTO-99", MediaType, "is not a MediaType"),
        (True, int, "expected an integer"),
        (1, bool, "expected true or false"),
        ("2026-1-1", dt.date, "not a date"),
        ("yesterday", dt.datetime, "not an ISO 8601"),
        ("!!", bytes, "not base64"),
        (5, MediumId, "must be text"),
    ],
)
def test_bad_documents(data, cls, message):
    with pytest.raises(ValidationError, match=message):
        structure(data, cls)


def test_not_json():
    with pytest.raises(ValidationError, match="not JSON"):
        from_json("{", Medium)
    with pytest.raises(ValidationError, match="not JSON"):
        from_json(b"\xff\xfe\x00", Medium)


def test_naive_datetime_cannot_be_written():
    with pytest.raises(ValidationError, match="time zone"):
        unstructure(dt.datetime(2026, 1, 1))


def test_other_scalars():
    assert unstructure(dt.timedelta(minutes=1)) == 60.0
    assert structure(90, dt.timedelta) == dt.timedelta(seconds=90)
    assert structure(unstructure(b"\x00\x01"), bytes) == b"\x00\x01"
    assert structure("2026-11-24", dt.date) == dt.date(2026, 11, 24)


@given(
    st.recursive(
        st.none() | st.booleans() | st.integers() | st.text(),
        lambda c: st.lists(c) | st.dictionaries(st.text(), c),
        max_leaves=10,
    )
)
def test_arbitrary_documents_raise_only_validation_errors(data):
    for cls in (Medium, Library, Session, list[ObjectVersion]):
        with contextlib.suppress(ValidationError):
            structure(data, cls)
