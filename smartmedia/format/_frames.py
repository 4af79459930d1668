"""Finding the next good record header in a container file after a damaged one.

Both containers of media in a file — tape images (:mod:`._image`) and the lab's cartridge
files (``smartmedia.sim``) — frame each block or filemark with a 16-byte header whose
last four bytes are the CRC32C of the first twelve. When a header does not check, the
rules of ``docs/format.md`` are the same for both: if a good header follows somewhere
after it, the bytes in between are a *damaged span* (a bad block: it reads as
:class:`~smartmedia.errors.MediumError`, and reading goes on at the good header); if none
follows, they are a *torn tail* left by a crash, which may be cut off. This module finds
that next good header, reading the file in bounded chunks.
"""

from __future__ import annotations

import os
import re
from collections.abc import Callable

import crc32c

__all__ = ["FRAME_HEADER_SIZE", "find_header", "header_crc_ok"]

FRAME_HEADER_SIZE = 16
_CHUNK = 1 << 20


def header_crc_ok(raw: bytes) -> bool:
    """The last 4 bytes of a 16-byte header are the CRC32C of the first 12."""
    return len(raw) == FRAME_HEADER_SIZE and crc32c.crc32c(raw[:12]) == int.from_bytes(
        raw[12:], "little"
    )


def find_header(
    fd: int,
    start: int,
    size: int,
    candidates: re.Pattern[bytes],
    valid: Callable[[bytes, int], bool],
) -> int | None:
    """The offset of the first good header at or after ``start``, or ``None``.

    ``candidates`` matches where a header may begin (cheap filter: a tag, a kind byte);
    ``valid(raw, offset)`` is the full check of the 16 bytes found there (CRC, fields,
    the record fitting in the file of ``size`` bytes). Memory is bounded by one chunk.
    """
    offset = start
    while offset + FRAME_HEADER_SIZE <= size:
        chunk = os.pread(fd, min(_CHUNK + FRAME_HEADER_SIZE, size - offset), offset)
        if len(chunk) < FRAME_HEADER_SIZE:
            return None
        limit = len(chunk) - FRAME_HEADER_SIZE
        for match in candidates.finditer(chunk):
            at = match.start()
            if at > limit:
                break
            raw = chunk[at : at + FRAME_HEADER_SIZE]
            if header_crc_ok(raw) and valid(raw, offset + at):
                return offset + at
        offset += limit + 1
    return None
