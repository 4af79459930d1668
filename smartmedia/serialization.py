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
* integers fit a signed 64-bit integer (the catalog stores them so) and numbers are
  finite: ``NaN`` and infinities are refused;
* every problem in a document is reported at once, as a
  :class:`~smartmedia.errors.ValidationError` whose problems carry paths such as
  ``media[3].barcode``.

Every JSON document the library reads goes through :func:`loads_document`, which turns
any hostile text into a :class:`~smartmedia.errors.ValidationError` naming the document
(never ``RecursionError``, ``MemoryError`` or a ``ValueError`` of :mod:`json`): it refuses
nesting deeper than :data:`MAX_JSON_DEPTH` (checked before parsing, since the parser
recurses), integers of more than :data:`MAX_JSON_INT_DIGITS` digits, ``NaN`` and
``Infinity``, numbers that overflow a float, keys given twice in one object, text that
is not UTF-8, lone surrogates and documents larger than :data:`MAX_JSON_BYTES`.

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
import itertools
import json
import math
import re
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

from smartmedia.errors import Problem, ValidationError, quote
from smartmedia.model import TextValue
from smartmedia.model._validators import check_int64

__all__ = [
    "MAX_JSON_BYTES",
    "MAX_JSON_DEPTH",
    "MAX_JSON_INT_DIGITS",
    "converter",
    "from_json",
    "loads_document",
    "make_converter",
    "structure",
    "to_json",
    "unstructure",
]

#: the deepest nesting of arrays and objects a document may have (ours need about 8)
MAX_JSON_DEPTH = 64
#: the most digits an integer of a document may have (any int64 has at most 19)
MAX_JSON_INT_DIGITS = 40
#: the largest document read, in bytes (for text: characters)
MAX_JSON_BYTES = 1 << 30

T = TypeVar("T")


def _is_text_value(cls: Any) -> bool:
    return isinstance(cls, type) and issubclass(cls, TextValue)


def _is_enum(cls: Any) -> bool:
    return isinstance(cls, type) and issubclass(cls, enum.Enum)


def _expect(value: object, kind: type, name: str) -> None:
    if not isinstance(value, kind) or (isinstance(value, bool) and kind is not bool):
        raise ValidationError(f"expected {name}, got {type(value).__name__} {quote(value)}")


def _structure_int(value: object, _: type) -> int:
    _expect(value, int, "an integer")
    assert isinstance(value, int)
    check_int64(value)
    return value


def _structure_float(value: object, _: type) -> float:
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise ValidationError(f"expected a number, got {type(value).__name__} {quote(value)}")
    try:
        number = float(value)
    except OverflowError:
        number = math.inf
    if not math.isfinite(number):
        raise ValidationError(f"{quote(value)} is not a finite number")
    return number


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
        raise ValidationError(f"{quote(value)} is not an ISO 8601 date and time") from None
    if parsed.tzinfo is None:
        raise ValidationError(f"{quote(value)} has no UTC offset")
    return parsed


def _structure_date(value: object, _: type) -> _dt.date:
    _expect(value, str, "a date (YYYY-MM-DD)")
    assert isinstance(value, str)
    try:
        if len(value) != 10:
            raise ValueError(value)
        return _dt.date.fromisoformat(value)
    except ValueError:
        raise ValidationError(f"{quote(value)} is not a date (YYYY-MM-DD)") from None


def _structure_timedelta(value: object, _: type) -> _dt.timedelta:
    seconds = _structure_float(value, float)
    try:
        return _dt.timedelta(seconds=seconds)
    except OverflowError:
        raise ValidationError(f"{quote(value)} seconds is out of range") from None


def _structure_bytes(value: object, _: type) -> bytes:
    _expect(value, str, "base64 text")
    assert isinstance(value, str)
    try:
        return base64.b64decode(value, validate=True)
    except binascii.Error:
        raise ValidationError(f"{quote(value, limit=40)} is not base64 text") from None


def _structure_text_value(value: object, cls: type[TextValue]) -> TextValue:
    return cls.parse(value)


def _structure_enum(value: object, cls: type[enum.Enum]) -> enum.Enum:
    try:
        return cls(value)
    except ValueError:
        allowed = ", ".join(repr(m.value) for m in cls)
        raise ValidationError(
            f"{quote(value)} is not a {cls.__name__} (one of {allowed})"
        ) from None


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


def from_json(text: str | bytes, cls: type[T], *, what: str = "the document") -> T:
    """The value of type ``cls`` that the JSON ``text`` describes.

    ``what`` names the document in errors (``"copy plan"``). Raises
    :class:`~smartmedia.errors.ValidationError` for text that :func:`loads_document`
    refuses and for every problem with the document, with paths.
    """
    return structure(loads_document(text, what=what), cls)


# ------------------------------------------------------------------------ reading JSON


class _Refused(Exception):
    """A parser hook found something a document may not hold."""


_STRING = re.compile(r'"[^"\\]*(?:\\.[^"\\]*)*"', re.DOTALL)
_NOT_BRACKET = re.compile(r"[^\[\]{}]+")
_STEP = {"[": 1, "{": 1, "]": -1, "}": -1}
# an escaped surrogate (\ud800-\udfff) in JSON text, and a surrogate in parsed text: a
# valid pair of escapes parses into one character, a lone one stays and must be refused
_ESCAPED_SURROGATE = re.compile(r"\\u[dD][89a-fA-F]")
_RAW_SURROGATE = re.compile(r"[\ud800-\udfff]")


def _depth(text: str) -> int:
    """The deepest nesting of brackets outside strings, at C speed (no parser recursion)."""
    brackets = _NOT_BRACKET.sub("", _STRING.sub("", text))
    if not brackets:
        return 0
    return max(itertools.accumulate(map(_STEP.__getitem__, brackets)))


def _int(digits: str) -> int:
    count = len(digits) - digits.startswith("-")
    if count > MAX_JSON_INT_DIGITS:
        raise _Refused(f"an integer of {count} digits (at most {MAX_JSON_INT_DIGITS})")
    return int(digits)


def _float(text: str) -> float:
    number = float(text)
    if not math.isfinite(number):
        raise _Refused(f"the number {quote(text)} is too large for a float")
    return number


def _constant(name: str) -> float:
    raise _Refused(f"{name} is not a number JSON allows")


def _object(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    found = dict(pairs)
    if len(found) != len(pairs):
        seen: set[str] = set()
        for key, _ in pairs:
            if key in seen:
                raise _Refused(f"the key {quote(key)} appears twice in one object")
            seen.add(key)
    return found


def _lone_surrogate(data: object, path: str) -> str | None:
    """The path of the first text with a lone surrogate in parsed ``data``, if any."""
    if isinstance(data, str):
        return path if _RAW_SURROGATE.search(data) else None
    if isinstance(data, list):
        for i, item in enumerate(data):
            found = _lone_surrogate(item, f"{path}[{i}]")
            if found is not None:
                return found
    if isinstance(data, dict):
        for key, item in data.items():
            inner = f"{path}.{key}" if path else key
            if _RAW_SURROGATE.search(key):
                return inner
            found = _lone_surrogate(item, inner)
            if found is not None:
                return found
    return None


def loads_document(text: str | bytes, *, what: str, max_bytes: int = MAX_JSON_BYTES) -> Any:
    """The plain data of the JSON document ``text`` (UTF-8 if bytes); ``what`` names it.

    The one way the library reads JSON. Refuses, with a
    :class:`~smartmedia.errors.ValidationError` that names ``what`` and the problem:
    text that is not JSON or not UTF-8, documents longer than ``max_bytes``, nesting
    deeper than :data:`MAX_JSON_DEPTH`, integers of more than
    :data:`MAX_JSON_INT_DIGITS` digits (a typed field then checks its own range, with
    its path), ``NaN``, ``Infinity`` and numbers beyond a float, a key twice in one
    object, and lone surrogates (text that cannot be stored or printed).
    """
    raw_surrogates = False
    if isinstance(text, bytes | bytearray | memoryview):
        raw = bytes(text)
        if len(raw) > max_bytes:
            raise ValidationError(f"{what} is larger than {max_bytes} bytes")
        try:
            text = raw.decode("utf-8")
        except UnicodeDecodeError as e:
            raise ValidationError(f"{what} is not JSON: not UTF-8 text at byte {e.start}") from None
    elif not isinstance(text, str):
        raise ValidationError(f"{what} is not JSON text: got {type(text).__name__}")
    elif len(text) > max_bytes:
        raise ValidationError(f"{what} is larger than {max_bytes} characters")
    else:
        try:
            text.encode("utf-8")
        except UnicodeEncodeError:
            raw_surrogates = True
    try:
        depth = _depth(text)
        if depth > MAX_JSON_DEPTH:
            raise ValidationError(
                f"{what} is nested {depth} levels deep (at most {MAX_JSON_DEPTH})"
            )
        data = json.loads(
            text,
            object_pairs_hook=_object,
            parse_int=_int,
            parse_float=_float,
            parse_constant=_constant,
        )
    except json.JSONDecodeError as e:
        raise ValidationError(
            f"{what} is not JSON: {e.msg} at line {e.lineno} column {e.colno}"
        ) from None
    except _Refused as e:
        raise ValidationError(f"{what} is refused: {e}") from None
    except RecursionError:  # cannot happen below MAX_JSON_DEPTH; kept as a last guard
        raise ValidationError(f"{what} is nested too deeply") from None
    except MemoryError:
        raise ValidationError(f"{what} is too large to read") from None
    if raw_surrogates or _ESCAPED_SURROGATE.search(text):
        where = _lone_surrogate(data, "")
        if where is not None:
            raise ValidationError(
                f"{what} is refused: text with a lone surrogate (not a Unicode character)",
                path=where,
            )
    return data
