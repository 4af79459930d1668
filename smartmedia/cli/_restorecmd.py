"""``restore``: read object versions of a session back into files, from whichever copy
can be reached — bringing a physical copy out of the library behind the VLS through the
mail slots when the original cannot be read."""

from __future__ import annotations

import fnmatch
from collections.abc import Callable
from pathlib import Path, PurePosixPath

import attrs
import click
from rich.console import Console

from smartmedia.cli._app import EXIT_FAILED, common, output
from smartmedia.cli._common import lab_option, opened_lab, parse_sessions
from smartmedia.cli._output import size, table, words
from smartmedia.cli._progress import bars
from smartmedia.copying import (
    Move,
    RestoreError,
    RestoreResult,
    RestoreSource,
    Site,
    SourceRank,
    prepare_restore,
    restore,
    restore_sources,
)
from smartmedia.errors import ValidationError
from smartmedia.model import ObjectVersion

__all__ = ["register", "restore_version", "target_path"]


@attrs.frozen(kw_only=True)
class Restored:
    """One version restored: into which file, read from which media, after which moves."""

    path: str
    result: RestoreResult
    moves: tuple[Move, ...]
    media: tuple[str, ...]


@attrs.frozen(kw_only=True)
class NotRestored:
    version: ObjectVersion
    error: str


def _ordered(sources: list[RestoreSource], prefer: str) -> list[RestoreSource]:
    if prefer == "auto":
        return sources
    want_copy = prefer == "copy"
    # a stable sort: the library's order (readable first...) within each group
    return sorted(sources, key=lambda s: (s.rank is SourceRank.MISSING, s.is_copy != want_copy))


def restore_version(
    site: Site,
    version: ObjectVersion,
    path: Path,
    *,
    prefer: str = "auto",
    on_block: Callable[[int], None] | None = None,
) -> tuple[RestoreResult, list[Move]]:
    """Restore ``version`` into the file ``path`` from the best source it can reach.

    The first source (in the order of :func:`restore_sources`, or copies/originals first
    with ``prefer``) that is not missing is made readable — exported from the library
    behind the VLS, carried to a visible library, imported — and read.
    """
    sources = _ordered(restore_sources(site, version), prefer)
    chosen = next((s for s in sources if s.rank is not SourceRank.MISSING), None)
    if chosen is None:
        reasons = (
            "; ".join(f"{s.medium.label}: {s.reason}" for s in sources) or "no medium holds it"
        )
        raise RestoreError(
            f"no medium holding {version.object} can be reached ({reasons})", version=version
        )
    moves: list[Move] = []
    if chosen.rank is not SourceRank.READABLE:
        moves = prepare_restore(site, chosen)
        sources = _ordered(restore_sources(site, version), prefer)
    path.parent.mkdir(parents=True, exist_ok=True)
    partial = path.with_name(path.name + ".partial")
    with partial.open("wb") as file:

        def write(block: memoryview) -> object:
            if on_block is not None:
                on_block(len(block))
            return file.write(block)

        result = restore(site, version, write, sources=sources)
    partial.replace(path)
    return result, moves


def target_path(root: Path, version: ObjectVersion) -> Path:
    """Where a version is restored under ``root``: ``root/<host>/<mount>``."""
    parts = [p for p in PurePosixPath(version.object.mount).parts if p not in ("/", "..", ".")]
    return root.joinpath(version.object.host, *parts)


def _matches(version: ObjectVersion, patterns: tuple[str, ...]) -> bool:
    if not patterns:
        return True
    name = f"{version.object.host}:{version.object.mount}"
    return any(
        fnmatch.fnmatchcase(name, p) or fnmatch.fnmatchcase(version.object.mount, p)
        for p in patterns
    )


def _render_sources(
    console: Console, listed: list[tuple[ObjectVersion, list[RestoreSource]]]
) -> None:
    for version, sources in listed:
        console.print(
            table(
                str(version.object),
                ["medium", "barcode", "copy", "rank", "spans", "where"],
                [
                    (
                        s.medium.label,
                        str(s.medium.barcode) if s.medium.barcode else None,
                        "copy" if s.is_copy else "original",
                        words(s.rank.value),
                        ", ".join(map(str, s.spans)),
                        s.reason,
                    )
                    for s in sources
                ],
            )
        )


@click.command(name="restore")
@click.argument("session")
@click.option(
    "--object",
    "objects",
    multiple=True,
    metavar="GLOB",
    help="Only objects whose host:mount (or mount) matches (repeatable).",
)
@click.option(
    "--to",
    "target",
    type=click.Path(file_okay=False, path_type=Path),
    help="Restore into this directory, as <host>/<path>.",
)
@click.option(
    "--prefer",
    type=click.Choice(["auto", "copy", "original"]),
    default="auto",
    show_default=True,
    help="Which media to read first.",
)
@click.option(
    "--sources",
    "list_sources",
    is_flag=True,
    help="Only list the media each object could be restored from.",
)
@lab_option
@common
def restore_(
    *,
    session: str,
    objects: tuple[str, ...],
    target: Path | None,
    prefer: str,
    list_sources: bool,
    lab: Path,
) -> None:
    """Restore the objects backed up in SESSION into --to DIR.

    Reads from the original when it can, otherwise from a copy; a physical copy is
    first exported from the library behind the VLS, carried to the Restore library
    and imported there. Every block is checked; exit 1 if an object could not be
    restored whole.
    """
    out = output()
    (session_id,) = parse_sessions((session,))
    if target is None and not list_sources:
        raise click.UsageError("give --to DIR (or --sources to list where the data is)")
    with opened_lab(lab) as plab:
        site = plab.lab.site
        versions = [v for v in site.catalog.object_versions(session_id) if _matches(v, objects)]
        if not versions:
            raise ValidationError(
                f"session {session_id} holds no object matching {objects}", path="object"
            )
        if list_sources:
            listed = [(v, restore_sources(site, v)) for v in versions]
            out.result(
                {"sources": [{"version": v, "sources": s} for v, s in listed]},
                lambda console: _render_sources(console, listed),
            )
            return
        assert target is not None
        done: list[Restored] = []
        failed: list[NotRestored] = []
        with bars(out) as progress:
            bar = progress.add("restoring", sum(v.size for v in versions))
            for version in versions:
                path = target_path(target, version)
                try:
                    result, moves = restore_version(
                        site,
                        version,
                        path,
                        prefer=prefer,
                        on_block=lambda n: progress.advance(bar, n),
                    )
                except RestoreError as error:
                    failed.append(NotRestored(version=version, error=str(error)))
                    continue
                labels = tuple(site.catalog.medium(m).label for m in result.media)
                done.append(
                    Restored(path=str(path), result=result, moves=tuple(moves), media=labels)
                )

    def render(console: Console) -> None:
        console.print(
            table(
                f"Restored from session {session_id} into {target}",
                ["object", "file", "bytes", "read from", "moves"],
                [
                    (
                        str(d.result.version.object),
                        d.path,
                        size(d.result.bytes),
                        ", ".join(dict.fromkeys(d.media)),
                        "; ".join(
                            f"{m.barcode} {m.origin} → {m.destination} ({m.by.value})"
                            for m in d.moves
                        )
                        or None,
                    )
                    for d in done
                ],
            )
        )
        for f in failed:
            console.print(f"not restored: {f.version} — {f.error}", markup=False)

    out.result({"ok": not failed, "restored": done, "failed": failed}, render)
    if failed:
        raise click.exceptions.Exit(EXIT_FAILED)


def register(group: click.Group) -> None:
    group.add_command(restore_)
