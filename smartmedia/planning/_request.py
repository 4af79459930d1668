"""What a copy plan is asked for: a selection of media, a policy, an inventory, profiles.

All four are frozen values, serialisable by the library's converter, so a scheduled copy
can be stored as data and a plan can be reproduced from its inputs.
"""

from __future__ import annotations

import datetime as _dt
import enum
from typing import Any

import attrs

from smartmedia.devices import DriveTiming, RobotTiming, VlsTiming
from smartmedia.errors import ValidationError
from smartmedia.model import (
    Barcode,
    Library,
    MediaType,
    MediumId,
    Protection,
    SessionId,
)
from smartmedia.model import _validators as v

__all__ = ["AfterCopy", "CopyPolicy", "Inventory", "Profiles", "Selection"]


def _optional_positive(instance: object, attribute: attrs.Attribute[int], value: object) -> None:
    if value is not None:
        v.positive(instance, attribute, value)


def _optional_duration(_: object, attribute: attrs.Attribute[Any], value: object) -> None:
    if value is None:
        return
    if not isinstance(value, _dt.timedelta) or value < _dt.timedelta(0):
        raise ValidationError(f"must be a duration >= 0, not {value!r}", path=attribute.name)


@attrs.frozen(kw_only=True)
class Selection:
    """Which media to copy, as data.

    Explicit sources — ``media``, ``barcodes`` and the media used by ``sessions`` — are
    united; when none is given, every original in the catalog is a candidate. The
    criteria then all apply (logical AND): ``pools``, ``media_types``, last written
    inside ``written_after``..``written_before``, holding a version of an object whose
    name (``host:mount``) matches one of ``objects`` (shell patterns), fewer than
    ``fewer_copies_than`` copies, written at least ``min_age`` ago, label matching
    ``label_pattern``. Build one with :meth:`explicit`, :meth:`of_sessions` or
    :meth:`matching`.
    """

    media: tuple[MediumId, ...] = attrs.field(default=(), validator=v.tuple_of(MediumId))
    barcodes: tuple[Barcode, ...] = attrs.field(default=(), validator=v.tuple_of(Barcode))
    sessions: tuple[SessionId, ...] = attrs.field(default=(), validator=v.tuple_of(SessionId))
    pools: tuple[str, ...] = attrs.field(default=(), validator=v.tuple_of(str))
    media_types: tuple[MediaType, ...] = attrs.field(default=(), validator=v.tuple_of(MediaType))
    written_after: _dt.datetime | None = attrs.field(
        default=None, validator=v.optional(v.aware_datetime)
    )
    written_before: _dt.datetime | None = attrs.field(
        default=None, validator=v.optional(v.aware_datetime)
    )
    objects: tuple[str, ...] = attrs.field(default=(), validator=v.tuple_of(str))
    fewer_copies_than: int | None = attrs.field(default=None, validator=_optional_positive)
    min_age: _dt.timedelta | None = attrs.field(default=None, validator=_optional_duration)
    label_pattern: str | None = attrs.field(
        default=None, validator=v.optional(v.text(max_length=128))
    )

    def __attrs_post_init__(self) -> None:
        if (
            self.written_after is not None
            and self.written_before is not None
            and self.written_before < self.written_after
        ):
            raise ValidationError("the time window ends before it starts", path="written_before")

    @property
    def is_explicit(self) -> bool:
        return bool(self.media or self.barcodes or self.sessions)

    @classmethod
    def explicit(
        cls, media: tuple[MediumId, ...] = (), barcodes: tuple[Barcode, ...] = ()
    ) -> Selection:
        """Interactive copies: exactly these media."""
        return cls(media=tuple(media), barcodes=tuple(barcodes))

    @classmethod
    def of_sessions(cls, *sessions: SessionId) -> Selection:
        """Post-backup copies: the media these sessions wrote."""
        return cls(sessions=sessions)

    @classmethod
    def matching(cls, **criteria: object) -> Selection:
        """Scheduled copies: every original that meets ``criteria`` (the fields above)."""
        return cls(**criteria)  # type: ignore[arg-type]


class AfterCopy(enum.Enum):
    """Where a copy goes once it is made."""

    STAY = "stay"  # in its slot of the library behind the VLS
    EXPORT = "export"  # to a mail slot, for an operator to take
    VAULT = "vault"  # to a mail slot, recorded as in the vault named by the policy


@attrs.frozen(kw_only=True)
class CopyPolicy:
    """How to copy: how many copies, into which pool, kept how long, put where.

    ``protection`` of the copies is the original's when ``None``. ``window`` bounds the
    predicted end of every copy from the plan's start; copies that would end later are
    not planned. ``max_drives`` caps the drives used (all compatible ones when
    ``None``). ``overwrite_recyclable`` lets media whose protection has ended be
    overwritten once no scratch or blank medium is left.
    """

    target_pool: str = attrs.field(validator=v.text(max_length=64))
    copies: int = attrs.field(default=1, validator=v.positive)
    protection: Protection | None = attrs.field(
        default=None, validator=v.optional(v.instance_of(Protection))
    )
    after_copy: AfterCopy = attrs.field(default=AfterCopy.STAY, validator=v.instance_of(AfterCopy))
    vault: str | None = attrs.field(default=None, validator=v.optional(v.text(max_length=128)))
    max_drives: int | None = attrs.field(default=None, validator=_optional_positive)
    window: _dt.timedelta | None = attrs.field(default=None, validator=_optional_duration)
    allow_spanning: bool = attrs.field(default=True, validator=v.instance_of(bool))
    overwrite_recyclable: bool = attrs.field(default=False, validator=v.instance_of(bool))

    def __attrs_post_init__(self) -> None:
        if (self.after_copy is AfterCopy.VAULT) != (self.vault is not None):
            raise ValidationError(
                "a vault name is given exactly when copies go to a vault", path="vault"
            )


@attrs.frozen(kw_only=True)
class Inventory:
    """The hardware a plan may use.

    ``target`` is the physical library behind the VLS, as its changer reports it (slots
    with cartridges, drives with serials and generations). ``readers`` are the drive
    generations of the libraries the backup application sees: a copy is only useful on
    a media type one of them can read. ``busy`` drives (by serial) are left out.
    """

    target: Library = attrs.field(validator=v.instance_of(Library))
    readers: tuple[MediaType, ...] = attrs.field(default=(), validator=v.tuple_of(MediaType))
    busy: tuple[str, ...] = attrs.field(default=(), validator=v.tuple_of(str))

    @classmethod
    def from_libraries(
        cls, target: Library, libraries: tuple[Library, ...] | list[Library]
    ) -> Inventory:
        """The inventory of ``target``, readable by the drives of the visible ``libraries``."""
        readers = sorted(
            {d.generation for lib in libraries if lib.visible for d in lib.drives},
            key=lambda m: m.value,
        )
        return cls(target=target, readers=tuple(readers))


@attrs.frozen(kw_only=True)
class Profiles:
    """Timing figures the schedule is predicted with (those of :mod:`smartmedia.devices`).

    ``drives`` overrides the default profile of a generation; others use
    :meth:`DriveTiming.for_generation`.
    """

    robot: RobotTiming = attrs.field(factory=RobotTiming, validator=v.instance_of(RobotTiming))
    vls: VlsTiming = attrs.field(factory=VlsTiming, validator=v.instance_of(VlsTiming))
    drives: tuple[tuple[MediaType, DriveTiming], ...] = attrs.field(default=())

    def drive(self, generation: MediaType) -> DriveTiming:
        for kind, timing in self.drives:
            if kind is generation:
                return timing
        return DriveTiming.for_generation(generation)
