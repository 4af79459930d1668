"""The VLS protocol: virtual libraries, their cartridges, and smart copies onto tape.

A Virtual Library System shows the backup application virtual tape libraries (whose
cartridges live on the VLS disks) and hides the physical libraries attached behind it.
A *copy order* asks the VLS to copy one virtual cartridge onto a cartridge of an
attached physical library: the VLS loads the target with the library's robot, writes the
source's medium header rewritten for the target's identity, copies every other block
and filemark byte for byte, and reports the CRC32C digest of what it wrote
(:class:`smartmedia.format.PayloadDigest`: identical for a source and a correct copy).

Before it writes a target, the VLS reads the target's first block and writes only if
:func:`smartmedia.format.check_overwrite` allows it under the order's ``overwrite``
(what the catalog releases on that cartridge): a cartridge that holds data nobody
released is never written over. A refused order ends ``FAILED`` with
``refused_target`` set and the target untouched.

Copy states follow :data:`COPY_TRANSITIONS`; a finished result never changes again.
"""

from __future__ import annotations

import enum
from collections.abc import Sequence
from typing import Any, Protocol, runtime_checkable

import attrs

from smartmedia.devices._library import TapeLibrary
from smartmedia.errors import CopyFailed, ValidationError
from smartmedia.format import CopyIdentity, Overwrite
from smartmedia.model import Barcode, DriveSerial
from smartmedia.model import _validators as v

__all__ = [
    "COPY_TRANSITIONS",
    "CopyHandle",
    "CopyOrder",
    "CopyResult",
    "CopyState",
    "VirtualCartridge",
    "VirtualLibrarySystem",
]


def _of(kind: type | tuple[type, ...]) -> Any:
    kinds = kind if isinstance(kind, tuple) else (kind,)

    def check(_: object, attribute: attrs.Attribute[Any], value: object) -> None:
        if not isinstance(value, kinds) or (isinstance(value, bool) and bool not in kinds):
            names = " or ".join(k.__name__ for k in kinds)
            raise ValidationError(
                f"expected {names}, got {type(value).__name__} {value!r}", path=attribute.name
            )

    return check


_natural = v.natural


def _name(_: object, attribute: attrs.Attribute[Any], value: object) -> None:
    if not isinstance(value, str) or not 1 <= len(value) <= 64 or not value.isprintable():
        raise ValidationError(f"{value!r} is not a library name", path=attribute.name)


class CopyState(enum.Enum):
    """Where a copy order is: waiting for a stream, copying, or finished."""

    QUEUED = "queued"
    RUNNING = "running"
    COMPLETED = "completed"
    FAILED = "failed"
    CANCELLED = "cancelled"

    @property
    def is_finished(self) -> bool:
        return self in _FINISHED


_FINISHED = frozenset({CopyState.COMPLETED, CopyState.FAILED, CopyState.CANCELLED})

#: The state changes a copy may make; finished states are final.
COPY_TRANSITIONS: dict[CopyState, frozenset[CopyState]] = {
    CopyState.QUEUED: frozenset({CopyState.RUNNING, CopyState.FAILED, CopyState.CANCELLED}),
    CopyState.RUNNING: frozenset({CopyState.COMPLETED, CopyState.FAILED, CopyState.CANCELLED}),
    CopyState.COMPLETED: frozenset(),
    CopyState.FAILED: frozenset(),
    CopyState.CANCELLED: frozenset(),
}


@attrs.frozen(kw_only=True)
class CopyOrder:
    """Copy virtual cartridge ``source`` of virtual library ``source_library`` onto
    cartridge ``target`` of the attached physical library ``target_library``.

    ``identity`` is the header rewrite: the target's own medium ID, label and barcode
    (when it names a barcode, it must be ``target``'s). ``overwrite`` is what the
    target may be found holding and still be written over (what the catalog released
    on it); by default only a blank target is written.
    """

    source_library: str = attrs.field(validator=_name)
    source: Barcode = attrs.field(validator=_of(Barcode))
    target_library: str = attrs.field(validator=_name)
    target: Barcode = attrs.field(validator=_of(Barcode))
    identity: CopyIdentity = attrs.field(validator=_of(CopyIdentity))
    overwrite: Overwrite = attrs.field(factory=Overwrite, validator=_of(Overwrite))

    def __attrs_post_init__(self) -> None:
        if self.identity.barcode is not None and self.identity.barcode != self.target:
            raise ValidationError(
                f"the identity names barcode {self.identity.barcode}, the target is {self.target}",
                path="identity.barcode",
            )


@attrs.frozen
class CopyHandle:
    """What :meth:`VirtualLibrarySystem.start_copy` returns: names one copy order."""

    value: str = attrs.field(validator=_of(str))

    def __str__(self) -> str:
        return self.value


@attrs.frozen(kw_only=True)
class CopyResult:
    """The state of a copy order, as :meth:`VirtualLibrarySystem.poll` reports it.

    ``bytes_copied`` counts the bytes of the blocks written to the target, header
    included. ``digest`` is the :class:`~smartmedia.format.PayloadDigest` value of what
    was written after the header, set only when the copy completed and the device
    computed it from the bytes it wrote (``None`` otherwise — e.g. a simulator copying
    synthetic content by size writes no bytes, so it claims no digest). ``error`` says
    why a copy failed or was cancelled; ``faulty_medium`` names the cartridge (source or
    target) a medium error lay with, when the device can tell — a copy runner retires a
    bad target and retries elsewhere, but gives up on a bad source. ``refused_target``
    says the VLS did not write the target because its first block holds data the order's
    ``overwrite`` does not release (``error`` says what it holds; nothing was written,
    so a runner records what the cartridge holds and picks another). ``drive`` is the
    physical drive that wrote the target; ``started`` and ``finished`` are device clock
    times (seconds).
    """

    handle: CopyHandle = attrs.field(validator=_of(CopyHandle))
    order: CopyOrder = attrs.field(validator=_of(CopyOrder))
    state: CopyState = attrs.field(validator=_of(CopyState))
    bytes_copied: int = attrs.field(default=0, validator=_natural)
    digest: int | None = attrs.field(default=None)
    error: str | None = attrs.field(default=None)
    faulty_medium: Barcode | None = attrs.field(default=None, validator=v.optional(_of(Barcode)))
    drive: DriveSerial | None = attrs.field(default=None)
    started: float | None = attrs.field(default=None)
    finished: float | None = attrs.field(default=None)
    refused_target: bool = attrs.field(default=False, validator=_of(bool))

    def __attrs_post_init__(self) -> None:
        if self.digest is not None and (type(self.digest) is not int or self.digest < 0):
            raise ValidationError(f"not an unsigned integer: {self.digest!r}", path="digest")
        if self.digest is not None and self.state is not CopyState.COMPLETED:
            raise ValidationError("only a completed copy has a digest", path="digest")
        failed = self.state in (CopyState.FAILED, CopyState.CANCELLED)
        if (self.error is not None) != failed:
            raise ValidationError(
                "a failed or cancelled copy, and only such a copy, has an error", path="error"
            )
        if self.refused_target and self.state is not CopyState.FAILED:
            raise ValidationError("only a failed copy refused its target", path="refused_target")

    def check(self) -> CopyResult:
        """This result, or :class:`~smartmedia.errors.CopyFailed` if it did not complete."""
        if self.state in (CopyState.FAILED, CopyState.CANCELLED):
            raise CopyFailed(
                f"copy {self.handle} of {self.order.source} to {self.order.target} "
                f"{self.state.value}: {self.error}"
            )
        if self.state is not CopyState.COMPLETED:
            raise CopyFailed(f"copy {self.handle} has not finished ({self.state.value})")
        return self


@attrs.frozen(kw_only=True)
class VirtualCartridge:
    """A cartridge of a virtual library: where it is and how full."""

    library: str = attrs.field(validator=_name)
    barcode: Barcode = attrs.field(validator=_of(Barcode))
    capacity: int = attrs.field(validator=_natural)
    bytes_used: int = attrs.field(validator=_natural)
    write_protected: bool = attrs.field(default=False, validator=_of(bool))


@runtime_checkable
class VirtualLibrarySystem(Protocol):
    """A VLS: virtual libraries for the application, a copy engine behind them.

    Errors: naming a library or cartridge the VLS does not have is a caller error
    (:class:`~smartmedia.errors.ValidationError`); so is an unknown handle. Problems met
    while copying do not raise: they end the copy ``FAILED`` with an ``error``.
    """

    def virtual_libraries(self) -> tuple[TapeLibrary, ...]:
        """The virtual libraries the backup application sees (``visible``)."""
        ...

    def physical_libraries(self) -> tuple[TapeLibrary, ...]:
        """The physical libraries attached behind the VLS (not ``visible``)."""
        ...

    def create_cartridge(
        self, library: str, barcode: Barcode, capacity: int | None = None
    ) -> VirtualCartridge:
        """A new blank cartridge in a free slot of virtual library ``library``."""
        ...

    def cartridges(self, library: str) -> tuple[VirtualCartridge, ...]:
        """The cartridges of virtual library ``library``, with the bytes each holds."""
        ...

    def delete_cartridge(self, library: str, barcode: Barcode) -> None:
        """Delete a cartridge and its data (:class:`~smartmedia.errors.ElementBusy`
        while it is in a drive)."""
        ...

    def start_copy(self, order: CopyOrder) -> CopyHandle:
        """Queue ``order``; it runs when a copy stream and a drive are free."""
        ...

    def poll(self, handle: CopyHandle) -> CopyResult:
        """The order's state now (does not wait)."""
        ...

    def wait(
        self, handles: Sequence[CopyHandle], timeout: float | None = None
    ) -> tuple[CopyResult, ...]:
        """Wait until every order of ``handles`` finished, or ``timeout`` seconds passed;
        their results, in the order of ``handles``."""
        ...

    def cancel(self, handle: CopyHandle) -> None:
        """Ask the order to stop; it ends ``CANCELLED`` unless it finished already."""
        ...
