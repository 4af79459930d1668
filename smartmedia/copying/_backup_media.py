"""Backup media: mounting virtual cartridges and the sink that writes onto them.

The backup writer's cartridges move through the changer protocol only; a cartridge that
cannot leave its drive stays recorded there.
"""

from __future__ import annotations

import datetime as _dt
import re
from collections.abc import Callable, Iterable, Iterator
from typing import TYPE_CHECKING

import attrs

from smartmedia.copying._mount import Mount
from smartmedia.devices import TapeDrive, TapeLibrary
from smartmedia.errors import (
    DeviceError,
    MediumError,
)
from smartmedia.format import (
    Block,
    MediumHeader,
    encode_medium_header,
)
from smartmedia.model import (
    Barcode,
    Location,
    Medium,
)

if TYPE_CHECKING:
    from smartmedia.copying._backup import BackupWriter

__all__ = [
    "BackupCartridge",
    "CartridgeSink",
    "SourceFailed",
    "element_of",
    "guarded",
]

# ---------------------------------------------------------------------- cartridge moves


def element_of(library: TapeLibrary, barcode: Barcode) -> tuple[str, int, int] | None:
    """(kind, address, ordinal) of the element of ``library`` holding ``barcode``."""
    inventory = library.inventory()
    for kind, elements in (
        ("slot", inventory.slots),
        ("drive", inventory.drives),
        ("mail_slot", inventory.mail_slots),
    ):
        for element in elements:
            if element.cartridge is not None and element.cartridge.barcode == barcode:
                return kind, element.address, element.ordinal
    return None


# ------------------------------------------------------------------------------- writer


class SourceFailed(Exception):
    """Raised through the format writer when an object's source fails (not the device)."""

    def __init__(self, error: BaseException) -> None:
        super().__init__(str(error))
        self.error = error


def guarded(source: Callable[[], Iterable[Block]]) -> Iterator[Block]:
    try:
        yield from source()
    except Exception as error:  # the source is the caller's code: anything may go wrong
        raise SourceFailed(error) from error


@attrs.define
class BackupCartridge:
    """A cartridge of this session: its catalog record and how it was written."""

    barcode: Barcode
    header: MediumHeader
    medium: Medium | None = None
    mounted: Mount | None = None
    started: _dt.datetime | None = None
    finished: _dt.datetime | None = None
    full: bool = False
    closed: bool = False
    blocks: int = 0
    warned_at: int | None = None
    damaged: bool = False
    stuck_in: Location | None = None

    @property
    def written(self) -> bool:
        """True once the cartridge was loaded for writing (it holds at least a header)."""
        return self.started is not None


class CartridgeSink:
    """The block sink of one cartridge: loads it on the first write.

    The format writer closes a full medium (session end, catalog, end of data) *after*
    asking for the next one, so the next cartridge is loaded only when its first block
    comes: by then the previous one is closed, and is put back first. One drive is
    enough for any number of spans.
    """

    def __init__(self, owner: BackupWriter, cartridges: list[BackupCartridge], index: int) -> None:
        self._owner = owner
        self._cartridges = cartridges
        self._index = index

    def _drive(self) -> TapeDrive:
        cartridge = self._cartridges[self._index]
        if cartridge.mounted is None:
            for earlier in self._cartridges[: self._index]:
                earlier.closed = True  # the writer closed it before starting this one
                self._owner._release(earlier)
            self._owner._load(cartridge, self._cartridges)
        assert cartridge.mounted is not None
        return cartridge.mounted.drive

    def _failed(self, error: DeviceError) -> None:
        if isinstance(error, MediumError):
            self._cartridges[self._index].damaged = True

    def write_block(self, data: Block) -> bool:
        cartridge = self._cartridges[self._index]
        planned = cartridge.header
        drive = self._drive()
        if cartridge.blocks == 0 and cartridge.header is not planned:
            # the VLS had the planned barcode already: the header names the one it got
            data = encode_medium_header(cartridge.header)
        try:
            warning = drive.write_block(data)
        except DeviceError as error:
            self._failed(error)
            raise
        cartridge.blocks += 1
        if warning and cartridge.warned_at is None:
            cartridge.warned_at = cartridge.blocks
        return warning

    def write_filemarks(self, count: int = 1) -> bool:
        drive = self._drive()
        try:
            return drive.write_filemarks(count)
        except DeviceError as error:
            self._failed(error)
            raise


_BARCODE_NUMBER = re.compile(r"(\d+)")
