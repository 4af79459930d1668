"""``restore``: read object versions of a session back into files, from whichever copy
can be reached — bringing a physical copy out of the library behind the VLS through the
mail slots when the original cannot be read.

Files are written only inside ``--to DIR``, whatever hosts and mounts the catalog
holds: :mod:`smartmedia.cli._restorefiles` maps each object to a path below DIR and
writes it without following links.
"""

from __future__ import annotations

import fnmatch
from collections.abc import Callable
from pathlib import Path

import attrs
import click
from rich.console import Console

from smartmedia.cli._app import EXIT_FAILED, common, output
from smartmedia.cli._common import lab_option, opened_lab, parse_sessions
from smartmedia.cli._output import size, table, words
from smartmedia.cli._progress import bars
from smartmedia.cli._restorefiles import confined_file, restore_components
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
    root: Path | None = None,
    prefer: str = "auto",
    on_block: Callable[[int], None] | None = None,
) -> tuple[RestoreResult, list[Move]]:
    """Restore ``version`` into the file ``path`` from the best source it can reach.

    The first source (in the order of :func:`restore_sources`, or copies/originals first
    with ``prefer``) that is not missing is made readable — exported from the library
    behind the VLS, carried to a visible library, imported — and read. With ``root``
    (``path`` is then ``root`` joined with :func:`restore_components`), nothing below
    ``root`` is followed; without, ``path``'s directory is the caller's choice. Either
    way the data goes to a new temporary file beside ``path``, renamed over it only
    when the restore succeeded.
    """
    components: tuple[str, ...]
    if root is None:
        root, components = path.parent, (path.name,)
    else:
        try:
            components = path.relative_to(root).parts
        except ValueError:
            raise ValidationError(f"{path} is not below {root}", path="path") from None
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
    with confined_file(root, components) as file:

        def write(block: memoryview) -> object:
            if on_block is not None:
                on_block(len(block))
            return file.write(block)

        result = restore(site, version, write, sources=sources)
    return result, moves


def target_path(root: Path, version: ObjectVersion) -> Path:
    """Where a version is restored under ``root``: ``root/<host>/<mount parts>``, mapped
    as :func:`~smartmedia.cli._restorefiles.restore_components` says (always below
    ``root``)."""
    return root.joinpath(*restore_components(version))


def _reason(error: Exception) -> str:
    if isinstance(error, OSError) and error.strerror:
        where = f" ({error.filename})" if error.filename else ""
        return f"{error.strerror}{where}"
    return str(error)


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
    type=click.Path(file_okay=False),
    help="Restore into this directory, as <host>/<path> (never outside it).",
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
    target: str | None,
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
    if target == "":
        raise ValidationError("--to needs a directory, not an empty path", path="to")
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
        root = Path(target)
        done: list[Restored] = []
        failed: list[NotRestored] = []
        with bars(out) as progress:
            bar = progress.add("restoring", sum(v.size for v in versions))
            for version in versions:
                try:
                    path = target_path(root, version)
                    result, moves = restore_version(
                        site,
                        version,
                        path,
                        root=root,
                        prefer=prefer,
                        on_block=lambda n: progress.advance(bar, n),
                    )
                except (RestoreError, ValidationError, OSError) as error:
                    failed.append(NotRestored(version=version, error=_reason(error)))
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
