"""Backups: what the backup application does before any copy.

A :class:`BackupWriter` writes one session of objects onto new virtual cartridges of the
site's virtual library through the format's :class:`~smartmedia.format.MediumWriter`,
spans onto a further cartridge whenever one fills, and records the session, its object
versions and the positions of their pieces in the catalog.

Invariants:

* every cartridge it writes is new: a barcode never seen by the VLS nor the catalog, a
  medium ID and label from :meth:`Catalog.allocate`; it is recorded (empty, in its slot)
  before the first block is written, so the catalog never misses a medium that holds data;
* it never writes over a cartridge it did not create: when the VLS already has the
  barcode it picked (a cartridge a crash left behind, or one the catalog does not know,
  which the VLS may hold without showing it in a library), it takes the next free
  barcode and the cartridge's header carries that one; a cartridge it created but could
  not record is deleted again, blank, so nothing is left behind;
* everything that can be checked is checked before any cartridge is created (capacity
  within what the catalog records, block size, prefix, the objects);
* the session is recorded *in progress* before any data is written and finished last;
  its versions and positions are added in one transaction, only for objects written
  whole, after the media that hold them are recorded as holding data;
* a cartridge leaves its drive for its slot after writing (or stays recorded in the
  drive if the drive cannot give it back).

Failure policy: an object whose *source* fails (a file that cannot be read) is left
out and named in :attr:`BackupResult.failed`; the session goes on and ends
``COMPLETED_FAILURE``. A *device* failure (a write error, a dead drive, no cartridge
left) ends the session ``FAILED``: the objects written whole before it stay recorded and
restorable, the medium written when it happened is recorded non-appendable (and poor
after a medium error), and :attr:`BackupResult.error` says what happened. Bad input
raises a :class:`~smartmedia.errors.ValidationError` before anything is written; a site
that cannot take the session (no free slot in the virtual library, cartridges too small
for the drives' early-warning zone, a drive that cannot take the block size) raises it
too, after recording the session as ``FAILED`` with what was complete.
"""

from __future__ import annotations

import contextlib
import datetime as _dt
import re
from collections.abc import Sequence

import attrs

from smartmedia.catalog import Position
from smartmedia.copying._backup_items import (
    BackupItem,
    FailedObject,
    items_from_bytes,
    items_from_directory,
    next_session_id,
)
from smartmedia.copying._backup_media import (
    BackupCartridge,
    CartridgeSink,
    SourceFailed,
    element_of,
    guarded,
)
from smartmedia.copying._mount import mount
from smartmedia.copying._site import Site
from smartmedia.errors import (
    CatalogError,
    DeviceError,
    DuplicateEntity,
    FormatError,
    SmartMediaError,
    ValidationError,
    quote,
)
from smartmedia.format import (
    DEFAULT_SEGMENT_SIZE,
    MAX_BLOCK_SIZE,
    MIN_BLOCK_SIZE,
    MediumHeader,
    MediumWriter,
    ObjectPlacement,
)
from smartmedia.model import (
    BackupObject,
    Barcode,
    Location,
    Medium,
    MediumCondition,
    MediumState,
    ObjectVersion,
    Protection,
    Session,
    SessionId,
    SessionStatus,
    SessionType,
    UsagePolicy,
)

__all__ = [
    "BackupItem",
    "BackupResult",
    "BackupWriter",
    "FailedObject",
    "items_from_bytes",
    "items_from_directory",
    "next_session_id",
]

#: Capacity of a new virtual cartridge unless told otherwise: small, so that sessions of
#: a few hundred megabytes span cartridges (real VLS cartridges are usually larger).
DEFAULT_CAPACITY = 64 << 20
#: Block size of the backups this writer makes (a common VTL setting).
DEFAULT_BACKUP_BLOCK_SIZE = 256 << 10
#: How much a source is read at a time.
DEFAULT_CHUNK_SIZE = 1 << 20
#: The largest cartridge capacity a catalog records (a signed 64-bit integer).
MAX_CAPACITY = (1 << 63) - 1
#: How many taken barcodes a new cartridge skips before the backup gives up.
BARCODE_ATTEMPTS = 100
#: Data protection of backed-up media unless told otherwise: four weeks from the end.
DEFAULT_PROTECTION = _dt.timedelta(weeks=4)


# ------------------------------------------------------------------------------- result


@attrs.frozen(kw_only=True)
class BackupResult:
    """What a backup session did, as the catalog now records it.

    ``media`` are the cartridges written, in the order written (the session's spans);
    ``versions`` the object versions recorded (sizes are the bytes written);
    ``placements`` where each recorded version lies; ``bytes`` the data bytes of the
    recorded versions. ``failed`` names objects left out because their source failed;
    ``error`` says why the session failed, when it did.
    """

    session: Session
    versions: tuple[ObjectVersion, ...]
    media: tuple[Medium, ...]
    placements: tuple[ObjectPlacement, ...]
    bytes: int
    failed: tuple[FailedObject, ...] = ()
    error: str | None = None

    @property
    def ok(self) -> bool:
        """True if the session completed with every object."""
        return self.session.status is SessionStatus.COMPLETED


class BackupWriter:
    """Writes backup sessions onto new cartridges of a virtual library; records them.

    ``pool`` must be a pool of virtual media recorded in the catalog; ``library`` the
    virtual library to create cartridges in (default: the site's ``virtual_library``);
    ``capacity`` the size of each new cartridge (bytes; the VLS's default if ``None``);
    ``protection`` the data protection of the media written: a :class:`Protection`, or
    a period counted from the end of the session. New barcodes are ``barcode_prefix``
    and a counter (``VT0001``...), skipping every barcode the VLS or the catalog knows.
    """

    def __init__(
        self,
        site: Site,
        *,
        pool: str = "VTL",
        library: str | None = None,
        block_size: int = DEFAULT_BACKUP_BLOCK_SIZE,
        segment_size: int = DEFAULT_SEGMENT_SIZE,
        capacity: int | None = DEFAULT_CAPACITY,
        protection: Protection | _dt.timedelta = DEFAULT_PROTECTION,
        specification: str = "",
        barcode_prefix: str = "VT",
    ) -> None:
        if not isinstance(site, Site):
            raise ValidationError(f"expected a Site, got {type(site).__name__}", path="site")
        self.site = site
        self.pool = site.catalog.pool(pool)
        if not self.pool.media_type.is_virtual:
            raise ValidationError(
                f"pool {pool} holds {self.pool.media_type} media; backups go to virtual media",
                path="pool",
            )
        self.library_name = site.virtual_library if library is None else library
        if self.library_name not in {lib.name for lib in site.vls.virtual_libraries()}:
            raise ValidationError(
                f"the VLS has no virtual library named {self.library_name!r}", path="library"
            )
        self.library = site.library(self.library_name)
        if type(block_size) is not int or not MIN_BLOCK_SIZE <= block_size <= MAX_BLOCK_SIZE:
            raise ValidationError(
                f"the block size must be {MIN_BLOCK_SIZE}..{MAX_BLOCK_SIZE} bytes, "
                f"not {block_size!r}",
                path="block_size",
            )
        self.block_size = block_size
        self.segment_size = segment_size
        if capacity is not None and (
            type(capacity) is not int or not 4 * block_size <= capacity <= MAX_CAPACITY
        ):
            raise ValidationError(
                f"a cartridge holds at least four blocks ({4 * block_size} bytes) and "
                f"holds at most {MAX_CAPACITY} bytes, not {quote(capacity)}",
                path="capacity",
            )
        largest = self.pool.media_type.max_capacity
        if capacity is not None and capacity > largest:
            raise ValidationError(
                f"a {self.pool.media_type} cartridge holds at most {largest} bytes, "
                f"not {quote(capacity)}",
                path="capacity",
            )
        self.capacity = capacity
        if not isinstance(protection, Protection | _dt.timedelta):
            raise ValidationError(
                f"expected a Protection or a timedelta, got {type(protection).__name__}",
                path="protection",
            )
        if isinstance(protection, _dt.timedelta) and protection < _dt.timedelta(0):
            raise ValidationError(
                f"a protection period cannot be negative: {protection}", path="protection"
            )
        self.protection = protection
        Session(  # validates the specification as a session would
            id=SessionId(date=_dt.date(2000, 1, 1), number=1),
            type=SessionType.BACKUP,
            status=SessionStatus.IN_PROGRESS,
            started=_dt.datetime(2000, 1, 1, tzinfo=_dt.timezone.utc),
            specification=specification,
        )
        self.specification = specification
        if not re.fullmatch(r"[A-Z][A-Z0-9]{0,5}", barcode_prefix or ""):
            raise ValidationError(
                f"a barcode prefix is 1 to 6 capitals and digits, not {barcode_prefix!r}",
                path="barcode_prefix",
            )
        self.barcode_prefix = barcode_prefix

    # ------------------------------------------------------------------------- public

    def run(self, session_id: SessionId | None, objects: Sequence[BackupItem]) -> BackupResult:
        """Back up ``objects`` in session ``session_id`` (the day's next one if ``None``).

        Returns the session as recorded; see the module's failure policy for what a
        failed source or device leaves behind.
        """
        items = self._check_items(objects)
        session = self._open_session(session_id)
        cartridges: list[BackupCartridge] = []
        placements: list[ObjectPlacement] = []
        failed: list[FailedObject] = []
        writer: MediumWriter | None = None
        try:
            first = self._new_cartridge(cartridges)
            writer = MediumWriter(
                CartridgeSink(self, cartridges, 0),
                first.header,
                next_medium=lambda full: self._next_medium(cartridges),
                now=self.site.now,
            )
            writer.begin_session(
                session.id,
                type=SessionType.BACKUP,
                started=session.started,
                specification=self.specification,
            )
            for item in items:
                version = ObjectVersion(
                    object=item.object, session=session.id, backup_time=self.site.now()
                )
                try:
                    placements.append(writer.write_object(version, guarded(item.source)))
                except SourceFailed as failure:
                    failed.append(FailedObject(object=item.object, reason=_describe(failure.error)))
            status = SessionStatus.COMPLETED_FAILURE if failed else SessionStatus.COMPLETED
            writer.end_session(status, ended=self.site.now())
            writer.close()
            cartridges[-1].closed = True
            self._release(cartridges[-1])
        except (DeviceError, FormatError, ValidationError, CatalogError) as failure:
            self._salvage(writer, cartridges)
            result = self._record(
                session,
                cartridges,
                placements,
                SessionStatus.FAILED,
                failed,
                error=_describe(failure),
            )
            if writer is None or isinstance(failure, ValidationError | CatalogError):
                raise  # the session is recorded as failed; the caller must act
            return result
        except BaseException:
            try:
                self._salvage(writer, cartridges)
                self._record(session, cartridges, placements, SessionStatus.ABORTED, failed)
            except SmartMediaError:
                pass  # the original error says more than this one
            raise
        return self._record(session, cartridges, placements, status, failed)

    # ----------------------------------------------------------------------- session

    def _check_items(self, objects: Sequence[BackupItem]) -> list[BackupItem]:
        if isinstance(objects, BackupItem) or not isinstance(objects, Sequence):
            raise ValidationError(
                f"expected a sequence of BackupItem, got {type(objects).__name__}",
                path="objects",
            )
        if not objects:
            raise ValidationError("a backup session needs at least one object", path="objects")
        seen: dict[BackupObject, int] = {}
        for i, item in enumerate(objects):
            if not isinstance(item, BackupItem):
                raise ValidationError(
                    f"expected a BackupItem, got {type(item).__name__}", path=f"objects[{i}]"
                )
            if item.object in seen:
                raise ValidationError(
                    f"object {item.object} is backed up twice (also objects[{seen[item.object]}])",
                    path=f"objects[{i}].object",
                )
            seen[item.object] = i
        return list(objects)

    def _open_session(self, session_id: SessionId | None) -> Session:
        if session_id is not None and not isinstance(session_id, SessionId):
            raise ValidationError(
                f"expected a SessionId, got {type(session_id).__name__}", path="session_id"
            )
        for _attempt in range(100):
            started = self.site.now()
            chosen = next_session_id(self.site, started) if session_id is None else session_id
            session = Session(
                id=chosen,
                type=SessionType.BACKUP,
                status=SessionStatus.IN_PROGRESS,
                started=started,
                specification=self.specification,
            )
            try:
                self.site.catalog.record_session(session)
            except DuplicateEntity:
                if session_id is not None:
                    raise
                continue  # another writer took the number: take the next one
            return session
        raise DuplicateEntity("no free session number found after 100 attempts")

    # ----------------------------------------------------------------------- media

    def _used_barcodes(self) -> set[Barcode]:
        used = {m.barcode for m in self.site.catalog.media() if m.barcode is not None}
        for library in self.site.vls.virtual_libraries():
            used.update(c.barcode for c in self.site.vls.cartridges(library.name))
        return used

    def _new_barcode(self, planned: set[Barcode]) -> Barcode:
        used = self._used_barcodes() | planned
        prefix = self.barcode_prefix
        width = 6 - len(prefix) if len(prefix) < 6 else 2
        taken = [
            int(str(b)[len(prefix) :])
            for b in used
            if str(b).startswith(prefix) and str(b)[len(prefix) :].isdigit()
        ]
        number = max(taken, default=0) + 1
        return Barcode(f"{prefix}{number:0{width}d}")

    def _new_cartridge(self, cartridges: list[BackupCartridge]) -> BackupCartridge:
        """The session's next cartridge: identity and header now; it is created on the
        VLS, recorded and loaded on its first block (:meth:`_load`)."""
        barcode = self._new_barcode({c.barcode for c in cartridges})
        allocation = self.site.catalog.allocate(self.pool.name)
        header = MediumHeader(
            medium_id=allocation.medium,
            label=allocation.label,
            media_type=self.pool.media_type,
            pool=self.pool.name,
            created=self.site.now(),
            barcode=barcode,
            block_size=self.block_size,
            segment_size=self.segment_size,
            write_count=1,
        )
        cartridge = BackupCartridge(barcode=barcode, header=header)
        cartridges.append(cartridge)
        return cartridge

    def _create(self, cartridge: BackupCartridge, cartridges: list[BackupCartridge]) -> int:
        """Create the cartridge on the VLS under a barcode nobody has; its capacity.

        The VLS refuses a barcode it has already (a leftover of a crash, not shown in
        any library): the cartridge then takes the next free barcode, and its header
        (not written yet) is changed to match. Nothing existing is ever written over.
        """
        if not self.library.inventory().free_slots():
            raise ValidationError(
                f"virtual library {self.library_name} has no free slot for a new cartridge",
                path="library",
            )
        tried: set[Barcode] = set()
        for _attempt in range(BARCODE_ATTEMPTS):
            try:
                created = self.site.vls.create_cartridge(
                    self.library_name, cartridge.barcode, self.capacity
                )
            except ValidationError as error:
                if element_of(self.library, cartridge.barcode) is not None:
                    raise  # not the barcode: the VLS refused for another reason
                tried.add(cartridge.barcode)
                barcode = self._new_barcode({c.barcode for c in cartridges} | tried)
                if not self.library.inventory().free_slots():
                    raise error from None
                cartridge.barcode = barcode
                cartridge.header = attrs.evolve(cartridge.header, barcode=barcode)
                continue
            return created.capacity
        raise ValidationError(
            f"the VLS refused {BARCODE_ATTEMPTS} new barcodes (last {cartridge.barcode}): "
            "it holds cartridges no library shows",
            path="barcode",
        )

    def _load(self, cartridge: BackupCartridge, cartridges: list[BackupCartridge]) -> None:
        """Create the cartridge on the VLS, record it (empty, in its slot), load it."""
        capacity = self._create(cartridge, cartridges)
        barcode, header = cartridge.barcode, cartridge.header
        where = element_of(self.library, barcode)
        if where is None or where[0] != "slot":
            self._undo_create(barcode)
            raise ValidationError(
                f"the VLS created {barcode} but library {self.library_name} does not show it "
                "in a slot",
                path="library",
            )
        medium = Medium(
            id=header.medium_id,
            label=header.label,
            media_type=header.media_type,
            pool=header.pool,
            capacity=capacity,
            formatted_at=header.created,
            barcode=barcode,
            state=MediumState.EMPTY,
            location=Location.slot(self.library_name, where[2]),
        )
        try:
            self.site.catalog.add_medium(medium)
        except CatalogError:
            self._undo_create(barcode)  # blank and unrecorded: leave nothing behind
            raise
        cartridge.medium = medium
        cartridge.mounted = mount(self.library, barcode, self.pool.media_type)
        cartridge.started = self.site.now()
        drive = cartridge.mounted.drive
        if drive.max_block_size < self.block_size:
            raise ValidationError(
                f"drive {drive.serial} takes blocks of at most {drive.max_block_size} bytes, "
                f"not {self.block_size}",
                path="block_size",
            )

    def _undo_create(self, barcode: Barcode) -> None:
        with contextlib.suppress(SmartMediaError):
            self.site.vls.delete_cartridge(self.library_name, barcode)

    def _next_medium(self, cartridges: list[BackupCartridge]) -> tuple[CartridgeSink, MediumHeader]:
        """The writer's spanning callback: the next cartridge, loaded on its first block."""
        full = cartridges[-1]
        full.full = True
        if full.warned_at == 1:
            raise ValidationError(
                f"cartridge {full.barcode} reached early warning with its header: cartridges "
                f"of {self.capacity} bytes are too small for the drives of {self.library_name}",
                path="capacity",
            )
        cartridge = self._new_cartridge(cartridges)
        return CartridgeSink(self, cartridges, len(cartridges) - 1), cartridge.header

    def _release(self, cartridge: BackupCartridge) -> None:
        if cartridge.mounted is None:
            return
        cartridge.finished = self.site.now()
        ordinal = cartridge.mounted.release()
        cartridge.mounted = None
        if cartridge.medium is not None and cartridge.medium.location.ordinal != ordinal:
            cartridge.medium = attrs.evolve(
                cartridge.medium, location=Location.slot(self.library_name, ordinal)
            )

    def _salvage(self, writer: MediumWriter | None, cartridges: list[BackupCartridge]) -> None:
        """After a failure: close what can be closed, give the cartridges back if possible."""
        if writer is not None:
            with contextlib.suppress(SmartMediaError):
                writer.end_session(SessionStatus.FAILED, ended=self.site.now())
            with contextlib.suppress(SmartMediaError):
                writer.close()
                if cartridges:
                    cartridges[-1].closed = True
        for cartridge in cartridges:
            mounted = cartridge.mounted
            if mounted is None:
                continue
            try:
                self._release(cartridge)
            except SmartMediaError:
                where = element_of(mounted.library, mounted.barcode)
                if where is not None and where[0] == "drive":
                    cartridge.stuck_in = Location.drive(mounted.library.name, where[2])
                cartridge.mounted = None
                cartridge.finished = self.site.now()

    # ---------------------------------------------------------------------- catalog

    def _protection(self, ended: _dt.datetime) -> Protection:
        if isinstance(self.protection, Protection):
            return self.protection
        return Protection.for_period(ended, self.protection)

    def _record(
        self,
        session: Session,
        cartridges: list[BackupCartridge],
        placements: list[ObjectPlacement],
        status: SessionStatus,
        failed: Sequence[FailedObject] = (),
        *,
        error: str | None = None,
    ) -> BackupResult:
        catalog = self.site.catalog
        ended = self.site.now()
        complete = [p for p in placements if p.complete]
        payload: dict[str, int] = {}
        for placement in placements:
            for piece in placement.pieces:
                key = str(piece.medium_id)
                payload[key] = payload.get(key, 0) + piece.bytes
        device_use = {c.barcode: c.bytes_used for c in self.site.vls.cartridges(self.library_name)}
        protection = self._protection(ended)
        recorded: list[Medium] = []
        for cartridge in cartridges:
            medium = cartridge.medium
            if medium is None:  # planned, but the session failed before creating it
                continue
            if not cartridge.written:  # created, but the session failed before loading it
                recorded.append(medium)
                continue
            used = payload.get(str(medium.id), 0)
            if not cartridge.closed and medium.barcode is not None:
                # what the device holds is the truth when the writer could not close
                used = max(used, device_use.get(medium.barcode, 0))
            used = min(used, medium.capacity)
            if cartridge.full and cartridge.closed:
                state = MediumState.FULL
            elif not cartridge.closed or self.pool.usage is not UsagePolicy.APPENDABLE:
                state = MediumState.NON_APPENDABLE
            else:
                state = MediumState.APPENDABLE
            started = cartridge.started or medium.formatted_at
            finished = max(cartridge.finished or ended, started)
            updated = attrs.evolve(
                medium,
                state=state,
                bytes_used=used,
                write_count=1,
                first_written=started,
                last_written=finished,
                protection=protection,
                condition=MediumCondition.POOR if cartridge.damaged else medium.condition,
                location=cartridge.stuck_in or medium.location,
            )
            catalog.update_medium(updated)
            recorded.append(updated)
        positions = [
            Position(
                medium=piece.medium_id,
                object_version=placement.version,
                first_block=piece.first_block,
                last_block=piece.last_block,
                span=span,
            )
            for placement in complete
            for span, piece in enumerate(placement.pieces)
        ]
        versions = [p.version for p in complete]
        if versions:
            catalog.extend_session(session.id, versions, positions)
        final = catalog.finish_session(session.id, status, max(ended, session.started))
        return BackupResult(
            session=final,
            versions=tuple(versions),
            media=tuple(catalog.medium(m.id) for m in recorded),
            placements=tuple(complete),
            bytes=sum(v.size for v in versions),
            failed=tuple(failed),
            error=error,
        )


def _describe(error: BaseException) -> str:
    return f"{type(error).__name__}: {error}"
