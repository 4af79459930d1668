"""Reference simulators of every device protocol, on a shared virtual clock.

:class:`SimTapeDrive`, :class:`SimTapeLibrary` and :class:`SimVLS` implement the
protocols of :mod:`smartmedia.devices` and pass its conformance suite. They charge every
operation's time to a :class:`Clock` — :class:`SimClock` (virtual time, the default:
days of copying simulate in seconds, deterministically for a seed) or
:class:`WallClock` — and fire the faults a :class:`Faults` value declares. Cartridges
live in a :class:`MemoryStore` (which also holds synthetic cartridges, generated from a
seed) or a :class:`DirectoryStore` (one image file per cartridge; survives restarts).
"""

from smartmedia.sim._clock import Clock, Resource, SimClock, Task, WallClock
from smartmedia.sim._dirimage import FileImage
from smartmedia.sim._drive import EARLY_WARNING, SimTapeDrive
from smartmedia.sim._faults import (
    DriveFailure,
    Faults,
    MediumFault,
    PowerLoss,
    RobotFault,
    StreamDeath,
)
from smartmedia.sim._image import CartridgeImage, CartridgeSource, MemoryImage, SyntheticRun
from smartmedia.sim._library import SimTapeLibrary
from smartmedia.sim._state import StateDamaged, StateFile
from smartmedia.sim._stores import CartridgeStore, DirectoryStore, MemoryStore
from smartmedia.sim._vls import SimVLS

__all__ = [
    "EARLY_WARNING",
    "CartridgeImage",
    "CartridgeSource",
    "CartridgeStore",
    "Clock",
    "DirectoryStore",
    "DriveFailure",
    "Faults",
    "FileImage",
    "MediumFault",
    "MemoryImage",
    "MemoryStore",
    "PowerLoss",
    "Resource",
    "RobotFault",
    "SimClock",
    "SimTapeDrive",
    "SimTapeLibrary",
    "SimVLS",
    "StateDamaged",
    "StateFile",
    "StreamDeath",
    "SyntheticRun",
    "Task",
    "WallClock",
]
