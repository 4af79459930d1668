"""One converter for every public value: to plain data and JSON, and back.

The rules, applied everywhere (models, plans, reports, catalog exports):

* attrs classes become objects with one key per field; unknown keys are rejected and a
  missing required field is reported;
* identities (:class:`~smartmedia.model.TextValue`: medium and session IDs, barcodes,
  drive serials) are written as their text and parsed back with their own checks;
* enumerations are written as their value (``"LTO-9"``, ``"completed"``);
* datetimes are ISO 8601 with their UTC offset; naive datetimes are refused both ways;
  dates are ``YYYY-MM-DD``; durations (``timedelta``) are seconds as a number;
* ``bytes`` are base64 text;
* numbers, strings and booleans are not coerced: ``"12"`` is not an integer, ``1`` is
  not ``True``;
* every problem in a document is reported at once, as a
  :class:`~smartmedia.errors.ValidationError` whose problems carry paths such as
  ``media[3].barcode``.

>>> from smartmedia.model import Barcode
>>> to_json(Barcode("ABC123L9"))
'"ABC123L9"'
>>> from_json('"ABC123L9"', Barcode)
Barcode(value='ABC123L9')
"""

from __future__ import annotations

import base64
import binascii
import datetime as _dt
import enum
import json
import typing
from collections.abc import Callable, Sequence
from typing import Any, TypeVar

import attrs
import cattrs
from cattrs.errors import (
    AttributeValidationNote,
    BaseValidationError,
    ForbiddenExtraKeysError,
    IterableValidationNote,
)
from cattrs.gen import make_dict_structure_fn

from smartmedia.errors import Problem, ValidationError
from smartmedia.model import TextValue

__all__ = ["converter", "from_json", "make_converter", "structure", "to_json", "unstructure"]

T = TypeVar("T")


def _is_text_value(cls: Any) -> bool:
    return isinstance(cls, type) and issubclass(cls, TextValue)


def _is_enum(cls: Any) -> bool:
    return isinstance(cls, type) and issubclass(cls, enum.Enum)


def _expect(value: object, kind: type, name: str) -> None:
    if not isinstance(value, kind) or (isinstance(value, bool) and kind is not bool):
        raise ValidationError(f"expected {name}, got {type(value).__name__} {value!r}")


def _structure_int(value: object, _: type) -> int:
    _expect(value, int, "an integer")
    assert isinstance(value, int)
    return value


def _structure_float(value: object, _: type) -> float:
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise ValidationError(f"expected a number, got {type(value).__name__} {value!r}")
    return float(value)


def _structure_str(value: object, _: type) -> str:
    _expect(value, str, "text")
    assert isinstance(value, str)
    return value


def _structure_bool(value: object, _: type) -> bool:
    _expect(value, bool, "true or false")
    assert isinstance(value, bool)
    return value


def _unstructure_datetime(value: _dt.datetime) -> str:
    if value.tzinfo is None or value.utcoffset() is None:
        raise ValidationError(f"{value.isoformat()} has no time zone")
    return value.isoformat()


def _structure_datetime(value: object, _: type) -> _dt.datetime:
    _expect(value, str, "an ISO 8601 date and time")
    assert isinstance(value, str)
    try:
        parsed = _dt.datetime.fromisoformat(value)
    except ValueError:
        raise ValidationError(f"{value!r} is not an ISO 8601 date and time") from None
    if parsed.tzinfo is None:
        raise ValidationError(f"{value!r} has no UTC offset")
    return parsed


def _structure_date(value: object, _: type) -> _dt.date:
    _expect(value, str, "a date (YYYY-MM-DD)")
    assert isinstance(value, str)
    try:
        if len(value) != 10:
            raise ValueError(value)
        return _dt.date.fromisoformat(value)
    except ValueError:
        raise ValidationError(f"{value!r} is not a date (YYYY-MM-DD)") from None


def _structure_timedelta(value: object, _: type) -> _dt.timedelta:
    seconds = _structure_float(value, float)
    try:
        return _dt.timedelta(seconds=seconds)
    except OverflowError:
        raise ValidationError(f"{value!r} seconds is out of range") from None


def _structure_bytes(value: object, _: type) -> bytes:
    _expect(value, str, "base64 text")
    assert isinstance(value, str)
    try:
        return base64.b64decode(value, validate=True)
    except binascii.Error:
        raise ValidationError(f"{value[:40]!r} is not base64 text") from None


def _structure_text_value(value: object, cls: type[TextValue]) -> TextValue:
    return cls.parse(value)


def _structure_enum(value: object, cls: type[enum.Enum]) -> enum.Enum:
    try:
        return cls(value)
    except ValueError:
        allowed = ", ".join(repr(m.value) for m in cls)
        raise ValidationError(f"{value!r} is not a {cls.__name__} (one of {allowed})") from None


def _homogeneous_item_type(cls: Any) -> Any | None:
    """``X`` for ``list[X]``, ``tuple[X, ...]`` and ``Sequence[X]``, else ``None``."""
    origin = typing.get_origin(cls)
    args = typing.get_args(cls)
    if origin in (list, Sequence) and len(args) == 1:
        return args[0]
    if origin is tuple and len(args) == 2 and args[1] is Ellipsis:
        return args[0]
    return None


def _sequence_hook_factory(conv: cattrs.Converter) -> Callable[[Any], Any]:
    def factory(cls: Any) -> Callable[[object, Any], Any]:
        item_type: Any = _homogeneous_item_type(cls)
        build = tuple if typing.get_origin(cls) is tuple else list

        def structure_sequence(value: object, _: Any) -> Any:
            if not isinstance(value, list | tuple):
                raise ValidationError(f"expected a list, got {type(value).__name__}")
            items, found = [], []
            for i, item in enumerate(value):
                try:
                    items.append(conv.structure(item, item_type))
                except Exception as e:
                    found.extend(_problems(e, f"[{i}]"))
            if found:
                raise ValidationError.from_problems(found)
            return build(items)

        return structure_sequence

    return factory


def _attrs_hook_factory(conv: cattrs.Converter) -> Callable[[Any], Any]:
    def factory(cls: Any) -> Callable[[object, Any], Any]:
        inner = make_dict_structure_fn(cls, conv)

        def structure_object(value: object, _: Any) -> Any:
            if not isinstance(value, dict):
                raise ValidationError(
                    f"expected an object ({cls.__name__}), got {type(value).__name__}"
                )
            return inner(value, cls)

        return structure_object

    return factory


def make_converter() -> cattrs.Converter:
    """A new converter following the rules in this module's docstring.

    Layers that add public values need no registration: attrs classes, identities and
    enumerations are handled by shape. Use the shared :data:`converter` unless you must
    add hooks of your own.
    """
    conv = cattrs.Converter(forbid_extra_keys=True, detailed_validation=True)
    conv.register_structure_hook(int, _structure_int)
    conv.register_structure_hook(float, _structure_float)
    conv.register_structure_hook(str, _structure_str)
    conv.register_structure_hook(bool, _structure_bool)
    conv.register_unstructure_hook(_dt.datetime, _unstructure_datetime)
    conv.register_structure_hook(_dt.datetime, _structure_datetime)
    conv.register_unstructure_hook(_dt.date, _dt.date.isoformat)
    conv.register_structure_hook(_dt.date, _structure_date)
    conv.register_unstructure_hook(_dt.timedelta, _dt.timedelta.total_seconds)
    conv.register_structure_hook(_dt.timedelta, _structure_timedelta)
    conv.register_unstructure_hook(bytes, lambda b: base64.b64encode(b).decode("ascii"))
    conv.register_structure_hook(bytes, _structure_bytes)
    conv.register_unstructure_hook_func(_is_text_value, str)
    conv.register_structure_hook_func(_is_text_value, _structure_text_value)
    conv.register_unstructure_hook_func(_is_enum, lambda e: e.value)
    conv.register_structure_hook_func(_is_enum, _structure_enum)
    conv.register_structure_hook_factory(
        lambda t: _homogeneous_item_type(t) is not None, _sequence_hook_factory(conv)
    )
    conv.register_structure_hook_factory(
        lambda t: attrs.has(t) and not _is_text_value(t), _attrs_hook_factory(conv)
    )
    return conv


#: The library's converter: every public value goes through it.
converter = make_converter()


def _join(path: str, name: str) -> str:
    return f"{path}.{name}" if path else name


def _problems(error: BaseException, path: str) -> list[Problem]:
    """Every problem inside a (possibly nested) structuring error, with its path."""
    if isinstance(error, BaseValidationError):
        found: list[Problem] = []
        for sub in error.exceptions:
            notes = [
                n
                for n in getattr(sub, "__notes__", ())
                if isinstance(n, AttributeValidationNote | IterableValidationNote)
            ]
            if not notes:
                found.extend(_problems(sub, path))
            elif isinstance(notes[-1], AttributeValidationNote):
                found.extend(_problems(sub, _join(path, notes[-1].name)))
            else:
                found.extend(_problems(sub, f"{path}[{notes[-1].index!r}]"))
        return found
    if isinstance(error, ForbiddenExtraKeysError):
        return [Problem(_join(path, k), "unknown field") for k in sorted(error.extra_fields)]
    if isinstance(error, ValidationError):
        return [p.under(path) for p in error.problems]
    if isinstance(error, KeyError):
        return [Problem(path, "required field is missing")]
    return [Problem(path, str(error) or type(error).__name__)]


def structure(data: object, cls: type[T]) -> T:
    """The value of type ``cls`` that plain ``data`` describes.

    Raises :class:`~smartmedia.errors.ValidationError` listing every problem, each with
    its path inside ``data``.
    """
    try:
        return converter.structure(data, cls)
    except (BaseValidationError, ValidationError, ValueError, TypeError, KeyError) as e:
        raise ValidationError.from_problems(_problems(e, "")) from None


def unstructure(value: object) -> Any:
    """``value`` as plain data (dicts, lists, strings, numbers, booleans, ``None``)."""
    return converter.unstructure(value)


def to_json(value: object, *, indent: int | None = None) -> str:
    """``value`` as JSON text."""
    return json.dumps(unstructure(value), indent=indent, ensure_ascii=False)


def from_json(text: str | bytes, cls: type[T]) -> T:
    """The value of type ``cls`` that the JSON ``text`` describes.

    Raises :class:`~smartmedia.errors.ValidationError` for text that is not JSON and for
    every problem with the document, with paths.
    """
    try:
        data = json.loads(text)
    except json.JSONDecodeError as e:
        raise ValidationError(f"not JSON: {e.msg} at line {e.lineno} column {e.colno}") from None
    except (UnicodeDecodeError, TypeError) as e:
        raise ValidationError(f"not JSON text: {e}") from None
    return structure(data, cls)
