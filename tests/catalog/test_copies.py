"""Copy jobs, promotion, recycling, and the copy and restore queries."""

import attrs
import pytest

from smartmedia.catalog import CopyJobState, Position
from smartmedia.errors import (
    ConflictError,
    InvalidRecord,
    ProtectedMedium,
    UnknownEntity,
)
from smartmedia.model import (
    Location,
    MediumState,
    Protection,
    Session,
    SessionId,
    SessionStatus,
    SessionType,
)

from .conftest import DAY, T0


@pytest.fixture
def backed_up(world):
    """A virtual original with two versions, and a blank physical target."""
    source = world.written(world.medium(slot=1))
    _session, versions, positions = world.backup([source])
    return world.catalog.medium(source.id), versions, positions


def copy_once(world, source, slot=1, at=T0 + DAY):
    target = world.blank_target(slot)
    job = world.catalog.reserve_copy(source.id, [target.id], at=at)
    copy = world.copy_of(world.catalog.medium(source.id), target, at=at)
    world.catalog.complete_copy(job.id, [copy], verified=True, digest="crc32c:1234", at=at)
    return world.catalog.medium(copy.id)


class TestReserve:
    def test_reservation_holds_source_and_target(self, world, backed_up):
        source, _, _ = backed_up
        target = world.blank_target(1)
        job = world.catalog.reserve_copy(source.id, [target.id], at=T0 + DAY)
        assert job.state is CopyJobState.RESERVED
        assert (job.source, job.targets) == (source.id, (target.id,))
        assert world.catalog.copy_job(job.id) == job
        assert world.catalog.copy_jobs(state=CopyJobState.RESERVED) == [job]
        other = world.blank_target(2)
        with pytest.raises(ConflictError, match=f"held by copy job {job.id}"):
            world.catalog.reserve_copy(source.id, [other.id], at=T0 + DAY)
        second = world.written(world.medium(slot=2))
        with pytest.raises(ConflictError, match="held by copy job"):
            world.catalog.reserve_copy(second.id, [target.id], at=T0 + DAY)
        assert world.catalog.check().ok

    def test_source_must_be_an_original_with_data(self, world, backed_up):
        source, _, _ = backed_up
        empty = world.medium()
        with pytest.raises(ConflictError, match="nothing to copy"):
            world.catalog.reserve_copy(empty.id, [world.blank_target(1).id], at=T0)
        copy = copy_once(world, source, slot=2)
        with pytest.raises(ConflictError, match="copy from an original"):
            world.catalog.reserve_copy(copy.id, [world.blank_target(3).id], at=T0 + DAY)

    def test_targets_must_be_free_of_data_and_protection(self, world, backed_up):
        source, _, _ = backed_up
        full = world.written(world.medium("Vault", slot=1))
        with pytest.raises(ConflictError, match="holds data"):
            world.catalog.reserve_copy(source.id, [full.id], at=T0)
        guarded = world.medium("Vault", slot=2, protection=Protection.until_time(T0 + 10 * DAY))
        with pytest.raises(ProtectedMedium, match="protected"):
            world.catalog.reserve_copy(source.id, [guarded.id], at=T0)
        with pytest.raises(UnknownEntity, match=r"targets\[0\]"):
            world.catalog.reserve_copy(source.id, [world.ids()], at=T0)
        with pytest.raises(InvalidRecord, match="distinct"):
            world.catalog.reserve_copy(source.id, [source.id], at=T0)
        with pytest.raises(InvalidRecord, match="at least one target"):
            world.catalog.reserve_copy(source.id, [], at=T0)
        assert world.catalog.copy_jobs() == []


class TestComplete:
    def test_copy_is_recorded_with_the_originals_versions(self, world, backed_up):
        source, versions, positions = backed_up
        copy = copy_once(world, source)
        cat = world.catalog
        assert copy.original == source.id
        assert copy.copy_generation == 1
        on_copy = cat.positions_on_medium(copy.id)
        assert on_copy == [attrs.evolve(p, medium=copy.id) for p in positions]
        records = cat.copies_of(source.id)
        assert [(r.copy, r.original, r.generation) for r in records] == [(copy.id, source.id, 1)]
        assert records[0].recorded_at == T0 + DAY
        job = cat.copy_jobs()[0]
        assert job.state is CopyJobState.COMPLETED
        assert job.copies == (copy.id,)
        assert job.digest == "crc32c:1234"
        assert cat.medium(source.id).state is MediumState.NON_APPENDABLE
        assert cat.media_of_session(versions[0].session, copies=True)[-1].id == copy.id
        assert cat.check().ok

    def test_the_target_record_is_replaced_by_the_copy(self, world, backed_up):
        source, _, _ = backed_up
        copy = copy_once(world, source, slot=7)
        assert copy.location == Location.slot("MSL", 7)
        assert [m.id for m in world.catalog.media(pool="Vault")] == [copy.id]

    @pytest.mark.parametrize(
        ("verified", "digest", "message"),
        [(False, "abc", "not verified"), (True, "", "without its digest"), (1, "x", "verified")],
    )
    def test_unverified_copies_are_never_recorded(
        self, world, backed_up, verified, digest, message
    ):
        source, _, _ = backed_up
        target = world.blank_target(1)
        job = world.catalog.reserve_copy(source.id, [target.id], at=T0)
        copy = world.copy_of(source, target)
        with pytest.raises(ConflictError, match=message):
            world.catalog.complete_copy(job.id, [copy], verified=verified, digest=digest, at=T0)
        assert world.catalog.copy_job(job.id).state is CopyJobState.RESERVED
        assert world.catalog.copies_of(source.id) == []
        assert world.catalog.medium(target.id) == target
        assert world.catalog.check().ok

    def test_copy_must_match_its_job(self, world, backed_up):
        source, _, _ = backed_up
        target = world.blank_target(1)
        job = world.catalog.reserve_copy(source.id, [target.id], at=T0)
        good = world.copy_of(source, target)
        bystander = world.medium()
        bad = [
            (attrs.evolve(good, original=target.id), "names it as its original"),
            (attrs.evolve(good, copy_generation=2), "generation 1"),
            (attrs.evolve(good, barcode=None), "on cartridge"),
            (attrs.evolve(good, state=MediumState.APPENDABLE), "takes no more"),
            (attrs.evolve(good, id=bystander.id), "taken by another medium"),
        ]
        for copy, message in bad:
            with pytest.raises(ConflictError, match=message):
                world.catalog.complete_copy(job.id, [copy], verified=True, digest="d", at=T0)
        with pytest.raises(InvalidRecord, match="1 targets, but 2"):
            world.catalog.complete_copy(job.id, [good, good], verified=True, digest="d", at=T0)
        assert world.catalog.check().ok

    def test_spanning_copy_needs_positions_that_cover_the_source(self, world, backed_up):
        source, versions, positions = backed_up
        t1, t2 = world.blank_target(1), world.blank_target(2)
        job = world.catalog.reserve_copy(source.id, [t1.id, t2.id], at=T0)
        c1, c2 = world.copy_of(source, t1), world.copy_of(source, t2)
        with pytest.raises(InvalidRecord, match="positions"):
            world.catalog.complete_copy(job.id, [c1, c2], verified=True, digest="d", at=T0)
        first, second = positions
        # the second version is cut between the two copies: 60 blocks + 40 blocks
        placed = [
            attrs.evolve(first, medium=c1.id, first_block=1, last_block=100),
            attrs.evolve(second, medium=c1.id, first_block=101, last_block=160),
            attrs.evolve(second, medium=c2.id, first_block=1, last_block=40),
        ]
        short = [*placed[:2], attrs.evolve(placed[2], last_block=39)]
        with pytest.raises(ConflictError, match=r"hold 99 blocks of span 0 .* the source 100"):
            world.catalog.complete_copy(
                job.id, [c1, c2], verified=True, digest="d", at=T0, positions=short
            )
        world.catalog.complete_copy(
            job.id, [c1, c2], verified=True, digest="d", at=T0, positions=placed
        )
        spans = [(c.span, c.medium.id) for c in world.catalog.restore_candidates(versions[1])]
        assert spans == [(0, source.id), (0, c1.id), (0, c2.id)]
        assert world.catalog.check().ok

    def test_release_frees_everything_and_records_nothing(self, world, backed_up):
        source, _, _ = backed_up
        target = world.blank_target(1)
        job = world.catalog.reserve_copy(source.id, [target.id], at=T0)
        released = world.catalog.release_copy(job.id, reason="VLS reported failure", at=T0 + DAY)
        assert released.state is CopyJobState.RELEASED
        assert released.reason == "VLS reported failure"
        assert world.catalog.copies_of(source.id) == []
        assert world.catalog.medium(source.id).state is MediumState.APPENDABLE
        with pytest.raises(ConflictError, match="released; it cannot become completed"):
            world.catalog.complete_copy(
                job.id, [world.copy_of(source, target)], verified=True, digest="d", at=T0
            )
        with pytest.raises(ConflictError):
            world.catalog.release_copy(job.id, reason="again", at=T0 + DAY)
        # the media can be reserved again
        again = world.catalog.reserve_copy(source.id, [target.id], at=T0 + DAY)
        assert again.id != job.id
        assert world.catalog.check().ok

    def test_unknown_job(self, world):
        with pytest.raises(UnknownEntity, match="copy job 42"):
            world.catalog.release_copy(42, reason="x", at=T0)


class TestQueries:
    def test_not_yet_copied(self, world):
        old = world.written(world.medium(slot=1), at=T0 - 10 * DAY)
        new = world.written(world.medium(slot=2), at=T0)
        newer = world.written(world.medium(slot=3), at=T0 + DAY)
        world.medium(slot=4)  # empty: nothing to copy
        cat = world.catalog
        assert [m.id for m in cat.not_yet_copied("VTL", since=T0)] == [new.id, newer.id]
        copy_once(world, new, slot=1)
        assert [m.id for m in cat.not_yet_copied("VTL", since=T0)] == [newer.id]
        assert [m.id for m in cat.not_yet_copied("VTL", since=T0, copies=2)] == [new.id, newer.id]
        job = cat.reserve_copy(newer.id, [world.blank_target(2).id], at=T0)
        assert cat.not_yet_copied("VTL", since=T0) == []
        cat.release_copy(job.id, reason="cancelled", at=T0)
        assert [m.id for m in cat.not_yet_copied("VTL", since=T0 - 20 * DAY)] == [
            old.id,
            newer.id,
        ]
        with pytest.raises(InvalidRecord, match="copies"):
            cat.not_yet_copied("VTL", since=T0, copies=0)
        with pytest.raises(UnknownEntity):
            cat.not_yet_copied("Nope", since=T0)

    def test_restore_candidates_say_where_and_whether_visible(self, world, backed_up):
        source, versions, _ = backed_up
        copy = copy_once(world, source, slot=3)
        cat = world.catalog
        found = cat.restore_candidates(versions[0])
        assert [(c.medium.id, c.visible, c.is_copy) for c in found] == [
            (source.id, True, False),
            (copy.id, False, True),
        ]
        assert found[1].location == Location.slot("MSL", 3)
        # vault the original, bring the copy to the visible restore library
        cat.move_medium(source.id, Location.in_vault("Offsite"))
        cat.move_medium(copy.id, Location.mail_slot("Restore", 1))
        found = cat.restore_candidates(versions[0])
        assert [(c.medium.id, c.visible, c.is_copy) for c in found] == [
            (copy.id, True, True),
            (source.id, False, False),
        ]
        assert found[0].position.first_block == found[1].position.first_block

    def test_restore_candidates_of_an_unknown_version(self, world, backed_up):
        _, versions, _ = backed_up
        with pytest.raises(UnknownEntity, match="not in the catalog"):
            world.catalog.restore_candidates(
                attrs.evolve(versions[0], session=SessionId.parse("2020/01/01-1"))
            )


class TestRecycling:
    def test_protected_media_are_never_recycled(self, world, backed_up):
        source, _, _ = backed_up
        with pytest.raises(ProtectedMedium, match="protected"):
            world.catalog.recycle(source.id, at=T0 + DAY)
        assert world.catalog.expire(T0 + DAY) == []
        assert world.catalog.medium(source.id) == source

    def test_expire_recycles_what_protection_no_longer_covers(self, world, backed_up):
        source, versions, _ = backed_up
        later = T0 + 31 * DAY
        assert [m.id for m in world.catalog.expired_media(later)] == [source.id]
        results = world.catalog.expire(later)
        assert [(r.medium, r.promoted) for r in results] == [(source.id, None)]
        recycled = world.catalog.medium(source.id)
        assert recycled.state is MediumState.EMPTY
        assert recycled.bytes_used == 0
        assert world.catalog.positions_on_medium(source.id) == []
        assert world.catalog.restore_candidates(versions[0]) == []
        assert world.catalog.check().ok

    def test_recycling_an_original_promotes_its_oldest_copy(self, world, backed_up):
        source, versions, _ = backed_up
        first = copy_once(world, source, slot=1, at=T0 + DAY)
        first = world.catalog.medium(first.id)
        second = copy_once(world, source, slot=2, at=T0 + 2 * DAY)
        # the copies are kept longer than the original
        for c in (first, second):
            world.catalog.update_medium(attrs.evolve(c, protection=Protection.permanent()))
        result = world.catalog.recycle(source.id, at=T0 + 31 * DAY)
        assert result.promoted == first.id
        promoted = world.catalog.medium(first.id)
        assert not promoted.is_copy
        assert world.catalog.medium(second.id).original == first.id
        assert [r.copy for r in world.catalog.copies_of(first.id)] == [second.id]
        found = world.catalog.restore_candidates(versions[0])
        assert [(c.medium.id, c.is_copy) for c in found] == [(first.id, False), (second.id, True)]
        assert world.catalog.check().ok

    def test_a_reserved_medium_is_not_recycled(self, world, backed_up):
        source, _, _ = backed_up
        world.catalog.reserve_copy(source.id, [world.blank_target(1).id], at=T0)
        with pytest.raises(ConflictError, match="held by copy job"):
            world.catalog.recycle(source.id, at=T0 + 31 * DAY)
        assert world.catalog.expired_media(T0 + 31 * DAY) == []

    def test_promote_swaps_roles(self, world, backed_up):
        source, _, _ = backed_up
        copy = copy_once(world, source)
        promoted = world.catalog.promote_copy(copy.id)
        assert not promoted.is_copy
        former = world.catalog.medium(source.id)
        assert (former.original, former.copy_generation) == (copy.id, 1)
        with pytest.raises(ConflictError, match="original already"):
            world.catalog.promote_copy(copy.id)
        assert world.catalog.check().ok

    def test_recycled_target_can_receive_a_copy(self, world, backed_up):
        source, _, _ = backed_up
        other = world.written(world.medium("Vault", slot=5), at=T0 - 40 * DAY)
        world.catalog.recycle(other.id, at=T0)
        job = world.catalog.reserve_copy(source.id, [other.id], at=T0)
        assert job.targets == (other.id,)


def test_backups_never_write_positions_on_a_copy(world, backed_up):
    source, versions, _ = backed_up
    copy = copy_once(world, source)
    session = Session(
        id=SessionId(date=T0.date(), number=50),
        type=SessionType.BACKUP,
        status=SessionStatus.IN_PROGRESS,
        started=T0,
    )
    version = attrs.evolve(versions[0], session=session.id)
    pos = Position(medium=copy.id, object_version=version, first_block=500, last_block=501)
    with pytest.raises(ConflictError, match="is a copy"):
        world.catalog.record_session(session, [version], [pos])


def test_media_held_by_a_job_take_no_new_data_and_no_updates(world, backed_up):
    source, versions, _ = backed_up
    target = world.blank_target(1)
    job = world.catalog.reserve_copy(source.id, [target.id], at=T0)
    session = Session(
        id=SessionId(date=T0.date(), number=60),
        type=SessionType.BACKUP,
        status=SessionStatus.IN_PROGRESS,
        started=T0,
    )
    version = attrs.evolve(versions[0], session=session.id)
    pos = Position(medium=source.id, object_version=version, first_block=900, last_block=901)
    with pytest.raises(ConflictError, match="missing from the copy"):
        world.catalog.record_session(session, [version], [pos])
    with pytest.raises(ConflictError, match=f"held by copy job {job.id}"):
        world.catalog.update_medium(attrs.evolve(target, label="relabelled"))
    with pytest.raises(ConflictError, match="cannot leave the library"):
        world.catalog.move_medium(target.id, Location.in_vault("Offsite"))
    world.catalog.move_medium(target.id, Location.drive("MSL", 1))
    assert world.catalog.check().ok
