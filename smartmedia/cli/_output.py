"""What commands print: rich tables for people, one JSON document for programs.

Every command builds its result once, as plain data (values of the library are turned
into JSON by the library's converter), and either prints it as JSON (``--json``) or
renders it for a terminal. Diagnostics and progress go to stderr, so ``--json`` output
on stdout is always one parseable document.
"""

from __future__ import annotations

import datetime as _dt
import json
import logging
import os
import sys
from collections.abc import Callable, Iterable, Mapping, Sequence
from typing import Any

import attrs
from rich.console import Console
from rich.table import Table

from smartmedia.serialization import unstructure

__all__ = [
    "Output",
    "duration",
    "plural",
    "size",
    "table",
    "when",
    "words",
]

log = logging.getLogger("smartmedia.cli")


def size(count: int | float) -> str:
    """``count`` bytes in decimal units: ``2.0 MB``."""
    value = float(count)
    for unit in ("B", "kB", "MB", "GB", "TB", "PB"):
        if abs(value) < 1000 or unit == "PB":
            return f"{int(value)} B" if unit == "B" else f"{value:.1f} {unit}"
        value /= 1000
    raise AssertionError("unreachable")


def duration(seconds: float) -> str:
    """A duration for people: ``850 ms``, ``12.3 s``, ``4 min 05 s``, ``2 h 07 min``."""
    if seconds < 1:
        return f"{seconds * 1000:.0f} ms"
    if seconds < 60:
        return f"{seconds:.1f} s"
    minutes, secs = divmod(round(seconds), 60)
    if minutes < 60:
        return f"{minutes} min {secs:02d} s"
    hours, minutes = divmod(minutes, 60)
    if hours < 48:
        return f"{hours} h {minutes:02d} min"
    days, hours = divmod(hours, 24)
    return f"{days} d {hours:02d} h"


def when(moment: _dt.datetime | None) -> str:
    """A time for people, in UTC to the second."""
    if moment is None:
        return "-"
    return moment.astimezone(_dt.timezone.utc).strftime("%Y-%m-%d %H:%M:%S")


def table(title: str | None, columns: Sequence[str], rows: Iterable[Sequence[object]]) -> Table:
    """A rich table; numbers right-aligned, ``None`` shown as ``-``."""
    made = Table(title=title, title_justify="left", title_style="bold", show_lines=False)
    rows = [list(r) for r in rows]
    for index, name in enumerate(columns):
        numeric = bool(rows) and all(
            isinstance(r[index], int | float) and not isinstance(r[index], bool) for r in rows
        )
        made.add_column(name, justify="right" if numeric else "left", overflow="fold")
    for row in rows:
        made.add_row(*("-" if cell is None else str(cell) for cell in row))
    return made


def _width() -> int | None:
    """Rich's own choice on a terminal or with $COLUMNS; 120 columns into a pipe or file."""
    if sys.stdout.isatty() or os.environ.get("COLUMNS"):
        return None
    return 120


def words(value: str) -> str:
    """An enumeration value for people: ``non_appendable`` -> ``non-appendable``."""
    return value.replace("_", "-")


def plural(count: int, noun: str) -> str:
    """``1 copy``, ``2 copies``, ``3 files``."""
    if count == 1:
        return f"{count} {noun}"
    return f"{count} {noun[:-1]}ies" if noun.endswith("y") else f"{count} {noun}s"


def plain(value: object) -> Any:
    """``value`` as JSON-ready data, through the library's converter."""
    return unstructure(value)


@attrs.define
class Output:
    """Where one invocation prints: ``json`` or not, and its consoles."""

    json: bool = False
    verbose: int = 0
    console: Console = attrs.field(factory=lambda: Console(highlight=False, width=_width()))
    errors: Console = attrs.field(factory=lambda: Console(stderr=True, highlight=False))

    def result(
        self, data: Mapping[str, object], render: Callable[[Console], None] | None = None
    ) -> None:
        """Print a command's result: ``data`` as one JSON document, or ``render`` it."""
        if self.json or render is None:
            sys.stdout.write(json.dumps(plain(dict(data)), indent=2) + "\n")
            sys.stdout.flush()
            return
        render(self.console)

    def note(self, text: str) -> None:
        """A line for people on stderr (not in ``--json`` mode, which stays quiet)."""
        if self.json:
            log.info(text)
        else:
            self.errors.print(text, markup=False, highlight=False)

    @property
    def interactive(self) -> bool:
        """Progress bars make sense: stderr is a terminal and the output is for people."""
        return not self.json and self.errors.is_terminal
