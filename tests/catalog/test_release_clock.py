"""Releasing a copy job never fails because the clock is behind its reservation (issue 12).

A device clock restored from an older state (or a host whose time went back) used to
make every later settlement fail with "copy job 1 cannot finish ... before it was
reserved", so the reservation held its media for ever. The release is recorded at
``max(now, reserved_at)``.
"""

import datetime as dt

from smartmedia.catalog import CopyJobState, SqliteCatalog
from smartmedia.model import (
    Barcode,
    Location,
    MediaPool,
    MediaType,
    Medium,
    MediumIdGenerator,
    MediumState,
)

T0 = dt.datetime(2026, 6, 1, 12, 0, tzinfo=dt.timezone.utc)
new_id = MediumIdGenerator("10.0.0.9", clock=lambda: 1_780_000_000, process=11)


def _catalog():
    catalog = SqliteCatalog(":memory:")
    catalog.add_pool(MediaPool(name="VTL", media_type=MediaType.VIRTUAL))
    catalog.add_pool(MediaPool(name="Vault", media_type=MediaType.LTO9))
    source = Medium(
        id=new_id(),
        label="VTL_1",
        media_type=MediaType.VIRTUAL,
        pool="VTL",
        capacity=1 << 30,
        formatted_at=T0,
        barcode=Barcode("VT0001"),
        state=MediumState.FULL,
        bytes_used=1000,
        first_written=T0,
        last_written=T0,
        location=Location.unknown(),
    )
    target = Medium(
        id=new_id(),
        label="Vault_1",
        media_type=MediaType.LTO9,
        pool="Vault",
        capacity=1 << 30,
        formatted_at=T0,
        barcode=Barcode("SCR001L9"),
        state=MediumState.BLANK,
    )
    catalog.add_medium(source)
    catalog.add_medium(target)
    return catalog, source, target


def test_a_release_before_the_reservation_is_recorded_at_the_reservation():
    catalog, source, target = _catalog()
    job = catalog.reserve_copy(source.id, [target.id], at=T0 + dt.timedelta(hours=2))
    released = catalog.release_copy(job.id, reason="runner stopped", at=T0)
    assert released.state is CopyJobState.RELEASED
    assert released.finished_at == released.reserved_at == T0 + dt.timedelta(hours=2)
    assert catalog.copy_jobs(state=CopyJobState.RESERVED) == []
    # the media are free again: a new job can hold them
    catalog.reserve_copy(source.id, [target.id], at=T0)
    assert catalog.check().ok


def test_a_release_after_the_reservation_keeps_its_time():
    catalog, source, target = _catalog()
    job = catalog.reserve_copy(source.id, [target.id], at=T0)
    later = T0 + dt.timedelta(minutes=5)
    assert catalog.release_copy(job.id, reason="failed", at=later).finished_at == later
