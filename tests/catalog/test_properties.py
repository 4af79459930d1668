"""Property tests: every medium round-trips; overlap rules; random operation streams."""

import datetime as dt

import attrs
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, invariant, precondition, rule

from smartmedia.catalog import CopyJobState, Position, SqliteCatalog
from smartmedia.errors import ConflictError, ProtectedMedium
from smartmedia.model import (
    Drive,
    DriveSerial,
    Library,
    LocationKind,
    MailSlot,
    MediaPool,
    MediaType,
    Protection,
    Slot,
)
from smartmedia.testing import strategies as sms

from .conftest import DAY, T0, World

SLOW = settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])


def prepare_for(catalog, medium):
    """Record the pool and library a medium of any shape needs."""
    catalog.add_pool(MediaPool(name=medium.pool, media_type=medium.media_type))
    loc = medium.location
    if loc.is_in_library:
        n = loc.ordinal
        catalog.add_library(
            Library(
                name=loc.library,
                virtual=False,
                visible=True,
                slots=(Slot(ordinal=n, address=1),) if loc.kind is LocationKind.SLOT else (),
                drives=(
                    (
                        Drive(
                            ordinal=n,
                            address=2,
                            serial=DriveSerial("S1"),
                            generation=MediaType.LTO9,
                        ),
                    )
                    if loc.kind is LocationKind.DRIVE
                    else ()
                ),
                mail_slots=(
                    (MailSlot(ordinal=n, address=3),) if loc.kind is LocationKind.MAIL_SLOT else ()
                ),
            )
        )


@SLOW
@given(sms.media(copies=False))
def test_every_medium_reads_back_equal(medium):
    with SqliteCatalog(":memory:") as catalog:
        prepare_for(catalog, medium)
        catalog.add_medium(medium)
        assert catalog.medium(medium.id) == medium
        exported = catalog.export()
        with SqliteCatalog(":memory:") as fresh:
            fresh.load(exported)
            assert fresh.medium(medium.id) == medium


@SLOW
@given(
    st.lists(
        st.tuples(st.integers(0, 60), st.integers(0, 15)).map(lambda t: (t[0], t[0] + t[1])),
        min_size=1,
        max_size=8,
    )
)
def test_positions_are_accepted_exactly_when_no_two_overlap(ranges):
    with SqliteCatalog(":memory:") as catalog:
        world = World(catalog)
        medium = world.written(world.medium())
        _, versions, _ = world.backup(
            [medium], hosts=tuple(f"h{i}" for i in range(len(ranges))), blocks=1
        )
        # a second session places the pieces at the ranges drawn
        target = world.written(world.medium())
        session = attrs.evolve(
            catalog.session(versions[0].session),
            id=versions[0].session.__class__(date=T0.date(), number=99),
        )
        placed = [attrs.evolve(v, session=session.id) for v in versions]
        positions = [
            Position(medium=target.id, object_version=v, first_block=a, last_block=b)
            for v, (a, b) in zip(placed, ranges, strict=True)
        ]
        overlapping = any(
            p.overlaps(q) for i, p in enumerate(positions) for q in positions[i + 1 :]
        )
        try:
            catalog.record_session(session, placed, positions)
            accepted = True
        except ConflictError:
            accepted = False
        assert accepted is not overlapping
        stored = catalog.positions_on_medium(target.id)
        assert stored == (sorted(positions, key=lambda p: p.first_block) if accepted else [])
        assert catalog.check().ok


class CatalogMachine(RuleBasedStateMachine):
    """Random streams of operations; ``check()`` holds after every step and the
    catalog agrees with a small model of roles and reservations."""

    def __init__(self):
        super().__init__()
        self.catalog = SqliteCatalog(":memory:")
        self.world = World(self.catalog)
        self.now = T0
        self.originals = []  # virtual media with data
        self.blanks = []  # physical media without data
        self.copies = {}  # copy -> original
        self.jobs = {}  # reserved job id -> (source, target)
        self.slot = 0

    def teardown(self):
        self.catalog.close()

    def _slot(self):
        self.slot += 1
        return self.slot

    @rule(days=st.integers(0, 40))
    def time_passes(self, days):
        self.now += dt.timedelta(days=days)

    @precondition(lambda self: self.slot < 19)
    @rule(keep=st.integers(0, 60))
    def backup(self, keep):
        m = self.world.medium(slot=self._slot())
        m = self.world.written(
            m, at=self.now, protection=Protection.for_period(self.now, keep * DAY)
        )
        self.world.backup([m], at=self.now)
        self.originals.append(m.id)

    @precondition(lambda self: self.slot < 19)
    @rule()
    def blank(self):
        self.blanks.append(self.world.blank_target(self._slot()).id)

    @precondition(lambda self: self.originals and self.blanks)
    @rule(data=st.data())
    def reserve(self, data):
        source = data.draw(st.sampled_from(self.originals))
        target = data.draw(st.sampled_from(self.blanks))
        busy = {m for pair in self.jobs.values() for m in pair}
        try:
            job = self.catalog.reserve_copy(source, [target], at=self.now)
        except ConflictError:
            assert source in busy or target in busy or not self._holds_data(source)
            return
        assert source not in busy
        assert target not in busy
        self.jobs[job.id] = (source, target)

    def _holds_data(self, medium_id):
        return self.catalog.medium(medium_id).state.holds_data

    @precondition(lambda self: self.jobs)
    @rule(data=st.data(), succeed=st.booleans())
    def finish(self, data, succeed):
        job_id = data.draw(st.sampled_from(sorted(self.jobs)))
        source, target = self.jobs.pop(job_id)
        if succeed:
            copy = self.world.copy_of(
                self.catalog.medium(source), self.catalog.medium(target), at=self.now
            )
            self.catalog.complete_copy(job_id, [copy], verified=True, digest="ok", at=self.now)
            self.blanks.remove(target)
            self.copies[copy.id] = source
        else:
            self.catalog.release_copy(job_id, reason="failed", at=self.now)
        assert self.catalog.copy_job(job_id).state is (
            CopyJobState.COMPLETED if succeed else CopyJobState.RELEASED
        )

    @rule()
    def expire(self):
        busy = {m for pair in self.jobs.values() for m in pair}
        expected = {m.id for m in self.catalog.expired_media(self.now)}
        for m in expected:
            assert m not in busy
            assert not self.catalog.medium(m).is_protected(self.now)
        results = self.catalog.expire(self.now)
        done = {r.medium for r in results}
        assert done <= expected
        for r in results:
            if r.promoted is not None:
                assert self.copies.pop(r.promoted) == r.medium
                for c, o in self.copies.items():
                    if o == r.medium:
                        self.copies[c] = r.promoted
                self.originals.append(r.promoted)
            self.copies.pop(r.medium, None)
            if r.medium in self.originals:
                self.originals.remove(r.medium)

    @precondition(lambda self: self.originals)
    @rule(data=st.data())
    def recycle_one(self, data):
        medium_id = data.draw(st.sampled_from(self.originals))
        medium = self.catalog.medium(medium_id)
        try:
            self.catalog.recycle(medium_id, at=self.now)
        except ProtectedMedium:
            assert medium.is_protected(self.now)
            return
        except ConflictError:
            busy = {m for pair in self.jobs.values() for m in pair}
            assert medium_id in busy or not medium.state.holds_data
            return
        assert not medium.is_protected(self.now)
        self.originals.remove(medium_id)
        promoted = [c for c, o in self.copies.items() if o == medium_id]
        if promoted:
            oldest = self.catalog.medium(promoted[0])  # copies were made in order
            assert not oldest.is_copy
            self.originals.append(oldest.id)
            del self.copies[oldest.id]
            for c in promoted[1:]:
                self.copies[c] = oldest.id

    @invariant()
    def catalog_is_sound(self):
        report = self.catalog.check()
        assert report.ok, str(report)

    @invariant()
    def roles_agree_with_the_model(self):
        for copy, original in self.copies.items():
            assert self.catalog.medium(copy).original == original
        reserved = {j.id for j in self.catalog.copy_jobs(state=CopyJobState.RESERVED)}
        assert reserved == set(self.jobs)


CatalogMachine.TestCase.settings = settings(max_examples=25, stateful_step_count=30, deadline=None)
test_operation_streams = CatalogMachine.TestCase
