"""A small world for planner tests: a VLS with virtual media, a physical library behind it."""

import datetime as dt
import itertools

import attrs
import pytest

from smartmedia.catalog import SqliteCatalog
from smartmedia.model import (
    AllocationPolicy,
    Barcode,
    Cartridge,
    Drive,
    DriveSerial,
    Library,
    Location,
    MediaPool,
    MediaType,
    Medium,
    MediumIdGenerator,
    MediumState,
    Protection,
    Slot,
)
from smartmedia.planning import Inventory

UTC = dt.timezone.utc
NOW = dt.datetime(2026, 11, 25, 22, 0, tzinfo=UTC)
DAY = dt.timedelta(days=1)
TB = 10**12


def _layout(name, *, virtual, visible, slots, drives, generation):
    return Library(
        name=name,
        virtual=virtual,
        visible=visible,
        slots=tuple(Slot(ordinal=i, address=1000 + i) for i in range(1, slots + 1)),
        drives=tuple(
            Drive(
                ordinal=i,
                address=100 + i,
                serial=DriveSerial(f"{name}-D{i}"),
                generation=generation,
            )
            for i in range(1, drives + 1)
        ),
    )


class World:
    def __init__(self, *, drives=2, slots=200, generation=MediaType.LTO9, strict=False):
        self.catalog = SqliteCatalog(":memory:")
        self.ids = MediumIdGenerator("10.0.0.9", clock=lambda: 1_790_000_000, process=9)
        self.counter = itertools.count(1)
        self.catalog.add_pool(MediaPool(name="VTL", media_type=MediaType.VIRTUAL))
        self.catalog.add_pool(MediaPool(name="Free", media_type=MediaType.LTO9))
        self.catalog.add_pool(
            MediaPool(
                name="Vault",
                media_type=MediaType.LTO9,
                free_pool="Free",
                allocation=AllocationPolicy.STRICT if strict else AllocationPolicy.LOOSE,
            )
        )
        self.vls = _layout(
            "VLS", virtual=True, visible=True, slots=slots, drives=4, generation=MediaType.VIRTUAL
        )
        self.msl = _layout(
            "MSL", virtual=False, visible=False, slots=slots, drives=drives, generation=generation
        )
        self.restore = _layout(
            "Restore", virtual=False, visible=True, slots=10, drives=1, generation=MediaType.LTO9
        )
        for lib in (self.vls, self.msl, self.restore):
            self.catalog.add_library(lib)
        self.cartridges = {}  # slot ordinal in MSL -> Cartridge
        self.slots = {"VLS": itertools.count(1), "MSL": itertools.count(1)}

    def source(self, used, *, at=NOW - DAY, library="VLS", **changes):
        n = next(self.counter)
        slot = next(self.slots[library])
        fields = dict(
            id=self.ids(),
            label=f"VTL_{n}",
            media_type=MediaType.VIRTUAL,
            pool="VTL",
            capacity=100 * TB,
            formatted_at=at - DAY,
            barcode=Barcode(f"V{n:05d}"),
            state=MediumState.FULL,
            bytes_used=used,
            write_count=1,
            first_written=at,
            last_written=at,
            protection=Protection.for_period(at, 30 * DAY),
            location=Location.slot(library, slot),
        )
        medium = Medium(**{**fields, **changes})
        self.catalog.add_medium(medium)
        return medium

    def target(
        self,
        *,
        pool="Vault",
        state=MediumState.EMPTY,
        media_type=MediaType.LTO9,
        capacity=None,
        recorded=True,
        protected=False,
        used=0,
        **changes,
    ):
        n = next(self.counter)
        slot = next(self.slots["MSL"])
        code = {MediaType.LTO9: "L9", MediaType.LTO8: "L8", MediaType.LTO7: "L7"}[media_type]
        barcode = Barcode(f"P{n:05d}{code}")
        self.cartridges[slot] = Cartridge(media_type=media_type, barcode=barcode)
        if not recorded:
            return barcode
        holds = used > 0
        medium = Medium(
            id=self.ids(),
            label=f"{pool}_{n}",
            media_type=media_type,
            pool=pool,
            capacity=capacity or media_type.native_capacity,
            formatted_at=NOW - 10 * DAY,
            barcode=barcode,
            state=MediumState.FULL if holds else state,
            bytes_used=used,
            first_written=NOW - 5 * DAY if holds else None,
            last_written=NOW - 5 * DAY if holds else None,
            protection=(
                Protection.for_period(NOW - 5 * DAY, 30 * DAY)
                if protected
                else Protection.until_time(NOW - DAY)
                if holds
                else Protection.none()
            ),
            location=Location.slot("MSL", slot),
            **changes,
        )
        self.catalog.add_medium(medium)
        return barcode

    def inventory(self, **changes):
        slots = tuple(
            attrs.evolve(s, cartridge=self.cartridges.get(s.ordinal)) for s in self.msl.slots
        )
        target = attrs.evolve(self.msl, slots=slots)
        return attrs.evolve(Inventory.from_libraries(target, [self.vls, self.restore]), **changes)


@pytest.fixture
def world():
    w = World()
    yield w
    w.catalog.close()
