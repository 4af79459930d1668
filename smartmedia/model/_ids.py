"""Identities: medium IDs (and their generator), session IDs, barcodes, drive serials.

Invariants: every identity round-trips exactly — ``str(X.parse(t)) == t`` for any text
``t`` that parses — so IDs can be stored, compared and printed without normalising.
"""

from __future__ import annotations

import datetime as _dt
import ipaddress
import os
import re
import socket
import threading
import time
import zlib
from collections.abc import Callable
from typing import ClassVar

import attrs

from smartmedia.errors import (
    InvalidBarcode,
    InvalidMediumId,
    InvalidSerial,
    InvalidSessionId,
    ValidationError,
    quote,
)
from smartmedia.model._media_types import MediaType
from smartmedia.model._text import TextValue
from smartmedia.model._validators import INT64_MAX

__all__ = [
    "Barcode",
    "DriveSerial",
    "MediumId",
    "MediumIdGenerator",
    "SessionId",
    "local_host_address",
    "new_medium_id",
]

# ----------------------------------------------------------------------------- MediumId

_MEDIUM_ID = re.compile(r"[0-9a-f]{8}:[0-9a-f]{8}:[0-9a-f]{4}:[0-9a-f]{4}")


def _check_medium_id(_: object, __: object, value: str) -> None:
    if not isinstance(value, str) or not _MEDIUM_ID.fullmatch(value):
        raise InvalidMediumId(
            f"{quote(value)} is not a medium ID (four lowercase hex fields of 8:8:4:4 digits, "
            "e.g. 'c0a80105:4f6b3a10:1b2c:0001')"
        )


@attrs.frozen(order=True)
class MediumId(TextValue):
    """A Data Protector style medium ID, e.g. ``c0a80105:4f6b3a10:1b2c:0001``.

    Opaque: four lowercase hex fields of 8, 8, 4 and 4 digits. Ordering is that of the
    text, which only serves to make listings deterministic. On tape it takes 12 bytes
    (:meth:`to_bytes`).
    """

    error: ClassVar[type[ValidationError]] = InvalidMediumId
    kind: ClassVar[str] = "medium ID"
    SIZE: ClassVar[int] = 12

    value: str = attrs.field(validator=_check_medium_id)

    def __str__(self) -> str:
        return self.value

    def to_bytes(self) -> bytes:
        """The 12-byte big-endian binary form used on tape."""
        return bytes.fromhex(self.value.replace(":", ""))

    @classmethod
    def from_bytes(cls, data: bytes | memoryview) -> MediumId:
        """The ID stored as 12 bytes by :meth:`to_bytes`."""
        if len(data) != cls.SIZE:
            raise InvalidMediumId(f"a binary medium ID is 12 bytes, not {len(data)}")
        h = bytes(data).hex()
        return cls(f"{h[0:8]}:{h[8:16]}:{h[16:20]}:{h[20:24]}")

    @classmethod
    def from_fields(cls, host: int, seconds: int, process: int, counter: int) -> MediumId:
        """An ID from its four numeric fields (32, 32, 16 and 16 bits)."""
        for name, number, bits in (
            ("host", host, 32),
            ("seconds", seconds, 32),
            ("process", process, 16),
            ("counter", counter, 16),
        ):
            if not 0 <= number < 1 << bits:
                raise InvalidMediumId(f"{name} field {number} does not fit in {bits} bits")
        return cls(f"{host:08x}:{seconds:08x}:{process:04x}:{counter:04x}")


def local_host_address() -> int:
    """This host's IPv4 address as a 32-bit number, for the host field of medium IDs.

    Falls back to a CRC of the host name when the name does not resolve to an IPv4
    address, so that the generator works on isolated machines; such IDs are still
    unique per host name.
    """
    name = socket.gethostname()
    try:
        return int(ipaddress.IPv4Address(socket.gethostbyname(name)))
    except (OSError, ValueError):
        return zlib.crc32(name.encode("utf-8", "replace"))


@attrs.define
class _Sequence:
    seconds: int = -1
    counter: int = -1


class MediumIdGenerator:
    """Makes new medium IDs: host address, seconds since the epoch, process, counter.

    IDs never repeat within a process: generators that share a host address share one
    (seconds, counter) sequence per process, which only moves forward — when more than
    65,536 IDs are made in one second, the seconds field runs ahead of the clock. IDs of
    hosts with different addresses never collide, since the host field differs.

    ``clock`` (seconds since the epoch) and ``process`` are injectable for tests and
    simulations; by default they are ``time.time`` and the low 16 bits of the process ID
    at the time of each call (so a forked child does not repeat its parent's IDs).
    """

    _lock: ClassVar[threading.Lock] = threading.Lock()
    _sequences: ClassVar[dict[tuple[int, int], _Sequence]] = {}

    def __init__(
        self,
        host: int | str | None = None,
        *,
        clock: Callable[[], float] = time.time,
        process: int | None = None,
    ) -> None:
        if host is None:
            host = local_host_address()
        elif isinstance(host, str):
            try:
                host = int(ipaddress.IPv4Address(host))
            except ValueError:
                message = f"{quote(host)} is not an IPv4 address"
                raise ValidationError(message, path="host") from None
        if not 0 <= host < 1 << 32:
            raise ValidationError(f"host {quote(host)} does not fit in 32 bits", path="host")
        if process is not None and not 0 <= process < 1 << 16:
            message = f"process {quote(process)} does not fit in 16 bits"
            raise ValidationError(message, path="process")
        self.host = host
        self._clock = clock
        self._process = process

    def __call__(self) -> MediumId:
        """A medium ID never returned before in this process for this host."""
        process = self._process if self._process is not None else os.getpid() & 0xFFFF
        now = int(self._clock()) & 0xFFFFFFFF
        with self._lock:
            seq = self._sequences.setdefault((self.host, process), _Sequence())
            if now > seq.seconds:
                seq.seconds, seq.counter = now, 0
            elif seq.counter < 0xFFFF:
                seq.counter += 1
            else:
                seq.seconds, seq.counter = seq.seconds + 1, 0
            if seq.seconds > 0xFFFFFFFF:
                raise ValidationError("medium ID seconds field exhausted", path="seconds")
            return MediumId.from_fields(self.host, seq.seconds, process, seq.counter)


_default_generator: MediumIdGenerator | None = None


def new_medium_id() -> MediumId:
    """A fresh medium ID from the process-wide default generator."""
    global _default_generator  # noqa: PLW0603 - one lazily built default per process
    if _default_generator is None:
        _default_generator = MediumIdGenerator()
    return _default_generator()


# ---------------------------------------------------------------------------- SessionId

_SESSION_ID = re.compile(r"(\d{4})/(\d{2})/(\d{2})-([1-9]\d*)")


@attrs.frozen(order=True)
class SessionId(TextValue):
    """A session ID, ``YYYY/MM/DD-N``: the N-th session (from 1) of that day.

    Ordered by date, then N (``2026/01/02-10`` comes after ``2026/01/02-9``).
    """

    error: ClassVar[type[ValidationError]] = InvalidSessionId
    kind: ClassVar[str] = "session ID"

    date: _dt.date = attrs.field()
    number: int = attrs.field()

    @date.validator
    def _check_date(self, _: object, value: _dt.date) -> None:
        if type(value) is not _dt.date:
            raise InvalidSessionId(f"the date of a session ID must be a date, not {quote(value)}")

    @number.validator
    def _check_number(self, _: object, value: int) -> None:
        if type(value) is not int or not 1 <= value <= INT64_MAX:
            raise InvalidSessionId(
                f"session number must be an integer from 1 to {INT64_MAX}, not {quote(value)}"
            )

    def __str__(self) -> str:
        return f"{self.date.year:04d}/{self.date.month:02d}/{self.date.day:02d}-{self.number}"

    @classmethod
    def parse(cls, text: object) -> SessionId:
        if not isinstance(text, str):
            raise InvalidSessionId(f"a session ID must be text, not {type(text).__name__}")
        match = _SESSION_ID.fullmatch(text)
        if match is None:
            raise InvalidSessionId(f"{quote(text)} is not a session ID (YYYY/MM/DD-N, N >= 1)")
        if len(match.group(4)) > len(str(INT64_MAX)):
            raise InvalidSessionId(f"{quote(text)} is not a session ID: its number is too large")
        year, month, day, number = (int(g) for g in match.groups())
        try:
            date = _dt.date(year, month, day)
        except ValueError as e:
            raise InvalidSessionId(f"{quote(text)} is not a session ID: {e}") from None
        return cls(date=date, number=number)


# ------------------------------------------------------------------------------ Barcode

_BARCODE = re.compile(r"[A-Za-z0-9_-]{1,16}")
_LTO_BARCODE = re.compile(r"[A-Z0-9]{6}([LM][0-9A-Z])")


def _check_barcode(_: object, __: object, value: str) -> None:
    if not isinstance(value, str) or not _BARCODE.fullmatch(value):
        raise InvalidBarcode(
            f"{quote(value)} is not a valid barcode (1 to 16 characters of A-Z, a-z, 0-9, '-', '_')"
        )


@attrs.frozen(order=True)
class Barcode(TextValue):
    """A cartridge barcode label, e.g. ``ABC123L9``.

    LTO labels are a 6-character volume serial plus a 2-character media code (``L9``,
    ``LZ`` for LTO-9 WORM, ``M8``...); other labels of up to 16 letters, digits, ``-`` and
    ``_`` are allowed, as libraries and VLS virtual cartridges use them. The character set
    excludes separators, dots and spaces, so a barcode is always safe as a file name.
    """

    error: ClassVar[type[ValidationError]] = InvalidBarcode
    kind: ClassVar[str] = "barcode"

    value: str = attrs.field(validator=_check_barcode)

    def __str__(self) -> str:
        return self.value

    @property
    def is_cleaning(self) -> bool:
        """Cleaning cartridges are labelled ``CLN...``; they never hold data."""
        return self.value.startswith("CLN")

    @property
    def is_diagnostic(self) -> bool:
        """Diagnostic cartridges are labelled ``DG...``; they never hold data."""
        return self.value.startswith("DG")

    @property
    def media_code(self) -> str | None:
        """The 2-character LTO media code of an 8-character LTO label, else ``None``."""
        match = _LTO_BARCODE.fullmatch(self.value)
        return match.group(1) if match else None

    @property
    def volume_serial(self) -> str:
        """The label without its LTO media code (the whole label if it has none)."""
        return self.value[:6] if self.media_code else self.value

    @property
    def media_type(self) -> MediaType | None:
        """The media type the media code names, if it names one."""
        code = self.media_code
        return MediaType.from_barcode_code(code) if code else None

    @property
    def is_worm(self) -> bool:
        """True if the media code is that of a WORM cartridge (``LV``...``LZ``)."""
        code = self.media_code
        return code is not None and MediaType.is_worm_code(code)


# -------------------------------------------------------------------------- DriveSerial

_SERIAL = re.compile(r"[A-Za-z0-9._-]{1,32}")


def _check_serial(_: object, __: object, value: str) -> None:
    if not isinstance(value, str) or not _SERIAL.fullmatch(value):
        raise InvalidSerial(
            f"{quote(value)} is not a drive serial number (1 to 32 of A-Z, a-z, 0-9, '.', '-', '_')"
        )


@attrs.frozen(order=True)
class DriveSerial(TextValue):
    """A tape drive's serial number: how a library's drive is matched to its data path."""

    error: ClassVar[type[ValidationError]] = InvalidSerial
    kind: ClassVar[str] = "drive serial number"

    value: str = attrs.field(validator=_check_serial)

    def __str__(self) -> str:
        return self.value
