import datetime as dt

import pytest
from hypothesis import given
from hypothesis import strategies as st

from smartmedia import SmartMediaError, ValidationError
from smartmedia.errors import InvalidBarcode, InvalidMediumId, InvalidSerial, InvalidSessionId
from smartmedia.model import (
    Barcode,
    DriveSerial,
    MediaType,
    MediumId,
    MediumIdGenerator,
    SessionId,
    new_medium_id,
)
from smartmedia.testing import strategies as sms


class TestMediumId:
    def test_parse_and_print_back(self):
        text = "c0a80105:4f6b3a10:1b2c:0001"
        assert str(MediumId.parse(text)) == text

    @pytest.mark.parametrize(
        "text",
        [
            "",
            "C0A80105:4f6b3a10:1b2c:0001",  # uppercase
            "c0a80105:4f6b3a10:1b2c",  # three fields
            "c0a80105:4f6b3a10:1b2c:0001:0002",
            "c0a8010:4f6b3a10:1b2c:0001",  # short field
            "c0a80105-4f6b3a10-1b2c-0001",
            "g0a80105:4f6b3a10:1b2c:0001",
            " c0a80105:4f6b3a10:1b2c:0001",
            "c0a80105:4f6b3a10:1b2c:0001\n",
        ],
    )
    def test_malformed_text_is_rejected(self, text):
        with pytest.raises(InvalidMediumId, match="medium ID"):
            MediumId.parse(text)

    def test_non_text_is_rejected(self):
        with pytest.raises(InvalidMediumId):
            MediumId.parse(12)  # type: ignore[arg-type]

    def test_error_is_catchable_as_value_error_and_library_error(self):
        with pytest.raises(ValueError, match="not a medium ID"):
            MediumId.parse("nope")
        with pytest.raises(SmartMediaError):
            MediumId.parse("nope")

    @given(sms.medium_ids())
    def test_binary_round_trip(self, medium_id):
        raw = medium_id.to_bytes()
        assert len(raw) == MediumId.SIZE
        assert MediumId.from_bytes(raw) == medium_id
        assert MediumId.from_bytes(memoryview(raw)) == medium_id

    def test_from_bytes_wrong_length(self):
        with pytest.raises(InvalidMediumId, match="12 bytes"):
            MediumId.from_bytes(b"\x00" * 11)

    def test_from_fields(self):
        assert str(MediumId.from_fields(0xC0A80105, 0x4F6B3A10, 0x1B2C, 1)) == (
            "c0a80105:4f6b3a10:1b2c:0001"
        )
        with pytest.raises(InvalidMediumId, match="counter"):
            MediumId.from_fields(1, 1, 1, 1 << 16)


class TestMediumIdGenerator:
    def test_fields_are_host_time_process_counter(self):
        gen = MediumIdGenerator("192.168.1.5", clock=lambda: 0x4F6B3A10, process=0x1B2C)
        first = gen()
        assert str(first).startswith("c0a80105:4f6b3a10:1b2c:")

    def test_never_repeats_even_past_the_counter_within_one_second(self):
        gen = MediumIdGenerator("10.9.9.1", clock=lambda: 1_000_000, process=7)
        ids = [gen() for _ in range(70_000)]
        assert len(set(ids)) == len(ids)

    def test_generators_in_one_process_share_the_sequence(self):
        a = MediumIdGenerator("10.9.9.2", clock=lambda: 5, process=1)
        b = MediumIdGenerator("10.9.9.2", clock=lambda: 5, process=1)
        assert len({a(), b(), a(), b()}) == 4

    def test_a_clock_going_backwards_does_not_repeat(self):
        times = iter([100, 50, 50, 100, 101])
        gen = MediumIdGenerator("10.9.9.3", clock=lambda: next(times), process=2)
        assert len({gen() for _ in range(5)}) == 5

    def test_hosts_with_different_addresses_never_collide(self):
        a = MediumIdGenerator("10.0.0.1", clock=lambda: 9, process=3)
        b = MediumIdGenerator("10.0.0.2", clock=lambda: 9, process=3)
        assert {a() for _ in range(100)}.isdisjoint({b() for _ in range(100)})

    def test_bad_host(self):
        with pytest.raises(ValidationError, match="IPv4"):
            MediumIdGenerator("not-an-address")
        with pytest.raises(ValidationError, match="32 bits"):
            MediumIdGenerator(1 << 32)

    def test_default_generator(self):
        a, b = new_medium_id(), new_medium_id()
        assert a != b


class TestSessionId:
    def test_parse_and_print_back(self):
        sid = SessionId.parse("2026/11/24-3")
        assert sid == SessionId(date=dt.date(2026, 11, 24), number=3)
        assert str(sid) == "2026/11/24-3"

    def test_ordered_by_date_then_number(self):
        ids = [SessionId.parse(t) for t in ("2026/01/02-10", "2025/12/31-1", "2026/01/02-9")]
        assert [str(i) for i in sorted(ids)] == ["2025/12/31-1", "2026/01/02-9", "2026/01/02-10"]

    @pytest.mark.parametrize(
        "text",
        [
            "2026/11/24-0",
            "2026/11/24-01",
            "2026/13/01-1",
            "2026/02/30-1",
            "26/11/24-1",
            "2026-11-24-1",
            "2026/11/24",
            "2026/11/24-x",
            "",
        ],
    )
    def test_malformed(self, text):
        with pytest.raises(InvalidSessionId):
            SessionId.parse(text)

    def test_constructor_checks_too(self):
        with pytest.raises(InvalidSessionId):
            SessionId(date=dt.date(2026, 1, 1), number=0)
        with pytest.raises(InvalidSessionId):
            SessionId(date=dt.datetime(2026, 1, 1), number=1)  # type: ignore[arg-type]

    @given(sms.session_ids())
    def test_text_round_trip(self, sid):
        assert SessionId.parse(str(sid)) == sid


class TestBarcode:
    @pytest.mark.parametrize(
        ("text", "media_type", "worm"),
        [
            ("ABC123L9", MediaType.LTO9, False),
            ("ABC123LZ", MediaType.LTO9, True),
            ("ABC123L8", MediaType.LTO8, False),
            ("ABC123LY", MediaType.LTO8, True),
            ("ABC123M8", MediaType.LTO_M8, False),
            ("ABC123L7", MediaType.LTO7, False),
            ("ABC123LX", MediaType.LTO7, True),
            ("ABC123L6", MediaType.LTO6, False),
            ("ABC123LW", MediaType.LTO6, True),
            ("ABC123L5", MediaType.LTO5, False),
            ("ABC123LV", MediaType.LTO5, True),
            ("VT0001", None, False),
            ("ABC123L3", None, False),
            ("vls-cart_0001", None, False),
        ],
    )
    def test_media_code(self, text, media_type, worm):
        barcode = Barcode.parse(text)
        assert barcode.media_type is media_type
        assert barcode.is_worm is worm
        assert str(barcode) == text

    def test_cleaning_and_diagnostic(self):
        assert Barcode("CLN001L1").is_cleaning
        assert not Barcode("ABC001L9").is_cleaning
        assert Barcode("DG0001L9").is_diagnostic

    def test_volume_serial(self):
        assert Barcode("ABC123L9").volume_serial == "ABC123"
        assert Barcode("SOMETHING").volume_serial == "SOMETHING"

    @pytest.mark.parametrize(
        "text",
        ["", "AB/../x", "..", "a b", "A" * 17, "ABC\x00123", "ÄBC123L9", "abc.def", "a\\b"],
    )
    def test_unsafe_or_malformed_barcodes_are_rejected(self, text):
        with pytest.raises(InvalidBarcode):
            Barcode.parse(text)

    @given(sms.barcodes())
    def test_round_trip(self, barcode):
        assert Barcode.parse(str(barcode)) == barcode


class TestDriveSerial:
    def test_valid(self):
        assert str(DriveSerial.parse("HU1234ABCD")) == "HU1234ABCD"

    @pytest.mark.parametrize("text", ["", "a b", "x" * 33, "a/b"])
    def test_invalid(self, text):
        with pytest.raises(InvalidSerial):
            DriveSerial.parse(text)


@given(st.text(max_size=40))
def test_arbitrary_text_parses_or_raises_validation_error(text):
    for kind in (MediumId, SessionId, Barcode, DriveSerial):
        try:
            value = kind.parse(text)
        except ValidationError:
            continue
        assert str(value) == text
