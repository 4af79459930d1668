"""Sessions, object versions, positions and the queries over them."""

import datetime as dt

import attrs
import pytest

from smartmedia.catalog import Position
from smartmedia.errors import (
    CatalogError,
    ConflictError,
    DuplicateEntity,
    InvalidRecord,
    UnknownEntity,
)
from smartmedia.model import (
    BackupObject,
    MediumState,
    ObjectType,
    ObjectVersion,
    Session,
    SessionId,
    SessionStatus,
    SessionType,
)

from .conftest import DAY, T0, UTC


def running(number=1, at=T0):
    return Session(
        id=SessionId(date=at.date(), number=number),
        type=SessionType.BACKUP,
        status=SessionStatus.IN_PROGRESS,
        started=at,
    )


def version(session, host="db1", at=T0, size=1000):
    return ObjectVersion(
        object=BackupObject(type=ObjectType.FILESYSTEM, host=host, mount="/"),
        session=session.id,
        backup_time=at,
        size=size,
    )


class TestRecordSession:
    def test_media_of_a_session_come_in_the_order_it_wrote_them(self, world):
        """Medium b holds the end of the first version and the start of the second: it
        comes between a and c, not first with a (both hold a span 0)."""
        a, b, c = (world.written(world.medium(slot=i)) for i in (1, 2, 3))
        session = Session(
            id=SessionId(date=T0.date(), number=9),
            type=SessionType.BACKUP,
            status=SessionStatus.COMPLETED,
            started=T0,
            ended=T0 + dt.timedelta(hours=1),
        )
        first = ObjectVersion(
            object=BackupObject(type=ObjectType.FILESYSTEM, host="one", mount="/"),
            session=session.id,
            backup_time=T0,
            size=400 * 262144,
        )
        second = attrs.evolve(first, object=attrs.evolve(first.object, host="two"))
        pieces = [(first, c, 0), (first, b, 1), (second, b, 0), (second, a, 1)]
        positions = [
            Position(
                medium=m.id,
                object_version=v,
                first_block=10 + 200 * n,
                last_block=109 + 200 * n,
                span=s,
            )
            for n, (v, m, s) in enumerate(pieces)
        ]
        world.catalog.record_session(session, [first, second], positions)
        assert [m.id for m in world.catalog.media_of_session(session.id)] == [c.id, b.id, a.id]

    def test_session_versions_and_positions_read_back(self, world):
        a = world.written(world.medium(slot=1))
        b = world.written(world.medium(slot=2))
        session, versions, positions = world.backup([a, b], hosts=("db1", "web1", "app1"))
        cat = world.catalog
        assert cat.session(session.id) == session
        assert sorted(cat.object_versions(session.id), key=str) == sorted(versions, key=str)
        assert [m.id for m in cat.media_of_session(session.id)] == [a.id, b.id]
        on_a = cat.positions_on_medium(a.id)
        assert on_a == sorted(
            [p for p in positions if p.medium == a.id], key=lambda p: p.first_block
        )
        assert cat.sessions_on_medium(a.id) == [session]
        assert cat.sessions() == [session]

    def test_spanning_versions_keep_their_order(self, world):
        a = world.written(world.medium(slot=1))
        b = world.written(world.medium(slot=2))
        _, versions, _ = world.backup([a, b], hosts=("big",), spans=2)
        candidates = world.catalog.restore_candidates(versions[0])
        assert [(c.span, c.medium.id) for c in candidates] == [(0, a.id), (1, b.id)]

    def test_media_last_written_covers_the_versions(self, world):
        a = world.written(world.medium(slot=1), at=T0 - 5 * DAY)
        world.backup([a], at=T0 + DAY)
        stored = world.catalog.medium(a.id)
        assert stored.first_written == T0 - 5 * DAY
        assert stored.last_written == T0 + DAY

    def test_duplicate_session(self, world):
        a = world.written(world.medium())
        session, _, _ = world.backup([a])
        with pytest.raises(DuplicateEntity, match=f"session {session.id}"):
            world.catalog.record_session(session)

    def test_session_id_from_the_future_of_its_start(self, world):
        s = attrs.evolve(running(), id=SessionId(date=T0.date() + dt.timedelta(days=2), number=1))
        with pytest.raises(InvalidRecord, match="after its own start") as info:
            world.catalog.record_session(s)
        assert info.value.path == "id"
        with pytest.raises(UnknownEntity):
            world.catalog.session(s.id)

    def test_session_id_dated_by_a_local_calendar_ahead_of_utc_is_fine(self, world):
        # 22:00 UTC is already the next day in Auckland
        s = attrs.evolve(running(), id=SessionId(date=T0.date() + DAY, number=1))
        world.catalog.record_session(s)
        assert world.catalog.session(s.id) == s

    def test_version_from_before_its_session_date(self, world):
        s = running()
        early = version(s, at=T0 - 3 * DAY)
        with pytest.raises(InvalidRecord, match="future of its records") as info:
            world.catalog.record_session(s, [early])
        assert info.value.path == "versions[0].backup_time"
        assert world.catalog.sessions() == []

    def test_version_of_another_session(self, world):
        s = running()
        other = attrs.evolve(version(s), session=SessionId(date=T0.date(), number=9))
        with pytest.raises(InvalidRecord, match="belongs to session"):
            world.catalog.record_session(s, [other])

    def test_duplicate_version(self, world):
        s = running()
        with pytest.raises(DuplicateEntity, match="appears twice"):
            world.catalog.record_session(s, [version(s), version(s)])

    def test_positions_need_a_known_medium_with_data(self, world):
        s = running()
        v = version(s)
        missing = world.ids()
        pos = Position(medium=missing, object_version=v, first_block=1, last_block=5)
        with pytest.raises(UnknownEntity, match=f"positions\\[0\\]: medium {missing}"):
            world.catalog.record_session(s, [v], [pos])
        empty = world.medium()
        with pytest.raises(ConflictError, match="is empty"):
            world.catalog.record_session(s, [v], [attrs.evolve(pos, medium=empty.id)])
        assert world.catalog.sessions() == []

    def test_positions_never_overlap(self, world):
        a = world.written(world.medium())
        s = running()
        v1, v2 = version(s, "h1"), version(s, "h2")
        p1 = Position(medium=a.id, object_version=v1, first_block=10, last_block=20)
        for first, last in [(20, 30), (5, 10), (0, 100), (12, 13)]:
            p2 = Position(medium=a.id, object_version=v2, first_block=first, last_block=last)
            with pytest.raises(ConflictError, match="overlap"):
                world.catalog.record_session(s, [v1, v2], [p1, p2])
        p2 = Position(medium=a.id, object_version=v2, first_block=21, last_block=30)
        world.catalog.record_session(s, [v1, v2], [p1, p2])
        assert world.catalog.check().ok

    def test_a_piece_lies_on_one_original_only(self, world):
        a = world.written(world.medium())
        b = world.written(world.medium())
        s = running()
        v = version(s)
        pa = Position(medium=a.id, object_version=v, first_block=1, last_block=2)
        with pytest.raises(DuplicateEntity, match="span 0"):
            world.catalog.record_session(s, [v], [pa, attrs.evolve(pa, medium=b.id)])

    def test_position_version_must_match_the_recorded_one(self, world):
        a = world.written(world.medium())
        s = running()
        v = version(s)
        world.catalog.record_session(s, [v])
        changed = attrs.evolve(v, size=5)
        pos = Position(medium=a.id, object_version=changed, first_block=1, last_block=2)
        with pytest.raises(ConflictError, match="differs"):
            world.catalog.extend_session(s.id, [], [pos])
        unknown = version(s, host="nobody")
        with pytest.raises(ConflictError, match="neither"):
            world.catalog.extend_session(s.id, [], [attrs.evolve(pos, object_version=unknown)])


class TestRunningSessions:
    def test_extend_then_finish(self, world):
        a = world.written(world.medium())
        s = running()
        world.catalog.record_session(s)
        v = version(s)
        pos = Position(medium=a.id, object_version=v, first_block=1, last_block=9)
        world.catalog.extend_session(s.id, [v], [pos])
        done = world.catalog.finish_session(s.id, SessionStatus.COMPLETED, T0 + DAY)
        assert done.status is SessionStatus.COMPLETED
        assert done.ended == T0 + DAY
        assert world.catalog.positions_on_medium(a.id) == [pos]
        with pytest.raises(ConflictError, match="finished"):
            world.catalog.extend_session(s.id, [version(s, "h2")])
        with pytest.raises(ConflictError, match="finished already"):
            world.catalog.finish_session(s.id, SessionStatus.FAILED, T0 + DAY)

    def test_finish_checks_its_arguments(self, world):
        s = running()
        world.catalog.record_session(s)
        with pytest.raises(InvalidRecord, match="not a final status"):
            world.catalog.finish_session(s.id, SessionStatus.IN_PROGRESS, T0)
        with pytest.raises(InvalidRecord, match="before it started"):
            world.catalog.finish_session(s.id, SessionStatus.COMPLETED, T0 - DAY)
        with pytest.raises(UnknownEntity):
            world.catalog.finish_session(
                SessionId.parse("2020/01/01-1"), SessionStatus.COMPLETED, T0
            )

    def test_sessions_since(self, world):
        world.catalog.record_session(running(1, T0))
        world.catalog.record_session(running(1, T0 + 3 * DAY))
        later = world.catalog.sessions(since=T0 + DAY)
        assert [str(s.id) for s in later] == [f"{(T0 + 3 * DAY).date():%Y/%m/%d}-1"]

    def test_session_id_order_is_numeric(self, world):
        for n in (10, 9, 2):
            world.catalog.record_session(running(n))
        assert [s.id.number for s in world.catalog.sessions()] == [2, 9, 10]


def test_medium_with_positions_cannot_be_emptied_by_update(world):
    a = world.written(world.medium())
    world.backup([a])
    with pytest.raises(ConflictError, match="recycle it instead"):
        world.catalog.update_medium(attrs.evolve(a, state=MediumState.EMPTY, bytes_used=0))


def test_timezone_aware_times_come_back_as_utc(world):
    tz = dt.timezone(dt.timedelta(hours=-7))
    s = running()
    s = attrs.evolve(s, started=s.started.astimezone(tz))
    world.catalog.record_session(s)
    stored = world.catalog.session(s.id)
    assert stored == s
    assert stored.started.tzinfo == UTC


def test_errors_are_catalog_errors(world):
    with pytest.raises(CatalogError):
        world.catalog.session(SessionId.parse("2020/01/01-1"))
