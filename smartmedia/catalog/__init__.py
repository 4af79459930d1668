"""The media database: which media exist, what is on them, which is a copy of which, where.

:class:`SqliteCatalog` is the embedded implementation of the :class:`Catalog` protocol
(read-only users such as the planner take a :class:`CatalogView`). Every change is one
SQLite transaction that commits whole or not at all; a copy is recorded only once it
is verified; :meth:`Catalog.check` verifies the invariants the catalog promises. The
whole catalog exports to one value, :class:`CatalogExport`, which the library's
converter writes as JSON (:func:`export_json`, :func:`load_json`). :func:`import_medium`
records what a medium holds, read from the medium itself. See
``docs/catalog.md``.
"""

from smartmedia.catalog._export import (
    EXPORT_FORMAT,
    CatalogExport,
    PoolCounter,
)
from smartmedia.catalog._export import from_json as _from_json
from smartmedia.catalog._export import to_json as _to_json
from smartmedia.catalog._import import import_medium
from smartmedia.catalog._protocol import Catalog, CatalogView
from smartmedia.catalog._schema import SCHEMA_VERSION
from smartmedia.catalog._sqlite import SqliteCatalog
from smartmedia.catalog._values import (
    COPY_JOB_TRANSITIONS,
    Allocation,
    CheckReport,
    CopyJob,
    CopyJobState,
    CopyRecord,
    ImportReport,
    Position,
    RecycleResult,
    RestoreCandidate,
)

__all__ = [
    "COPY_JOB_TRANSITIONS",
    "EXPORT_FORMAT",
    "SCHEMA_VERSION",
    "Allocation",
    "Catalog",
    "CatalogExport",
    "CatalogView",
    "CheckReport",
    "CopyJob",
    "CopyJobState",
    "CopyRecord",
    "ImportReport",
    "PoolCounter",
    "Position",
    "RecycleResult",
    "RestoreCandidate",
    "SqliteCatalog",
    "export_json",
    "import_medium",
    "load_json",
]


def export_json(catalog: CatalogView, *, indent: int | None = None) -> str:
    """The whole catalog as JSON, written by the library's converter."""
    return _to_json(catalog.export(), indent=indent)


def load_json(catalog: Catalog, text: str | bytes) -> None:
    """Fill the empty ``catalog`` from JSON made by :func:`export_json`.

    Raises :class:`~smartmedia.errors.InvalidRecord` naming every bad field of the
    document (``media[3].capacity: ...``) and the catalog errors of
    :meth:`Catalog.load`; on any error nothing is loaded.
    """
    catalog.load(_from_json(text))
