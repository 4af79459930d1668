"""The media changer protocol: a tape library's robot, elements and drives.

Commands address elements by their *element address* (vendor specific, what the changer
uses); people see ordinals (slot 1, drive 2), which :class:`~smartmedia.model.Library`
carries beside every address. A changer's drive element and the drive's data path are
matched by the drive's serial number, never by the order in which either is enumerated:
:meth:`TapeLibrary.drive` does that match.
"""

from __future__ import annotations

from typing import Protocol, runtime_checkable

from smartmedia.devices._drive import TapeDrive
from smartmedia.model import Library

__all__ = ["TapeLibrary"]


@runtime_checkable
class TapeLibrary(Protocol):
    """A tape library (physical, or a virtual one on a VLS) seen through its changer.

    Errors: an address that is not an element of the library is a caller error
    (:class:`~smartmedia.errors.ValidationError`, path ``source`` / ``destination`` /
    ``address``); a move from an empty element raises
    :class:`~smartmedia.errors.SourceEmpty`, into a full one
    :class:`~smartmedia.errors.DestinationFull`, out of a drive that still has its
    cartridge threaded (or while the element is reserved)
    :class:`~smartmedia.errors.ElementBusy`; a mechanical failure
    :class:`~smartmedia.errors.RobotError`. A failed move leaves the cartridge where it
    was.
    """

    @property
    def name(self) -> str:
        """The library's name, as inventories and locations show it."""
        ...

    @property
    def visible(self) -> bool:
        """True if the backup application can see and drive this library itself."""
        ...

    def inventory(self) -> Library:
        """Element status now: slots, drives (with serial numbers) and mail slots."""
        ...

    def move(self, source: int, destination: int) -> None:
        """Move the cartridge at element ``source`` to element ``destination``.

        Into a drive, the drive loads it (state ``LOADED``); out of a drive, the drive
        must have been unloaded first.
        """
        ...

    def export(self, slot: int) -> int:
        """Move the cartridge in storage slot ``slot`` to a free mail slot; its address.

        Raises :class:`~smartmedia.errors.DestinationFull` when every mail slot is full.
        """
        ...

    def import_(self) -> tuple[int, ...]:
        """Move every cartridge in the mail slots to free storage slots.

        Returns the slot addresses they went to, in mail slot order; raises
        :class:`~smartmedia.errors.DestinationFull` (after moving what fits) when the
        storage slots run out.
        """
        ...

    def drive(self, address: int) -> TapeDrive:
        """The data path of the drive at element ``address``, matched by serial number."""
        ...
