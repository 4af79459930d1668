"""plan_copies: allocation, schedule, every rejection reason, determinism, round trips."""

import datetime as dt

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from smartmedia.errors import ValidationError
from smartmedia.model import Barcode, MediaType, MediumId, MediumState
from smartmedia.planning import (
    CopyPlan,
    CopyPolicy,
    Profiles,
    Reason,
    Selection,
    plan_copies,
    replan,
)
from smartmedia.serialization import from_json, to_json

from .conftest import DAY, NOW, TB, World

POLICY = CopyPolicy(target_pool="Vault")


def plan(world, selection=None, policy=POLICY, **kw):
    inventory = kw.pop("inventory", None) or world.inventory()
    return plan_copies(
        selection or Selection(), policy, world.catalog, inventory, Profiles(), now=NOW, **kw
    )


def reasons(p):
    return {u.medium or u.barcode: u.reason for u in p.unplaced}


def test_each_source_gets_its_own_target_and_a_drive(world):
    sources = [world.source(used) for used in (3 * TB, 1 * TB, 2 * TB)]
    targets = [world.target() for _ in range(4)]
    p = plan(world)
    assert p.unplaced == ()
    assert {t.source for t in p.tasks} == {s.id for s in sources}
    used = [piece.barcode for t in p.tasks for piece in t.targets]
    assert len(used) == len(set(used)) == 3
    assert set(used) <= set(targets)
    assert {t.drive_ordinal for t in p.tasks} == {1, 2}
    for task in p.tasks:
        (piece,) = task.targets
        assert piece.capacity >= task.bytes
        assert piece.label.startswith("Vault_")
    assert len({piece.medium_id for t in p.tasks for piece in t.targets}) == 3
    assert p.summary.makespan >= p.summary.lower_bound > 0
    # the largest copy starts first; the 1 TB one follows the 2 TB one on the other drive
    first = min(p.tasks, key=lambda t: (t.start, t.drive_ordinal))
    assert first.bytes == 3 * TB


def test_plans_are_deterministic_and_round_trip_through_json(world):
    for used in (5, 3, 8, 1):
        world.source(used * 10**11)
    for _ in range(6):
        world.target()
    a, b = plan(world), plan(world)
    assert a == b
    assert from_json(to_json(a), CopyPlan) == a


def test_explain_tells_every_decision(world):
    source = world.source(TB)
    world.source(TB, library="MSL")
    world.target()
    text = plan(world).explain()
    assert str(source.barcode) in text
    assert "not planned" in text
    assert "not in a virtual library" in text
    assert "lower bound" in text


def test_scratch_then_free_pool_then_blank(world):
    blank = world.target(recorded=False)
    free = world.target(pool="Free")
    scratch = world.target()
    for _ in range(3):
        world.source(TB)
    kinds = {piece.barcode: piece.kind for t in plan(world).tasks for piece in t.targets}
    assert kinds == {scratch: "scratch", free: "free_pool", blank: "blank"}


def test_strict_pools_use_only_their_own_scratch():
    world = World(strict=True)
    world.target(recorded=False)
    world.target(pool="Free")
    scratch = world.target()
    world.source(TB)
    world.source(TB)
    p = plan(world)
    assert [piece.barcode for t in p.tasks for piece in t.targets] == [scratch]
    assert list(reasons(p).values()) == [Reason.NO_TARGET_LEFT]


def test_protected_media_are_never_overwritten_recyclable_only_when_allowed(world):
    world.target(used=TB, protected=True)
    recyclable = world.target(used=TB)
    source = world.source(TB)
    assert reasons(plan(world))[source.id] is Reason.NO_COMPATIBLE_TARGET
    p = plan(world, policy=CopyPolicy(target_pool="Vault", overwrite_recyclable=True))
    (task,) = p.tasks
    assert [(x.barcode, x.kind) for x in task.targets] == [(recyclable, "recyclable")]


def test_poor_media_are_not_used(world):
    world.target(write_count=1000)
    source = world.source(TB)
    assert reasons(plan(world))[source.id] is Reason.NO_COMPATIBLE_TARGET


def test_a_large_source_spans_onto_several_targets_in_order(world):
    source = world.source(30 * TB)
    for _ in range(3):
        world.target()
    (task,) = plan(world).tasks
    assert task.source == source.id
    assert len(task.targets) == 2
    assert sum(t.bytes for t in task.targets) == 30 * TB
    assert task.targets[0].previous is None
    assert task.targets[1].previous == task.targets[0].medium_id
    nospan = plan(world, policy=CopyPolicy(target_pool="Vault", allow_spanning=False))
    assert reasons(nospan)[source.id] is Reason.TARGET_TOO_SMALL


def test_targets_must_be_writable_here_and_readable_by_the_application(world):
    world.target(media_type=MediaType.LTO7, recorded=False)  # LTO-9 drives cannot write LTO-7
    source = world.source(TB)
    assert reasons(plan(world))[source.id] is Reason.NO_COMPATIBLE_TARGET


def test_no_target_left(world):
    world.target()
    a, b = world.source(2 * TB), world.source(TB)
    p = plan(world)
    assert [t.source for t in p.tasks] == [a.id]
    assert reasons(p)[b.id] is Reason.NO_TARGET_LEFT


def test_no_drive_when_all_are_busy(world):
    world.target()
    source = world.source(TB)
    inventory = world.inventory(busy=("MSL-D1", "MSL-D2"))
    assert reasons(plan(world, inventory=inventory))[source.id] is Reason.NO_DRIVE


def test_outside_the_time_window(world):
    for _ in range(3):
        world.target()
    big, small = world.source(10 * TB), world.source(10**9)
    p = plan(world, policy=CopyPolicy(target_pool="Vault", window=dt.timedelta(hours=2)))
    assert [t.source for t in p.tasks] == [small.id]
    assert reasons(p)[big.id] is Reason.OUTSIDE_WINDOW
    assert all(t.end <= 7200 for t in p.tasks)


def test_explicit_selections_report_what_they_cannot_copy(world):
    world.target()
    empty = world.source(0, state=MediumState.EMPTY)
    elsewhere = world.source(TB, library="MSL")
    unknown = MediumId("0a0a0a0a:00000000:0000:0001")
    p = plan(
        world,
        Selection.explicit(media=(empty.id, elsewhere.id, unknown), barcodes=(Barcode("NOSUCH"),)),
    )
    assert p.tasks == ()
    assert reasons(p) == {
        unknown: Reason.UNKNOWN_MEDIUM,
        Barcode("NOSUCH"): Reason.UNKNOWN_MEDIUM,
        empty.id: Reason.NO_DATA,
        elsewhere.id: Reason.SOURCE_NOT_ON_VLS,
    }


def test_copies_in_use_and_already_copied_and_copies_of_copies(world):
    a, b = world.source(TB), world.source(TB)
    t1 = world.target()
    world.target()
    world.target()
    [target_medium] = world.catalog.media_with_barcode(t1)
    job = world.catalog.reserve_copy(a.id, [target_medium.id], at=NOW)
    busy = plan(world)
    assert reasons(busy)[a.id] is Reason.SOURCE_IN_USE
    import attrs

    copy = attrs.evolve(
        target_medium,
        id=MediumId("0a000009:00000000:0000:0009"),
        state=MediumState.FULL,
        bytes_used=a.bytes_used,
        first_written=NOW,
        last_written=NOW,
        original=a.id,
        copy_generation=1,
    )
    world.catalog.complete_copy(job.id, [copy], verified=True, digest="crc32c:1", at=NOW)
    done = plan(world, Selection.explicit(media=(a.id, b.id, copy.id)))
    assert reasons(done) == {a.id: Reason.ALREADY_COPIED, copy.id: Reason.IS_A_COPY}
    assert [t.source for t in done.tasks] == [b.id]
    two = plan(world, Selection.explicit(media=(a.id,)), CopyPolicy(target_pool="Vault", copies=2))
    assert [t.source for t in two.tasks] == [a.id]


def test_selection_criteria(world):
    old = world.source(TB, at=NOW - 10 * DAY)
    new = world.source(TB, at=NOW - DAY)
    for _ in range(3):
        world.target()
    recent = plan(world, Selection.matching(written_after=NOW - 2 * DAY))
    assert [t.source for t in recent.tasks] == [new.id]
    aged = plan(world, Selection.matching(min_age=5 * DAY))
    assert [t.source for t in aged.tasks] == [old.id]
    labelled = plan(world, Selection.matching(label_pattern=new.label))
    assert [t.source for t in labelled.tasks] == [new.id]


def test_replan_leaves_out_what_is_done(world):
    a, b = world.source(2 * TB), world.source(TB)
    for _ in range(3):
        world.target()
    first = plan(world)
    rest = replan(first, world.catalog, world.inventory(), now=NOW + DAY, done=[a.id])
    assert [t.source for t in rest.tasks] == [b.id]


def test_bad_input_is_a_validation_error(world):
    with pytest.raises(ValidationError, match="selection"):
        plan_copies("all", POLICY, world.catalog, world.inventory(), now=NOW)
    with pytest.raises(ValidationError, match="now"):
        plan_copies(
            Selection(), POLICY, world.catalog, world.inventory(), now=dt.datetime(2026, 1, 1)
        )
    with pytest.raises(ValidationError):
        CopyPolicy(target_pool="Vault", copies=0)
    with pytest.raises(ValidationError, match="written_before"):
        Selection(written_after=NOW, written_before=NOW - DAY)


@given(
    sizes=st.lists(st.integers(1, 40).map(lambda x: x * 5 * 10**11), min_size=1, max_size=12),
    targets=st.integers(0, 14),
    drives=st.integers(1, 4),
    protected=st.integers(0, 3),
    spanning=st.booleans(),
)
@settings(max_examples=25, deadline=None)
def test_plan_invariants(sizes, targets, drives, protected, spanning):
    world = World(drives=drives)
    try:
        for size in sizes:
            world.source(size)
        for _ in range(protected):
            world.target(used=TB, protected=True)
        for _ in range(targets):
            world.target()
        selection = Selection.matching(pools=("VTL",))
        policy = CopyPolicy(target_pool="Vault", allow_spanning=spanning)
        p = plan(world, selection, policy)
        used = [piece.barcode for t in p.tasks for piece in t.targets]
        assert len(used) == len(set(used)), "a target used twice"
        protected_barcodes = {
            m.barcode for m in world.catalog.media(pool="Vault") if m.is_protected(NOW)
        }
        assert not set(used) & protected_barcodes
        for task in p.tasks:
            assert sum(piece.capacity for piece in task.targets) >= task.bytes
            assert sum(piece.bytes for piece in task.targets) == task.bytes
            assert task.end >= task.start
        assert len(p.tasks) + len(p.unplaced) == len(sizes)
        assert p.summary.makespan >= p.summary.lower_bound - 1e-6
        assert p == plan(world, selection, policy)
    finally:
        world.catalog.close()
