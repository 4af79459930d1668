"""Tape libraries and their elements, as an inventory snapshot.

A :class:`Library` is what a media changer reports: its slots, drives and mail slots
(import/export elements), each with the cartridge it holds. Elements carry the changer's
``address`` (vendor-specific, what commands use) and an ``ordinal`` from 1 (what people
see). Drives carry their serial number, the only reliable way to match a changer's drive
to its data path. Invariants: ordinals unique per element kind, addresses unique in the
library, and no barcode or drive serial twice.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator

import attrs

from smartmedia.errors import ValidationError
from smartmedia.model import _validators as v
from smartmedia.model._ids import Barcode, DriveSerial
from smartmedia.model._media_types import MediaType
from smartmedia.model._placement import Location

__all__ = ["Cartridge", "Drive", "Library", "MailSlot", "Slot"]


@attrs.frozen(kw_only=True)
class Cartridge:
    """A physical or virtual cartridge as a library sees it: label, type, write tab."""

    media_type: MediaType = attrs.field(validator=v.instance_of(MediaType))
    barcode: Barcode | None = attrs.field(
        default=None, validator=v.optional(v.instance_of(Barcode))
    )
    write_protected: bool = attrs.field(default=False, validator=v.instance_of(bool))

    def __attrs_post_init__(self) -> None:
        if self.barcode is not None:
            coded = self.barcode.media_type
            if coded is not None and coded is not self.media_type:
                raise ValidationError(
                    f"barcode {self.barcode} is for {coded} media, not {self.media_type}",
                    path="barcode",
                )


_cartridge = v.optional(v.instance_of(Cartridge))


@attrs.frozen(kw_only=True)
class Slot:
    """A storage slot."""

    ordinal: int = attrs.field(validator=v.positive)
    address: int = attrs.field(validator=v.natural)
    cartridge: Cartridge | None = attrs.field(default=None, validator=_cartridge)


@attrs.frozen(kw_only=True)
class MailSlot:
    """An import/export element: where cartridges enter and leave the library."""

    ordinal: int = attrs.field(validator=v.positive)
    address: int = attrs.field(validator=v.natural)
    cartridge: Cartridge | None = attrs.field(default=None, validator=_cartridge)


@attrs.frozen(kw_only=True)
class Drive:
    """A drive element: its generation, serial number and loaded cartridge."""

    ordinal: int = attrs.field(validator=v.positive)
    address: int = attrs.field(validator=v.natural)
    serial: DriveSerial = attrs.field(validator=v.instance_of(DriveSerial))
    generation: MediaType = attrs.field(validator=v.instance_of(MediaType))
    cartridge: Cartridge | None = attrs.field(default=None, validator=_cartridge)


Element = Slot | MailSlot | Drive


def _duplicates(items: list[object]) -> list[object]:
    return sorted((x for x, n in Counter(items).items() if n > 1), key=str)


@attrs.frozen(kw_only=True)
class Library:
    """A tape library (media changer) and what it holds.

    ``virtual`` libraries live on a VLS; ``visible`` says whether the backup application
    can see and drive the library itself (the physical library behind a VLS is not
    visible: its tapes must be moved to a visible one before a restore).
    """

    name: str = attrs.field(validator=v.text(max_length=64))
    virtual: bool = attrs.field(validator=v.instance_of(bool))
    visible: bool = attrs.field(validator=v.instance_of(bool))
    slots: tuple[Slot, ...] = attrs.field(default=(), validator=v.tuple_of(Slot))
    drives: tuple[Drive, ...] = attrs.field(default=(), validator=v.tuple_of(Drive))
    mail_slots: tuple[MailSlot, ...] = attrs.field(default=(), validator=v.tuple_of(MailSlot))

    def __attrs_post_init__(self) -> None:
        for field, elements in (
            ("slots", self.slots),
            ("drives", self.drives),
            ("mail_slots", self.mail_slots),
        ):
            dup = _duplicates([e.ordinal for e in elements])
            if dup:
                raise ValidationError(f"ordinal {dup[0]} appears twice", path=field)
        dup = _duplicates([e.address for e in self.elements()])
        if dup:
            raise ValidationError(f"element address {dup[0]} appears twice", path="address")
        dup = _duplicates([d.serial for d in self.drives])
        if dup:
            raise ValidationError(f"drive serial {dup[0]} appears twice", path="drives")
        dup = _duplicates(
            [e.cartridge.barcode for e in self.elements() if e.cartridge and e.cartridge.barcode]
        )
        if dup:
            raise ValidationError(f"barcode {dup[0]} is in two elements", path="barcode")

    def elements(self) -> Iterator[Element]:
        """Every element: slots, then drives, then mail slots."""
        yield from self.slots
        yield from self.drives
        yield from self.mail_slots

    def location_of(self, barcode: Barcode) -> Location | None:
        """Where the cartridge labelled ``barcode`` is in this library, if it is here."""
        for kind, elements in (
            (Location.slot, self.slots),
            (Location.drive, self.drives),
            (Location.mail_slot, self.mail_slots),
        ):
            for element in elements:
                if element.cartridge is not None and element.cartridge.barcode == barcode:
                    return kind(self.name, element.ordinal)
        return None

    def free_slots(self) -> tuple[Slot, ...]:
        return tuple(s for s in self.slots if s.cartridge is None)

    def drive_by_serial(self, serial: DriveSerial) -> Drive | None:
        """The drive with serial number ``serial``: how data paths are matched to drives."""
        return next((d for d in self.drives if d.serial == serial), None)

    def cartridges(self) -> tuple[Cartridge, ...]:
        """Every cartridge in the library, in element order."""
        return tuple(e.cartridge for e in self.elements() if e.cartridge is not None)
