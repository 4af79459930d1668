"""The scheduler: event order, resources, synchronous sleeps among processes, power."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from smartmedia.errors import DeviceError, ValidationError
from smartmedia.sim import Resource, SimClock, WallClock


def test_processes_interleave_in_time_order():
    clock = SimClock()
    seen: list[tuple[float, str]] = []

    def proc(name, delays):
        for d in delays:
            yield d
            seen.append((clock.now(), name))
        return name

    a = clock.spawn(proc("a", [1.0, 2.0]))
    b = clock.spawn(proc("b", [1.5, 0.5]))
    clock.run()
    assert seen == [(1.0, "a"), (1.5, "b"), (2.0, "b"), (3.0, "a")]
    assert (a.outcome(), b.outcome()) == ("a", "b")


def test_ties_run_in_scheduling_order():
    clock = SimClock()
    order: list[int] = []
    for i in range(5):
        clock.call_later(1.0, lambda i=i: order.append(i))
    clock.run()
    assert order == [0, 1, 2, 3, 4]


def test_resource_is_first_come_first_served():
    clock = SimClock()
    robot = Resource(clock, "robot", 1)
    done: list[tuple[str, float]] = []

    def user(name):
        yield robot.acquire()
        yield 10.0
        done.append((name, clock.now()))
        robot.release()

    for name in "abc":
        clock.spawn(user(name))
    clock.run()
    assert done == [("a", 10.0), ("b", 20.0), ("c", 30.0)]
    with pytest.raises(DeviceError):
        robot.release()
    with pytest.raises(ValidationError):
        Resource(clock, "none", 0)


def test_sleep_runs_background_processes_meanwhile():
    clock = SimClock()
    ticks: list[float] = []

    def ticker():
        while True:
            yield 1.0
            ticks.append(clock.now())

    clock.spawn(ticker())
    clock.sleep(3.5)
    assert ticks == [1.0, 2.0, 3.0]
    assert clock.now() == 3.5


def test_a_process_may_not_block():
    clock = SimClock()

    def bad():
        clock.sleep(1.0)
        yield 1.0

    task = clock.spawn(bad())
    clock.run()
    with pytest.raises(DeviceError, match="blocking"):
        task.outcome()


def test_run_until_with_timeout_and_errors_in_processes():
    clock = SimClock()

    def failing():
        yield 5.0
        raise ValidationError("boom")

    task = clock.spawn(failing())
    assert clock.run_until(lambda: task.done, timeout=1.0) is False
    assert clock.now() == 1.0
    with pytest.raises(DeviceError, match="not finished"):
        task.outcome()
    assert clock.run_until(lambda: task.done) is True
    with pytest.raises(ValidationError, match="boom"):
        task.outcome()
    with pytest.raises(ValidationError):
        clock.sleep(-1)


def test_power_loss_at_an_event_calls_listeners_once():
    clock = SimClock()
    calls: list[int] = []
    clock.on_power_loss(lambda: calls.append(clock.events))
    clock.arm_power_loss(3)
    for _ in range(5):
        clock.sleep(1)
    assert calls == [3]
    assert clock.power_epoch == 1
    with pytest.raises(ValidationError):
        clock.arm_power_loss(0)


def test_rng_is_seeded_by_name():
    assert SimClock(seed=1).rng("x").random() == SimClock(seed=1).rng("x").random()
    assert SimClock(seed=1).rng("x").random() != SimClock(seed=2).rng("x").random()


def test_wall_clock_waits_scaled_real_time():
    clock = WallClock(speedup=1000.0)
    clock.sleep(50.0)  # 50 ms of real time
    assert clock.now() >= 50.0
    with pytest.raises(ValidationError):
        WallClock(speedup=0)


@given(st.lists(st.floats(0, 100), max_size=30))
def test_events_come_out_sorted(delays):
    clock = SimClock()
    times: list[float] = []
    for d in delays:
        clock.call_later(d, lambda: times.append(clock.now()))
    clock.run()
    assert times == sorted(times)
    assert clock.events == len(delays)
