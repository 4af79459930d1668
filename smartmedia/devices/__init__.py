"""Device protocols: tape drives, tape libraries (media changers) and the VLS.

The library talks to hardware only through these :class:`typing.Protocol` classes, so a
vendor driver and the reference simulators of :mod:`smartmedia.sim` are interchangeable.
:mod:`smartmedia.devices.testing` is the conformance suite any implementation can run.
Device problems raise the :class:`~smartmedia.errors.DeviceError` family
(:class:`~smartmedia.errors.MediumError`, :class:`~smartmedia.errors.EndOfMedium`,
:class:`~smartmedia.errors.RobotError`...), re-exported here.
"""

from smartmedia.devices._drive import DRIVE_TRANSITIONS, DriveState, TapeDrive
from smartmedia.devices._library import TapeLibrary
from smartmedia.devices._timing import LIBRARY_MODELS, DriveTiming, RobotTiming, VlsTiming
from smartmedia.devices._vls import (
    COPY_TRANSITIONS,
    CopyHandle,
    CopyOrder,
    CopyResult,
    CopyState,
    VirtualCartridge,
    VirtualLibrarySystem,
)
from smartmedia.errors import (
    BlankCheck,
    CopyFailed,
    DestinationFull,
    DeviceError,
    DriveError,
    ElementBusy,
    EndOfMedium,
    MediumError,
    NotReady,
    RobotError,
    SourceEmpty,
    WriteProtected,
)

__all__ = [
    "COPY_TRANSITIONS",
    "DRIVE_TRANSITIONS",
    "LIBRARY_MODELS",
    "BlankCheck",
    "CopyFailed",
    "CopyHandle",
    "CopyOrder",
    "CopyResult",
    "CopyState",
    "DestinationFull",
    "DeviceError",
    "DriveError",
    "DriveState",
    "DriveTiming",
    "ElementBusy",
    "EndOfMedium",
    "MediumError",
    "NotReady",
    "RobotError",
    "RobotTiming",
    "SourceEmpty",
    "TapeDrive",
    "TapeLibrary",
    "VirtualCartridge",
    "VirtualLibrarySystem",
    "VlsTiming",
    "WriteProtected",
]
