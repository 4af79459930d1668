"""``inspect``, ``verify`` and ``import``: media kept in files, read with the format alone.

IMAGE is a tape image file or a lab's cartridge file (``LAB/tapes/<barcode>.img``).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import click
from rich.console import Console

from smartmedia.catalog import import_medium
from smartmedia.cli._app import EXIT_FAILED, common, output
from smartmedia.cli._common import catalog_options, open_catalog
from smartmedia.cli._images import open_medium
from smartmedia.cli._output import size, table, when
from smartmedia.errors import DamagedMedium, MediumError
from smartmedia.format import (
    END_OF_DATA,
    MediumContents,
    MediumHeader,
    MediumKind,
    MediumReader,
    VerifyReport,
    identify,
)

__all__ = ["register"]

_IMAGE = click.Path(exists=True, dir_okay=False, path_type=Path)


def _reader(source: Any, path: Path) -> MediumReader:
    """Our reader on ``source``; a clear error naming what the medium is otherwise."""
    source.locate(0)
    try:
        first = source.read_block()
    except MediumError as error:
        raise DamagedMedium(
            f"{path} is not a readable smartmedia medium — its first block is damaged ({error})",
            block=0,
        ) from None
    found = identify(first if first is not None else END_OF_DATA)
    if found.kind is not MediumKind.SMARTMEDIA:
        detail = f": {found.detail}" if found.detail else ""
        kind = (
            "damaged (its medium header does not decode)"
            if found.kind is MediumKind.DAMAGED
            else found.kind.value
        )
        raise DamagedMedium(f"{path} is not a readable smartmedia medium — {kind}{detail}", block=0)
    return MediumReader(source)


def header_rows(header: MediumHeader) -> list[tuple[str, object]]:
    return [
        ("medium ID", str(header.medium_id)),
        ("label", header.label),
        ("barcode", str(header.barcode) if header.barcode else None),
        ("media type", header.media_type.value),
        ("pool", header.pool),
        ("created", when(header.created)),
        ("block size", size(header.block_size)),
        ("segment size", size(header.segment_size)),
        ("write count", header.write_count),
        ("copy of", str(header.original) if header.original else None),
        ("copy generation", header.copy_generation),
    ]


def _render_contents(console: Console, path: Path, contents: MediumContents) -> None:
    console.print(table(f"Medium in {path}", ["field", "value"], header_rows(contents.header)))
    console.print(
        table(
            "Sessions",
            ["session", "type", "specification", "span", "blocks", "status", "continues on"],
            [
                (
                    str(s.session),
                    s.start.type.value,
                    s.start.specification or None,
                    s.start.span,
                    f"{s.start_block}..{s.end_block if s.end_block is not None else '?'}",
                    s.end.status.value if s.end else "not closed here",
                    str(s.end.continues_on) if s.end and s.end.continues_on else None,
                )
                for s in contents.sessions
            ],
        )
    )
    console.print(
        table(
            "Objects",
            ["session", "#", "object", "blocks", "bytes", "whole"],
            [
                (
                    str(o.session),
                    o.index,
                    str(o.start.object) if o.start else "(start record damaged)",
                    f"{o.first_block}..{o.last_block}",
                    size(o.bytes),
                    "yes" if o.whole else "piece",
                )
                for o in contents.objects
            ],
        )
    )
    if contents.damaged:
        console.print(
            table(
                "Damage",
                ["block", "error", "field", "message"],
                [(d.block, d.error, d.field, d.message) for d in contents.damaged],
            )
        )
    state = (
        "closed" if contents.closed else "not closed (written to the end of data without a trailer)"
    )
    rebuilt = (
        f"; catalog segments rebuilt from blocks: {', '.join(map(str, contents.rebuilt_segments))}"
        if contents.rebuilt_segments
        else ""
    )
    console.print(f"The medium is {state}; {len(contents.damaged)} damaged blocks{rebuilt}.")


def _render_verify(console: Console, path: Path, report: VerifyReport) -> None:
    rows = [
        ("medium ID", str(report.medium_id)),
        ("blocks", report.blocks),
        ("data blocks", report.data_blocks),
        ("filemarks", report.filemarks),
        ("data", size(report.bytes)),
        ("sessions", report.sessions),
        ("objects", report.objects),
        ("closed", "yes" if report.complete else "no"),
        ("damaged blocks", len(report.damaged)),
        ("digest", f"crc32c:{report.digest:08x}"),
    ]
    console.print(table(f"Verify {path}", ["", ""], rows))
    if report.damaged:
        console.print(
            table(
                "Damage",
                ["block", "error", "field", "message"],
                [(d.block, d.error, d.field, d.message) for d in report.damaged],
            )
        )
    console.print(
        "[green]ok: every block checked[/green]"
        if report.ok
        else "[red]FAILED: the medium does not verify[/red]"
    )


@click.command()
@click.argument("image", type=_IMAGE)
@common
def inspect(image: Path) -> None:
    """Show what the medium in IMAGE holds: header, sessions, objects, damage.

    Reads the header and the catalog segments (rebuilding a damaged segment from its
    blocks); data payloads are checked by `verify`.
    """
    out = output()
    with open_medium(image) as source:
        contents = _reader(source, image).scan(full=True)
    out.result(
        {"image": str(image), "contents": contents},
        lambda console: _render_contents(console, image, contents),
    )
    if contents.damaged:
        raise click.exceptions.Exit(EXIT_FAILED)


@click.command()
@click.argument("image", type=_IMAGE)
@common
def verify(image: Path) -> None:
    """Read every block of IMAGE and check it; exit 1 if any is damaged or the medium
    was not closed."""
    out = output()
    with open_medium(image) as source:
        report = _reader(source, image).verify()
    out.result(
        {
            "image": str(image),
            "ok": report.ok,
            "digest_text": f"crc32c:{report.digest:08x}",
            "report": report,
        },
        lambda console: _render_verify(console, image, report),
    )
    if not report.ok:
        raise click.exceptions.Exit(EXIT_FAILED)


@click.command(name="import")
@click.argument("image", type=_IMAGE)
@catalog_options
@common
def import_(image: Path, lab: Path, catalog_file: Path | None) -> None:
    """Record in the catalog what the medium in IMAGE holds, read from the medium.

    A medium the catalog does not know is recorded with its sessions and objects
    (location unknown); importing a known medium again changes nothing.
    """
    out = output()
    with open_medium(image) as source, open_catalog(lab, catalog_file, create=True) as catalog:
        report = import_medium(catalog, _reader(source, image))
    rows = [
        ("medium", str(report.medium)),
        ("already known", "yes" if report.already_known else "no"),
        ("recorded as copy of", str(report.as_copy_of) if report.as_copy_of else None),
        ("pool added", report.pool_added),
        ("sessions added", ", ".join(map(str, report.sessions_added)) or None),
        ("versions added", len(report.versions_added)),
        ("positions added", len(report.positions_added)),
    ]

    def render(console: Console) -> None:
        console.print(table(f"Imported {image}", ["", ""], rows))
        for warning in report.warnings:
            console.print(f"warning: {warning}", markup=False)

    out.result({"image": str(image), "report": report}, render)


def register(group: click.Group) -> None:
    group.add_command(inspect)
    group.add_command(verify)
    group.add_command(import_)
