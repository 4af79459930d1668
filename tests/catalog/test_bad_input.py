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
