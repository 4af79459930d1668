"""Changes to pools, libraries and media: adding, updating, placing, allocating.

Invariants kept here (and re-checked by :func:`~smartmedia.catalog._check.check`):
a medium's pool exists and holds its media type; a copy's original is a recorded
original; a place in a library is an element the library has and holds one medium; a
barcode is at most once among the media of one library. Functions run inside the
caller's transaction (:meth:`Db.write`).
"""

from __future__ import annotations

from collections.abc import Callable

from smartmedia.catalog._codec import (
    MEDIUM_COLUMNS,
    POOL_COLUMNS,
    library_rows,
    location_columns,
    medium_row,
    pool_row,
)
from smartmedia.catalog._db import Db
from smartmedia.catalog._lookup import get_medium, get_pool, reserving_job
from smartmedia.catalog._values import Allocation
from smartmedia.errors import ConflictError, DuplicateEntity, UnknownEntity
from smartmedia.model import Barcode, Library, Location, MediaPool, Medium, MediumId

__all__ = [
    "add_library",
    "add_medium",
    "add_pool",
    "allocate",
    "check_medium",
    "check_place",
    "move_medium",
    "update_medium",
    "write_medium",
    "write_new_medium",
]

_ELEMENT_NAMES = {"slot": "slot", "drive": "drive", "mail_slot": "mail slot"}


def add_pool(db: Db, pool: MediaPool) -> None:
    if db.value("SELECT 1 FROM pools WHERE name = ?", (pool.name,)):
        raise DuplicateEntity(f"pool {pool.name!r} is already in the catalog")
    if pool.free_pool is not None:
        free = get_pool(db, pool.free_pool, f"free pool of {pool.name!r}")
        if free.media_type is not pool.media_type:
            raise ConflictError(
                f"free pool {free.name!r} holds {free.media_type.value} media, "
                f"pool {pool.name!r} {pool.media_type.value}"
            )
    db.run(f"INSERT INTO pools ({POOL_COLUMNS}) VALUES (?, ?, ?, ?, ?, ?, ?, ?)", pool_row(pool))


def add_library(db: Db, library: Library) -> None:
    if db.value("SELECT 1 FROM libraries WHERE name = ?", (library.name,)):
        raise DuplicateEntity(f"library {library.name!r} is already in the catalog")
    db.run(
        "INSERT INTO libraries (name, virtual, visible) VALUES (?, ?, ?)",
        (library.name, int(library.virtual), int(library.visible)),
    )
    db.many(
        "INSERT INTO elements (library, kind, ordinal, address, serial, generation) "
        "VALUES (?, ?, ?, ?, ?, ?)",
        [(library.name, *row) for row in library_rows(library)],
    )


def allocate(db: Db, pool_name: str, new_id: Callable[[], MediumId]) -> Allocation:
    """The next label of the pool (skipping labels in use) and a medium ID held by none."""
    pool = get_pool(db, pool_name)
    counter = int(db.value("SELECT counter FROM pools WHERE name = ?", (pool_name,)))
    while True:
        counter += 1
        label = pool.label_for(counter)
        if not db.value("SELECT 1 FROM media WHERE pool = ? AND label = ?", (pool_name, label)):
            break
    db.run("UPDATE pools SET counter = ? WHERE name = ?", (counter, pool_name))
    for _ in range(1000):
        medium_id = new_id()
        if not db.value("SELECT 1 FROM media WHERE id = ?", (str(medium_id),)):
            return Allocation(medium=medium_id, label=label, pool=pool_name, counter=counter)
    raise ConflictError("the medium ID generator keeps returning IDs already in the catalog")


def check_place(
    db: Db, medium_id: MediumId, location: Location, barcode: Barcode | None, where: str
) -> None:
    """Refuse a location that is not a free element of a recorded library, or a barcode
    that the library already holds on another medium."""
    if not location.is_in_library:
        return
    library = location.library
    visible = db.one("SELECT visible FROM libraries WHERE name = ?", (library,))
    if visible is None:
        raise UnknownEntity(f"{where}: library {library!r} is not in the catalog")
    kind = location.kind.value
    if not db.value(
        "SELECT 1 FROM elements WHERE library = ? AND kind = ? AND ordinal = ?",
        (library, kind, location.ordinal),
    ):
        raise UnknownEntity(
            f"{where}: library {library!r} has no {_ELEMENT_NAMES[kind]} {location.ordinal}"
        )
    holder = db.value(
        "SELECT id FROM media WHERE loc_library = ? AND loc_kind = ? AND loc_ordinal = ? "
        "AND id <> ?",
        (library, kind, location.ordinal, str(medium_id)),
    )
    if holder is not None:
        raise ConflictError(f"{where}: {location} already holds medium {holder}")
    if barcode is not None:
        twin = db.value(
            "SELECT id FROM media WHERE loc_library = ? AND barcode = ? AND id <> ?",
            (library, str(barcode), str(medium_id)),
        )
        if twin is not None:
            raise DuplicateEntity(
                f"{where}: barcode {barcode} is already in library {library!r} (medium {twin})"
            )


def check_medium(db: Db, medium: Medium, where: str) -> None:
    pool = get_pool(db, medium.pool, where)
    if pool.media_type is not medium.media_type:
        raise ConflictError(
            f"{where}: pool {pool.name!r} holds {pool.media_type.value} media, "
            f"not {medium.media_type.value}"
        )
    check_place(db, medium.id, medium.location, medium.barcode, where)
    if medium.original is not None:
        original = get_medium(db, medium.original, f"{where}: original")
        if original.is_copy:
            raise ConflictError(
                f"{where}: {medium.original} is itself a copy (of {original.original}); "
                "copies link to an original"
            )


_SET_MEDIUM = ", ".join(f"{c.strip()} = ?" for c in MEDIUM_COLUMNS.split(",")[1:])


def write_medium(db: Db, medium: Medium) -> None:
    """Overwrite the row of the recorded ``medium`` (no checks: callers check first)."""
    row = medium_row(medium)
    db.run(f"UPDATE media SET {_SET_MEDIUM} WHERE id = ?", (*row[1:], row[0]))


_MARKS = ", ".join("?" * len(MEDIUM_COLUMNS.split(",")))


def write_new_medium(db: Db, medium: Medium) -> None:
    """Insert the row of ``medium`` (no checks: callers check first)."""
    db.run(f"INSERT INTO media ({MEDIUM_COLUMNS}) VALUES ({_MARKS})", medium_row(medium))


def add_medium(db: Db, medium: Medium) -> None:
    where = f"medium {medium.id}"
    if db.value("SELECT 1 FROM media WHERE id = ?", (str(medium.id),)):
        raise DuplicateEntity(f"{where} is already in the catalog")
    check_medium(db, medium, where)
    write_new_medium(db, medium)


def update_medium(db: Db, medium: Medium) -> Medium:
    """Replace a medium's record; returns the record it replaced."""
    where = f"medium {medium.id}"
    old = get_medium(db, medium.id)
    job = reserving_job(db, medium.id)
    if job is not None:
        raise ConflictError(f"{where} is held by copy job {job}; complete or release the job first")
    if (old.original, old.copy_generation) != (medium.original, medium.copy_generation):
        raise ConflictError(
            f"{where}: the copy lineage changes only through copy jobs, promotion and "
            "recycling, not by updating the medium"
        )
    has_positions = db.value("SELECT 1 FROM positions WHERE medium = ?", (str(medium.id),))
    if has_positions and not medium.state.holds_data:
        raise ConflictError(
            f"{where} holds recorded object versions; it cannot become "
            f"{medium.state.value} (recycle it instead)"
        )
    if has_positions and (old.media_type, old.capacity) != (medium.media_type, medium.capacity):
        raise ConflictError(f"{where} holds data: its media type and capacity are fixed")
    check_medium(db, medium, where)
    write_medium(db, medium)
    return old


def move_medium(db: Db, medium_id: MediumId, location: Location) -> Medium:
    medium = get_medium(db, medium_id)
    check_place(db, medium_id, location, medium.barcode, f"moving medium {medium_id}")
    job = reserving_job(db, medium_id)
    if job is not None and not location.is_in_library:
        raise ConflictError(
            f"medium {medium_id} is held by copy job {job}; it cannot leave the library"
        )
    db.run(
        "UPDATE media SET loc_kind = ?, loc_library = ?, loc_ordinal = ?, loc_vault = ? "
        "WHERE id = ?",
        (*location_columns(location), str(medium_id)),
    )
    return get_medium(db, medium_id)
