"""Pools, libraries, media, allocation and locations."""

import attrs
import pytest

from smartmedia.catalog import SqliteCatalog
from smartmedia.errors import (
    CatalogError,
    ConflictError,
    DuplicateEntity,
    UnknownEntity,
)
from smartmedia.model import (
    Barcode,
    Location,
    MediaPool,
    MediaType,
    Medium,
    MediumId,
    MediumIdGenerator,
)

from .conftest import T0


class TestPools:
    def test_round_trip_and_listing(self, world):
        cat = world.catalog
        assert [p.name for p in cat.pools()] == ["VTL", "Vault"]
        assert cat.pool("Vault") == MediaPool(name="Vault", media_type=MediaType.LTO9)

    def test_duplicate_and_unknown(self, world):
        with pytest.raises(DuplicateEntity, match="pool 'VTL'"):
            world.catalog.add_pool(MediaPool(name="VTL", media_type=MediaType.LTO8))
        with pytest.raises(UnknownEntity, match="pool 'Nope'"):
            world.catalog.pool("Nope")

    def test_free_pool_must_exist_and_match(self, world):
        with pytest.raises(UnknownEntity, match="free pool"):
            world.catalog.add_pool(MediaPool(name="A", media_type=MediaType.LTO9, free_pool="Free"))
        with pytest.raises(ConflictError, match="holds VIRTUAL"):
            world.catalog.add_pool(MediaPool(name="A", media_type=MediaType.LTO9, free_pool="VTL"))
        world.catalog.add_pool(MediaPool(name="A", media_type=MediaType.LTO9, free_pool="Vault"))
        assert world.catalog.pool("A").free_pool == "Vault"


class TestAllocate:
    def test_labels_count_per_pool_and_ids_are_new(self, world):
        cat = world.catalog
        first = cat.allocate("Vault")
        second = cat.allocate("Vault")
        other = cat.allocate("VTL")
        assert (first.label, second.label, other.label) == ("Vault_1", "Vault_2", "VTL_1")
        assert first.medium != second.medium
        assert second.counter == 2

    def test_labels_in_use_are_skipped(self, world):
        world.medium("Vault", label="Vault_1")
        world.medium("Vault", label="Vault_2")
        assert world.catalog.allocate("Vault").label == "Vault_3"

    def test_ids_held_by_a_medium_are_skipped(self):
        taken = MediumId("0a000001:00000001:0001:0001")
        fresh = MediumId("0a000001:00000001:0001:0002")
        ids = iter([taken, taken, fresh])
        with SqliteCatalog(":memory:", new_id=lambda: next(ids)) as cat:
            cat.add_pool(MediaPool(name="P", media_type=MediaType.LTO9))
            cat.add_medium(
                Medium(
                    id=taken,
                    label="P_1",
                    media_type=MediaType.LTO9,
                    pool="P",
                    capacity=10**12,
                    formatted_at=T0,
                )
            )
            allocation = cat.allocate("P")
            assert (allocation.medium, allocation.label) == (fresh, "P_2")

    def test_unknown_pool(self, world):
        with pytest.raises(UnknownEntity):
            world.catalog.allocate("Nope")


class TestMedia:
    def test_add_and_read_back_every_field(self, world):
        m = world.medium("VTL", slot=3)
        assert world.catalog.medium(m.id) == m
        assert world.catalog.media(pool="VTL") == [m]
        assert world.catalog.media_with_barcode(m.barcode) == [m]

    def test_times_in_other_offsets_are_the_same_instants(self, world):
        import datetime as dt

        tz = dt.timezone(dt.timedelta(hours=5, minutes=45))
        m = world.medium("VTL", formatted_at=T0.astimezone(tz))
        assert world.catalog.medium(m.id).formatted_at == T0

    def test_duplicate_id(self, world):
        m = world.medium()
        with pytest.raises(DuplicateEntity, match=str(m.id)):
            world.catalog.add_medium(m)

    def test_unknown_pool_and_wrong_media_type(self, world):
        m = world.medium()
        with pytest.raises(UnknownEntity, match="pool 'Nope'"):
            world.catalog.add_medium(attrs.evolve(m, id=world.ids(), pool="Nope"))
        with pytest.raises(ConflictError, match="holds LTO-9 media, not VIRTUAL"):
            world.catalog.add_medium(attrs.evolve(m, id=world.ids(), pool="Vault", barcode=None))

    def test_unknown_medium(self, world):
        missing = world.ids()
        with pytest.raises(UnknownEntity, match=f"medium {missing}"):
            world.catalog.medium(missing)
        with pytest.raises(UnknownEntity):
            world.catalog.move_medium(missing, Location.in_vault("Iron Mountain"))

    def test_copy_must_name_a_recorded_original(self, world):
        with pytest.raises(UnknownEntity, match="original"):
            world.medium("Vault", original=world.ids(), copy_generation=1)

    def test_no_copy_of_a_copy(self, world):
        original = world.written(world.medium())
        copy = world.medium("Vault", original=original.id, copy_generation=1)
        with pytest.raises(ConflictError, match="itself a copy"):
            world.medium("Vault", original=copy.id, copy_generation=1)

    def test_update_cannot_change_lineage(self, world):
        original = world.medium()
        m = world.medium()
        with pytest.raises(ConflictError, match="lineage"):
            world.catalog.update_medium(attrs.evolve(m, original=original.id, copy_generation=1))


class TestLocations:
    def test_move_between_places(self, world):
        m = world.medium(slot=1)
        moved = world.catalog.move_medium(m.id, Location.mail_slot("VLS", 1))
        assert moved.location == Location.mail_slot("VLS", 1)
        assert world.catalog.medium(m.id).location == moved.location
        vaulted = world.catalog.move_medium(m.id, Location.in_vault("Iron Mountain"))
        assert str(vaulted.location) == "vault Iron Mountain"
        # its slot is free again
        world.medium(slot=1)

    def test_one_medium_per_place(self, world):
        world.medium(slot=4)
        other = world.medium(slot=5)
        with pytest.raises(ConflictError, match="slot 4 already holds"):
            world.catalog.move_medium(other.id, Location.slot("VLS", 4))
        with pytest.raises(ConflictError, match="already holds"):
            world.medium(slot=4)
        assert world.catalog.medium(other.id).location == Location.slot("VLS", 5)

    def test_place_must_exist_in_the_library(self, world):
        m = world.medium()
        with pytest.raises(UnknownEntity, match="has no slot 99"):
            world.catalog.move_medium(m.id, Location.slot("VLS", 99))
        with pytest.raises(UnknownEntity, match="has no mail slot 9"):
            world.catalog.move_medium(m.id, Location.mail_slot("VLS", 9))
        with pytest.raises(UnknownEntity, match="library 'Elsewhere'"):
            world.catalog.move_medium(m.id, Location.drive("Elsewhere", 1))

    def test_duplicate_barcode_in_one_library(self, world):
        a = world.medium(slot=1, barcode=Barcode("SAME01"))
        with pytest.raises(DuplicateEntity, match="barcode SAME01 is already in library 'VLS'"):
            world.medium(slot=2, barcode=Barcode("SAME01"))
        # the same label in another place outside the library is fine
        b = world.medium(barcode=Barcode("SAME01"), location=Location.in_vault("Offsite"))
        with pytest.raises(DuplicateEntity, match="SAME01"):
            world.catalog.move_medium(b.id, Location.slot("VLS", 3))
        assert {m.id for m in world.catalog.media_with_barcode(Barcode("SAME01"))} == {a.id, b.id}

    def test_library_layout_round_trip(self, world):
        lib = world.catalog.library("MSL")
        assert lib.visible is False
        assert len(lib.slots) == 20
        assert [d.serial.value for d in lib.drives] == ["MSL-D1", "MSL-D2"]
        assert [x.name for x in world.catalog.libraries()] == ["MSL", "Restore", "VLS"]
        with pytest.raises(DuplicateEntity):
            world.catalog.add_library(lib)
        with pytest.raises(UnknownEntity):
            world.catalog.library("Nope")


def test_every_error_is_a_catalog_error(world):
    with pytest.raises(CatalogError):
        world.catalog.medium(MediumIdGenerator("10.0.0.9", process=1)())
