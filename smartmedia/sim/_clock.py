"""Time for the simulators: a discrete-event scheduler on virtual or wall-clock time.

Invariants:

* events run in (time, sequence) order; the sequence number breaks ties in the order
  events were scheduled, so a run is deterministic for a seed, to the event;
* a *process* is a generator that yields a delay in seconds (``float``) or a
  :class:`Resource` request, and is resumed when the delay has passed or the resource is
  granted; resources grant in FIFO order;
* a synchronous operation (a drive write called by a program) charges its time with
  :meth:`Clock.sleep`, which runs every event due meanwhile, so background processes
  (VLS copies) progress while the caller "waits"; processes themselves never call
  ``sleep`` (they yield);
* an exception raised inside a process ends its task (:attr:`Task.error`) and is handed
  to the task's ``on_error`` callback, so whoever waits on what the process was doing
  learns that it will never finish (a VLS fails the copy order); it never escapes into
  the caller that happened to be advancing the clock, and it is never silently lost;
* every :meth:`Clock.sleep` and every dispatched event counts as one event
  (:attr:`Clock.events`); a power loss armed for event *n* happens when the counter
  reaches *n*: the clock's power epoch changes and every registered listener runs (stores
  drop unflushed data, drives lose their position, copies in flight fail).
"""

from __future__ import annotations

import heapq
import itertools
import random
import time
from collections import deque
from collections.abc import Callable, Generator
from typing import Generic, TypeVar, Union

from smartmedia.errors import DeviceError, ValidationError

__all__ = ["Clock", "Process", "Resource", "SimClock", "Task", "WallClock"]

T = TypeVar("T")


class Resource:
    """Something processes queue for: a robot, a copy stream, a drive.

    ``capacity`` units; a process yields :meth:`acquire` and resumes holding one unit,
    then calls :meth:`release`. Waiters are served first come, first served.
    """

    def __init__(self, clock: Clock, name: str, capacity: int = 1) -> None:
        if capacity < 1:
            raise ValidationError(f"capacity must be >= 1, not {capacity}", path="capacity")
        self._clock = clock
        self.name = name
        self.capacity = capacity
        self.in_use = 0
        self._waiters: deque[Task[object]] = deque()

    def acquire(self) -> _Acquire:
        """The request to yield from a process."""
        return _Acquire(self)

    def release(self) -> None:
        """Give a unit back; the longest waiter (if any) gets it now."""
        if self.in_use <= 0:
            raise DeviceError(f"resource {self.name} released more often than acquired")
        if self._waiters:
            task = self._waiters.popleft()
            self._clock.call_later(0.0, task.resume)
        else:
            self.in_use -= 1

    @property
    def queued(self) -> int:
        """How many processes wait for a unit."""
        return len(self._waiters)

    def _request(self, task: Task[object]) -> None:
        if self.in_use < self.capacity:
            self.in_use += 1
            self._clock.call_later(0.0, task.resume)
        else:
            self._waiters.append(task)

    def _forget(self, task: Task[object]) -> None:
        if task in self._waiters:
            self._waiters.remove(task)


class _Acquire:
    __slots__ = ("resource",)

    def __init__(self, resource: Resource) -> None:
        self.resource = resource


#: What a process yields: a delay in seconds, or a resource request.
Wait = Union[float, _Acquire]  # noqa: UP007 - a runtime alias, kept readable on 3.10
Process = Generator[Wait, None, T]


class Task(Generic[T]):
    """A process running on a clock; :attr:`done` once it returned or raised.

    ``on_error`` is called with the exception when the process raises: a process's
    owner must learn that it died (nobody else will; the clock goes on).
    """

    def __init__(
        self,
        clock: Clock,
        process: Process[T],
        name: str,
        on_error: Callable[[Exception], None] | None = None,
    ) -> None:
        self._clock = clock
        self._process = process
        self._on_error = on_error
        self.name = name
        self.done = False
        self.result: T | None = None
        self.error: BaseException | None = None

    def resume(self) -> None:
        if self.done:
            return
        try:
            wait = self._process.send(None)
        except StopIteration as stop:
            self.done, self.result = True, stop.value
            return
        except Exception as error:
            self.done, self.error = True, error
            self._clock.log(f"{self.name} raised {type(error).__name__}: {error}")
            if self._on_error is not None:
                self._on_error(error)
            return
        if isinstance(wait, _Acquire):
            wait.resource._request(self)  # type: ignore[arg-type]
        else:
            self._clock.call_later(float(wait), self.resume)

    def outcome(self) -> T:
        """The process's return value; re-raises what it raised."""
        if not self.done:
            raise DeviceError(f"task {self.name} has not finished")
        if self.error is not None:
            raise self.error
        return self.result  # type: ignore[return-value]


class Clock:
    """The scheduler shared by every simulator of one simulated site.

    Subclasses decide what advancing time means: :class:`SimClock` jumps (virtual
    time), :class:`WallClock` waits. ``seed`` makes every simulator's random choices
    (mechanical jitter) reproducible: :meth:`rng` hands out one generator per name.
    ``trace=True`` records what the simulators do, as ``(time, text)`` pairs, in
    :attr:`trace` — two runs with the same seed have the same trace.
    """

    def __init__(self, *, seed: int = 0, trace: bool = False) -> None:
        self.seed = seed
        self._queue: list[tuple[float, int, Callable[[], None]]] = []
        self._seq = itertools.count()
        self._now = 0.0
        self._dispatching = False
        self.events = 0
        self.power_epoch = 0
        self._power_loss_at: set[int] = set()
        self._power_listeners: list[Callable[[], None]] = []
        self.trace: list[tuple[float, str]] | None = [] if trace else None

    # -- time ------------------------------------------------------------------------

    def now(self) -> float:
        """Seconds since the clock started."""
        return self._now

    def _advance_to(self, when: float) -> None:
        raise NotImplementedError

    def sleep(self, seconds: float) -> None:
        """Charge ``seconds`` to the calling (synchronous) operation.

        Every event due in the meantime runs first, in order.
        """
        if self._dispatching:
            raise DeviceError("a simulator process called a blocking operation")
        if seconds < 0:
            raise ValidationError(f"cannot sleep {seconds} s", path="seconds")
        target = self._now + seconds
        self._run_due(target)
        self._advance_to(target)
        self._count_event()

    def run_until(self, done: Callable[[], bool], timeout: float | None = None) -> bool:
        """Run events until ``done()`` is true or ``timeout`` seconds have passed.

        Returns ``done()``. With nothing left to run and ``done()`` still false, time
        jumps to the deadline (or the call returns at once without one).
        """
        if self._dispatching:
            raise DeviceError("a simulator process called a blocking operation")
        deadline = None if timeout is None else self._now + timeout
        while not done():
            if not self._queue or (deadline is not None and self._queue[0][0] > deadline):
                if deadline is not None:
                    self._advance_to(max(deadline, self._now))
                return done()
            self._dispatch_next()
        return True

    def run(self) -> None:
        """Run every scheduled event (until nothing is left to do)."""
        self.run_until(lambda: not self._queue)

    def _run_due(self, until: float) -> None:
        queue = self._queue
        while queue and queue[0][0] <= until:
            self._dispatch_next()

    def _dispatch_next(self) -> None:
        when, _, action = heapq.heappop(self._queue)
        if when > self._now:
            self._advance_to(when)
        self._dispatching = True
        try:
            action()
        finally:
            self._dispatching = False
        self._count_event()

    # -- scheduling ------------------------------------------------------------------

    def call_later(self, delay: float, action: Callable[[], None]) -> None:
        """Run ``action`` after ``delay`` seconds (as one event)."""
        heapq.heappush(self._queue, (self._now + max(0.0, delay), next(self._seq), action))

    def spawn(
        self,
        process: Process[T],
        name: str = "process",
        *,
        on_error: Callable[[Exception], None] | None = None,
    ) -> Task[T]:
        """Start ``process`` now (its first step runs as the next event); ``on_error``
        is told if it raises."""
        task: Task[T] = Task(self, process, name, on_error)
        self.call_later(0.0, task.resume)
        return task

    def run_process(self, process: Process[T], name: str = "process") -> T:
        """Run ``process`` to its end, other processes alongside; its return value."""
        task = self.spawn(process, name)
        self.run_until(lambda: task.done)
        return task.outcome()

    @property
    def pending(self) -> int:
        """Events scheduled and not yet run."""
        return len(self._queue)

    # -- determinism and tracing -------------------------------------------------------

    def rng(self, name: str) -> random.Random:
        """A random generator for ``name``, seeded from the clock's seed."""
        return random.Random(f"{self.seed}/{name}")

    def log(self, text: str) -> None:
        """Record ``text`` at the current time, when tracing."""
        if self.trace is not None:
            self.trace.append((round(self._now, 6), text))

    # -- power -----------------------------------------------------------------------

    def arm_power_loss(self, at_event: int) -> None:
        """Lose power when the event counter reaches ``at_event``."""
        if at_event < 1:
            raise ValidationError(f"an event number is >= 1, not {at_event}", path="at_event")
        self._power_loss_at.add(at_event)

    def disarm_power_loss(self) -> None:
        """Forget the power losses armed and not yet fired."""
        self._power_loss_at.clear()

    def on_power_loss(self, listener: Callable[[], None]) -> None:
        """Call ``listener`` at every power loss (stores, drives and the VLS register)."""
        self._power_listeners.append(listener)

    def lose_power(self) -> None:
        """Lose power now: everything not durable is gone, everything in flight fails."""
        self.power_epoch += 1
        self.log("power lost")
        for listener in list(self._power_listeners):
            listener()

    def _count_event(self) -> None:
        self.events += 1
        if self._power_loss_at and self.events in self._power_loss_at:
            self.lose_power()


class SimClock(Clock):
    """Virtual time: advancing is free, so days of copying simulate in seconds."""

    def _advance_to(self, when: float) -> None:
        self._now = max(self._now, when)


class WallClock(Clock):
    """Real time: advancing waits. ``speedup`` virtual seconds pass per real second.

    For running the simulators against a real-time user (a demo, a watchdog test);
    virtual time in :class:`SimClock` is the default everywhere.
    """

    def __init__(self, *, speedup: float = 1.0, seed: int = 0, trace: bool = False) -> None:
        if not speedup > 0:
            raise ValidationError(f"speedup must be > 0, not {speedup}", path="speedup")
        super().__init__(seed=seed, trace=trace)
        self.speedup = speedup
        self._start = time.monotonic()

    def now(self) -> float:
        return max(self._now, (time.monotonic() - self._start) * self.speedup)

    def _advance_to(self, when: float) -> None:
        wait = when / self.speedup - (time.monotonic() - self._start)
        if wait > 0:
            time.sleep(wait)
        self._now = max(self._now, when)
