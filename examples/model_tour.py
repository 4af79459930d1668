"""A tour of the domain model: a VLS-side original, its physical copy, and their records.

Run: python examples/model_tour.py
It builds the values a backup application keeps — a pool, a backup session, the
virtual-tape original and a physical copy on LTO-9 — checks the domain rules on them,
and round-trips everything through the library's JSON converter.
"""

from __future__ import annotations

import datetime as dt

import attrs

from smartmedia import ValidationError
from smartmedia.model import (
    BackupObject,
    Barcode,
    Location,
    MediaPool,
    MediaType,
    Medium,
    MediumIdGenerator,
    MediumState,
    ObjectType,
    ObjectVersion,
    Protection,
    Session,
    SessionId,
    SessionStatus,
    SessionType,
)
from smartmedia.serialization import from_json, to_json

UTC = dt.timezone.utc


def main() -> None:
    new_id = MediumIdGenerator("192.168.1.5")
    now = dt.datetime(2026, 11, 24, 23, 0, tzinfo=UTC)

    vtl_pool = MediaPool(name="VLS Default", media_type=MediaType.VIRTUAL)
    vault_pool = MediaPool(name="Vault", media_type=MediaType.LTO9, free_pool="Vault Free")

    session = Session(
        id=SessionId.parse("2026/11/24-1"),
        type=SessionType.BACKUP,
        status=SessionStatus.COMPLETED,
        started=now - dt.timedelta(hours=2),
        ended=now,
        specification="nightly-web",
    )
    version = ObjectVersion(
        object=BackupObject(type=ObjectType.FILESYSTEM, host="web1", mount="/var/www"),
        session=session.id,
        backup_time=session.started,
        size=412 * 10**9,
    )
    original = Medium(
        id=new_id(),
        label=f"{vtl_pool.name}_1",
        media_type=MediaType.VIRTUAL,
        pool=vtl_pool.name,
        capacity=800 * 10**9,
        formatted_at=now - dt.timedelta(days=3),
        barcode=Barcode("VT0001"),
        bytes_used=version.size,
        write_count=1,
        first_written=session.started,
        last_written=now,
        protection=Protection.for_period(now, dt.timedelta(weeks=2)),
        location=Location.slot("VLS-VTL1", 1),
        state=MediumState.NON_APPENDABLE,
    )
    copy = attrs.evolve(
        original,
        id=new_id(),
        label=vault_pool.label_for(12),
        media_type=MediaType.LTO9,
        pool=vault_pool.name,
        capacity=MediaType.LTO9.native_capacity,
        barcode=Barcode("VLT012L9"),
        protection=Protection.for_period(now, dt.timedelta(days=365)),
        location=Location.in_vault("Iron Mountain"),
        original=original.id,
        copy_generation=1,
    )

    print(f"session      {session.id}  {session.status.label}  ({session.duration})")
    print(f"object       {version}  {version.size / 1e9:.0f} GB")
    for m in (original, copy):
        role = f"copy of {m.original}" if m.is_copy else "original"
        print(f"medium       {m.id}  {m.label:<14} {m.barcode}  {m.media_type}  {role}")
        print(f"             at {m.location}; protected {m.protection}")
    in_a_month = now + dt.timedelta(days=30)
    print(
        f"in 30 days   original protected: {original.is_protected(in_a_month)}, "
        f"copy protected: {copy.is_protected(in_a_month)}"
    )
    print(
        f"drive check  an LTO-9 drive writes LTO-9: {MediaType.LTO9.can_write(copy.media_type)}; "
        f"an LTO-10 drive reads it: {MediaType.LTO10.can_read(copy.media_type)}"
    )
    print(f"condition    {copy.condition_at(now, vault_pool).value}")

    for value, cls in ((session, Session), (version, ObjectVersion), (copy, Medium)):
        assert from_json(to_json(value), cls) == value
    print("json         session, object version and copy round-trip unchanged")

    try:
        attrs.evolve(copy, original=copy.id)
    except ValidationError as e:
        print(f"refused      {e}")


if __name__ == "__main__":
    main()
