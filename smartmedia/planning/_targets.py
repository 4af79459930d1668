"""Target allocation: which cartridges of the library behind the VLS may take a copy.

A candidate is a cartridge in a slot of the target library, labelled, not a cleaning or
diagnostic cartridge, not write protected, of a media type a usable drive there can
write and a drive of the application's libraries can read. By preference: empty media
of the target pool (``scratch``), then of its free pool (``free_pool``; not for strict
pools), then cartridges that are blank or unknown to the catalog (``blank``), then — if
the policy allows — media whose protection has ended (``recyclable``). Never a
protected medium, never a poor one, never one a copy job holds; good media before fair.
"""

from __future__ import annotations

import datetime as _dt
from collections import deque
from collections.abc import Sequence

import attrs

from smartmedia.catalog import CatalogView
from smartmedia.errors import UnknownEntity
from smartmedia.model import (
    AllocationPolicy,
    Barcode,
    MediaPool,
    MediaType,
    Medium,
    MediumCondition,
    MediumId,
    MediumState,
)
from smartmedia.planning._request import CopyPolicy, Inventory

__all__ = ["KINDS", "Candidate", "TargetPool", "candidates"]

KINDS = ("scratch", "free_pool", "blank", "recyclable")

#: Room kept free on a target beyond the source's payload bytes: block headers (56 bytes
#: per block: 1/512 covers blocks of 32 KiB and more), records, catalog segments and
#: filemarks.
OVERHEAD_FRACTION = 1 / 512
OVERHEAD_BYTES = 64 << 20


def needed_bytes(source_bytes: int) -> int:
    """What a target must hold to take a copy of ``source_bytes`` of data."""
    return source_bytes + int(source_bytes * OVERHEAD_FRACTION) + OVERHEAD_BYTES


@attrs.frozen
class Candidate:
    barcode: Barcode
    media_type: MediaType
    slot: int
    kind: str
    capacity: int
    medium: MediumId | None  # the catalog's record of the cartridge, if any
    fair: bool


def _pool_of(
    catalog: CatalogView, name: str, cache: dict[str, MediaPool | None]
) -> MediaPool | None:
    if name not in cache:
        try:
            cache[name] = catalog.pool(name)
        except UnknownEntity:
            cache[name] = None
    return cache[name]


def candidates(  # noqa: PLR0915 - one pass over the slots, each rule in turn
    inventory: Inventory,
    policy: CopyPolicy,
    catalog: CatalogView,
    now: _dt.datetime,
    *,
    media: Sequence[Medium],
    writable: frozenset[MediaType],
    readable: frozenset[MediaType],
    exclude: set[MediumId],
) -> list[Candidate]:
    """Usable targets in preference order (kind, good before fair, slot ordinal)."""
    pools: dict[str, MediaPool | None] = {}
    pool = _pool_of(catalog, policy.target_pool, pools)
    strict = pool is not None and pool.allocation is AllocationPolicy.STRICT
    free_pool = pool.free_pool if pool is not None else None
    library = inventory.target.name
    originals = {m.original for m in media if m.original is not None}
    by_barcode: dict[Barcode, Medium] = {}
    for known in media:
        if known.barcode is None:
            continue
        if known.location.library == library or known.barcode not in by_barcode:
            by_barcode[known.barcode] = known
    found: list[Candidate] = []
    for slot in inventory.target.slots:
        cartridge = slot.cartridge
        if cartridge is None or cartridge.barcode is None or cartridge.write_protected:
            continue
        barcode = cartridge.barcode
        if barcode.is_cleaning or barcode.is_diagnostic:
            continue
        kind_of_media = cartridge.media_type
        if kind_of_media not in writable or kind_of_media not in readable:
            continue
        medium = by_barcode.get(barcode)
        fair = False
        if medium is None:
            if strict:
                continue
            kind = "blank"
            capacity = kind_of_media.native_capacity
        else:
            if medium.id in exclude:
                continue
            medium_pool = _pool_of(catalog, medium.pool, pools)
            if medium_pool is not None:
                condition = medium.condition_at(now, medium_pool)
                if condition is MediumCondition.POOR:
                    continue
                fair = condition is MediumCondition.FAIR
            capacity = medium.capacity
            if medium.state in (MediumState.BLANK, MediumState.EMPTY):
                if medium.pool == policy.target_pool:
                    kind = "scratch"
                elif medium.pool == free_pool and not strict:
                    kind = "free_pool"
                elif medium.state is MediumState.BLANK and not strict:
                    kind = "blank"
                else:
                    continue
            elif (
                policy.overwrite_recyclable
                and not strict
                and not medium.is_copy
                and medium.is_recyclable(now)
                and medium.id not in originals
            ):
                kind = "recyclable"
            else:
                continue
        found.append(
            Candidate(
                barcode,
                kind_of_media,
                slot.ordinal,
                kind,
                capacity,
                None if medium is None else medium.id,
                fair,
            )
        )
    found.sort(key=lambda c: (KINDS.index(c.kind), c.fair, c.slot))
    return found


class TargetPool:
    """Hands out candidates in preference order, fast: buckets of interchangeable ones."""

    def __init__(self, found: list[Candidate]) -> None:
        self._buckets: list[tuple[tuple[int, bool, int, MediaType], deque[Candidate]]] = []
        index: dict[tuple[int, bool, int, MediaType], deque[Candidate]] = {}
        for candidate in found:
            key = (
                KINDS.index(candidate.kind),
                candidate.fair,
                candidate.capacity,
                candidate.media_type,
            )
            if key not in index:
                index[key] = deque()
                self._buckets.append((key, index[key]))
            index[key].append(candidate)
        self._buckets.sort(key=lambda b: (b[0][0], b[0][1], b[1][0].slot))
        self.total = len(found)

    @property
    def largest(self) -> int:
        return max((key[2] for key, bucket in self._buckets if bucket), default=0)

    def take(self, needed: int) -> Candidate | None:
        """The most preferred candidate that holds ``needed`` bytes."""
        for key, bucket in self._buckets:
            if bucket and key[2] >= needed:
                return bucket.popleft()
        return None

    def take_span(self, needed: int) -> list[Candidate] | None:
        """Preferred candidates of one media type that together hold ``needed`` bytes."""
        by_type: dict[MediaType, int] = {}
        for key, bucket in self._buckets:
            by_type[key[3]] = by_type.get(key[3], 0) + key[2] * len(bucket)
        for key, bucket in self._buckets:
            if not bucket or by_type[key[3]] < needed:
                continue
            chosen: list[Candidate] = []
            total = 0
            for other_key, other in self._buckets:
                while other and other_key[3] is key[3] and total < needed:
                    candidate = other.popleft()
                    chosen.append(candidate)
                    total += candidate.capacity
            return chosen
        return None
