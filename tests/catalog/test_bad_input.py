"""The bad inputs the catalog must name: each is a CatalogError subclass with a clear message."""

import json

import attrs
import pytest

from smartmedia.catalog import Position, SqliteCatalog, export_json, load_json
from smartmedia.errors import CatalogError, DuplicateEntity, InvalidRecord, UnknownEntity
from smartmedia.model import Barcode, Location, SessionId

from .conftest import DAY, T0


def test_unknown_medium(world):
    missing = world.ids()
    for action in (
        lambda: world.catalog.medium(missing),
        lambda: world.catalog.positions_on_medium(missing),
        lambda: world.catalog.copies_of(missing),
        lambda: world.catalog.move_medium(missing, Location.unknown()),
        lambda: world.catalog.recycle(missing, at=T0),
    ):
        with pytest.raises(UnknownEntity, match=f"medium {missing} is not in the catalog"):
            action()


def test_duplicate_barcode_in_one_library(world):
    world.medium(slot=1, barcode=Barcode("DUP001"))
    with pytest.raises(DuplicateEntity, match="barcode DUP001 is already in library 'VLS'"):
        world.medium(slot=2, barcode=Barcode("DUP001"))


def test_negative_sizes(world):
    a = world.written(world.medium())
    _, versions, _ = world.backup([a])
    with pytest.raises(InvalidRecord, match="first_block: must be an integer >= 0, not -3"):
        Position(medium=a.id, object_version=versions[0], first_block=-3, last_block=2)
    data = json.loads(export_json(world.catalog))
    data["object_versions"][1]["size"] = -1
    data["media"][0]["capacity"] = -10
    with SqliteCatalog(":memory:") as fresh, pytest.raises(InvalidRecord) as info:
        load_json(fresh, json.dumps(data))
    assert "object_versions[1].size" in str(info.value)
    assert "media[0].capacity" in str(info.value)


def test_session_id_from_the_future_of_its_own_records(world):
    a = world.written(world.medium())
    session, versions, _ = world.backup([a])
    future = SessionId(date=session.started.date() + 3 * DAY, number=1)
    with pytest.raises(InvalidRecord, match="cannot come from the future") as info:
        world.catalog.record_session(
            attrs.evolve(session, id=future),
            [attrs.evolve(v, session=future) for v in versions],
        )
    assert isinstance(info.value, CatalogError)
    assert "after its own start" in str(info.value)
    assert [s.id for s in world.catalog.sessions()] == [session.id]


UNKNOWN = "00000000:00000000:0000:0009"

# one impossible export each: what is changed, and the path the refusal names
IMPOSSIBLE = {
    "a job finished before it was reserved": (
        lambda d: d["copy_jobs"][0].update(finished_at="2000-01-01T00:00:00+00:00"),
        "copy_jobs[0].finished_at",
    ),
    "a job of an unknown source": (
        lambda d: d["copy_jobs"][0].update(source=UNKNOWN),
        "copy_jobs[0].source",
    ),
    "a reserved job of an unknown target": (
        lambda d: d["copy_jobs"][2]["targets"].__setitem__(0, UNKNOWN),
        "copy_jobs[2].targets[0]",
    ),
    "a completed job of an unknown copy": (
        lambda d: d["copy_jobs"][0]["copies"].__setitem__(0, UNKNOWN),
        "copy_jobs[0].copies[0]",
    ),
    "two jobs of one ID": (
        lambda d: d["copy_jobs"][1].update(id=d["copy_jobs"][0]["id"]),
        "copy_jobs[1].id",
    ),
    "a counter of an unknown pool": (
        lambda d: d["counters"][0].update(pool="Nope"),
        "counters[0].pool",
    ),
    "a version of an unknown session": (
        lambda d: d["object_versions"][0].update(session="1999/01/01-1"),
        "object_versions[0].session",
    ),
    "a capacity of 2**63": (
        lambda d: d["media"][0].update(capacity=2**63),
        "media[0].capacity",
    ),
    "a copy job ID of 2**63": (
        lambda d: d["copy_jobs"][0].update(id=2**63),
        "copy_jobs[0].id",
    ),
    "a pool counter of 2**63": (
        lambda d: d["counters"][0].update(counter=2**63),
        "counters[0].counter",
    ),
    "a block number of 2**64": (
        lambda d: d["positions"][0].update(last_block=2**64),
        "positions[0].last_block",
    ),
}


@pytest.fixture
def jobs_export(world):
    """An export with a completed, a released and a reserved copy job."""
    cat = world.catalog
    a = world.written(world.medium(slot=1))
    b = world.written(world.medium(slot=2), protection=None)
    world.backup([a, b])
    t1 = world.blank_target(1)
    job = cat.reserve_copy(a.id, [t1.id], at=T0 + DAY)
    cat.complete_copy(
        job.id, [world.copy_of(cat.medium(a.id), t1)], verified=True, digest="d", at=T0 + DAY
    )
    failed = cat.reserve_copy(b.id, [world.blank_target(2).id], at=T0 + DAY)
    cat.release_copy(failed.id, reason="drive error", at=T0 + 2 * DAY)
    cat.reserve_copy(b.id, [world.blank_target(3).id], at=T0 + 2 * DAY)
    cat.allocate("Vault")
    return export_json(cat)


@pytest.mark.parametrize("name", sorted(IMPOSSIBLE))
def test_an_impossible_export_is_refused_with_its_path_and_loads_nothing(jobs_export, name):
    change, path = IMPOSSIBLE[name]
    data = json.loads(jobs_export)
    change(data)
    with SqliteCatalog(":memory:") as fresh:
        with pytest.raises(InvalidRecord) as info:
            load_json(fresh, json.dumps(data))
        assert path in {p.path for p in info.value.problems}, str(info.value)
        assert fresh.media() == []
        assert fresh.pools() == []
        assert fresh.copy_jobs() == []
        load_json(fresh, jobs_export)  # the refusal left the catalog empty and usable
        assert fresh.check().ok
