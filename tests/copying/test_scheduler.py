"""The scheduler: runs what is due once — late, twice, or after a crash — and its state file."""

import datetime as dt
import json
import os
import subprocess
import sys
import tempfile
import textwrap
from pathlib import Path

import attrs
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from smartmedia.copying._scheduler import (
    JobRecord,
    RunStatus,
    ScheduledCopy,
    ScheduledCopyFailed,
    Scheduler,
    SchedulerState,
)
from smartmedia.copying._schedules import Schedule
from smartmedia.errors import CopyError, CopyFailed, ValidationError
from smartmedia.model import CopyTrigger
from smartmedia.planning import CopyPolicy, Selection
from smartmedia.serialization import from_json, to_json

UTC = dt.timezone.utc
T0 = dt.datetime(2026, 1, 5, 12, 0, tzinfo=UTC)  # a Monday, noon
HOUR = dt.timedelta(hours=1)
DAY = dt.timedelta(days=1)
VAULT = CopyPolicy(target_pool="Vault")
NIGHTLY = Schedule.cron("0 2 * * *", tz="UTC")


class Crash(BaseException):
    """Stands for the process dying: nothing catches it."""


@attrs.frozen
class Call:
    selection: Selection
    policy: CopyPolicy
    trigger: CopyTrigger
    on_event: object


@attrs.frozen
class FakeReport:
    number: int
    selection: Selection


class FakeService:
    """Records every copy asked for; fails or crashes for the pools it is told to."""

    def __init__(self, *, fail=(), crash=()):
        self.calls = []
        self.fail = set(fail)
        self.crash = set(crash)

    def copy(self, selection, policy, *, trigger, on_event=None):
        self.calls.append(Call(selection, policy, trigger, on_event))
        (pool,) = selection.pools
        if pool in self.crash:
            raise Crash(pool)
        if pool in self.fail:
            raise CopyFailed(f"no drive for {pool}")
        return FakeReport(len(self.calls), selection)

    def pools(self):
        return [call.selection.pools[0] for call in self.calls]


class FakeClock:
    def __init__(self, now=T0):
        self.now = now

    def advance(self, by):
        self.now += by
        return self.now


def job(name, schedule=NIGHTLY, pool=None):
    return ScheduledCopy(
        name=name,
        schedule=schedule,
        selection=Selection.matching(pools=(pool or name,)),
        policy=VAULT,
    )


@pytest.fixture
def state_path(tmp_path):
    return tmp_path / "scheduler.json"


def scheduler(service, jobs, path):
    return Scheduler(service, jobs, SchedulerState.load(path))


# ------------------------------------------------------------------------ the basics


def test_a_new_job_waits_for_its_first_slot_and_runs_once(state_path):
    service, clock = FakeService(), FakeClock()
    sched = scheduler(service, [job("daily")], state_path)
    assert sched.run_due(clock.now) == []  # noon: 02:00 has passed today, not run for it
    assert sched.run_due(clock.advance(13 * HOUR)) == []  # 01:00
    ran = sched.run_due(clock.advance(HOUR))  # 02:00
    assert ran == [("daily", FakeReport(1, Selection.matching(pools=("daily",))))]
    (call,) = service.calls
    assert call.trigger is CopyTrigger.SCHEDULED
    assert call.policy == VAULT
    assert sched.run_due(clock.advance(dt.timedelta(minutes=30))) == []
    assert sched.run_due(clock.now + DAY) != []  # the next night
    assert len(service.calls) == 2


def test_called_twice_for_the_same_instant_runs_nothing_the_second_time(state_path):
    service = FakeService()
    sched = scheduler(service, [job("a"), job("b")], state_path)
    sched.run_due(T0)
    at = dt.datetime(2026, 1, 6, 2, 0, 30, tzinfo=UTC)
    assert [name for name, _ in sched.run_due(at)] == ["a", "b"]
    assert sched.run_due(at) == []
    # and a fresh scheduler on the same state file agrees
    assert scheduler(service, [job("a"), job("b")], state_path).run_due(at) == []
    assert service.pools() == ["a", "b"]


def test_called_late_a_job_due_many_times_runs_once_and_counts_on_from_now(state_path):
    service = FakeService()
    sched = scheduler(service, [job("daily")], state_path)
    sched.run_due(T0)
    late = T0 + 3 * DAY + 2 * HOUR  # Thursday 14:00: three nightly slots were missed
    assert sched.next_runs(late) == [("daily", dt.datetime(2026, 1, 6, 2, 0, tzinfo=UTC))]
    assert [j.name for j in sched.due(late)] == ["daily"]
    assert len(sched.run_due(late)) == 1
    assert sched.run_due(late + HOUR) == []  # no second helping for the other missed nights
    assert sched.next_runs(late) == [("daily", dt.datetime(2026, 1, 9, 2, 0, tzinfo=UTC))]
    assert len(sched.run_due(dt.datetime(2026, 1, 9, 2, 0, tzinfo=UTC))) == 1
    assert len(service.calls) == 2


def test_interval_jobs_catch_up_once_and_stay_on_their_grid(state_path):
    service = FakeService()
    every_6h = Schedule.every(6 * HOUR, start=dt.datetime(2026, 1, 1, tzinfo=UTC))
    sched = scheduler(service, [job("six", every_6h)], state_path)
    sched.run_due(T0)  # 12:00: a slot now, and it counts as seen now
    assert len(service.calls) == 1
    assert len(sched.run_due(T0 + 20 * HOUR)) == 1  # 08:00 next day: 3 slots missed, one run
    assert sched.next_runs(T0 + 20 * HOUR) == [("six", dt.datetime(2026, 1, 6, 12, 0, tzinfo=UTC))]
    assert sched.run_due(T0 + 23 * HOUR) == []
    assert len(sched.run_due(T0 + 24 * HOUR)) == 1


def test_a_slot_at_the_moment_a_job_is_first_seen_counts(state_path):
    service = FakeService()
    at_two = dt.datetime(2026, 1, 6, 2, 0, tzinfo=UTC)
    sched = scheduler(service, [job("daily")], state_path)
    assert [j.name for j in sched.due(at_two)] == ["daily"]
    assert len(sched.run_due(at_two)) == 1
    # a job added later is seen then: it does not run for slots before
    sched = scheduler(service, [job("daily"), job("later")], state_path)
    assert sched.run_due(at_two + HOUR) == []
    assert [name for name, _ in sched.run_due(at_two + DAY)] == ["daily", "later"]


def test_the_state_survives_a_restart(state_path):
    service = FakeService()
    scheduler(service, [job("daily")], state_path).run_due(T0)
    scheduler(service, [job("daily")], state_path).run_due(T0 + 14 * HOUR)
    restarted = scheduler(service, [job("daily")], state_path)
    assert restarted.run_due(T0 + 15 * HOUR) == []
    record = restarted.state.get("daily")
    assert record == JobRecord(
        name="daily", seen=T0, started=T0 + 14 * HOUR, status=RunStatus.FINISHED
    )
    assert len(service.calls) == 1


def test_listing_changes_nothing(state_path):
    sched = scheduler(FakeService(), [job("daily"), job("other")], state_path)
    at_two = dt.datetime(2026, 1, 6, 2, 0, tzinfo=UTC)
    assert [j.name for j in sched.due(at_two)] == ["daily", "other"]
    assert sched.next_runs(T0) == [("daily", at_two), ("other", at_two)]
    assert not state_path.exists()
    assert sched.state.records == ()


def test_time_zones_of_now_do_not_matter(state_path):
    service = FakeService()
    berlin_job = job("berlin", Schedule.cron("0 2 * * *", tz="Europe/Berlin"))
    sched = scheduler(service, [berlin_job], state_path)
    sched.run_due(T0)
    tokyo = dt.timezone(dt.timedelta(hours=9))
    assert sched.run_due(dt.datetime(2026, 1, 6, 9, 59, tzinfo=tokyo)) == []  # 00:59 UTC
    assert len(sched.run_due(dt.datetime(2026, 1, 6, 10, 0, tzinfo=tokyo))) == 1  # 02:00 Berlin


def test_events_are_passed_to_the_service(state_path):
    service = FakeService()
    sched = scheduler(service, [job("daily")], state_path)
    sink = []
    sched.run_due(dt.datetime(2026, 1, 6, 2, 0, tzinfo=UTC), on_event=sink.append)
    assert service.calls[0].on_event == sink.append


# ------------------------------------------------------------------- crashes, failures


def test_a_run_cut_off_by_a_crash_runs_again_on_the_next_call(state_path):
    jobs = [job("a"), job("b")]
    at_two = dt.datetime(2026, 1, 6, 2, 0, tzinfo=UTC)
    crashing = FakeService(crash={"a"})
    with pytest.raises(Crash):
        scheduler(crashing, jobs, state_path).run_due(at_two)
    on_disk = SchedulerState.load(state_path)
    assert on_disk.get("a").status is RunStatus.RUNNING
    assert on_disk.get("a").started == at_two
    assert on_disk.get("b").status is None  # never started

    service = FakeService()
    restarted = scheduler(service, jobs, state_path)
    assert [j.name for j in restarted.due(at_two)] == ["a", "b"]
    assert restarted.next_runs(at_two) == [("a", at_two), ("b", at_two)]
    assert [name for name, _ in restarted.run_due(at_two)] == ["a", "b"]  # same instant: still
    assert restarted.run_due(at_two) == []
    assert restarted.run_due(at_two + HOUR) == []
    assert service.pools() == ["a", "b"]
    assert SchedulerState.load(state_path).get("a").status is RunStatus.FINISHED


def test_a_run_that_finished_before_the_crash_is_not_run_again(state_path):
    jobs = [job("a"), job("b")]
    at_two = dt.datetime(2026, 1, 6, 2, 0, tzinfo=UTC)
    with pytest.raises(Crash):
        scheduler(FakeService(crash={"b"}), jobs, state_path).run_due(at_two)
    service = FakeService()
    assert [name for name, _ in scheduler(service, jobs, state_path).run_due(at_two)] == ["b"]
    assert service.pools() == ["b"]


def test_a_crash_after_the_copy_but_before_finished_is_saved_runs_again(state_path):
    """The documented trade: the copy layer's resume makes the second run safe."""
    service = FakeService()
    sched = scheduler(service, [job("a")], state_path)
    saves = []
    real_save = sched.state.save

    def save_then_die():
        saves.append(1)
        if len(saves) == 3:  # seen, running, (dies before) finished
            raise Crash("power cut")
        real_save()

    sched.state.save = save_then_die
    at_two = dt.datetime(2026, 1, 6, 2, 0, tzinfo=UTC)
    with pytest.raises(Crash):
        sched.run_due(at_two)
    assert len(service.calls) == 1
    assert SchedulerState.load(state_path).get("a").status is RunStatus.RUNNING
    assert len(scheduler(service, [job("a")], state_path).run_due(at_two + HOUR)) == 1
    assert len(service.calls) == 2


def test_a_real_process_crash_mid_run(state_path):
    script = textwrap.dedent(
        """
        import datetime as dt, os, sys
        from smartmedia.copying._schedules import Schedule
        from smartmedia.copying._scheduler import ScheduledCopy, Scheduler, SchedulerState
        from smartmedia.planning import CopyPolicy, Selection

        class Dies:
            def copy(self, selection, policy, *, trigger, on_event=None):
                os._exit(17)

        job = ScheduledCopy(
            name="a",
            schedule=Schedule.cron("0 2 * * *"),
            selection=Selection.matching(pools=("a",)),
            policy=CopyPolicy(target_pool="Vault"),
        )
        now = dt.datetime(2026, 1, 6, 2, 0, tzinfo=dt.timezone.utc)
        Scheduler(Dies(), [job], SchedulerState.load(sys.argv[1])).run_due(now)
        """
    )
    done = subprocess.run(
        [sys.executable, "-c", script, str(state_path)], capture_output=True, check=False
    )
    assert done.returncode == 17, done.stderr.decode()
    assert SchedulerState.load(state_path).get("a").status is RunStatus.RUNNING
    assert [p.name for p in state_path.parent.iterdir()] == [state_path.name]
    service = FakeService()
    later = dt.datetime(2026, 1, 6, 2, 5, tzinfo=UTC)
    assert len(scheduler(service, [job("a")], state_path).run_due(later)) == 1
    assert scheduler(service, [job("a")], state_path).run_due(later) == []
    assert len(service.calls) == 1


def test_a_failing_job_does_not_stop_the_others_and_waits_for_its_next_slot(state_path):
    service = FakeService(fail={"a"})
    sched = scheduler(service, [job("a"), job("b")], state_path)
    sched.run_due(T0)
    at_two = dt.datetime(2026, 1, 6, 2, 0, tzinfo=UTC)
    with pytest.raises(ScheduledCopyFailed) as caught:
        sched.run_due(at_two)
    error = caught.value
    assert isinstance(error, CopyError)
    assert [name for name, _ in error.reports] == ["b"]
    assert [(name, type(e)) for name, e in error.failures] == [("a", CopyFailed)]
    assert isinstance(error.__cause__, CopyFailed)
    assert "a (no drive for a)" in str(error)
    record = SchedulerState.load(state_path).get("a")
    assert record.status is RunStatus.FAILED
    assert record.error == "CopyFailed: no drive for a"
    assert sched.run_due(at_two + HOUR) == []  # a failed run counts as run
    service.fail.clear()
    assert [name for name, _ in sched.run_due(at_two + DAY)] == ["a", "b"]
    assert SchedulerState.load(state_path).get("a") == JobRecord(
        name="a", seen=T0, started=at_two + DAY, status=RunStatus.FINISHED
    )


# ----------------------------------------------------------------- the state file


def test_save_is_atomic_and_synced(state_path, monkeypatch):
    state = SchedulerState.load(state_path)
    state.put(JobRecord(name="a", seen=T0))
    state.save()
    before = state_path.read_bytes()
    synced = []
    real_fsync = os.fsync
    monkeypatch.setattr(os, "fsync", lambda fd: (synced.append(fd), real_fsync(fd)))
    state.put(JobRecord(name="b", seen=T0))
    state.save()
    assert len(synced) == 2  # the file, then its directory
    assert [r.name for r in SchedulerState.load(state_path).records] == ["a", "b"]

    def refuse(*_):
        raise OSError("disk full")

    after = state_path.read_bytes()
    monkeypatch.setattr(os, "replace", refuse)
    state.put(JobRecord(name="c", seen=T0))
    with pytest.raises(OSError, match="disk full"):
        state.save()
    assert state_path.read_bytes() == after != before
    assert [p.name for p in state_path.parent.iterdir()] == [state_path.name]  # no leftovers


def test_the_state_file_is_plain_json(state_path):
    state = SchedulerState.load(state_path)
    state.put(JobRecord(name="a", seen=T0, started=T0 + HOUR, status=RunStatus.RUNNING))
    state.save()
    assert json.loads(state_path.read_text()) == {
        "version": 1,
        "jobs": [
            {
                "name": "a",
                "seen": "2026-01-05T12:00:00+00:00",
                "started": "2026-01-05T13:00:00+00:00",
                "status": "running",
                "error": None,
            }
        ],
    }


BAD_STATE_FILES = [
    (b"not json", ""),
    (b'{"version": 2, "jobs": []}', "version"),
    (b'{"version": 1}', "jobs"),
    (b'{"version": 1, "jobs": [{"name": "a", "seen": "2026-01-01T00:00:00"}]}', "jobs[0].seen"),
    (
        b'{"version": 1, "jobs": [{"name": "a", "seen": "2026-01-01T00:00:00Z",'
        b' "started": "2026-01-01T00:00:00Z"}]}',
        "jobs[0].status",
    ),
    (
        b'{"version": 1, "jobs": [{"name": "a", "seen": "2026-01-01T00:00:00Z",'
        b' "status": "lost", "started": "2026-01-01T00:00:00Z"}]}',
        "jobs[0].status",
    ),
    (
        b'{"version": 1, "jobs": [{"name": "a", "seen": "2026-01-01T00:00:00Z"},'
        b' {"name": "a", "seen": "2026-01-01T00:00:00Z"}]}',
        "jobs[1]",
    ),
]


@pytest.mark.parametrize(("content", "path"), BAD_STATE_FILES)
def test_a_bad_state_file_is_reported_with_the_bad_field(state_path, content, path):
    state_path.write_bytes(content)
    with pytest.raises(ValidationError) as caught:
        SchedulerState.load(state_path)
    assert caught.value.path == path
    assert str(state_path) in caught.value.message


def test_bad_arguments_are_refused(state_path):
    state = SchedulerState.load(state_path)
    with pytest.raises(ValidationError) as caught:
        Scheduler(FakeService(), [job("a"), job("b"), job("a", pool="x")], state)
    assert caught.value.path == "jobs[2].name"
    with pytest.raises(ValidationError) as caught:
        Scheduler(FakeService(), [job("a"), "b"], state)
    assert caught.value.path == "jobs[1]"
    with pytest.raises(ValidationError) as caught:
        Scheduler(FakeService(), [], {})
    assert caught.value.path == "state"
    sched = Scheduler(FakeService(), [job("a")], state)
    for method in (sched.run_due, sched.due, sched.next_runs):
        with pytest.raises(ValidationError) as caught:
            method(dt.datetime(2026, 1, 1))
        assert caught.value.path == "now"
    with pytest.raises(ValidationError) as caught:
        ScheduledCopy(name="", schedule=NIGHTLY, selection=Selection(), policy=VAULT)
    assert caught.value.path == "name"
    with pytest.raises(ValidationError) as caught:
        ScheduledCopy(name="a", schedule="0 2 * * *", selection=Selection(), policy=VAULT)
    assert caught.value.path == "schedule"
    with pytest.raises(ValidationError) as caught:
        JobRecord(name="a", seen=T0, started=T0, status=RunStatus.FINISHED, error="x")
    assert caught.value.path == "error"
    with pytest.raises(ValidationError):
        state.put("a")


def test_scheduled_copies_round_trip_through_the_converter():
    original = ScheduledCopy(
        name="nightly vault",
        schedule=Schedule.cron("0 2 * * MON-FRI", tz="Europe/Berlin"),
        selection=Selection.matching(pools=("VTL",), fewer_copies_than=1, min_age=HOUR),
        policy=CopyPolicy(target_pool="Vault", copies=2),
    )
    assert from_json(to_json(original), ScheduledCopy) == original


# -------------------------------------------------------------------- the model


SCHEDULES = [
    NIGHTLY,
    Schedule.cron("*/90 * * * *", tz="UTC"),
    Schedule.cron("30 2 * * *", tz="Europe/Berlin"),
    Schedule.cron("0,30 1-3 * * SUN", tz="Europe/Berlin"),
    Schedule.every(dt.timedelta(minutes=97), start=T0 + dt.timedelta(minutes=13)),
]


@settings(max_examples=100, deadline=None)
@given(
    schedule=st.sampled_from(SCHEDULES),
    start=st.integers(0, 400 * 24 * 60),
    steps=st.lists(st.integers(0, 36 * 60), min_size=1, max_size=25),
    crash_at=st.one_of(st.none(), st.integers(0, 24)),
)
def test_each_call_runs_the_job_once_exactly_when_a_slot_has_passed(
    schedule, start, steps, crash_at
):
    """Calls at random times (late, repeated, across clock changes, with a crash): a call
    runs the job iff a slot lies after the last run's start (or at/after first sight),
    or the last run was cut off."""
    first = T0 + dt.timedelta(minutes=start)
    times = [first]
    for step in steps:
        times.append(times[-1] + dt.timedelta(minutes=step))  # step 0: the same instant
    with tempfile.TemporaryDirectory() as directory:
        path = Path(directory) / "state.json"
        service = FakeService()
        last, unfinished = None, False
        for i, now in enumerate(times):
            reference = first - dt.timedelta(microseconds=1) if last is None else last
            expected = unfinished or schedule.next_run(reference) <= now
            crash = expected and crash_at == i
            service.crash = {"j"} if crash else set()
            sched = scheduler(service, [job("j", schedule)], path)  # a restart per call
            calls_before = len(service.calls)
            if crash:
                with pytest.raises(Crash):
                    sched.run_due(now)
            else:
                assert len(sched.run_due(now)) == int(expected)
            assert len(service.calls) - calls_before == int(expected)
            if expected:
                last, unfinished = now, crash


# ------------------------------------------------------------- with the real service


def test_scheduled_copies_on_a_simulated_site(state_path):
    from smartmedia.copying._lab import build_lab
    from smartmedia.copying._service import CopyService

    from .backup_helper import small_backup

    lab = build_lab()
    try:
        medium, _, _ = small_backup(lab)
        nightly = ScheduledCopy(
            name="vault",
            schedule=Schedule.cron("0 2 * * *", tz="Europe/Berlin"),
            selection=Selection.matching(pools=("VTL",), fewer_copies_than=1),
            policy=VAULT,
        )
        service = CopyService(lab.site)
        sched = Scheduler(service, [nightly], SchedulerState.load(state_path))
        now = lab.site.now()  # 2026-11-25 20:00 UTC
        assert sched.run_due(now) == []
        two_am = dt.datetime(2026, 11, 26, 1, 0, tzinfo=UTC)  # 02:00 in Berlin
        assert sched.next_runs(now) == [("vault", two_am)]
        events = []
        ((name, report),) = sched.run_due(two_am, on_event=events.append)
        assert name == "vault"
        assert report.trigger is CopyTrigger.SCHEDULED
        assert [o.source for o in report.committed] == [medium.id]
        assert report.ok
        assert events  # the service's progress events reached the caller
        (record,) = lab.catalog.copies_of(medium.id)
        session = lab.catalog.session(report.session)
        assert session.trigger is CopyTrigger.SCHEDULED
        assert sched.run_due(two_am) == []  # the same slot again: nothing
        assert lab.catalog.copies_of(medium.id) == [record]
        # the next night: due again, but everything has its copy
        ((_, again),) = sched.run_due(two_am + DAY)
        assert again.outcomes == ()
        assert len(lab.catalog.copies_of(medium.id)) == 1
    finally:
        lab.close()


def test_the_example_of_the_docs_runs(tmp_path, monkeypatch):
    import re

    import smartmedia.copying

    if not hasattr(smartmedia.copying, "Scheduler"):
        pytest.skip("smartmedia.copying does not export the scheduler yet")
    doc = Path(__file__).parents[2] / "docs" / "scheduling.md"
    (example,) = re.findall(r"```python\n(.*?)```", doc.read_text(), re.S)
    monkeypatch.chdir(tmp_path)
    exec(compile(example, "scheduling.md example", "exec"), {})
    assert (tmp_path / "scheduler.json").exists()
