"""The drive schedule: longest copies first, each onto the drive that frees up first.

Each task occupies one drive for all its target pieces: per piece, the robot exchanges
cartridges (moves the previous one out, the new one in), the drive loads and threads,
streams the bytes at the rate the VLS feeds it (slower than the drive's minimum
speed-matching rate, it shoe-shines), rewinds and unloads. Robot moves are served by
the library's robots in the order they are asked for. Tasks are taken longest first
(LPT) and given to the eligible drive that is free earliest; with identical drives and
no robot waits LPT is within 4/3 - 1/(3m) of the optimum, and in practice — many tasks
per drive — within a fraction of a percent of the lower bound (see ``docs/planning.md``).
"""

from __future__ import annotations

import heapq
from collections.abc import Sequence

import attrs

from smartmedia.devices import DriveTiming
from smartmedia.model import DriveSerial, MediaType
from smartmedia.planning._request import Profiles

__all__ = ["DriveSlot", "Job", "Placed", "Schedule", "lower_bound", "schedule"]


@attrs.frozen
class Job:
    """A copy to schedule: its pieces (bytes per target, with the target's capacity) and
    the drive generations that can write its targets."""

    key: int
    pieces: tuple[tuple[int, int], ...]  # (bytes, capacity)
    generations: frozenset[MediaType]


@attrs.frozen
class DriveSlot:
    serial: DriveSerial
    ordinal: int
    generation: MediaType


@attrs.frozen
class Placed:
    key: int
    drive: int  # index into the drive list
    start: float
    end: float
    robot_wait: float


@attrs.frozen
class Schedule:
    placed: tuple[Placed, ...]
    unplaced: tuple[int, ...]  # keys of jobs no drive can run
    makespan: float
    robot_moves: int


class _Costs:
    """Drive time per piece and per job, from the profiles, with the timings looked up
    once per generation."""

    def __init__(self, profiles: Profiles) -> None:
        self.profiles = profiles
        self.setup = profiles.vls.setup_seconds
        self.feed = profiles.vls.stream_rate
        self._timings: dict[MediaType, DriveTiming] = {}

    def timing(self, generation: MediaType) -> DriveTiming:
        found = self._timings.get(generation)
        if found is None:
            found = self._timings[generation] = self.profiles.drive(generation)
        return found

    def piece(self, generation: MediaType, nbytes: int, capacity: int) -> float:
        """Drive time of one target piece: load, stream, rewind, unload."""
        timing = self.timing(generation)
        return (
            timing.load_seconds
            + timing.streaming_seconds(nbytes, self.feed)
            + timing.rewind_time(nbytes, capacity)
            + timing.unload_seconds
        )

    def job(self, generation: MediaType, job: Job) -> float:
        """Drive time of a whole job on a drive of ``generation`` (robot moves excluded)."""
        return self.setup + sum(self.piece(generation, n, c) for n, c in job.pieces)

    def best(self, job: Job, generations: Sequence[MediaType]) -> float:
        usable = [g for g in generations if g in job.generations]
        return min(self.job(g, job) for g in usable) if usable else 0.0


def schedule(
    jobs: Sequence[Job], drives: Sequence[DriveSlot], profiles: Profiles, *, lpt: bool = True
) -> Schedule:
    """Place ``jobs`` on ``drives``: deterministic for the same input.

    ``lpt=False`` takes the jobs in the order given (first come, first served), the
    baseline the benchmark compares with.
    """
    move = profiles.robot.move_seconds
    costs = _Costs(profiles)
    generations = sorted({d.generation for d in drives}, key=lambda g: g.value)
    groups: dict[MediaType, list[tuple[float, int, int]]] = {g: [] for g in generations}
    for index, drive in enumerate(drives):
        groups[drive.generation].append((0.0, drive.ordinal, index))
    for heap in groups.values():
        heapq.heapify(heap)
    robots = [0.0] * profiles.robot.robots
    loaded = [False] * len(drives)
    free_at = [0.0] * len(drives)
    order = sorted(jobs, key=lambda j: (-costs.best(j, generations), j.key))
    placed: list[Placed] = []
    unplaced: list[int] = []
    moves = 0
    for job in order:
        best: tuple[float, int, int] | None = None
        for generation in generations:
            heap = groups[generation]
            if heap and generation in job.generations and (best is None or heap[0] < best):
                best = heap[0]
        if best is None:
            unplaced.append(job.key)
            continue
        chosen = best[2]
        generation = drives[chosen].generation
        heapq.heappop(groups[generation])
        t = best[0]
        start = t
        wait = 0.0
        t += profiles.vls.setup_seconds
        for nbytes, capacity in job.pieces:
            exchange = 2 if loaded[chosen] else 1
            robot_free = heapq.heappop(robots)
            begin = max(robot_free, t)
            wait += begin - t
            t = begin + exchange * move
            heapq.heappush(robots, t)
            moves += exchange
            t += costs.piece(generation, nbytes, capacity)
            loaded[chosen] = True
        free_at[chosen] = t
        heapq.heappush(groups[generation], (t, drives[chosen].ordinal, chosen))
        placed.append(Placed(job.key, chosen, start, t, wait))
    makespan = 0.0
    for index in sorted(range(len(drives)), key=lambda d: (free_at[d], d)):
        if not loaded[index]:
            continue
        robot_free = heapq.heappop(robots)
        end = max(robot_free, free_at[index]) + move
        heapq.heappush(robots, end)
        moves += 1
        makespan = max(makespan, end)
    return Schedule(tuple(placed), tuple(unplaced), makespan, moves)


def lower_bound(jobs: Sequence[Job], drives: Sequence[DriveSlot], profiles: Profiles) -> float:
    """No schedule of ``jobs`` on ``drives`` can end before this.

    The largest of: one job alone (its drive time on the fastest drive that can run it,
    with its robot moves); all drive time spread evenly over the drives (each piece
    needs a move in and a move out during which its drive cannot stream); all robot
    moves spread over the robots.
    """
    if not jobs or not drives:
        return 0.0
    move = profiles.robot.move_seconds
    costs = _Costs(profiles)
    generations = sorted({d.generation for d in drives}, key=lambda g: g.value)
    longest = 0.0
    total = 0.0
    moves = 0
    for job in jobs:
        if not any(g in job.generations for g in generations):
            continue
        pieces = len(job.pieces)
        seconds = costs.best(job, generations) + 2 * pieces * move
        longest = max(longest, seconds)
        total += seconds
        moves += 2 * pieces
    return max(longest, total / len(drives), moves * move / profiles.robot.robots)
