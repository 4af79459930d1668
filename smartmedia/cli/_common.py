"""Options and helpers shared by the commands: the lab, a catalog, parsing values.

Every duration a command reads goes through :func:`parse_duration` (at most
:data:`MAX_DURATION`), every integer option through :class:`BoundedInt` (at most a
signed 64-bit integer, or the option's narrower range): a value out of range is a
one-line error and exit code 2, never an overflow deeper down.
"""

from __future__ import annotations

import datetime as _dt
import math
import re
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar

import click

from smartmedia.catalog import Catalog, SqliteCatalog
from smartmedia.cli._lab import PersistentLab
from smartmedia.errors import InvalidBarcode, InvalidMediumId, ValidationError, quote
from smartmedia.model import Barcode, MediumId, SessionId
from smartmedia.model._validators import INT64_MAX

__all__ = [
    "DEFAULT_LAB",
    "MAX_DURATION",
    "BoundedInt",
    "catalog_options",
    "lab_option",
    "open_catalog",
    "opened_lab",
    "parse_duration",
    "parse_media",
    "parse_sessions",
]

F = TypeVar("F", bound=Callable[..., Any])

#: The lab used when neither --lab nor $SMARTMEDIA_LAB names one.
DEFAULT_LAB = "smartmedia-lab"


def lab_option(function: F) -> F:
    """``--lab DIR`` (or ``$SMARTMEDIA_LAB``; default ``./smartmedia-lab``)."""
    return click.option(
        "--lab",
        "lab",
        envvar="SMARTMEDIA_LAB",
        default=DEFAULT_LAB,
        show_default=True,
        type=click.Path(file_okay=False, path_type=Path),
        help="The lab directory ($SMARTMEDIA_LAB).",
    )(function)


def catalog_options(function: F) -> F:
    """``--lab DIR`` or ``--catalog FILE``: where the catalog is."""
    function = click.option(
        "--catalog",
        "catalog_file",
        type=click.Path(dir_okay=False, path_type=Path),
        help="A catalog file (SQLite) instead of a lab's.",
    )(function)
    return lab_option(function)


@contextmanager
def opened_lab(path: Path) -> Iterator[PersistentLab]:
    """The lab in ``path``, saved and closed afterwards."""
    with PersistentLab.open(path) as plab:
        yield plab


@contextmanager
def open_catalog(
    lab: Path, catalog_file: Path | None, *, create: bool = False
) -> Iterator[Catalog]:
    """The catalog of ``--catalog`` if given, else the lab's."""
    if catalog_file is None:
        with opened_lab(lab) as plab:
            yield plab.lab.catalog
        return
    if not create and not catalog_file.is_file():
        raise ValidationError(f"no catalog file {catalog_file}", path="catalog")
    catalog = SqliteCatalog(str(catalog_file))
    try:
        yield catalog
    finally:
        catalog.close()


def parse_media(values: tuple[str, ...]) -> tuple[tuple[MediumId, ...], tuple[Barcode, ...]]:
    """Medium IDs and barcodes, told apart by their shape (an ID has colons)."""
    ids: list[MediumId] = []
    barcodes: list[Barcode] = []
    for i, value in enumerate(values):
        try:
            if ":" in value:
                ids.append(MediumId.parse(value))
            else:
                barcodes.append(Barcode.parse(value))
        except (InvalidMediumId, InvalidBarcode) as error:
            raise error.under(f"medium[{i}]") from None
    return tuple(ids), tuple(barcodes)


def parse_sessions(values: tuple[str, ...]) -> tuple[SessionId, ...]:
    found = []
    for i, value in enumerate(values):
        try:
            found.append(SessionId.parse(value))
        except ValidationError as error:
            raise error.under(f"session[{i}]") from None
    return tuple(found)


#: the longest duration a command accepts (a window, an age, an interval, a clock advance)
MAX_DURATION = _dt.timedelta(days=36525)

_DURATION = re.compile(r"\s*(\d+(?:\.\d+)?)\s*(s|sec|m|min|h|d|w)?\s*", re.IGNORECASE)
_UNITS = {"s": 1, "sec": 1, "m": 60, "min": 60, "h": 3600, "d": 86400, "w": 604800}


def parse_duration(
    text: str, *, path: str = "duration", maximum: _dt.timedelta = MAX_DURATION
) -> _dt.timedelta:
    """``90``, ``90s``, ``15m``, ``6h``, ``2d``, ``1w`` or sums like ``1h30m``.

    Raises :class:`ValidationError` (``path`` names the option) for text that is not a
    duration and for durations longer than ``maximum`` (100 years by default).
    """
    total = 0.0
    rest = text.strip()
    if not rest:
        raise ValidationError("a duration cannot be empty", path=path)
    while rest:
        match = _DURATION.match(rest)
        if match is None or not match.group(0):
            raise ValidationError(
                f"{quote(text)} is not a duration (like 90s, 15m, 6h, 2d or 1h30m)", path=path
            )
        total += float(match.group(1)) * _UNITS[(match.group(2) or "s").lower()]
        rest = rest[match.end() :]
    if not math.isfinite(total) or total > maximum.total_seconds():
        raise ValidationError(
            f"{quote(text)} is longer than {_describe(maximum)}, the longest accepted", path=path
        )
    return _dt.timedelta(seconds=total)


def _describe(duration: _dt.timedelta) -> str:
    if duration.days % 36525 == 0 and not duration.seconds:
        return f"{duration.days // 36525 * 100} years"
    return f"{duration.total_seconds():g} seconds"


if TYPE_CHECKING:  # click >= 8.2 types its parameter types; 8.1 cannot subscript them
    _IntType = click.ParamType[int, Any]
else:
    _IntType = click.ParamType


class BoundedInt(_IntType):
    """An integer option from ``minimum`` to ``maximum`` (default: a signed 64-bit integer).

    Unlike ``click.INT`` it reads at most 40 digits and quotes a bad value cut short, so
    a hostile value gives a one-line usage error (exit 2) whatever its size.
    """

    name = "integer"

    def __init__(self, minimum: int = -INT64_MAX - 1, maximum: int = INT64_MAX) -> None:
        self.minimum = minimum
        self.maximum = maximum

    def convert(self, value: Any, param: click.Parameter | None, ctx: click.Context | None) -> int:
        if isinstance(value, int) and not isinstance(value, bool):
            number = value
        elif isinstance(value, str) and re.fullmatch(r"\s*[+-]?\d{1,40}\s*", value):
            number = int(value)
        else:
            self.fail(f"{quote(value)} is not an integer", param, ctx)
        if not self.minimum <= number <= self.maximum:
            self.fail(
                f"{quote(number)} is not in the range {self.minimum} to {self.maximum}", param, ctx
            )
        return number

    def __repr__(self) -> str:
        return f"BoundedInt({self.minimum}, {self.maximum})"
