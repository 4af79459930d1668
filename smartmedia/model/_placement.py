"""Protection (how long data must be kept) and location (where a cartridge is).

Both are kept per medium, copies included: a copy in a vault may be protected longer
than its original on the VLS.
"""

from __future__ import annotations

import datetime as _dt

import attrs

from smartmedia.errors import ValidationError
from smartmedia.model import _validators as v
from smartmedia.model._enums import LocationKind, ProtectionKind

__all__ = ["Location", "Protection"]


@attrs.frozen(kw_only=True)
class Protection:
    """Data protection of a medium: none, until a time, or permanent.

    While protected, the medium's data may not be overwritten and the medium may not be
    recycled. Build one with :meth:`none`, :meth:`until_time`, :meth:`for_period` or
    :meth:`permanent`.
    """

    kind: ProtectionKind = attrs.field(validator=v.instance_of(ProtectionKind))
    until: _dt.datetime | None = attrs.field(default=None, validator=v.optional(v.aware_datetime))

    def __attrs_post_init__(self) -> None:
        if (self.kind is ProtectionKind.UNTIL) != (self.until is not None):
            raise ValidationError(
                "a time is given exactly when the protection kind is 'until'", path="until"
            )

    @classmethod
    def none(cls) -> Protection:
        return cls(kind=ProtectionKind.NONE)

    @classmethod
    def permanent(cls) -> Protection:
        return cls(kind=ProtectionKind.PERMANENT)

    @classmethod
    def until_time(cls, until: _dt.datetime) -> Protection:
        return cls(kind=ProtectionKind.UNTIL, until=until)

    @classmethod
    def for_period(cls, start: _dt.datetime, period: _dt.timedelta) -> Protection:
        """Protection for ``period`` from ``start`` (e.g. the end of the backup)."""
        if period < _dt.timedelta(0):
            raise ValidationError(f"a protection period cannot be negative: {period}")
        return cls.until_time(start + period)

    def is_active(self, at: _dt.datetime) -> bool:
        """True if the data is still protected at ``at`` (protection ends at ``until``)."""
        if self.kind is ProtectionKind.PERMANENT:
            return True
        if self.kind is ProtectionKind.NONE:
            return False
        assert self.until is not None
        return at < self.until

    def __str__(self) -> str:
        if self.until is not None:
            return f"until {self.until.isoformat()}"
        return self.kind.value


_NEEDS_LIBRARY = (LocationKind.SLOT, LocationKind.DRIVE, LocationKind.MAIL_SLOT)


@attrs.frozen(kw_only=True)
class Location:
    """Where a cartridge is: a library element, a vault, or unknown.

    Library elements are named by the library's name and the element's ordinal (from 1,
    as people count slots and drives), never by the changer's element address, which is
    vendor-specific. Build one with :meth:`slot`, :meth:`drive`, :meth:`mail_slot`,
    :meth:`vault` or :meth:`unknown`.
    """

    kind: LocationKind = attrs.field(validator=v.instance_of(LocationKind))
    library: str | None = attrs.field(default=None, validator=v.optional(v.text(max_length=64)))
    ordinal: int | None = attrs.field(default=None, validator=v.optional(v.positive))
    vault: str | None = attrs.field(default=None, validator=v.optional(v.text(max_length=128)))

    def __attrs_post_init__(self) -> None:
        in_library = self.kind in _NEEDS_LIBRARY
        if in_library != (self.library is not None and self.ordinal is not None):
            raise ValidationError(
                f"a {self.kind.value} location names a library and an ordinal, no other does",
                path="library" if self.library is None else "ordinal",
            )
        if (self.kind is LocationKind.VAULT) != (self.vault is not None):
            raise ValidationError("a vault name is given exactly for vault locations", path="vault")

    @classmethod
    def slot(cls, library: str, ordinal: int) -> Location:
        return cls(kind=LocationKind.SLOT, library=library, ordinal=ordinal)

    @classmethod
    def drive(cls, library: str, ordinal: int) -> Location:
        return cls(kind=LocationKind.DRIVE, library=library, ordinal=ordinal)

    @classmethod
    def mail_slot(cls, library: str, ordinal: int) -> Location:
        return cls(kind=LocationKind.MAIL_SLOT, library=library, ordinal=ordinal)

    @classmethod
    def in_vault(cls, name: str) -> Location:
        return cls(kind=LocationKind.VAULT, vault=name)

    @classmethod
    def unknown(cls) -> Location:
        return cls(kind=LocationKind.UNKNOWN)

    @property
    def is_in_library(self) -> bool:
        return self.kind in _NEEDS_LIBRARY

    def __str__(self) -> str:
        if self.kind is LocationKind.VAULT:
            return f"vault {self.vault}"
        if self.kind is LocationKind.UNKNOWN:
            return "unknown"
        element = self.kind.value.replace("_", " ")
        return f"{self.library}: {element} {self.ordinal}"
