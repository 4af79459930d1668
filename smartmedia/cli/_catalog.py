"""``catalog``: what the media database holds — media, sessions, copies — its integrity
check, and export to / import from JSON."""

from __future__ import annotations

import sys
from pathlib import Path

import click
from rich.console import Console

from smartmedia._fs import read_regular
from smartmedia.catalog import export_json, load_json
from smartmedia.cli._app import EXIT_FAILED, common, output
from smartmedia.cli._common import catalog_options, open_catalog
from smartmedia.cli._output import table
from smartmedia.cli._views import copies_table, media_table, sessions_table
from smartmedia.errors import ConflictError, ValidationError

__all__ = ["register"]

#: The largest catalog export `catalog import` reads.
EXPORT_LIMIT = 1 << 30


@click.group()
def catalog() -> None:
    """The media database: media, sessions, copies, check, export and import."""


@catalog.command()
@click.option("--pool", help="Only the media of this pool.")
@catalog_options
@common
def media(pool: str | None, lab: Path, catalog_file: Path | None) -> None:
    """Every medium, originals with their copies."""
    out = output()
    with open_catalog(lab, catalog_file) as db:
        if pool is not None:
            db.pool(pool)  # an unknown pool is an error, not an empty list
        found = db.media(pool=pool)
    out.result({"media": found}, lambda console: console.print(media_table(found, title="Media")))


@catalog.command()
@catalog_options
@common
def sessions(lab: Path, catalog_file: Path | None) -> None:
    """Every session: backups and copy runs, with trigger and status."""
    out = output()
    with open_catalog(lab, catalog_file) as db:
        found = db.sessions()
        versions = {str(s.id): db.object_versions(s.id) for s in found}

    def render(console: Console) -> None:
        console.print(sessions_table(found))
        rows = [
            (session, str(v.object), v.size, v.backup_time.isoformat(timespec="seconds"))
            for session, listed in versions.items()
            for v in listed
        ]
        if rows:
            console.print(
                table("Object versions", ["session", "object", "bytes", "backed up"], rows)
            )

    out.result({"sessions": found, "versions": versions}, render)


@catalog.command()
@catalog_options
@common
def copies(lab: Path, catalog_file: Path | None) -> None:
    """Every copy and the original it copies."""
    out = output()
    with open_catalog(lab, catalog_file) as db:
        found = db.media()
        records = [r for m in found if m.original is None for r in db.copies_of(m.id)]
        rendered = copies_table(db, found)
    out.result({"copies": records}, lambda console: console.print(rendered))


@catalog.command()
@catalog_options
@common
def check(lab: Path, catalog_file: Path | None) -> None:
    """Verify every invariant of the catalog; exit 1 if one is broken."""
    out = output()
    with open_catalog(lab, catalog_file) as db:
        report = db.check()
    out.result(
        {
            "ok": report.ok,
            "problems": report.problems,
            "media": report.media,
            "positions": report.positions,
        },
        lambda console: console.print(str(report), markup=False),
    )
    if not report.ok:
        raise click.exceptions.Exit(EXIT_FAILED)


@catalog.command(name="export")
@click.argument("file", required=False, type=click.Path(dir_okay=False, path_type=Path))
@catalog_options
@common
def export_(file: Path | None, lab: Path, catalog_file: Path | None) -> None:
    """Write the whole catalog as JSON to FILE (default: stdout)."""
    out = output()
    with open_catalog(lab, catalog_file) as db:
        text = export_json(db, indent=2)
        count = len(db.media())
    if file is None:
        sys.stdout.write(text + "\n")
        return
    file.write_text(text + "\n", encoding="utf-8")
    out.result(
        {"file": str(file), "media": count},
        lambda console: console.print(f"exported {count} media to {file}"),
    )


@catalog.command(name="import")
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option(
    "--catalog",
    "catalog_file",
    required=True,
    type=click.Path(dir_okay=False, path_type=Path),
    help="The new catalog file (SQLite) to fill; it must not exist or be empty.",
)
@common
def import_(file: Path, catalog_file: Path) -> None:
    """Fill a new catalog file from a JSON export (all of it or nothing)."""
    out = output()
    text = read_regular(file, what="catalog export", field="file", limit=EXPORT_LIMIT)
    with open_catalog(Path(), catalog_file, create=True) as db:
        if db.media() or db.sessions():
            raise ValidationError(
                f"{catalog_file} is not empty; import into a new catalog file", path="catalog"
            )
        try:
            load_json(db, text)
        except ConflictError as error:
            raise ValidationError(f"{catalog_file}: {error}", path="catalog") from None
        report = db.check()
        count = len(db.media())
    out.result(
        {"file": str(file), "catalog": str(catalog_file), "media": count, "ok": report.ok},
        lambda console: console.print(f"imported {count} media into {catalog_file}; {report}"),
    )
    if not report.ok:
        raise click.exceptions.Exit(EXIT_FAILED)


def register(group: click.Group) -> None:
    group.add_command(catalog)
