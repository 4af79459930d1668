"""smartmedia: smart media copying for virtual and physical tape libraries.

Backups land on virtual tapes of a VLS; smartmedia decides what to copy where and when,
has the VLS copy the bytes onto physical tape, and records each copy as a distinct,
verified medium linked to its original. The packages, from the bottom up:
:mod:`smartmedia.model`, :mod:`smartmedia.format`, :mod:`smartmedia.devices`,
:mod:`smartmedia.sim`, :mod:`smartmedia.catalog`, :mod:`smartmedia.planning`,
:mod:`smartmedia.copying`. Every error the library raises derives from
:class:`SmartMediaError` (the tree is drawn in :mod:`smartmedia.errors`).
"""

from smartmedia.errors import (
    CatalogError,
    CopyError,
    DeviceError,
    FormatError,
    PlanningError,
    Problem,
    SmartMediaError,
    ValidationError,
)

__version__ = "0.1.0.dev0"

__all__ = [
    "CatalogError",
    "CopyError",
    "DeviceError",
    "FormatError",
    "PlanningError",
    "Problem",
    "SmartMediaError",
    "ValidationError",
    "__version__",
]
