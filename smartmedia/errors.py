"""The exception tree of smartmedia.

Every error the library raises on purpose derives from :class:`SmartMediaError`, so a
caller can catch the whole library with one clause, or one family precisely::

    SmartMediaError
    ├── ValidationError (ValueError)        bad input: carries every problem with its path
    │   ├── InvalidMediumId
    │   ├── InvalidSessionId
    │   ├── InvalidBarcode
    │   └── InvalidSerial
    ├── FormatError                         the on-tape format (smartmedia.format)
    │   ├── TruncatedRecord                 fewer bytes than the structure needs
    │   ├── BadMagic                        not a record of this format
    │   ├── ChecksumMismatch                a CRC32C does not match
    │   ├── FieldOutOfRange                 a decoded field has an impossible value
    │   ├── UnsupportedVersion              written by a newer, incompatible format version
    │   ├── DamagedMedium                   the medium cannot be read past a damaged region
    │   ├── NotOnMedium                     the object asked for is not on this medium
    │   └── WriterStateError                a writer used out of order (caller misuse)
    ├── DeviceError                         drives, changers, VLS (smartmedia.devices)
    │   ├── MediumError                     a bad block on the medium, with its position
    │   ├── DriveError                      the drive itself failed
    │   ├── EndOfMedium                     no room left on the medium
    │   ├── BlankCheck                      read past the end of recorded data
    │   ├── WriteProtected
    │   ├── NotReady                        no cartridge loaded, or the device is offline
    │   ├── RobotError                      a media changer move failed
    │   │   ├── SourceEmpty
    │   │   ├── DestinationFull
    │   │   └── ElementBusy
    │   └── CopyFailed                      a VLS copy order ended in failure
    ├── CatalogError                        the media database (smartmedia.catalog)
    │   ├── UnknownEntity                   no medium, pool, session... of that name
    │   ├── DuplicateEntity                 it exists already
    │   ├── ConflictError                   the change contradicts what is recorded
    │   ├── ProtectedMedium                 refused: the medium's data is still protected
    │   ├── InvalidRecord (ValidationError) a value the catalog cannot record (negative...)
    │   ├── SchemaError                     the database file has an unusable schema
    │   └── UnrecordedMedia                 devices hold our media the catalog lost: import
    ├── PlanningError                       the copy planner (smartmedia.planning)
    └── CopyError                           running copies (smartmedia.copying)
        ├── VerificationFailed              a copy did not verify and was not recorded
        ├── RestoreError                    (smartmedia.copying) a restore could not be done
        └── ScheduledCopyFailed             (smartmedia.copying) due scheduled copies raised

Errors say whose fault they are: :class:`ValidationError` and :class:`WriterStateError`
mean the caller passed something wrong; :class:`FormatError` means the bytes are bad;
:class:`DeviceError` means the hardware (or its simulator) reported a problem.

Structured fields (``path``, ``medium_id``, ``block``, ``offset``...) are attributes, so
handlers never need to parse messages. Messages quote the values a caller gave through
:func:`quote`, which cuts long ones: an error line stays one readable line whatever the
input was.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence

__all__ = [
    "BadMagic",
    "BlankCheck",
    "CatalogError",
    "ChecksumMismatch",
    "ConflictError",
    "CopyError",
    "CopyFailed",
    "DamagedMedium",
    "DestinationFull",
    "DeviceError",
    "DriveError",
    "DuplicateEntity",
    "ElementBusy",
    "EndOfMedium",
    "FieldOutOfRange",
    "FormatError",
    "InvalidBarcode",
    "InvalidMediumId",
    "InvalidRecord",
    "InvalidSerial",
    "InvalidSessionId",
    "MediumError",
    "NotOnMedium",
    "NotReady",
    "PlanningError",
    "Problem",
    "ProtectedMedium",
    "RobotError",
    "SchemaError",
    "SmartMediaError",
    "SourceEmpty",
    "TruncatedRecord",
    "UnknownEntity",
    "UnrecordedMedia",
    "UnsupportedVersion",
    "ValidationError",
    "VerificationFailed",
    "WriteProtected",
    "WriterStateError",
    "quote",
]

#: how many characters of a value :func:`quote` shows by default
QUOTE_LIMIT = 80


class SmartMediaError(Exception):
    """Root of every error smartmedia raises on purpose."""


def quote(value: object, *, limit: int = QUOTE_LIMIT) -> str:
    """``repr(value)`` for an error message, cut to about ``limit`` characters.

    A longer text shows its first ``limit`` characters and its length,
    ``'AAAA...'...(100000 chars)``; an integer too long to show is named by its size in
    bits (Python refuses to print integers of more than 4300 digits). Never raises.
    """
    if isinstance(value, str) and len(value) > limit:
        return f"{value[:limit]!r}...({len(value)} chars)"
    if isinstance(value, int) and not isinstance(value, bool) and value.bit_length() > 4 * limit:
        sign = "-" if value < 0 else ""
        return f"<{sign}integer of {value.bit_length()} bits>"
    try:
        text = repr(value)
    except Exception:  # a repr that fails must not hide the error being reported
        return f"<{type(value).__name__}>"
    if len(text) > limit:
        return f"{text[:limit]}...({len(text)} chars)"
    return text


# --------------------------------------------------------------------------- validation


class Problem:
    """One thing wrong with an input: where (``path``) and what (``message``).

    ``path`` uses the notation of the input's structure, e.g. ``media[3].barcode``; an
    empty path means the input as a whole.
    """

    __slots__ = ("message", "path")

    def __init__(self, path: str, message: str) -> None:
        self.path = path
        self.message = message

    def __str__(self) -> str:
        return f"{self.path}: {self.message}" if self.path else self.message

    def __repr__(self) -> str:
        return f"Problem(path={self.path!r}, message={self.message!r})"

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, Problem):
            return NotImplemented
        return (self.path, self.message) == (other.path, other.message)

    def __hash__(self) -> int:
        return hash((self.path, self.message))

    def under(self, prefix: str) -> Problem:
        """The same problem seen from a containing structure at ``prefix``."""
        if not prefix:
            return self
        if not self.path:
            return Problem(prefix, self.message)
        joiner = "" if self.path.startswith("[") else "."
        return Problem(f"{prefix}{joiner}{self.path}", self.message)


class ValidationError(SmartMediaError, ValueError):
    """Input that does not describe a valid value.

    Carries every problem found (``problems``), each with the path of the bad field, so
    one error reports everything that is wrong with a document at once. ``path`` and
    ``message`` are those of the first problem.
    """

    def __init__(self, message: str, *, path: str = "") -> None:
        self.problems: tuple[Problem, ...] = (Problem(path, message),)
        super().__init__(str(self.problems[0]))

    @classmethod
    def from_problems(cls, problems: Iterable[Problem]) -> ValidationError:
        """One error reporting all of ``problems`` (at least one)."""
        found = tuple(problems)
        if not found:
            raise ValueError("from_problems() needs at least one problem")
        error = cls(found[0].message, path=found[0].path)
        error.problems = found
        error.args = ("; ".join(str(p) for p in found),)
        return error

    @property
    def path(self) -> str:
        return self.problems[0].path

    @property
    def message(self) -> str:
        return self.problems[0].message

    def under(self, prefix: str) -> ValidationError:
        """This error re-rooted below ``prefix`` (keeps the class)."""
        return type(self).from_problems(p.under(prefix) for p in self.problems)


class InvalidMediumId(ValidationError):
    """Text that is not a medium ID (four lowercase hex fields, 8:8:4:4)."""


class InvalidSessionId(ValidationError):
    """Text that is not a session ID (``YYYY/MM/DD-N``)."""


class InvalidBarcode(ValidationError):
    """Text that cannot be a cartridge barcode."""


class InvalidSerial(ValidationError):
    """Text that cannot be a drive serial number."""


# ------------------------------------------------------------------------------ format


class FormatError(SmartMediaError):
    """Bytes that are not a valid record of the on-tape format.

    ``block`` is the index of the tape block where the problem is (``None`` when the
    bytes were decoded outside a medium), ``field`` the name of the bad field and
    ``offset`` its byte offset inside the block, when known.
    """

    def __init__(
        self,
        message: str,
        *,
        block: int | None = None,
        field: str | None = None,
        offset: int | None = None,
    ) -> None:
        self.block = block
        self.field = field
        self.offset = offset
        where = []
        if block is not None:
            where.append(f"block {block}")
        if field is not None:
            where.append(f"field {field}")
        if offset is not None:
            where.append(f"offset {offset}")
        self.reason = message
        super().__init__(f"{message} ({', '.join(where)})" if where else message)


class TruncatedRecord(FormatError):
    """Fewer bytes than the structure needs."""


class BadMagic(FormatError):
    """The bytes do not start with the magic of the expected structure."""


class ChecksumMismatch(FormatError):
    """A CRC32C stored in a record does not match the bytes it covers."""


class FieldOutOfRange(FormatError):
    """A decoded field has a value the format does not allow."""


class UnsupportedVersion(FormatError):
    """The record was written by an incompatible (newer major) format version."""


class DamagedMedium(FormatError):
    """The medium cannot be read past a damaged region."""


class NotOnMedium(FormatError):
    """The object version asked for is not on this medium (or not where it was said to be)."""


class WriterStateError(FormatError):
    """A medium writer was used out of order (caller misuse, not bad bytes)."""


# ----------------------------------------------------------------------------- devices


class DeviceError(SmartMediaError):
    """A tape drive, media changer or VLS reported a problem."""


class MediumError(DeviceError):
    """An unreadable or unwritable block; ``block`` is its position on the medium."""

    def __init__(self, message: str, *, barcode: str | None = None, block: int | None = None):
        self.barcode = barcode
        self.block = block
        super().__init__(message)


class DriveError(DeviceError):
    """The drive itself failed (hardware, firmware, path)."""


class EndOfMedium(DeviceError):
    """The medium has no room left for the write."""


class BlankCheck(DeviceError):
    """A read or space went past the end of recorded data."""


class WriteProtected(DeviceError):
    """The cartridge is write protected."""


class NotReady(DeviceError):
    """No cartridge is loaded, or the device is offline."""


class RobotError(DeviceError):
    """A media changer could not carry out a move."""


class SourceEmpty(RobotError):
    """The source element of a move holds no cartridge."""


class DestinationFull(RobotError):
    """The destination element of a move already holds a cartridge."""


class ElementBusy(RobotError):
    """The element is in use (a loaded drive, a locked mail slot)."""


class CopyFailed(DeviceError):
    """A VLS copy order ended in failure; ``reason`` says why."""


# ----------------------------------------------------------------------------- catalog


class CatalogError(SmartMediaError):
    """The media database refused a change or a query."""


class UnknownEntity(CatalogError, LookupError):
    """No record of that name (medium, pool, session, object version, copy job)."""


class DuplicateEntity(CatalogError):
    """A record with that identity already exists."""


class ConflictError(CatalogError):
    """The change contradicts what the catalog holds."""


class ProtectedMedium(CatalogError):
    """Refused because the medium's data protection has not ended."""


class InvalidRecord(CatalogError, ValidationError):
    """A value the catalog cannot record (a negative size, a reversed block range...).

    Both a :class:`CatalogError` and a :class:`ValidationError`: ``problems`` name each
    bad field with its path.
    """


class SchemaError(CatalogError):
    """The database file has a schema this version cannot use (newer, or corrupt)."""


class UnrecordedMedia(CatalogError):
    """The catalog records no medium while the site's cartridges hold media of ours.

    The catalog was lost or replaced: writing now could reuse session IDs and overwrite
    data it does not know of. Rebuild it by importing the cartridges first. ``barcodes``
    names them.
    """

    def __init__(self, message: str, *, barcodes: tuple[object, ...] = ()) -> None:
        super().__init__(message)
        self.barcodes = barcodes


# ---------------------------------------------------------------------- planning, copying


class PlanningError(SmartMediaError):
    """The planner was asked something it cannot plan (not: an item it could not place)."""


class CopyError(SmartMediaError):
    """Running a copy failed."""


class VerificationFailed(CopyError):
    """A copy did not verify against its source and was not recorded."""


def join_problems(errors: Sequence[ValidationError]) -> ValidationError:
    """One :class:`ValidationError` with the problems of all ``errors`` (at least one)."""
    return ValidationError.from_problems(p for e in errors for p in e.problems)
