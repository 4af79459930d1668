"""Restore moves: finding cartridges, ranking the copies of a version, and carrying a
copy from the library behind the VLS to a library the application sees."""

from __future__ import annotations

import attrs

from smartmedia.catalog import ImportReport, Position, import_medium
from smartmedia.copying._backup_media import element_of
from smartmedia.copying._mount import mount
from smartmedia.copying._restore_values import (
    Move,
    Mover,
    RestoreError,
    RestoreSource,
    SourceRank,
)
from smartmedia.copying._site import Site
from smartmedia.devices import TapeLibrary
from smartmedia.errors import (
    ValidationError,
)
from smartmedia.format import MediumReader
from smartmedia.model import (
    Barcode,
    Location,
    LocationKind,
    Medium,
    MediumId,
    ObjectVersion,
)

__all__ = [
    "import_cartridge",
    "prepare_restore",
    "restore_sources",
]
# ------------------------------------------------------------------------------ where


@attrs.frozen
class _Place:
    library: TapeLibrary
    kind: str
    ordinal: int

    @property
    def location(self) -> Location:
        if self.kind == "slot":
            return Location.slot(self.library.name, self.ordinal)
        if self.kind == "drive":
            return Location.drive(self.library.name, self.ordinal)
        return Location.mail_slot(self.library.name, self.ordinal)


def _libraries(site: Site) -> list[TapeLibrary]:
    return [*site.vls.virtual_libraries(), *site.vls.physical_libraries(), *site.libraries]


def _find(site: Site, barcode: Barcode, prefer: str | None = None) -> _Place | None:
    """Where ``barcode`` is now, asking the libraries (``prefer`` first)."""
    libraries = _libraries(site)
    libraries.sort(key=lambda lib: lib.name != prefer)
    for library in libraries:
        found = element_of(library, barcode)
        if found is not None:
            return _Place(library, found[0], found[2])
    return None


def _visible(site: Site, library: TapeLibrary) -> bool:
    """True if the application drives ``library`` itself (a virtual library, or a visible
    physical one it was given)."""
    if not library.visible:
        return False
    return library.name in {lib.name for lib in site.vls.virtual_libraries()} or any(
        lib.name == library.name for lib in site.libraries
    )


def _reads(library: TapeLibrary, medium: Medium) -> bool:
    return any(d.generation.can_read(medium.media_type) for d in library.inventory().drives)


def _rank(site: Site, medium: Medium) -> tuple[SourceRank, Location, str | None, str]:
    """Rank, current location, library name and reason for one medium."""
    recorded = medium.location
    place = None if medium.barcode is None else _find(site, medium.barcode, recorded.library)
    if place is None:
        if recorded.kind is LocationKind.VAULT:
            return SourceRank.IN_VAULT, recorded, None, f"in vault {recorded.vault}"
        if recorded.is_in_library:
            return (
                SourceRank.MISSING,
                recorded,
                None,
                f"the catalog places it at {recorded}, but {recorded.library} does not hold "
                f"{medium.barcode or 'it'}",
            )
        return SourceRank.MISSING, recorded, None, "no library holds it and no vault is recorded"
    where = place.location
    note = "" if where == recorded else f" (the catalog says {recorded})"
    name = place.library.name
    if not _visible(site, place.library):
        return (
            SourceRank.NEEDS_MOVE,
            where,
            name,
            f"at {where}, behind the VLS: to be exported and carried to a visible library{note}",
        )
    if place.kind == "mail_slot":
        return SourceRank.NEEDS_MOVE, where, name, f"at {where}: to be imported{note}"
    if not _reads(place.library, medium):
        return (
            SourceRank.NEEDS_MOVE,
            where,
            name,
            f"at {where}, but no drive of {name} reads {medium.media_type} media{note}",
        )
    return SourceRank.READABLE, where, name, f"at {where}, readable now{note}"


def restore_sources(site: Site, version: ObjectVersion) -> list[RestoreSource]:
    """Every medium holding a piece of ``version``, best source first.

    Ordered by: protected before expired, then rank (:class:`SourceRank`), then
    originals before copies, then the first span held, then medium ID.
    :class:`~smartmedia.errors.UnknownEntity` if the catalog does not hold the version.
    """
    if not isinstance(version, ObjectVersion):
        raise ValidationError(
            f"expected an ObjectVersion, got {type(version).__name__}", path="version"
        )
    now = site.now()
    by_medium: dict[MediumId, tuple[Medium, list[Position]]] = {}
    for candidate in site.catalog.restore_candidates(version):
        entry = by_medium.setdefault(candidate.medium.id, (candidate.medium, []))
        entry[1].append(candidate.position)
    sources = []
    for medium, positions in by_medium.values():
        rank, location, library, reason = _rank(site, medium)
        expired = medium.is_recyclable(now)
        if expired:
            reason += "; its protection has ended, it may be recycled at any time"
        sources.append(
            RestoreSource(
                medium=medium,
                positions=tuple(sorted(positions, key=lambda p: p.span)),
                rank=rank,
                location=location,
                library=library,
                expired=expired,
                reason=reason,
            )
        )
    sources.sort(key=lambda s: (s.expired, s.rank.order, s.is_copy, min(s.spans), str(s.medium.id)))
    return sources


# ---------------------------------------------------------------------------- moving


def _target_library(site: Site, medium: Medium | None, to_library: str | None) -> TapeLibrary:
    choices = [lib for lib in site.libraries if lib.visible and not lib.inventory().virtual]
    if to_library is not None:
        chosen = next((lib for lib in choices if lib.name == to_library), None)
        if chosen is None:
            raise ValidationError(
                f"{to_library!r} is not a visible physical library of this site "
                f"(those are: {', '.join(lib.name for lib in choices) or 'none'})",
                path="to_library",
            )
        return chosen
    for library in choices:
        if medium is None or _reads(library, medium):
            return library
    kind = "" if medium is None else f" with a drive that reads {medium.media_type} media"
    raise RestoreError(f"this site has no visible physical library{kind} to restore from")


def _record(site: Site, medium: MediumId | None, location: Location) -> None:
    if medium is not None:
        site.catalog.move_medium(medium, location)


def _mail_ordinal(library: TapeLibrary, address: int) -> int:
    for element in library.inventory().mail_slots:
        if element.address == address:
            return element.ordinal
    raise RestoreError(f"library {library.name} has no mail slot at address {address}")


def _import_mail(site: Site, library: TapeLibrary, moves: list[Move]) -> None:
    """Import every cartridge in ``library``'s mail slots; record the known ones' slots."""
    before = {
        e.cartridge.barcode: e.ordinal
        for e in library.inventory().mail_slots
        if e.cartridge is not None and e.cartridge.barcode is not None
    }
    library.import_()
    for barcode, ordinal in before.items():
        found = element_of(library, barcode)
        if found is None or found[0] != "slot":
            continue
        known = _known_medium(site, barcode)
        destination = Location.slot(library.name, found[2])
        _record(site, known, destination)
        moves.append(
            Move(
                barcode=barcode,
                medium=known,
                origin=Location.mail_slot(library.name, ordinal),
                destination=destination,
                by=Mover.ROBOT,
            )
        )


def _known_medium(site: Site, barcode: Barcode, *, holding_data: bool = False) -> MediumId | None:
    """The catalog's medium on cartridge ``barcode``: the one holding data if there is
    one, else (unless ``holding_data``) the only one recorded."""
    media = site.catalog.media_with_barcode(barcode)
    holding = [m for m in media if m.state.holds_data]
    if len(holding) == 1:
        return holding[0].id
    if not holding and not holding_data and len(media) == 1:
        return media[0].id
    return None


def prepare_restore(
    site: Site, source: RestoreSource | Barcode, *, to_library: str | None = None
) -> list[Move]:
    """Make ``source`` readable; returns the moves made (none if it is readable already).

    A cartridge in the physical library behind the VLS is exported to a mail slot,
    carried by the site's operator to a mail slot of ``to_library`` (default: the first
    visible physical library with a drive that reads it) and imported there; one in a
    mail slot of a visible library is imported. Each step is recorded in the catalog
    (:meth:`Catalog.move_medium`). ``source`` may be a bare barcode: a cartridge the
    catalog does not know (its records were purged) is then moved the same way and
    imported into the catalog by reading it (:func:`import_cartridge`).

    Raises :class:`RestoreError` for what no robot or operator of the site can do
    (a cartridge in a vault, or nowhere to be found, or no operator), and the device
    and catalog errors of the moves.
    """
    if isinstance(source, RestoreSource):
        barcode = source.medium.barcode
        medium_id: MediumId | None = source.medium.id
        medium: Medium | None = source.medium
        if barcode is None:
            raise RestoreError(f"medium {source.medium.id} has no barcode: no robot can move it")
    elif isinstance(source, Barcode):
        barcode = source
        medium_id = _known_medium(site, barcode, holding_data=True)
        medium = None if medium_id is None else site.catalog.medium(medium_id)
    else:
        raise ValidationError(
            f"expected a RestoreSource or a Barcode, got {type(source).__name__}", path="source"
        )
    if to_library is not None:
        _target_library(site, None, to_library)  # refuse a bad name before moving anything
    place = _find(site, barcode)
    moves: list[Move] = []
    if place is None:
        where = medium.location if medium is not None else Location.unknown()
        if where.kind is LocationKind.VAULT:
            raise RestoreError(
                f"{barcode} is in vault {where.vault}: have it put into a mail slot of a "
                "visible library, then prepare the restore again"
            )
        raise RestoreError(f"no library of this site holds {barcode} (the catalog says {where})")
    if (
        _visible(site, place.library)
        and place.kind != "mail_slot"
        and (medium is None or _reads(place.library, medium))
    ):
        if medium_id is None:
            import_cartridge(site, barcode, library=place.library.name)
        elif medium is not None and medium.location != place.location:
            _record(site, medium_id, place.location)  # the catalog had it elsewhere
        return moves
    if _visible(site, place.library) and place.kind == "mail_slot":
        target = place.library
    else:
        target = _target_library(site, medium, to_library)
        moves += _carry(site, place, target, barcode, medium_id)
    _import_mail(site, target, moves)
    if medium_id is None:
        import_cartridge(site, barcode, library=target.name)
    return moves


def _carry(
    site: Site, place: _Place, target: TapeLibrary, barcode: Barcode, medium: MediumId | None
) -> list[Move]:
    """Out of ``place``'s library through its mail slot, into a mail slot of ``target``."""
    if site.operator is None:
        raise RestoreError(
            f"{barcode} is at {place.location} and this site has no operator to carry it"
        )
    library = place.library
    moves = []
    origin = place.location
    if place.kind == "drive":
        raise RestoreError(f"{barcode} is in a drive of {library.name} (in use)")
    if place.kind == "slot":
        slot = next(s for s in library.inventory().slots if s.ordinal == place.ordinal)
        mail = Location.mail_slot(
            library.name, _mail_ordinal(library, library.export(slot.address))
        )
        moves.append(
            Move(barcode=barcode, medium=medium, origin=origin, destination=mail, by=Mover.ROBOT)
        )
        _record(site, medium, mail)
        origin = mail
    site.operator.carry(barcode, library.name, target.name)
    arrived = element_of(target, barcode)
    if arrived is None or arrived[0] != "mail_slot":
        raise RestoreError(
            f"the operator carried {barcode} from {library.name}, but no mail slot of "
            f"{target.name} holds it"
        )
    destination = Location.mail_slot(target.name, arrived[2])
    _record(site, medium, destination)
    moves.append(
        Move(
            barcode=barcode,
            medium=medium,
            origin=origin,
            destination=destination,
            by=Mover.OPERATOR,
        )
    )
    return moves


def import_cartridge(site: Site, barcode: Barcode, *, library: str) -> ImportReport:
    """Record in the catalog what cartridge ``barcode`` holds, by reading it.

    The cartridge must be in a storage slot of ``library``, a library the application
    drives; it is loaded into a free drive, scanned (:meth:`MediumReader.scan`), recorded
    with :func:`smartmedia.catalog.import_medium` at its slot, and put back.
    """
    chosen = site.library(library)
    if not _visible(site, chosen):
        raise ValidationError(
            f"library {library} is not one the application drives", path="library"
        )
    found = element_of(chosen, barcode)
    if found is None or found[0] != "slot":
        raise ValidationError(f"{barcode} is not in a storage slot of {library}", path="barcode")
    inventory = chosen.inventory()
    cartridge = next(s.cartridge for s in inventory.slots if s.ordinal == found[2])
    assert cartridge is not None
    mounted = mount(chosen, barcode, cartridge.media_type)
    try:
        return import_medium(
            site.catalog,
            MediumReader(mounted.drive),
            location=Location.slot(chosen.name, found[2]),
        )
    finally:
        mounted.release()
