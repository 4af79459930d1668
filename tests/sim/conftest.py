"""Fixtures of the simulator tests: a clock, stores and drives with a cartridge in."""

from __future__ import annotations

import itertools

import pytest

from smartmedia.model import MediaType
from smartmedia.sim import Faults, MemoryStore, SimClock, SimTapeDrive

_serials = itertools.count(1)


def make_drive(
    *,
    clock: SimClock | None = None,
    capacity: int | None = None,
    generation: MediaType = MediaType.LTO9,
    media: MediaType | None = None,
    barcode: str | None = None,
    faults: Faults | None = None,
    write_protected: bool = False,
    **options: object,
) -> SimTapeDrive:
    """A drive with a fresh blank cartridge loaded."""
    n = next(_serials)
    clock = clock if clock is not None else SimClock()
    media = media if media is not None else generation
    store = MemoryStore()
    code = barcode if barcode is not None else f"T{n:05d}{media.data_code or 'XX'}"
    image = store.create(code, media, capacity=capacity, write_protected=write_protected)
    drive = SimTapeDrive(
        serial=f"SN{n}", generation=generation, clock=clock, faults=faults, **options
    )  # type: ignore[arg-type]
    drive.insert(image)
    return drive


@pytest.fixture
def clock() -> SimClock:
    return SimClock()
