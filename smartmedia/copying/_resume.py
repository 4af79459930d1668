"""Resuming after a crash: every copy job still reserved is settled.

A runner that dies leaves reservations behind. For each, the target is read back: a copy
that finished and verifies against its source is committed; anything else is released,
and its target is scratch again. Nothing is recorded that does not verify.
"""

from __future__ import annotations

import attrs

from smartmedia.copying._site import Site
from smartmedia.copying._verify import copy_medium, digest_text, read_back, source_digest
from smartmedia.errors import SmartMediaError
from smartmedia.model import MediumId
from smartmedia.model import _validators as v

__all__ = ["ResumeReport", "resume"]


@attrs.frozen(kw_only=True)
class ResumeReport:
    """Jobs committed (their copies) and released (their sources, to copy again)."""

    committed: tuple[MediumId, ...] = attrs.field(default=(), validator=v.tuple_of(MediumId))
    released: tuple[MediumId, ...] = attrs.field(default=(), validator=v.tuple_of(MediumId))
    reasons: tuple[str, ...] = attrs.field(default=(), validator=v.tuple_of(str))


def resume(site: Site) -> ResumeReport:
    """Settle every reserved copy job of ``site``'s catalog."""
    from smartmedia.catalog import CopyJobState

    catalog = site.catalog
    committed: list[MediumId] = []
    released: list[MediumId] = []
    reasons: list[str] = []
    for job in catalog.copy_jobs(state=CopyJobState.RESERVED):
        try:
            if len(job.targets) != 1:
                raise SmartMediaError("a copy onto several targets cannot be checked here")
            source = catalog.medium(job.source)
            target = catalog.medium(job.targets[0])
            if source.barcode is None or source.location.library is None:
                raise SmartMediaError(f"source {source.id} cannot be read")
            if target.barcode is None:
                raise SmartMediaError(f"target {target.id} has no barcode")
            digest = source_digest(site.library(source.location.library), source.barcode).digest
            library = site.library(target.location.library or site.target_library)
            back = read_back(library, target.barcode, source=source.id, digest=digest)
            now = site.now()
            copy = copy_medium(
                source,
                target,
                medium_id=back.header.medium_id,
                label=back.header.label,
                media_type=target.media_type,
                pool=target.pool,
                protection=source.protection,
                location=target.location,
                now=now,
            )
            catalog.complete_copy(job.id, [copy], verified=True, digest=digest_text(digest), at=now)
            committed.append(copy.id)
        except SmartMediaError as error:
            reason = f"not finished before the runner stopped: {type(error).__name__}: {error}"
            catalog.release_copy(job.id, reason=reason[:500], at=site.now())
            released.append(job.source)
            reasons.append(reason)
    return ResumeReport(
        committed=tuple(committed), released=tuple(released), reasons=tuple(reasons)
    )
