import datetime as dt

import attrs
import pytest
from hypothesis import given

from smartmedia import ValidationError
from smartmedia.model import (
    Barcode,
    Location,
    MediaPool,
    MediaType,
    Medium,
    MediumCondition,
    MediumId,
    MediumState,
    Protection,
)
from smartmedia.testing import strategies as sms

UTC = dt.timezone.utc
T0 = dt.datetime(2026, 1, 15, 12, 0, tzinfo=UTC)
ID = MediumId("c0a80105:4f6b3a10:1b2c:0001")
OTHER = MediumId("c0a80105:4f6b3a10:1b2c:0002")


def medium(**changes):
    base = dict(
        id=ID,
        label="Default LTO_1",
        media_type=MediaType.LTO9,
        pool="Default LTO",
        capacity=18 * 10**12,
        formatted_at=T0,
    )
    base.update(changes)
    return Medium(**base)


class TestValidation:
    def test_defaults_make_an_empty_original(self):
        m = medium()
        assert m.state is MediumState.EMPTY
        assert not m.is_copy
        assert m.free_bytes == m.capacity

    @pytest.mark.parametrize(
        ("changes", "path"),
        [
            ({"bytes_used": 11, "capacity": 10, "state": MediumState.FULL}, "bytes_used"),
            ({"bytes_used": -1}, "bytes_used"),
            ({"capacity": 0}, "capacity"),
            ({"capacity": 10.5}, "capacity"),
            ({"write_count": True}, "write_count"),
            ({"original": ID, "copy_generation": 1}, "original"),
            ({"original": OTHER}, "copy_generation"),
            ({"copy_generation": 1}, "copy_generation"),
            ({"bytes_used": 5}, "bytes_used"),  # an empty medium holds no data
            ({"formatted_at": dt.datetime(2026, 1, 1)}, "formatted_at"),
            ({"last_written": T0}, "first_written"),
            (
                {"first_written": T0, "last_written": T0 - dt.timedelta(seconds=1)},
                "last_written",
            ),
            ({"barcode": Barcode("ABC123L8")}, "barcode"),
            ({"label": ""}, "label"),
            ({"label": "a\nb"}, "label"),
            ({"pool": "x" * 65}, "pool"),
            ({"id": "c0a80105:4f6b3a10:1b2c:0001"}, "id"),
        ],
    )
    def test_inconsistent_media_are_rejected_naming_the_field(self, changes, path):
        with pytest.raises(ValidationError) as info:
            medium(**changes)
        assert info.value.path == path

    def test_a_copy(self):
        m = medium(original=OTHER, copy_generation=1)
        assert m.is_copy

    def test_frozen(self):
        with pytest.raises(attrs.exceptions.FrozenInstanceError):
            medium().label = "x"  # type: ignore[misc]


class TestProtection:
    def test_until(self):
        m = medium(
            state=MediumState.FULL,
            bytes_used=5,
            protection=Protection.until_time(T0 + dt.timedelta(days=7)),
        )
        assert m.is_protected(T0)
        assert m.is_protected(T0 + dt.timedelta(days=7) - dt.timedelta(microseconds=1))
        assert not m.is_protected(T0 + dt.timedelta(days=7))
        assert m.is_recyclable(T0 + dt.timedelta(days=8))

    def test_permanent_and_none(self):
        full = dict(state=MediumState.FULL, bytes_used=5)
        assert medium(protection=Protection.permanent(), **full).is_protected(T0)
        assert not medium(protection=Protection.none(), **full).is_protected(T0)
        assert medium(protection=Protection.none(), **full).is_recyclable(T0)

    def test_an_empty_medium_is_neither_protected_nor_recyclable(self):
        m = medium(protection=Protection.permanent())
        assert not m.is_protected(T0)
        assert not m.is_recyclable(T0)

    def test_period(self):
        p = Protection.for_period(T0, dt.timedelta(weeks=2))
        assert p.until == T0 + dt.timedelta(weeks=2)
        with pytest.raises(ValidationError):
            Protection.for_period(T0, dt.timedelta(days=-1))

    def test_until_needs_a_time_and_only_until_has_one(self):
        from smartmedia.model import ProtectionKind

        with pytest.raises(ValidationError, match="until"):
            Protection(kind=ProtectionKind.UNTIL)
        with pytest.raises(ValidationError, match="until"):
            Protection(kind=ProtectionKind.NONE, until=T0)


class TestCondition:
    pool = MediaPool(name="Default LTO", media_type=MediaType.LTO9)

    def test_defaults_of_the_pool(self):
        assert (self.pool.valid_months, self.pool.max_overwrites) == (36, 250)

    @pytest.mark.parametrize(
        ("months", "writes", "expected"),
        [
            (0, 0, MediumCondition.GOOD),
            (28, 0, MediumCondition.GOOD),
            (29, 0, MediumCondition.FAIR),  # 29/36 >= 0.8
            (35, 0, MediumCondition.FAIR),
            (36, 0, MediumCondition.POOR),
            (0, 199, MediumCondition.GOOD),
            (0, 200, MediumCondition.FAIR),
            (0, 250, MediumCondition.POOR),
        ],
    )
    def test_age_and_overwrites(self, months, writes, expected):
        m = medium(write_count=writes)
        year, month = divmod(T0.month - 1 + months, 12)
        now = T0.replace(year=T0.year + year, month=month + 1)
        assert m.condition_at(now, self.pool) is expected

    def test_a_day_short_of_a_month_does_not_count(self):
        m = medium()
        now = T0.replace(year=T0.year + 3) - dt.timedelta(days=1)
        assert m.condition_at(now, self.pool) is MediumCondition.FAIR

    def test_recorded_poor_stays_poor(self):
        m = medium(condition=MediumCondition.POOR)
        assert m.condition_at(T0, self.pool) is MediumCondition.POOR

    def test_ordering_is_by_badness(self):
        assert MediumCondition.GOOD < MediumCondition.FAIR < MediumCondition.POOR
        assert max(MediumCondition.FAIR, MediumCondition.GOOD) is MediumCondition.FAIR


class TestMediaPool:
    def test_label(self):
        assert MediaPool(name="Vault", media_type=MediaType.LTO8).label_for(12) == "Vault_12"

    def test_invalid(self):
        with pytest.raises(ValidationError, match="free pool"):
            MediaPool(name="A", media_type=MediaType.LTO8, free_pool="A")
        with pytest.raises(ValidationError) as info:
            MediaPool(name="A", media_type=MediaType.LTO8, valid_months=0)
        assert info.value.path == "valid_months"
        with pytest.raises(ValidationError):
            MediaPool(name="A", media_type=MediaType.LTO8).label_for(0)


class TestLocation:
    def test_constructors_and_text(self):
        assert str(Location.slot("MSL", 3)) == "MSL: slot 3"
        assert str(Location.mail_slot("MSL", 1)) == "MSL: mail slot 1"
        assert str(Location.in_vault("Iron Mountain")) == "vault Iron Mountain"
        assert str(Location.unknown()) == "unknown"
        assert Location.drive("MSL", 1).is_in_library

    def test_inconsistent(self):
        from smartmedia.model import LocationKind

        with pytest.raises(ValidationError):
            Location(kind=LocationKind.SLOT, library="MSL")
        with pytest.raises(ValidationError):
            Location(kind=LocationKind.VAULT)
        with pytest.raises(ValidationError):
            Location(kind=LocationKind.UNKNOWN, vault="x")
        with pytest.raises(ValidationError):
            Location.slot("MSL", 0)


@given(sms.media())
def test_generated_media_are_consistent(m):
    assert 0 <= m.bytes_used <= m.capacity
    assert m.is_copy == (m.copy_generation > 0)
    assert attrs.evolve(m) == m
