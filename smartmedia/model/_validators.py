"""attrs validators that raise :class:`~smartmedia.errors.ValidationError` with the field path.

Every model field is checked with these (or with the identity types' own checks), so a
value that exists is a valid one, and a bad field is reported by name.

Integers are bounded by :data:`INT64_MAX`: the catalog stores them as SQLite integers
(signed 64-bit), so a larger one must be refused where the value is made, not later by
the database. Messages quote values through :func:`~smartmedia.errors.quote`.
"""

from __future__ import annotations

import datetime as _dt
from collections.abc import Callable
from typing import Any

import attrs

from smartmedia.errors import ValidationError, quote

__all__ = [
    "INT64_MAX",
    "INT64_MIN",
    "aware_datetime",
    "check_int64",
    "instance_of",
    "natural",
    "non_negative",
    "optional",
    "positive",
    "text",
    "tuple_of",
]

Validator = Callable[[Any, "attrs.Attribute[Any]", Any], None]

#: the largest integer a value may hold (SQLite stores signed 64-bit integers)
INT64_MAX = 2**63 - 1
#: the smallest integer a value may hold
INT64_MIN = -(2**63)


def check_int64(value: int, *, path: str = "") -> None:
    """Raise :class:`ValidationError` if ``value`` does not fit a signed 64-bit integer."""
    if not INT64_MIN <= value <= INT64_MAX:
        raise ValidationError(
            f"{quote(value)} is out of range (a signed 64-bit integer: {INT64_MIN} to {INT64_MAX})",
            path=path,
        )


def _name(attribute: attrs.Attribute[Any]) -> str:
    return attribute.name.lstrip("_")


def instance_of(kind: type | tuple[type, ...]) -> Validator:
    """The value is an instance of ``kind`` (``bool`` never passes for ``int``)."""
    kinds = kind if isinstance(kind, tuple) else (kind,)
    names = " or ".join(k.__name__ for k in kinds)

    def check(_: object, attribute: attrs.Attribute[Any], value: object) -> None:
        if not isinstance(value, kinds) or (isinstance(value, bool) and bool not in kinds):
            raise ValidationError(
                f"expected {names}, got {type(value).__name__} {quote(value)}",
                path=_name(attribute),
            )

    return check


def natural(_: object, attribute: attrs.Attribute[Any], value: object) -> None:
    """An ``int`` from 0 to :data:`INT64_MAX` (byte counts, counters)."""
    if type(value) is not int or value < 0:
        raise ValidationError(f"must be an integer >= 0, not {quote(value)}", path=_name(attribute))
    check_int64(value, path=_name(attribute))


def non_negative(_: object, attribute: attrs.Attribute[Any], value: object) -> None:
    """An ``int`` >= 0 of any size, for fields that check a range of their own after this
    one (the unsigned fields of the on-tape format); model values use :func:`natural`."""
    if type(value) is not int or value < 0:
        raise ValidationError(f"must be an integer >= 0, not {quote(value)}", path=_name(attribute))


def positive(_: object, attribute: attrs.Attribute[Any], value: object) -> None:
    """An ``int`` from 1 to :data:`INT64_MAX` (ordinals, sizes that cannot be zero)."""
    if type(value) is not int or value < 1:
        raise ValidationError(f"must be an integer >= 1, not {quote(value)}", path=_name(attribute))
    check_int64(value, path=_name(attribute))


def aware_datetime(_: object, attribute: attrs.Attribute[Any], value: object) -> None:
    """A ``datetime`` that knows its time zone: naive times are ambiguous across sites."""
    if not isinstance(value, _dt.datetime):
        raise ValidationError(f"must be a datetime, not {quote(value)}", path=_name(attribute))
    if value.tzinfo is None or value.utcoffset() is None:
        raise ValidationError(
            f"{value.isoformat()} has no time zone; give an aware datetime",
            path=_name(attribute),
        )


def text(*, max_length: int, min_length: int = 1) -> Validator:
    """Printable text (no control characters or line breaks) of bounded length."""

    def check(_: object, attribute: attrs.Attribute[Any], value: object) -> None:
        path = _name(attribute)
        if not isinstance(value, str):
            raise ValidationError(f"must be text, not {quote(value)}", path=path)
        if not min_length <= len(value) <= max_length:
            raise ValidationError(
                f"{quote(value)} must have {min_length} to {max_length} characters", path=path
            )
        if not value.isprintable():
            raise ValidationError(f"{quote(value)} contains control characters", path=path)

    return check


def optional(validator: Validator) -> Validator:
    """``None``, or a value that passes ``validator``."""

    def check(instance: object, attribute: attrs.Attribute[Any], value: object) -> None:
        if value is not None:
            validator(instance, attribute, value)

    return check


def tuple_of(kind: type) -> Validator:
    """A ``tuple`` whose items are all of ``kind``; errors name the item index."""

    def check(_: object, attribute: attrs.Attribute[Any], value: object) -> None:
        path = _name(attribute)
        if not isinstance(value, tuple):
            raise ValidationError(f"must be a tuple, not {type(value).__name__}", path=path)
        for i, item in enumerate(value):
            if not isinstance(item, kind):
                raise ValidationError(
                    f"expected {kind.__name__}, got {type(item).__name__}", path=f"{path}[{i}]"
                )

    return check
