"""Never overwrite a cartridge that holds data the catalog does not release (issue 12).

The verdict is a pure function of the first block (:func:`check_overwrite`); the VLS
copy engine applies it before writing; the runner records a refused target and moves on
to another; :func:`initialize_medium` is the explicit way to take a cartridge back.
"""

import datetime as dt

import pytest

from smartmedia.catalog import CopyJobState
from smartmedia.copying import CopyService, OutcomeState, build_lab, initialize_medium, mounted
from smartmedia.errors import ConflictError, ProtectedMedium
from smartmedia.format import (
    END_OF_DATA,
    FILEMARK,
    MediumHeader,
    MediumKind,
    MediumReader,
    Overwrite,
    check_overwrite,
    encode_medium_header,
)
from smartmedia.model import (
    Barcode,
    MediaType,
    MediumIdGenerator,
    MediumState,
    ProtectionKind,
)
from smartmedia.planning import CopyPolicy
from smartmedia.sim import Faults, StreamDeath

from .backup_helper import small_backup

VAULT = CopyPolicy(target_pool="Vault")
T0 = dt.datetime(2026, 1, 1, tzinfo=dt.timezone.utc)
new_id = MediumIdGenerator("10.9.8.7", clock=lambda: 1_780_000_000, process=3)
TAR = bytes(257) + b"ustar\x0000" + bytes(242)
FIRST = Barcode("SCR001L9")


def _header(medium_id, *, original=None, barcode=FIRST):
    return MediumHeader(
        medium_id=medium_id,
        label="someone's",
        media_type=MediaType.LTO9,
        pool="Elsewhere",
        created=T0,
        barcode=barcode,
        original=original,
        copy_generation=0 if original is None else 1,
    )


# ----------------------------------------------------------------------- the verdict


def test_the_verdict_is_a_pure_function_of_the_first_block():
    ours, other, source = new_id(), new_id(), new_id()
    header = encode_medium_header(_header(ours))
    copy = encode_medium_header(_header(other, original=source))
    cases = [
        (END_OF_DATA, Overwrite(), True, MediumKind.BLANK),
        (bytes(4096), Overwrite(), True, MediumKind.BLANK),
        (header, Overwrite(), False, MediumKind.SMARTMEDIA),
        (header, Overwrite(media=(other,)), False, MediumKind.SMARTMEDIA),
        (header, Overwrite(media=(ours,)), True, MediumKind.SMARTMEDIA),
        (copy, Overwrite(copies_of=(ours,)), False, MediumKind.SMARTMEDIA),
        (copy, Overwrite(copies_of=(source,)), True, MediumKind.SMARTMEDIA),
        (header[:60] + bytes(8) + header[68:], Overwrite(media=(ours,)), False, None),
        (TAR, Overwrite(media=(ours,)), False, MediumKind.TAR),
        (b"VOL1L00001" + bytes(14) + b"LTFS" + bytes(52), Overwrite(), False, MediumKind.LTFS),
        (FILEMARK, Overwrite(), False, MediumKind.UNKNOWN),
        (b"\x01garbage", Overwrite(), False, MediumKind.UNKNOWN),
    ]
    for first, allowed, ok, kind in cases:
        verdict = check_overwrite(first, allowed)
        assert verdict.ok is ok, (first[:16] if isinstance(first, bytes) else first, verdict)
        assert kind is None or verdict.found.kind is kind
        assert verdict.reason
        forced = check_overwrite(first, Overwrite(force=True))
        assert forced.ok


# --------------------------------------------------------------------- copies refuse


@pytest.fixture
def lab():
    made = build_lab()
    yield made
    made.close()


def _write_first(lab, barcode, block):
    with mounted(lab.msl, barcode) as drive:
        drive.write_block(block)
        drive.write_filemarks(1)


def _contents(lab, barcode):
    return [
        bytes(o) if isinstance(o, bytes | memoryview) else o
        for o in lab.store.get(barcode).iter_from(0)
    ]


def _data_header(lab):
    """Our header of a medium the catalog records as holding data (a backup)."""
    medium, _, _ = small_backup(lab)
    return encode_medium_header(_header(medium.id))


@pytest.mark.parametrize("holding", ["recorded medium", "unknown medium", "tar"])
def test_a_target_holding_data_is_refused_and_the_copy_goes_elsewhere(lab, holding):
    block = {
        "recorded medium": lambda: _data_header(lab),
        "unknown medium": lambda: encode_medium_header(_header(new_id())),
        "tar": lambda: TAR,
    }[holding]()
    _write_first(lab, FIRST, block)
    before = _contents(lab, FIRST)
    medium, _, _ = small_backup(lab)
    report = CopyService(lab.site).copy_media([medium.barcode], VAULT)
    (outcome,) = report.outcomes
    assert outcome.state is OutcomeState.COMMITTED, outcome.reason
    assert outcome.targets != (FIRST,)
    assert _contents(lab, FIRST) == before  # not a byte written
    (refused,) = lab.catalog.media_with_barcode(FIRST)
    assert refused.state is MediumState.NON_APPENDABLE  # holds data nobody released
    assert refused.protection.kind is ProtectionKind.PERMANENT
    (job,) = list(lab.catalog.copy_jobs(state=CopyJobState.RELEASED))
    assert "refused" in job.reason
    assert lab.catalog.copy_jobs(state=CopyJobState.RESERVED) == []
    # the planner never picks it again
    again, _, _ = small_backup(lab)
    (later,) = CopyService(lab.site).copy_media([again.barcode], VAULT).outcomes
    assert later.state is OutcomeState.COMMITTED
    assert later.attempts == 1
    assert FIRST not in later.targets
    assert lab.catalog.check().ok


def test_refusals_do_not_use_up_the_retries(lab):
    for n in range(1, 5):
        _write_first(lab, Barcode(f"SCR00{n}L9"), TAR)
    medium, _, _ = small_backup(lab)
    (outcome,) = CopyService(lab.site, retries=0).copy_media([medium.barcode], VAULT).outcomes
    assert outcome.state is OutcomeState.COMMITTED, outcome.reason
    assert outcome.targets == (Barcode("SCR005L9"),)
    assert outcome.attempts == 5


def test_when_every_target_holds_data_the_task_fails_and_nothing_is_written():
    lab = build_lab(scratch=2)
    try:
        for n in (1, 2):
            _write_first(lab, Barcode(f"SCR00{n}L9"), TAR)
        medium, _, _ = small_backup(lab)
        (outcome,) = CopyService(lab.site).copy_media([medium.barcode], VAULT).outcomes
        assert outcome.state is OutcomeState.FAILED
        assert "refused" in outcome.reason
        assert "tar" in outcome.reason
        for n in (1, 2):
            assert _contents(lab, Barcode(f"SCR00{n}L9"))[0] == TAR
        assert lab.catalog.copies_of(medium.id) == []
        assert lab.catalog.check().ok
    finally:
        lab.close()


def test_a_released_scratch_medium_and_its_unfinished_copy_are_overwritten():
    """A scratch medium of the catalog carries its own header: released. A copy onto it
    that dies half-way leaves an unfinished copy; its job released, a later run may
    write over it on the same cartridge."""
    lab = build_lab(scratch=1)
    try:
        scratch = initialize_medium(lab.site, FIRST, pool="Vault")
        assert scratch.state is MediumState.EMPTY
        medium, _, _ = small_backup(lab, barcode=Barcode("VT9001"))
        lab.vls.faults = Faults(
            streams=(StreamDeath(source=Barcode("VT9001"), after_bytes=600_000),)
        )
        service = CopyService(lab.site, retries=0)
        (failed,) = service.copy_media([medium.barcode], VAULT).outcomes
        assert failed.state is OutcomeState.FAILED
        assert "stream died" in failed.reason
        with mounted(lab.msl, FIRST) as drive:
            unfinished = MediumReader(drive).header
        assert unfinished.original == medium.id
        assert unfinished.medium_id != scratch.id
        lab.vls.faults = Faults()
        (outcome,) = service.copy_media([medium.barcode], VAULT).outcomes
        assert outcome.state is OutcomeState.COMMITTED, outcome.reason
        assert outcome.targets == (FIRST,)
        with mounted(lab.msl, FIRST) as drive:
            reader = MediumReader(drive)
            assert reader.header.original == medium.id
            assert reader.verify().ok
        assert lab.catalog.check().ok
    finally:
        lab.close()


# ------------------------------------------------------------------------ initialise


def test_initialize_refuses_foreign_data_unless_forced(lab):
    _write_first(lab, FIRST, TAR)
    with pytest.raises(ProtectedMedium, match="tar"):
        initialize_medium(lab.site, FIRST, pool="Vault")
    assert _contents(lab, FIRST)[0] == TAR
    assert lab.catalog.media_with_barcode(FIRST) == []
    made = initialize_medium(lab.site, FIRST, pool="Vault", force=True)
    assert made.state is MediumState.EMPTY
    assert made.pool == "Vault"
    with mounted(lab.msl, FIRST) as drive:
        assert MediumReader(drive).header.medium_id == made.id
    # now a scratch medium of the pool: the next copy takes it first
    medium, _, _ = small_backup(lab)
    (outcome,) = CopyService(lab.site).copy_media([medium.barcode], VAULT).outcomes
    assert outcome.state is OutcomeState.COMMITTED
    assert outcome.targets == (FIRST,)
    # a medium the catalog records data on is never initialised away, force or not
    with pytest.raises(ConflictError, match="recycle it first"):
        initialize_medium(lab.site, FIRST, pool="Vault", force=True)


def test_a_refused_target_is_taken_back_by_initialising_it(lab):
    _write_first(lab, FIRST, TAR)
    medium, _, _ = small_backup(lab)
    CopyService(lab.site).copy_media([medium.barcode], VAULT)
    (refused,) = lab.catalog.media_with_barcode(FIRST)
    assert refused.state is MediumState.NON_APPENDABLE
    with pytest.raises(ProtectedMedium):
        initialize_medium(lab.site, FIRST, pool="Vault")
    back = initialize_medium(lab.site, FIRST, pool="Vault", force=True)
    assert back.id == refused.id
    assert back.state is MediumState.EMPTY
    assert back.protection.kind is ProtectionKind.NONE
    assert lab.catalog.check().ok
