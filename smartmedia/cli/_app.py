"""The click application: the command group, shared options, errors and exit codes.

Exit codes (``docs/cli.md``): 0 — done; 1 — the operation ran and failed (a copy
failed, a medium did not verify, the catalog check found problems, a device error);
2 — the command was used wrongly or given bad input (click's usage errors, a missing
lab, a bad barcode, a file that is not a tape image). Errors of the library are printed
as one line, ``error: ...``, on stderr; ``--verbose`` adds the traceback to the log.
"""

from __future__ import annotations

import logging
import sys
from collections.abc import Callable
from typing import Any, TypeVar

import click

from smartmedia.cli._output import Output
from smartmedia.errors import (
    CatalogError,
    ConflictError,
    FormatError,
    SmartMediaError,
    ValidationError,
)

__all__ = ["EXIT_FAILED", "EXIT_OK", "EXIT_USAGE", "app", "common", "output"]

EXIT_OK = 0
EXIT_FAILED = 1
EXIT_USAGE = 2

log = logging.getLogger("smartmedia.cli")
logging.getLogger("smartmedia").addHandler(logging.NullHandler())

F = TypeVar("F", bound=Callable[..., Any])


def output() -> Output:
    """The output settings of the running command."""
    context = click.get_current_context()
    found = context.find_object(Output)
    if found is None:
        found = context.ensure_object(Output)
    return found


def _set_json(context: click.Context, _: click.Parameter, value: bool) -> None:
    if value:
        context.ensure_object(Output).json = True


def _set_verbose(context: click.Context, _: click.Parameter, value: int) -> None:
    if not value:
        return
    out = context.ensure_object(Output)
    out.verbose = max(out.verbose, value)
    level = logging.DEBUG if out.verbose > 1 else logging.INFO
    root = logging.getLogger("smartmedia")
    _quiet()
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(logging.Formatter("%(levelname)s %(name)s: %(message)s"))
    handler._smartmedia_cli = True  # type: ignore[attr-defined]
    root.addHandler(handler)
    root.setLevel(level)


def _quiet() -> None:
    """Remove the log handler a ``--verbose`` command installed."""
    root = logging.getLogger("smartmedia")
    for handler in [h for h in root.handlers if getattr(h, "_smartmedia_cli", False)]:
        root.removeHandler(handler)
    root.setLevel(logging.NOTSET)


def common(function: F) -> F:
    """``--json`` and ``--verbose``, accepted by every command."""
    function = click.option(
        "-v",
        "--verbose",
        count=True,
        expose_value=False,
        is_eager=True,
        callback=_set_verbose,
        help="Log what happens to stderr (-vv for more).",
    )(function)
    return click.option(
        "--json",
        "as_json",
        is_flag=True,
        expose_value=False,
        is_eager=True,
        callback=_set_json,
        help="Print the result as one JSON document.",
    )(function)


def exit_code(error: BaseException) -> int:
    """The exit code for an error of the library (see the module docstring)."""
    if isinstance(error, ConflictError):
        return EXIT_FAILED
    if isinstance(error, ValidationError | FormatError | CatalogError | OSError):
        return EXIT_USAGE
    return EXIT_FAILED


def describe(error: BaseException) -> str:
    """One line saying what went wrong."""
    if isinstance(error, OSError) and error.strerror:
        where = f"{error.filename}: " if error.filename else ""
        return f"{where}{error.strerror}"
    return " ".join(str(error).split()) or type(error).__name__


class _Group(click.Group):
    """Turns the library's errors into one line and an exit code; no tracebacks."""

    def invoke(self, ctx: click.Context) -> Any:
        try:
            return super().invoke(ctx)
        except (click.exceptions.Exit, click.ClickException, click.Abort):
            raise
        except (SmartMediaError, OSError) as error:
            log.debug("the command failed", exc_info=True)
            click.echo(f"error: {describe(error)}", err=True)
            ctx.exit(exit_code(error))
        except KeyboardInterrupt:
            click.echo("error: interrupted", err=True)
            ctx.exit(130)
        finally:
            _quiet()


@click.group(cls=_Group, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(package_name="smartmedia", prog_name="smartmedia")
@common
def app() -> None:
    """Smart media copying: back up to virtual tapes, copy them onto physical tapes as
    distinct, verified media, and restore from either copy.

    Start with `smartmedia demo`. The other commands work on a lab directory (--lab,
    or $SMARTMEDIA_LAB) or on tape image files.
    """


def _register() -> None:
    from smartmedia.cli import (
        _backupcmd,
        _catalog,
        _copycmd,
        _demo,
        _files,
        _labcmd,
        _restorecmd,
        _schedule,
    )

    for module in (
        _demo,
        _labcmd,
        _backupcmd,
        _copycmd,
        _schedule,
        _restorecmd,
        _catalog,
        _files,
    ):
        module.register(app)


_register()
