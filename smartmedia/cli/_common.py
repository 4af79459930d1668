"""Options and helpers shared by the commands: the lab, a catalog, parsing values."""

from __future__ import annotations

import datetime as _dt
import re
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any, TypeVar

import click

from smartmedia.catalog import Catalog, SqliteCatalog
from smartmedia.cli._lab import PersistentLab
from smartmedia.errors import InvalidBarcode, InvalidMediumId, ValidationError
from smartmedia.model import Barcode, MediumId, SessionId

__all__ = [
    "DEFAULT_LAB",
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


_DURATION = re.compile(r"\s*(\d+(?:\.\d+)?)\s*(s|sec|m|min|h|d|w)?\s*", re.IGNORECASE)
_UNITS = {"s": 1, "sec": 1, "m": 60, "min": 60, "h": 3600, "d": 86400, "w": 604800}


def parse_duration(text: str, *, path: str = "duration") -> _dt.timedelta:
    """``90``, ``90s``, ``15m``, ``6h``, ``2d``, ``1w`` or sums like ``1h30m``."""
    total = 0.0
    rest = text.strip()
    if not rest:
        raise ValidationError("a duration cannot be empty", path=path)
    while rest:
        match = _DURATION.match(rest)
        if match is None or not match.group(0):
            raise ValidationError(
                f"{text!r} is not a duration (like 90s, 15m, 6h, 2d or 1h30m)", path=path
            )
        total += float(match.group(1)) * _UNITS[(match.group(2) or "s").lower()]
        rest = rest[match.end() :]
    return _dt.timedelta(seconds=total)
