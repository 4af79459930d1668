"""Media and media pools.

A :class:`Medium` is a formatted cartridge as the backup application knows it; a copy is a
medium of its own (own ID, label, barcode, protection, location) that names its original.
Invariants checked at construction: bytes used never exceed capacity; a medium is a copy
(``original`` set, ``copy_generation`` >= 1) or an original (neither), and never its own
original; an empty or blank medium holds no bytes; times are aware and in order.
"""

from __future__ import annotations

import datetime as _dt

import attrs

from smartmedia.errors import ValidationError, quote
from smartmedia.model import _validators as v
from smartmedia.model._enums import AllocationPolicy, MediumCondition, MediumState, UsagePolicy
from smartmedia.model._ids import Barcode, MediumId
from smartmedia.model._media_types import MediaType
from smartmedia.model._placement import Location, Protection

__all__ = ["FAIR_FRACTION", "MediaPool", "Medium"]

#: A medium turns fair once it has used this fraction of its pool's age or overwrite limit.
FAIR_FRACTION = 0.8


@attrs.frozen(kw_only=True)
class MediaPool:
    """A set of media of one type with common policies.

    ``valid_months`` and ``max_overwrites`` are the condition limits: past either, a
    medium of the pool is poor and is never written again. ``free_pool`` names the pool
    that media are taken from (and returned to) when this one runs out.
    """

    name: str = attrs.field(validator=v.text(max_length=64))
    media_type: MediaType = attrs.field(validator=v.instance_of(MediaType))
    allocation: AllocationPolicy = attrs.field(
        default=AllocationPolicy.LOOSE, validator=v.instance_of(AllocationPolicy)
    )
    usage: UsagePolicy = attrs.field(
        default=UsagePolicy.APPENDABLE, validator=v.instance_of(UsagePolicy)
    )
    valid_months: int = attrs.field(default=36, validator=v.positive)
    max_overwrites: int = attrs.field(default=250, validator=v.positive)
    free_pool: str | None = attrs.field(default=None, validator=v.optional(v.text(max_length=64)))
    description: str = attrs.field(default="", validator=v.text(max_length=256, min_length=0))

    def __attrs_post_init__(self) -> None:
        if self.free_pool == self.name:
            raise ValidationError("a pool cannot be its own free pool", path="free_pool")

    def label_for(self, counter: int) -> str:
        """The default label of the pool's ``counter``-th medium, e.g. ``Vault_12``."""
        if type(counter) is not int or counter < 1:
            raise ValidationError(f"a label counter is an integer >= 1, not {quote(counter)}")
        return f"{self.name}_{counter}"


def _months_between(start: _dt.datetime, end: _dt.datetime) -> int:
    """Whole calendar months from ``start`` to ``end`` (0 if ``end`` is earlier)."""
    months = (end.year - start.year) * 12 + (end.month - start.month)
    if (end.day, end.time()) < (start.day, start.time()):
        months -= 1
    return max(months, 0)


@attrs.frozen(kw_only=True)
class Medium:
    """A formatted medium: identity, contents, protection, place and, for copies, lineage.

    ``capacity`` and ``bytes_used`` count payload bytes. ``write_count`` counts the
    times the medium was (over)written from its start, which ages it as much as time
    does. ``condition`` is the recorded condition (set to poor after a write error);
    :meth:`condition_at` adds what age and use imply.
    """

    id: MediumId = attrs.field(validator=v.instance_of(MediumId))
    label: str = attrs.field(validator=v.text(max_length=80))
    media_type: MediaType = attrs.field(validator=v.instance_of(MediaType))
    pool: str = attrs.field(validator=v.text(max_length=64))
    capacity: int = attrs.field(validator=v.positive)
    formatted_at: _dt.datetime = attrs.field(validator=v.aware_datetime)
    barcode: Barcode | None = attrs.field(
        default=None, validator=v.optional(v.instance_of(Barcode))
    )
    bytes_used: int = attrs.field(default=0, validator=v.natural)
    write_count: int = attrs.field(default=0, validator=v.natural)
    first_written: _dt.datetime | None = attrs.field(
        default=None, validator=v.optional(v.aware_datetime)
    )
    last_written: _dt.datetime | None = attrs.field(
        default=None, validator=v.optional(v.aware_datetime)
    )
    protection: Protection = attrs.field(
        factory=Protection.none, validator=v.instance_of(Protection)
    )
    location: Location = attrs.field(factory=Location.unknown, validator=v.instance_of(Location))
    condition: MediumCondition = attrs.field(
        default=MediumCondition.GOOD, validator=v.instance_of(MediumCondition)
    )
    state: MediumState = attrs.field(
        default=MediumState.EMPTY, validator=v.instance_of(MediumState)
    )
    original: MediumId | None = attrs.field(
        default=None, validator=v.optional(v.instance_of(MediumId))
    )
    copy_generation: int = attrs.field(default=0, validator=v.natural)

    def __attrs_post_init__(self) -> None:
        if self.bytes_used > self.capacity:
            raise ValidationError(
                f"{self.bytes_used} bytes used exceed the capacity of {self.capacity}",
                path="bytes_used",
            )
        if self.original is not None and self.original == self.id:
            raise ValidationError(f"medium {self.id} names itself as its original", path="original")
        if (self.original is None) != (self.copy_generation == 0):
            raise ValidationError(
                "a copy has an original and a copy generation >= 1; an original has neither",
                path="copy_generation",
            )
        if not self.state.holds_data and self.bytes_used:
            raise ValidationError(
                f"a {self.state.value} medium holds no data, but {self.bytes_used} bytes are used",
                path="bytes_used",
            )
        if self.last_written is not None and self.first_written is None:
            raise ValidationError("last written without first written", path="first_written")
        if (
            self.first_written is not None
            and self.last_written is not None
            and self.last_written < self.first_written
        ):
            raise ValidationError("last written before first written", path="last_written")
        if self.barcode is not None:
            coded = self.barcode.media_type
            if coded is not None and coded is not self.media_type:
                raise ValidationError(
                    f"barcode {self.barcode} is for {coded} media, not {self.media_type}",
                    path="barcode",
                )

    @property
    def is_copy(self) -> bool:
        return self.original is not None

    @property
    def free_bytes(self) -> int:
        return self.capacity - self.bytes_used

    def is_protected(self, at: _dt.datetime) -> bool:
        """True if the medium's data may not be overwritten at ``at``."""
        return self.state.holds_data and self.protection.is_active(at)

    def is_recyclable(self, at: _dt.datetime) -> bool:
        """True if the medium holds data whose protection has ended by ``at``."""
        return self.state.holds_data and not self.protection.is_active(at)

    def condition_at(self, now: _dt.datetime, pool: MediaPool) -> MediumCondition:
        """The medium's condition at ``now`` under ``pool``'s limits.

        Poor once ``pool.valid_months`` have passed since formatting or after
        ``pool.max_overwrites`` writes; fair from :data:`FAIR_FRACTION` of either limit;
        never better than the recorded :attr:`condition`.
        """
        months = _months_between(self.formatted_at, now)
        used = max(months / pool.valid_months, self.write_count / pool.max_overwrites)
        if used >= 1:
            implied = MediumCondition.POOR
        elif used >= FAIR_FRACTION:
            implied = MediumCondition.FAIR
        else:
            implied = MediumCondition.GOOD
        return max(implied, self.condition)
