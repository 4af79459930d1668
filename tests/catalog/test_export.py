"""Export of the whole catalog as JSON, and loading it back."""

import json

import attrs
import pytest

from smartmedia.catalog import CatalogExport, SqliteCatalog, export_json, load_json
from smartmedia.errors import ConflictError, InvalidRecord, ValidationError
from smartmedia.model import Location

from .conftest import DAY, T0


@pytest.fixture
def busy(world):
    """A catalog with something of everything: copies, jobs in each state, recycling."""
    cat = world.catalog
    a = world.written(world.medium(slot=1))
    b = world.written(world.medium(slot=2), protection=None)
    world.backup([a, b], hosts=("h1", "h2", "h3"), spans=2)
    t1 = world.blank_target(1)
    job = cat.reserve_copy(a.id, [t1.id], at=T0 + DAY)
    cat.complete_copy(
        job.id, [world.copy_of(cat.medium(a.id), t1)], verified=True, digest="d", at=T0 + DAY
    )
    failed = cat.reserve_copy(b.id, [world.blank_target(2).id], at=T0 + DAY)
    cat.release_copy(failed.id, reason="drive error", at=T0 + 2 * DAY)
    cat.reserve_copy(b.id, [world.blank_target(3).id], at=T0 + 2 * DAY)
    cat.move_medium(a.id, Location.in_vault("Offsite"))
    old = world.written(world.medium(slot=5), at=T0 - 60 * DAY)
    cat.recycle(old.id, at=T0)
    cat.allocate("Vault")
    assert cat.check().ok
    return world


def test_round_trip_through_json(busy):
    text = export_json(busy.catalog, indent=2)
    assert json.loads(text)["format"] == 1
    with SqliteCatalog(":memory:") as fresh:
        load_json(fresh, text)
        assert fresh.export() == busy.catalog.export()
        assert fresh.check().ok
        # counters and job numbering carry on where they were
        assert fresh.allocate("Vault").label == busy.catalog.allocate("Vault").label
        jobs = fresh.copy_jobs()
        assert [j.state.value for j in jobs] == ["completed", "released", "reserved"]


def test_export_is_a_value_of_the_converter(busy):
    from smartmedia.serialization import from_json, to_json

    exported = busy.catalog.export()
    assert from_json(to_json(exported), CatalogExport) == exported


def test_bad_documents_name_every_bad_field(busy):
    data = json.loads(export_json(busy.catalog))
    data["object_versions"][0]["size"] = -5
    data["media"][1]["barcode"] = "no/slashes"
    with SqliteCatalog(":memory:") as fresh:
        with pytest.raises(InvalidRecord) as info:
            load_json(fresh, json.dumps(data))
        paths = {p.path for p in info.value.problems}
        assert paths == {"object_versions[0].size", "media[1].barcode"}
        assert isinstance(info.value, ValidationError)
        assert fresh.media() == []
        with pytest.raises(InvalidRecord, match="not JSON"):
            load_json(fresh, "{not json")


def test_a_self_contradicting_export_loads_not_at_all(busy):
    exported = busy.catalog.export()
    p = exported.positions[0]
    clash = attrs.evolve(p, object_version=exported.positions[1].object_version)
    broken = attrs.evolve(exported, positions=(*exported.positions, clash))
    with SqliteCatalog(":memory:") as fresh:
        with pytest.raises(ConflictError, match="overlap"):
            fresh.load(broken)
        assert fresh.pools() == []
        assert fresh.media() == []
        orphan = attrs.evolve(exported, media=exported.media[1:])
        with pytest.raises(InvalidRecord) as info:
            fresh.load(orphan)
        missing = exported.media[0].id
        assert "copy_jobs[0].source" in {p.path for p in info.value.problems}
        assert f"medium {missing} is not among the media" in str(info.value)
        assert fresh.check().ok
        assert fresh.media() == []


def test_loads_only_into_an_empty_catalog(busy):
    with pytest.raises(ConflictError, match="empty catalog"):
        busy.catalog.load(busy.catalog.export())


def test_export_of_an_empty_catalog(catalog):
    assert catalog.export() == CatalogExport()
    with SqliteCatalog(":memory:") as fresh:
        load_json(fresh, export_json(catalog))
        assert fresh.export() == CatalogExport()
