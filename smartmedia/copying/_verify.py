"""What a copy is checked against: the source's payload digest, read through a drive.

The VLS reports the digest of what it wrote after the target's header; a correct copy
has the source's digest. The source's digest is taken by reading the source through a
drive of its (virtual) library with :meth:`MediumReader.verify`, which also checks every
block of the source. With ``read_back``, the target is read back through a drive of the
library it is in, and must verify, carry the digest, and name the source as original.
"""

from __future__ import annotations

import datetime as _dt

import attrs

from smartmedia.copying._mount import mounted
from smartmedia.devices import TapeLibrary
from smartmedia.errors import VerificationFailed
from smartmedia.format import MediumHeader, MediumReader, VerifyReport
from smartmedia.model import (
    Barcode,
    Location,
    MediaType,
    Medium,
    MediumId,
    MediumState,
    Protection,
)

__all__ = ["ReadBack", "copy_medium", "digest_text", "read_back", "source_digest"]


def copy_medium(
    source: Medium,
    target: Medium,
    *,
    medium_id: MediumId,
    label: str,
    media_type: MediaType,
    pool: str,
    protection: Protection,
    location: Location,
    now: _dt.datetime,
) -> Medium:
    """What the catalog records a verified copy of ``source`` on cartridge ``target`` as:
    a new, non-appendable medium of its own, linked to ``source`` (generation 1), written
    once more than the cartridge was, keeping the cartridge's capacity and condition."""
    return Medium(
        id=medium_id,
        label=label,
        media_type=media_type,
        pool=pool,
        capacity=target.capacity,
        formatted_at=now,
        barcode=target.barcode,
        bytes_used=min(source.bytes_used, target.capacity),
        write_count=target.write_count + 1,
        first_written=now,
        last_written=now,
        protection=protection,
        location=location,
        condition=target.condition,
        state=MediumState.NON_APPENDABLE,
        original=source.id,
        copy_generation=1,
    )


def digest_text(value: int) -> str:
    """How digests are recorded in the catalog."""
    return f"crc32c:{value:08x}"


def source_digest(library: TapeLibrary, barcode: Barcode) -> VerifyReport:
    """Read the source through a drive of ``library``; its report (digest included).

    Raises :class:`~smartmedia.errors.VerificationFailed` if the source has damaged
    blocks or was never closed: a copy of it would not verify either.
    """
    with mounted(library, barcode) as drive:
        report = MediumReader(drive).verify()
    if not report.ok:
        first = report.damaged[0] if report.damaged else None
        why = f"block {first.block}: {first.message}" if first else "the medium was not closed"
        raise VerificationFailed(f"source {barcode} does not verify ({why})")
    return report


@attrs.frozen
class ReadBack:
    header: MediumHeader
    report: VerifyReport


def read_back(library: TapeLibrary, barcode: Barcode, *, source: MediumId, digest: int) -> ReadBack:
    """Read the target back; :class:`VerificationFailed` unless it is a good copy of
    ``source`` with ``digest``."""
    with mounted(library, barcode) as drive:
        reader = MediumReader(drive)
        report = reader.verify()
        header = reader.header
    if not report.ok:
        raise VerificationFailed(f"copy on {barcode} does not verify on read-back")
    if report.digest != digest:
        raise VerificationFailed(
            f"copy on {barcode} reads back with digest {digest_text(report.digest)}, "
            f"the source has {digest_text(digest)}"
        )
    if header.original != source:
        raise VerificationFailed(f"the header on {barcode} does not name {source} as original")
    return ReadBack(header, report)
