"""Reconciling a site: the devices and the catalog are two durable systems.

Devices keep their own state (a robot move has happened once it returned; a cartridge
holds what was written on it); the catalog keeps its records. A command killed between a
device change and the catalog change that describes it leaves them disagreeing, so a site
is reconciled when it opens, never assumed to agree. :func:`reconcile` settles, in order:

1. cartridges left in drives are unloaded and put into a free storage slot;
2. copy jobs still reserved are settled (:func:`~smartmedia.copying.resume`: a copy that
   finished and verifies is recorded, anything else released);
3. locations: the changers' inventories are the truth of where a cartridge is; a medium
   recorded elsewhere is moved in the catalog, one recorded in a library that does not
   hold it is reported missing (its last known location is kept);
4. media the catalog records as holding no data whose cartridge starts with their own
   medium header — an original, never a copy — are imported (what they hold whole is
   recorded, nothing is guessed). A copy is recorded only by verifying it against its
   source (step 2); a target that holds part of a copy stays scratch;
5. sessions still *in progress* — no command runs them any more, the site is opened by
   one command at a time — are closed as ``Aborted``, after step 4 recorded what they
   wrote whole.

Cartridges the catalog does not know are reported when they hold data (ours or a foreign
format); blank ones are scratch and not worth a line. Nothing here raises for a
disagreement: each becomes a :class:`Disagreement` of the report, settled or not.
"""

from __future__ import annotations

import enum
from collections.abc import Callable, Sequence

import attrs

from smartmedia.catalog import import_medium
from smartmedia.copying._mount import mount
from smartmedia.copying._resume import ResumeReport, resume
from smartmedia.copying._site import Site
from smartmedia.devices import DriveState, TapeLibrary
from smartmedia.errors import SmartMediaError
from smartmedia.format import Identified, MediumKind, MediumReader
from smartmedia.model import Barcode, Location, Medium, SessionStatus
from smartmedia.model import _validators as v

__all__ = ["Disagreement", "DisagreementKind", "ReconcileReport", "reconcile"]


class DisagreementKind(enum.Enum):
    """What a :class:`Disagreement` is about."""

    DEVICE_STATE = "device_state"  #: a device could not restore part of its own state
    LEFT_IN_DRIVE = "left_in_drive"  #: a cartridge was found in a drive
    COPY_SETTLED = "copy_settled"  #: a copy job left reserved was recorded or released
    MOVED = "moved"  #: the catalog had a cartridge elsewhere than its library says
    MISSING = "missing"  #: the catalog has a cartridge in a library that does not hold it
    NOT_IN_CATALOG = "not_in_catalog"  #: a cartridge holds data the catalog does not know
    IMPORTED = "imported"  #: a medium recorded empty holds data: what it holds was imported
    SESSION_ABORTED = "session_aborted"  #: a session left in progress was closed


@attrs.frozen(kw_only=True)
class Disagreement:
    """One difference between the devices and the catalog, and whether it was settled."""

    kind: DisagreementKind = attrs.field(validator=v.instance_of(DisagreementKind))
    detail: str = attrs.field(validator=v.instance_of(str))
    barcode: Barcode | None = attrs.field(
        default=None, validator=v.optional(v.instance_of(Barcode))
    )
    settled: bool = attrs.field(default=True, validator=v.instance_of(bool))

    def __str__(self) -> str:
        return f"{'settled' if self.settled else 'reported'}: {self.detail}"


@attrs.frozen(kw_only=True)
class ReconcileReport:
    """Everything :func:`reconcile` found, and what the copy jobs' settling did."""

    disagreements: tuple[Disagreement, ...] = attrs.field(
        default=(), validator=v.tuple_of(Disagreement)
    )
    resumed: ResumeReport = attrs.field(factory=ResumeReport)

    @property
    def unsettled(self) -> tuple[Disagreement, ...]:
        """What still disagrees and needs a person (or an import) to settle it."""
        return tuple(d for d in self.disagreements if not d.settled)

    @property
    def agreed(self) -> bool:
        """True when the devices and the catalog agreed from the start."""
        return not self.disagreements


#: Identifies a cartridge from its first block read without a drive, where the devices
#: allow it (a simulator's store); ``None`` if it cannot be read that way.
Peek = Callable[[Barcode], "Identified | None"]


def _libraries(site: Site) -> list[TapeLibrary]:
    seen: dict[str, TapeLibrary] = {}
    for library in (
        *site.vls.virtual_libraries(),
        *site.vls.physical_libraries(),
        *site.libraries,
    ):
        seen.setdefault(library.name, library)
    return list(seen.values())


def reconcile(
    site: Site,
    *,
    peek: Peek | None = None,
    device_problems: Sequence[str] = (),
) -> ReconcileReport:
    """Bring ``site``'s catalog in line with its devices; see the module docstring.

    ``peek`` tells what a cartridge holds without a mount (used to report unknown
    cartridges that hold data, and to find media recorded empty that hold data);
    ``device_problems`` are what the devices could not restore of their own state, passed
    on into the report.
    """
    found = [
        Disagreement(kind=DisagreementKind.DEVICE_STATE, detail=p, settled=False)
        for p in device_problems
    ]
    libraries = _libraries(site)
    found += _park_drives(libraries)
    resumed = resume(site)
    found += [
        Disagreement(kind=DisagreementKind.COPY_SETTLED, detail=f"copy of {m} recorded")
        for m in resumed.committed
    ] + [
        Disagreement(kind=DisagreementKind.COPY_SETTLED, detail=f"copy of {m} released: {why}")
        for m, why in zip(resumed.released, resumed.reasons, strict=True)
    ]
    found += _locations(site, libraries, peek)
    if peek is not None:
        found += _import_unrecorded(site, peek)
    found += _abort_sessions(site)
    return ReconcileReport(disagreements=tuple(found), resumed=resumed)


def _park_drives(libraries: list[TapeLibrary]) -> list[Disagreement]:
    found = []
    for library in libraries:
        inventory = library.inventory()
        for element in inventory.drives:
            cartridge = element.cartridge
            if cartridge is None:
                continue
            name = cartridge.barcode or "a cartridge without barcode"
            where = f"{name} was in drive {element.ordinal} of {library.name}"
            free = library.inventory().free_slots()
            try:
                if not free:
                    raise SmartMediaError("no free storage slot")
                drive = library.drive(element.address)
                if drive.state is DriveState.LOADED:
                    drive.unload()
                library.move(element.address, free[0].address)
            except SmartMediaError as error:
                found.append(
                    Disagreement(
                        kind=DisagreementKind.LEFT_IN_DRIVE,
                        barcode=cartridge.barcode,
                        detail=f"{where} and stays there: {error}",
                        settled=False,
                    )
                )
                continue
            found.append(
                Disagreement(
                    kind=DisagreementKind.LEFT_IN_DRIVE,
                    barcode=cartridge.barcode,
                    detail=f"{where}: put into slot {free[0].ordinal}",
                )
            )
    return found


def _locations(site: Site, libraries: list[TapeLibrary], peek: Peek | None) -> list[Disagreement]:
    catalog = site.catalog
    known_libraries = {library.name for library in catalog.libraries()}
    actual: dict[Barcode, Location] = {}
    for library in libraries:
        if library.name not in known_libraries:
            continue
        inventory = library.inventory()
        for cartridge in inventory.cartridges():
            if cartridge.barcode is not None:
                location = inventory.location_of(cartridge.barcode)
                if location is not None:
                    actual[cartridge.barcode] = location
    by_barcode: dict[Barcode, list[Medium]] = {}
    for medium in catalog.media():
        if medium.barcode is not None:
            by_barcode.setdefault(medium.barcode, []).append(medium)
    found: list[Disagreement] = []
    wrong: list[tuple[Medium, Location]] = []
    for barcode, media in by_barcode.items():
        here = actual.get(barcode)
        in_library = [m for m in media if m.location.is_in_library]
        if here is None:
            for medium in in_library:
                if medium.location.library in known_libraries:
                    found.append(
                        Disagreement(
                            kind=DisagreementKind.MISSING,
                            barcode=barcode,
                            detail=f"{barcode} ({medium.id}) is recorded in "
                            f"{medium.location}, which does not hold it",
                            settled=False,
                        )
                    )
            continue
        medium = (in_library or media)[0]
        if medium.location != here:
            wrong.append((medium, here))
    # two passes, so that a cartridge can take an element the catalog gave another
    for medium, _ in wrong:
        catalog.move_medium(medium.id, Location.unknown())
    for medium, here in wrong:
        catalog.move_medium(medium.id, here)
        found.append(
            Disagreement(
                kind=DisagreementKind.MOVED,
                barcode=medium.barcode,
                detail=f"{medium.barcode} was recorded in {medium.location}; it is in {here}",
            )
        )
    for barcode in sorted(set(actual) - set(by_barcode)):
        seen = peek(barcode) if peek is not None else None
        if seen is None or seen.kind is MediumKind.BLANK:
            continue
        what = seen.detail if seen.header else f"{seen.kind.value} data ({seen.detail})"
        found.append(
            Disagreement(
                kind=DisagreementKind.NOT_IN_CATALOG,
                barcode=barcode,
                detail=f"{barcode} in {actual[barcode]} holds {what}, unknown to the "
                "catalog (it is never overwritten; import it to record it)",
                settled=False,
            )
        )
    return found


def _import_unrecorded(site: Site, peek: Peek) -> list[Disagreement]:
    found = []
    for medium in site.catalog.media():
        location = medium.location
        if (
            medium.state.holds_data
            or medium.barcode is None
            or not location.is_in_library
            or location.library is None
        ):
            continue
        seen = peek(medium.barcode)
        header = seen.header if seen is not None else None
        if header is None or header.medium_id != medium.id or header.is_copy:
            continue
        try:
            library = site.library(location.library)
            mounted = mount(library, medium.barcode, medium.media_type)
            try:
                report = import_medium(site.catalog, MediumReader(mounted.drive), location=location)
            finally:
                mounted.release()
        except SmartMediaError as error:
            found.append(
                Disagreement(
                    kind=DisagreementKind.IMPORTED,
                    barcode=medium.barcode,
                    detail=f"{medium.barcode} ({medium.id}) is recorded empty but holds data "
                    f"that could not be imported: {error}",
                    settled=False,
                )
            )
            continue
        if report.versions_added or report.positions_added:
            found.append(
                Disagreement(
                    kind=DisagreementKind.IMPORTED,
                    barcode=medium.barcode,
                    detail=f"{medium.barcode} ({medium.id}) was recorded empty and holds "
                    f"data: {len(report.positions_added)} piece(s) of "
                    f"{len(report.versions_added)} new object version(s) imported",
                )
            )
    return found


def _abort_sessions(site: Site) -> list[Disagreement]:
    found = []
    for session in site.catalog.sessions():
        if session.status is not SessionStatus.IN_PROGRESS:
            continue
        ended = max(site.now(), session.started)
        site.catalog.finish_session(session.id, SessionStatus.ABORTED, ended)
        found.append(
            Disagreement(
                kind=DisagreementKind.SESSION_ABORTED,
                detail=f"session {session.id} was in progress when the command running it "
                "ended: closed as Aborted (objects written whole before that stay recorded)",
            )
        )
    return found
