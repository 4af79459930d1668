"""The ``smartmedia`` command: a thin command line over the library.

``smartmedia demo`` runs the whole main path on a simulated site from nothing; the
other commands work on a persistent lab directory (``lab init``, ``backup``, ``plan``,
``copy``, ``schedule``, ``catalog``, ``restore``) or on tape image files (``inspect``,
``verify``, ``import``). Every command takes ``--json`` and ``--verbose``; exit codes
and output are described in ``docs/cli.md``.

The command line needs the ``cli`` extra (click, rich); they are imported only when
:func:`main` runs, so the library itself never needs them.
"""

from __future__ import annotations

from collections.abc import Sequence

__all__ = ["main"]


def main(argv: Sequence[str] | None = None) -> None:
    """Run the ``smartmedia`` command with ``argv`` (default: ``sys.argv[1:]``).

    Exits the process (:class:`SystemExit`) with the command's exit code.
    """
    try:
        from smartmedia.cli._app import app
    except ImportError as error:
        if error.name not in ("click", "rich"):
            raise
        import sys  # the cli extra is not installed

        name = error.name
        print(
            f"error: the smartmedia command needs the 'cli' extra ({name} is missing): "
            "pip install 'smartmedia[cli]'",
            file=sys.stderr,
        )
        raise SystemExit(2) from None
    app.main(args=None if argv is None else list(argv), prog_name="smartmedia")
