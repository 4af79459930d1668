"""What is on a medium, from its first block: ours, blank, or another tool's format.

The backup application must recognise foreign media before it writes: a tar archive,
an LTFS volume or another backup product's tape is somebody's data. :func:`identify`
names what the first block shows; it never raises for any bytes.
"""

from __future__ import annotations

import enum

import attrs

from smartmedia.errors import FormatError
from smartmedia.format._blockio import Block, EndOfData, Filemark, ReadResult
from smartmedia.format._codec import decode_medium_header
from smartmedia.format._layout import BLOCK_MAGIC
from smartmedia.format._records import MediumHeader

__all__ = ["Identified", "MediumKind", "identify"]


class MediumKind(enum.Enum):
    """What a medium holds, as far as its first block tells."""

    SMARTMEDIA = "smartmedia"  # this format, header intact
    DAMAGED = "damaged"  # this format's magic, but the header does not decode
    BLANK = "blank"  # nothing recorded
    TAR = "tar"  # a POSIX ustar or GNU tar archive
    LTFS = "ltfs"  # an LTFS volume (ANSI label with implementation "LTFS")
    BACULA = "bacula"  # a Bacula or Bareos volume
    AMANDA = "amanda"  # an Amanda tape (text header)
    ANSI_LABEL = "ansi_label"  # an ANSI standard labelled tape (VOL1 in ASCII)
    IBM_LABEL = "ibm_label"  # an IBM standard labelled tape (VOL1 in EBCDIC)
    UNKNOWN = "unknown"


@attrs.frozen
class Identified:
    """The kind of medium, our header when it is ours, and a human-readable detail."""

    kind: MediumKind
    header: MediumHeader | None = None
    detail: str = ""

    @property
    def is_foreign(self) -> bool:
        """Another tool's data: never overwrite it without being told to."""
        return self.kind not in (MediumKind.SMARTMEDIA, MediumKind.BLANK)


_EBCDIC_VOL1 = bytes([0xE5, 0xD6, 0xD3, 0xF1])


def identify(first: ReadResult | Block) -> Identified:
    """Identify a medium from the first thing read from it (a block, a filemark, or
    :data:`~smartmedia.format.END_OF_DATA` for a blank medium)."""
    if isinstance(first, EndOfData):
        return Identified(MediumKind.BLANK, detail="no data recorded")
    if isinstance(first, Filemark):
        return Identified(MediumKind.UNKNOWN, detail="a filemark at the beginning of the medium")
    try:
        data = bytes(memoryview(first)[:512])
    except TypeError:
        return Identified(MediumKind.UNKNOWN, detail=f"not a block: {type(first).__name__}")
    if data.startswith(BLOCK_MAGIC):
        try:
            header = decode_medium_header(first)
        except FormatError as error:
            return Identified(MediumKind.DAMAGED, detail=str(error))
        return Identified(
            MediumKind.SMARTMEDIA, header, f"medium {header.medium_id} '{header.label}'"
        )
    if not data.strip(b"\0"):
        return Identified(MediumKind.BLANK, detail="the first block is all zeros")
    if data[257:262] == b"ustar":
        return Identified(MediumKind.TAR, detail="ustar header")
    if data.startswith(b"VOL1") and len(data) >= 80:
        volser = data[4:10].decode("ascii", "replace").strip()
        if data[24:28] == b"LTFS":
            return Identified(MediumKind.LTFS, detail=f"LTFS volume {volser}")
        return Identified(MediumKind.ANSI_LABEL, detail=f"ANSI label, volume {volser}")
    if data.startswith(_EBCDIC_VOL1):
        return Identified(MediumKind.IBM_LABEL, detail="IBM standard label")
    if data[12:16] == b"BB02" or data[8:12] == b"BB01":
        return Identified(MediumKind.BACULA, detail="Bacula/Bareos block header")
    if data.startswith(b"AMANDA: "):
        line = data.split(b"\n", 1)[0].decode("ascii", "replace")
        return Identified(MediumKind.AMANDA, detail=line)
    return Identified(MediumKind.UNKNOWN, detail=f"first bytes {data[:8].hex()}")
