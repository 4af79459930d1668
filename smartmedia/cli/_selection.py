"""Options that describe what to copy (a :class:`Selection`) and how (a :class:`CopyPolicy`),
shared by ``plan``, ``copy`` and ``schedule add``."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar

import click

from smartmedia.cli._common import BoundedInt, parse_duration, parse_media, parse_sessions
from smartmedia.planning import AfterCopy, CopyPolicy, Selection

__all__ = ["make_policy", "make_selection", "policy_options", "selection_options"]

F = TypeVar("F", bound=Callable[..., Any])


def selection_options(function: F) -> F:
    options = [
        click.option(
            "--medium",
            "media",
            multiple=True,
            metavar="ID|BARCODE",
            help="Copy this medium (repeatable).",
        ),
        click.option(
            "--session",
            "sessions",
            multiple=True,
            metavar="SESSION",
            help="Copy the media this session wrote (repeatable).",
        ),
        click.option(
            "--pool", "pools", multiple=True, help="Only media of this pool (repeatable)."
        ),
        click.option(
            "--not-copied", is_flag=True, help="Only media with fewer copies than --copies."
        ),
        click.option(
            "--older-than",
            metavar="DURATION",
            help="Only media last written at least this long ago (e.g. 12h).",
        ),
        click.option(
            "--label", "label_pattern", metavar="GLOB", help="Only media whose label matches."
        ),
        click.option(
            "--object",
            "objects",
            multiple=True,
            metavar="GLOB",
            help="Only media holding an object host:mount matching (repeatable).",
        ),
    ]
    for option in reversed(options):
        function = option(function)
    return function


def policy_options(function: F) -> F:
    options = [
        click.option(
            "--target-pool", default="Vault", show_default=True, help="Pool of the physical copies."
        ),
        click.option(
            "--copies",
            type=BoundedInt(1, 16),
            default=1,
            show_default=True,
            help="Copies of each medium.",
        ),
        click.option(
            "--after",
            type=click.Choice([a.value for a in AfterCopy]),
            default="stay",
            show_default=True,
            help="Where a copy goes once made.",
        ),
        click.option("--vault", help="Vault name (with --after vault)."),
        click.option("--max-drives", type=BoundedInt(1, 256), help="Use at most this many drives."),
        click.option(
            "--window", metavar="DURATION", help="Plan only copies that end within this time."
        ),
        click.option(
            "--no-spanning", is_flag=True, help="Refuse copies that need more than one target."
        ),
    ]
    for option in reversed(options):
        function = option(function)
    return function


def make_selection(
    *,
    media: tuple[str, ...],
    sessions: tuple[str, ...],
    pools: tuple[str, ...],
    not_copied: bool,
    older_than: str | None,
    label_pattern: str | None,
    objects: tuple[str, ...],
    copies: int = 1,
) -> Selection:
    ids, barcodes = parse_media(media)
    return Selection(
        media=ids,
        barcodes=barcodes,
        sessions=parse_sessions(sessions),
        pools=pools,
        objects=objects,
        fewer_copies_than=copies if not_copied else None,
        min_age=None if older_than is None else parse_duration(older_than, path="older_than"),
        label_pattern=label_pattern,
    )


def make_policy(
    *,
    target_pool: str,
    copies: int,
    after: str,
    vault: str | None,
    max_drives: int | None,
    window: str | None,
    no_spanning: bool,
) -> CopyPolicy:
    return CopyPolicy(
        target_pool=target_pool,
        copies=copies,
        after_copy=AfterCopy(after),
        vault=vault,
        max_drives=max_drives,
        window=None if window is None else parse_duration(window, path="window"),
        allow_spanning=not no_spanning,
    )


def split(options: dict[str, Any]) -> tuple[Selection, CopyPolicy]:
    """The selection and the policy of a command's keyword arguments (consumed)."""
    policy = make_policy(
        target_pool=options.pop("target_pool"),
        copies=options.pop("copies"),
        after=options.pop("after"),
        vault=options.pop("vault"),
        max_drives=options.pop("max_drives"),
        window=options.pop("window"),
        no_spanning=options.pop("no_spanning"),
    )
    selection = make_selection(
        media=options.pop("media"),
        sessions=options.pop("sessions"),
        pools=options.pop("pools"),
        not_copied=options.pop("not_copied"),
        older_than=options.pop("older_than"),
        label_pattern=options.pop("label_pattern"),
        objects=options.pop("objects"),
        copies=policy.copies,
    )
    return selection, policy
