"""``plan_copies``: from a selection, a policy, a catalog and an inventory to a plan.

A pure function of its inputs (the catalog is only read): the same inputs give the same
plan, task for task. Steps: evaluate the selection; list usable targets; give each copy
targets (largest sources first, most preferred target that fits, spanning when allowed);
schedule the copies on the drives; drop what would end outside the time window and
schedule again; name the copies (medium IDs and labels).
"""

from __future__ import annotations

import datetime as _dt
import re
import zlib
from collections import Counter
from collections.abc import Callable, Sequence

from smartmedia.catalog import CatalogView
from smartmedia.errors import PlanningError, ValidationError
from smartmedia.model import MediaType, Medium, MediumId
from smartmedia.planning._plan import (
    CopyPlan,
    CopyTask,
    PlanSummary,
    Reason,
    TargetPiece,
    Unplaced,
)
from smartmedia.planning._request import CopyPolicy, Inventory, Profiles, Selection
from smartmedia.planning._schedule import DriveSlot, Job, Placed, lower_bound, schedule
from smartmedia.planning._sources import reserved_media, select_sources
from smartmedia.planning._targets import Candidate, TargetPool, candidates, needed_bytes

__all__ = ["plan_copies", "replan"]

IdSource = Callable[[int], MediumId]


def _default_ids(library: str, now: _dt.datetime) -> IdSource:
    host = zlib.crc32(library.encode())
    seconds = int(now.timestamp())

    def new_id(n: int) -> MediumId:
        return MediumId.from_fields(host, (seconds + n // 0x10000) & 0xFFFFFFFF, 0xFFFF, n & 0xFFFF)

    return new_id


def _next_label_counter(media: Sequence[Medium], pool: str) -> int:
    pattern = re.compile(re.escape(pool) + r"_(\d+)")
    highest = 0
    for medium in media:
        if medium.pool != pool:
            continue
        match = pattern.fullmatch(medium.label)
        if match:
            highest = max(highest, int(match.group(1)))
    return highest + 1


def _check_inputs(
    selection: Selection, policy: CopyPolicy, inventory: Inventory, profiles: Profiles, now: object
) -> None:
    for name, value, kind in (
        ("selection", selection, Selection),
        ("policy", policy, CopyPolicy),
        ("inventory", inventory, Inventory),
        ("profiles", profiles, Profiles),
    ):
        if not isinstance(value, kind):
            raise ValidationError(
                f"expected a {kind.__name__}, got {type(value).__name__}", path=name
            )
    if not isinstance(now, _dt.datetime) or now.tzinfo is None:
        raise ValidationError(f"now must be an aware datetime, not {now!r}", path="now")


def plan_copies(
    selection: Selection,
    policy: CopyPolicy,
    catalog: CatalogView,
    inventory: Inventory,
    profiles: Profiles | None = None,
    *,
    now: _dt.datetime,
    ids: IdSource | None = None,
) -> CopyPlan:
    """Plan the copies ``selection`` asks for under ``policy`` on ``inventory``.

    ``now`` is the plan's start (time zero of its schedule). ``ids(n)`` gives the medium
    ID of the n-th copy (from 0); by default IDs are derived from the library name and
    ``now``, so that the plan is deterministic. Raises only for malformed input; every
    medium that cannot be copied is in ``unplaced`` with its reason.
    """
    profiles = profiles if profiles is not None else Profiles()
    _check_inputs(selection, policy, inventory, profiles, now)
    everything = catalog.media()
    copy_counts = Counter(m.original for m in everything if m.original is not None)
    held = reserved_media(catalog)
    sources, unplaced = select_sources(
        selection, policy, catalog, now, media=everything, copy_counts=copy_counts, held=held
    )

    target = inventory.target
    drives = [
        DriveSlot(d.serial, d.ordinal, d.generation)
        for d in sorted(target.drives, key=lambda d: d.ordinal)
        if str(d.serial) not in inventory.busy
    ]
    if policy.max_drives is not None:
        drives = drives[: policy.max_drives]
    readers = inventory.readers or tuple({d.generation for d in target.drives})
    writable = frozenset(m for m in MediaType if any(d.generation.can_write(m) for d in drives))
    readable = frozenset(m for m in MediaType if any(r.can_read(m) for r in readers))
    found = candidates(
        inventory,
        policy,
        catalog,
        now,
        media=everything,
        writable=writable,
        readable=readable,
        exclude=held | {s.id for s in sources},
    )

    copies_wanted = {s.id: policy.copies - copy_counts[s.id] for s in sources}
    allocations, refused = _allocate(sources, copies_wanted, found, policy, bool(drives))
    unplaced.extend(refused)

    jobs: list[Job] = []
    able: dict[MediaType, frozenset[MediaType]] = {
        m: frozenset(d.generation for d in drives if d.generation.can_write(m)) for m in MediaType
    }
    for key, (_, pieces) in enumerate(allocations):
        jobs.append(
            Job(key, tuple((n, c.capacity) for c, n in pieces), able[pieces[0][0].media_type])
        )
    plan = schedule(jobs, drives, profiles)
    if policy.window is not None:
        limit = policy.window.total_seconds()
        for _ in range(len(jobs)):
            late = {p.key for p in plan.placed if p.end > limit}
            if not late:
                break
            for key in sorted(late):
                medium = allocations[key][0]
                unplaced.append(
                    Unplaced(
                        medium=medium.id,
                        barcode=medium.barcode,
                        reason=Reason.OUTSIDE_WINDOW,
                        detail=f"it would end after the window of {policy.window}",
                    )
                )
            jobs = [j for j in jobs if j.key not in late]
            plan = schedule(jobs, drives, profiles)
    for key in plan.unplaced:
        medium = allocations[key][0]
        unplaced.append(
            Unplaced(
                medium=medium.id,
                barcode=medium.barcode,
                reason=Reason.NO_DRIVE,
                detail="no usable drive can write its targets",
            )
        )

    new_id = ids if ids is not None else _default_ids(target.name, now)
    counter = _next_label_counter(everything, policy.target_pool)
    tasks = _tasks(plan.placed, allocations, drives, policy, new_id=new_id, counter=counter)
    bound = lower_bound([j for j in jobs if j.key not in set(plan.unplaced)], drives, profiles)
    makespan = plan.makespan
    if tasks and makespan < bound - 1e-6:
        raise PlanningError(f"internal error: makespan {makespan} below the lower bound {bound}")
    summary = PlanSummary(
        sources=len({t.source for t in tasks}),
        unplaced=len(unplaced),
        bytes=sum(t.bytes for t in tasks),
        drives=len({t.drive for t in tasks}),
        makespan=makespan,
        lower_bound=bound,
        gap=max(0.0, makespan / bound - 1) if bound > 0 else 0.0,
        robot_moves=plan.robot_moves,
    )
    return CopyPlan(
        start=now,
        selection=selection,
        policy=policy,
        library=target.name,
        tasks=tuple(tasks),
        unplaced=tuple(unplaced),
        summary=summary,
    )


def _tasks(
    placements: Sequence[Placed],
    allocations: list[tuple[Medium, list[tuple[Candidate, int]]]],
    drives: Sequence[DriveSlot],
    policy: CopyPolicy,
    *,
    new_id: IdSource,
    counter: int,
) -> list[CopyTask]:
    """The scheduled copies as tasks, in start order, their targets named."""
    tasks: list[CopyTask] = []
    copies = 0
    for order, placed in enumerate(sorted(placements, key=lambda p: (p.start, p.drive)), start=1):
        medium, pieces = allocations[placed.key]
        drive = drives[placed.drive]
        targets: list[TargetPiece] = []
        previous: MediumId | None = None
        for candidate, nbytes in pieces:
            medium_id = new_id(copies)
            copies += 1
            targets.append(
                TargetPiece(
                    barcode=candidate.barcode,
                    media_type=candidate.media_type,
                    slot=candidate.slot,
                    kind=candidate.kind,
                    medium_id=medium_id,
                    label=f"{policy.target_pool}_{counter}",
                    bytes=nbytes,
                    capacity=candidate.capacity,
                    previous=previous,
                )
            )
            counter += 1
            previous = medium_id
        tasks.append(
            CopyTask(
                order=order,
                source=medium.id,
                source_barcode=medium.barcode,
                source_label=medium.label,
                bytes=medium.bytes_used,
                targets=tuple(targets),
                drive=drive.serial,
                drive_ordinal=drive.ordinal,
                start=placed.start,
                end=placed.end,
                robot_wait=placed.robot_wait,
            )
        )
    return tasks


def _allocate(
    sources: Sequence[Medium],
    wanted: dict[MediumId, int],
    found: list[Candidate],
    policy: CopyPolicy,
    have_drives: bool,
) -> tuple[list[tuple[Medium, list[tuple[Candidate, int]]]], list[Unplaced]]:
    """Targets for each copy: largest sources first, each the preferred target that fits."""
    pool = TargetPool(found)
    allocations: list[tuple[Medium, list[tuple[Candidate, int]]]] = []
    refused: list[Unplaced] = []
    for medium in sorted(sources, key=lambda m: (-m.bytes_used, m.id)):
        for _ in range(wanted[medium.id]):
            needed = needed_bytes(medium.bytes_used)
            chosen = pool.take(needed)
            if chosen is not None:
                allocations.append((medium, [(chosen, medium.bytes_used)]))
                continue
            reason, detail = _why_not(pool, needed, policy, have_drives)
            if reason is None:
                span = pool.take_span(needed)
                if span is not None:
                    allocations.append((medium, _split(medium.bytes_used, span)))
                    continue
                reason, detail = Reason.NO_TARGET_LEFT, "not enough targets left to span onto"
            refused.append(
                Unplaced(medium=medium.id, barcode=medium.barcode, reason=reason, detail=detail)
            )
            break
    return allocations, refused


def _why_not(
    pool: TargetPool, needed: int, policy: CopyPolicy, have_drives: bool
) -> tuple[Reason | None, str]:
    if not have_drives:
        return Reason.NO_DRIVE, "no drive of the target library is usable"
    if pool.total == 0:
        return (
            Reason.NO_COMPATIBLE_TARGET,
            f"no scratch, free-pool{', recyclable' if policy.overwrite_recyclable else ''} or "
            "blank cartridge of a media type the drives can write and the application read",
        )
    largest = pool.largest
    if largest == 0:
        return Reason.NO_TARGET_LEFT, "every usable target is taken by an earlier copy"
    if not policy.allow_spanning:
        return (
            Reason.TARGET_TOO_SMALL,
            f"needs {needed} bytes, the largest free target holds {largest}; "
            "spanning is not allowed",
        )
    return None, ""


def _split(nbytes: int, span: list[Candidate]) -> list[tuple[Candidate, int]]:
    pieces: list[tuple[Candidate, int]] = []
    left = nbytes
    for index, candidate in enumerate(span):
        share = left if index == len(span) - 1 else min(left, candidate.capacity - needed_bytes(0))
        pieces.append((candidate, max(share, 0)))
        left -= share
    return pieces


def replan(
    plan: CopyPlan,
    catalog: CatalogView,
    inventory: Inventory,
    profiles: Profiles | None = None,
    *,
    now: _dt.datetime,
    done: Sequence[MediumId] = (),
    ids: IdSource | None = None,
) -> CopyPlan:
    """Plan what is left of ``plan``: its sources not in ``done`` (failed ones included).

    The catalog is read again, so copies completed since are not planned twice and their
    targets are no longer free.
    """
    finished = set(done)
    remaining = tuple(t.source for t in plan.tasks if t.source not in finished)
    remaining += tuple(
        u.medium for u in plan.unplaced if u.medium is not None and u.medium not in finished
    )
    selection = Selection.explicit(media=tuple(dict.fromkeys(remaining)))
    return plan_copies(selection, plan.policy, catalog, inventory, profiles, now=now, ids=ids)
