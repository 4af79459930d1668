"""The catalog contract: :class:`CatalogView` (queries) and :class:`Catalog` (changes too).

Each method's docstring is its contract: preconditions, effects, and the errors raised.
Every error is a :class:`~smartmedia.errors.CatalogError` subclass:
:class:`~smartmedia.errors.UnknownEntity` (no such medium, pool, session, job...),
:class:`~smartmedia.errors.DuplicateEntity` (it exists already),
:class:`~smartmedia.errors.ConflictError` (the change contradicts the records),
:class:`~smartmedia.errors.ProtectedMedium` (data still protected),
:class:`~smartmedia.errors.InvalidRecord` (a value that cannot be recorded) and
:class:`~smartmedia.errors.SchemaError` (an unusable database file).
A method that raises has changed nothing.
"""

from __future__ import annotations

import datetime as _dt
from collections.abc import Sequence
from typing import TYPE_CHECKING, Protocol

from smartmedia.catalog._values import (
    Allocation,
    CheckReport,
    CopyJob,
    CopyJobState,
    CopyRecord,
    ImportReport,
    Position,
    RecycleResult,
    RestoreCandidate,
)
from smartmedia.model import (
    Barcode,
    Library,
    Location,
    MediaPool,
    Medium,
    MediumId,
    ObjectVersion,
    Protection,
    Session,
    SessionId,
    SessionStatus,
)

if TYPE_CHECKING:
    from smartmedia.catalog._export import CatalogExport
    from smartmedia.format import MediumContents

__all__ = ["Catalog", "CatalogView"]


class CatalogView(Protocol):
    """What can be asked of a catalog. Nothing here changes it."""

    def pool(self, name: str) -> MediaPool:
        """The pool ``name``; :class:`UnknownEntity` if there is none."""

    def pools(self) -> list[MediaPool]:
        """Every pool, by name."""

    def library(self, name: str) -> Library:
        """The layout of library ``name`` (its elements, without cartridges: where media
        are is :attr:`Medium.location`); :class:`UnknownEntity` if there is none."""

    def libraries(self) -> list[Library]:
        """Every library's layout, by name."""

    def medium(self, medium_id: MediumId) -> Medium:
        """The medium ``medium_id``; :class:`UnknownEntity` if there is none."""

    def media(self, *, pool: str | None = None) -> list[Medium]:
        """Every medium (of ``pool``), by ID."""

    def media_with_barcode(self, barcode: Barcode) -> list[Medium]:
        """The media labelled ``barcode`` (one per library at most), by ID."""

    def session(self, session_id: SessionId) -> Session:
        """The session ``session_id``; :class:`UnknownEntity` if there is none."""

    def sessions(self, *, since: _dt.datetime | None = None) -> list[Session]:
        """Sessions (started at or after ``since``), in session-ID order."""

    def object_versions(self, session_id: SessionId) -> list[ObjectVersion]:
        """The object versions of a session, by object."""

    def media_of_session(self, session_id: SessionId, *, copies: bool = False) -> list[Medium]:
        """The media holding data of a session, originals only unless ``copies``.

        Ordered by the order the session wrote them in (first span first). This is the
        list a post-backup copy works through.
        """

    def positions_on_medium(self, medium_id: MediumId) -> list[Position]:
        """Every piece of an object version on the medium, in block order."""

    def sessions_on_medium(self, medium_id: MediumId) -> list[Session]:
        """The sessions with data on the medium, in session-ID order."""

    def copies_of(self, medium_id: MediumId) -> list[CopyRecord]:
        """The copies of an original (none for a copy), oldest first."""

    def not_yet_copied(self, pool: str, *, since: _dt.datetime, copies: int = 1) -> list[Medium]:
        """Originals of ``pool`` written at or after ``since`` that have fewer than
        ``copies`` copies and are not being copied now, by last write.

        The selection of a scheduled "copy what is not copied yet" run.
        :class:`InvalidRecord` if ``copies`` < 1; :class:`UnknownEntity` for an unknown
        pool.
        """

    def restore_candidates(self, version: ObjectVersion) -> list[RestoreCandidate]:
        """Every medium holding a piece of ``version`` (matched by object and session).

        One candidate per piece and medium, ordered by span, then visible before
        invisible, then originals before copies. A restore needs, for every span, one
        candidate of that span; pieces of the same span on an original and its copies
        are interchangeable. :class:`UnknownEntity` if the version is not recorded.
        """

    def copy_job(self, job_id: int) -> CopyJob:
        """The copy job ``job_id``; :class:`UnknownEntity` if there is none."""

    def copy_jobs(self, *, state: CopyJobState | None = None) -> list[CopyJob]:
        """Copy jobs (in ``state``), by ID."""

    def latest_time(self) -> _dt.datetime | None:
        """The latest instant recorded anywhere in the catalog (``None`` if it is empty):
        a clock that restarts must not go back behind it."""

    def expired_media(self, at: _dt.datetime, *, pool: str | None = None) -> list[Medium]:
        """Media holding data whose protection has ended by ``at`` and that no copy job
        holds: what :meth:`Catalog.expire` would recycle."""

    def check(self) -> CheckReport:
        """Verify every invariant of the catalog and report what is broken.

        Every copy links to an existing original; no place holds two media and no
        barcode is twice in one library; positions never overlap on a medium and lie
        on media holding data; a copy job is reserved (and holds its media), completed
        with a verified copy, or released (and holds nothing); plus SQLite's own
        integrity and foreign-key checks.
        """

    def export(self) -> CatalogExport:
        """The whole catalog as one value (serialise it with the library's converter)."""


class Catalog(CatalogView, Protocol):
    """A catalog that can be changed. Every method is one transaction: all or nothing."""

    def add_pool(self, pool: MediaPool) -> None:
        """Record a pool. Its free pool, if any, must be recorded first.

        :class:`DuplicateEntity` if a pool of that name exists.
        """

    def add_library(self, library: Library) -> None:
        """Record a library's name, visibility and layout (cartridges are ignored: place
        media with :meth:`add_medium` and :meth:`move_medium`).

        :class:`DuplicateEntity` if a library of that name exists.
        """

    def allocate(self, pool: str) -> Allocation:
        """A new medium ID (held by no medium) and the pool's next free label, e.g.
        ``Vault_12``. The pool's counter only moves forward, so two allocations never
        return the same label. :class:`UnknownEntity` for an unknown pool."""

    def add_medium(self, medium: Medium) -> None:
        """Record a medium.

        Its pool must exist and hold its media type; its location must be free (and,
        in a library, an element the library has); its barcode must not be in the same
        library already; a copy's original must be a recorded original.
        """

    def update_medium(self, medium: Medium) -> None:
        """Replace the record of an existing medium (same ID) with ``medium``.

        The same checks as :meth:`add_medium`; the copy lineage (``original``,
        ``copy_generation``) cannot change here (copy jobs, :meth:`promote_copy` and
        :meth:`recycle` change it), nor can media type or capacity of a medium with data.
        """

    def move_medium(self, medium_id: MediumId, location: Location) -> Medium:
        """Record that the medium is now at ``location``; returns the updated medium.

        :class:`ConflictError` if another medium is there, or if a copy job holds the
        medium and ``location`` is outside a library; :class:`DuplicateEntity` if the
        library already holds a medium with the same barcode; :class:`UnknownEntity`
        for an unknown medium, library or element.
        """

    def record_session(
        self,
        session: Session,
        versions: Sequence[ObjectVersion] = (),
        positions: Sequence[Position] = (),
    ) -> None:
        """Record a new session with its object versions and where their pieces lie.

        Every version belongs to ``session``; every position names a version of this
        call or one already recorded for the session, on a recorded medium, without
        overlapping another position, on a medium that holds data (record its new
        state with :meth:`update_medium` first) and is not a copy. Each medium's
        ``first_written`` / ``last_written`` are widened to cover the backup times of
        the versions placed on it. The session ID may not be dated after its own start
        or after any of its versions' backup times (:class:`InvalidRecord`; dates are
        compared in the time zone furthest ahead, so no local date is refused).
        """

    def extend_session(
        self,
        session_id: SessionId,
        versions: Sequence[ObjectVersion] = (),
        positions: Sequence[Position] = (),
    ) -> None:
        """Add versions and positions to a recorded session that is still in progress."""

    def finish_session(
        self, session_id: SessionId, status: SessionStatus, ended: _dt.datetime
    ) -> Session:
        """Close a session in progress with its final ``status``; returns it.

        :class:`ConflictError` if it is finished already or ``ended`` is before its start.
        """

    def reserve_copy(
        self, source: MediumId, targets: Sequence[MediumId], *, at: _dt.datetime
    ) -> CopyJob:
        """Reserve ``source`` and ``targets`` (in span order) for a copy; returns the job.

        The source must be an original holding data; each target must hold no data
        (blank or empty) and not be protected; no medium may be reserved by another
        job. :class:`ConflictError` otherwise.
        """

    def complete_copy(
        self,
        job_id: int,
        copies: Sequence[Medium],
        *,
        verified: bool,
        digest: str,
        at: _dt.datetime,
        positions: Sequence[Position] | None = None,
    ) -> CopyJob:
        """Record a verified copy: one new medium per target, linked to the source.

        Refused (:class:`ConflictError`, nothing recorded, job still reserved) unless
        ``verified`` is True and ``digest`` is not empty. ``copies[i]`` replaces
        ``targets[i]`` (same cartridge: same barcode when the target had one), names
        the source as its original with generation 1, and holds data. Every piece of
        every object version on the source is recorded on the copies: at ``positions``
        when given (pieces on the copies, same spans, same block counts), else at the
        source's block numbers on a single copy. The source and the copies become
        non-appendable. The job becomes completed; reservations are released.
        """

    def release_copy(self, job_id: int, *, reason: str, at: _dt.datetime) -> CopyJob:
        """Fail or cancel a reserved copy: release its media, record nothing of the copy.

        :class:`ConflictError` if the job is not reserved.
        """

    def promote_copy(self, copy_id: MediumId) -> Medium:
        """Make a copy the original of its line; returns the promoted medium.

        Its former original and the other copies become copies of it (generation 1).
        """

    def recycle(self, medium_id: MediumId, *, at: _dt.datetime) -> RecycleResult:
        """Free a medium whose protection has ended: forget its positions, make it empty.

        An original's oldest copy (if any) is promoted first, so the data stays
        recorded. :class:`ProtectedMedium` if still protected at ``at``;
        :class:`ConflictError` if a copy job holds it.
        """

    def expire(self, at: _dt.datetime, *, pool: str | None = None) -> list[RecycleResult]:
        """Recycle every medium of :meth:`expired_media` in one transaction."""

    def import_contents(
        self, contents: MediumContents, *, location: Location, protection: Protection
    ) -> ImportReport:
        """Record what a medium holds, from its scan (``MediumReader.scan()``).

        A medium new to the catalog is recorded from its header (pool created if
        unknown; ``location`` and ``protection`` as given; non-appendable, or full when
        a session goes on on another medium), with its sessions, object versions and
        positions. A copy is recorded as a copy of its original if the catalog holds
        it (holding data); otherwise as a copy of the one original holding the same
        pieces at the same blocks, or else as an original (a warning says which).
        Sessions are recorded in progress until a medium with their end is imported.
        Spans and sizes of versions cut across media grow piece by piece, so media can
        be imported in any order with the same result (see ``docs/catalog.md``).

        Importing a known medium again changes nothing. :class:`ConflictError` if the
        catalog knows the medium ID with other contents (another formatting, a version at
        other blocks, a recorded piece the undamaged medium does not hold, a version the
        catalog does not know among the recorded data), a session or version of the
        medium differs from its
        record, or a piece contradicts the recorded versions; :class:`DuplicateEntity`
        if the barcode is in the library of ``location`` already, or a piece of an
        original is recorded on another original; :class:`InvalidRecord` for a header
        the catalog cannot record. Damaged media import what can be read; the report's
        warnings name what could not.
        """

    def load(self, export: CatalogExport) -> None:
        """Fill an empty catalog from an export; :class:`ConflictError` if not empty."""

    def close(self) -> None:
        """Release the database; the catalog cannot be used afterwards."""
