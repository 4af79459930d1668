"""Fixtures of the catalog tests: a small world of pools, libraries, media and backups."""

import datetime as dt
import itertools

import attrs
import pytest

from smartmedia.catalog import Position, SqliteCatalog
from smartmedia.model import (
    BackupObject,
    Barcode,
    Drive,
    DriveSerial,
    Library,
    Location,
    MailSlot,
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
    Slot,
)

UTC = dt.timezone.utc
T0 = dt.datetime(2026, 3, 1, 22, 0, tzinfo=UTC)
DAY = dt.timedelta(days=1)


def layout(name, *, virtual, visible, slots=20, drives=2, mail_slots=2):
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
                generation=MediaType.LTO9 if not virtual else MediaType.VIRTUAL,
            )
            for i in range(1, drives + 1)
        ),
        mail_slots=tuple(MailSlot(ordinal=i, address=10 + i) for i in range(1, mail_slots + 1)),
    )


class World:
    """A catalog with a VLS (virtual, visible) and a physical library behind it."""

    def __init__(self, catalog):
        self.catalog = catalog
        self.ids = MediumIdGenerator("10.0.0.7", clock=lambda: 1_770_000_000, process=7)
        self.sessions = itertools.count(1)
        self.barcodes = itertools.count(1)
        catalog.add_pool(MediaPool(name="VTL", media_type=MediaType.VIRTUAL))
        catalog.add_pool(MediaPool(name="Vault", media_type=MediaType.LTO9))
        catalog.add_library(layout("VLS", virtual=True, visible=True))
        catalog.add_library(layout("MSL", virtual=False, visible=False))
        catalog.add_library(layout("Restore", virtual=False, visible=True))

    def medium(self, pool="VTL", *, slot=None, library=None, **changes):
        media_type = MediaType.VIRTUAL if pool == "VTL" else MediaType.LTO9
        n = next(self.barcodes)
        base = dict(
            id=self.ids(),
            label=f"{pool}_{n}",
            media_type=media_type,
            pool=pool,
            capacity=10**12,
            formatted_at=T0 - 30 * DAY,
            barcode=Barcode(f"V{n:05d}") if pool == "VTL" else Barcode(f"P{n:05d}L9"),
        )
        if slot is not None:
            base["location"] = Location.slot(library or ("VLS" if pool == "VTL" else "MSL"), slot)
        base.update(changes)
        medium = Medium(**base)
        self.catalog.add_medium(medium)
        return medium

    def written(self, medium, *, used=10**9, at=T0, protection=None):
        """``medium`` updated to hold data written at ``at``."""
        new = attrs.evolve(
            medium,
            state=MediumState.APPENDABLE,
            bytes_used=used,
            write_count=medium.write_count + 1,
            first_written=medium.first_written or at,
            last_written=at,
            protection=protection or Protection.for_period(at, 30 * DAY),
        )
        self.catalog.update_medium(new)
        return new

    def backup(self, media, *, hosts=("db1", "web1"), at=T0, blocks=100, spans=1):
        """Record a completed backup session writing one version per host over ``media``.

        With ``spans`` > 1, every version is cut into that many pieces, laid over the
        media in order (so a version spans media). Returns (session, versions, positions).
        """
        session = Session(
            id=SessionId(date=at.date(), number=next(self.sessions)),
            type=SessionType.BACKUP,
            status=SessionStatus.COMPLETED,
            started=at,
            ended=at + dt.timedelta(hours=1),
        )
        versions = [
            ObjectVersion(
                object=BackupObject(type=ObjectType.FILESYSTEM, host=h, mount="/data"),
                session=session.id,
                backup_time=at,
                size=blocks * 262144,
            )
            for h in hosts
        ]
        positions = []
        cursor = {m.id: self._next_block(m) for m in media}
        pieces = [(v, s) for v in versions for s in range(spans)]
        for i, (version, span) in enumerate(pieces):
            medium = media[min(i * len(media) // len(pieces), len(media) - 1)]
            first = cursor[medium.id]
            positions.append(
                Position(
                    medium=medium.id,
                    object_version=version,
                    first_block=first,
                    last_block=first + blocks - 1,
                    span=span,
                )
            )
            cursor[medium.id] = first + blocks + 1
        self.catalog.record_session(session, versions, positions)
        return session, versions, positions

    def _next_block(self, medium):
        placed = self.catalog.positions_on_medium(medium.id)
        return placed[-1].last_block + 2 if placed else 1

    def blank_target(self, slot):
        return self.medium("Vault", slot=slot, state=MediumState.BLANK)

    def copy_of(self, source, target, *, at=T0 + DAY, **changes):
        """The Medium value a verified copy of ``source`` onto ``target`` is recorded as."""
        base = dict(
            id=self.ids(),
            label=f"Vault copy of {source.label}",
            media_type=target.media_type,
            pool=target.pool,
            capacity=target.capacity,
            formatted_at=at,
            barcode=target.barcode,
            bytes_used=source.bytes_used,
            write_count=1,
            first_written=at,
            last_written=at,
            protection=source.protection,
            location=target.location,
            state=MediumState.NON_APPENDABLE,
            original=source.id,
            copy_generation=1,
        )
        base.update(changes)
        return Medium(**base)


@pytest.fixture
def catalog():
    with SqliteCatalog(":memory:") as c:
        yield c


@pytest.fixture
def world(catalog):
    return World(catalog)


@pytest.fixture
def file_catalog(tmp_path):
    path = tmp_path / "catalog.db"
    with SqliteCatalog(path) as c:
        yield c
