"""The copy runner and service on a simulated site: copies, verification, faults, resume."""

import pytest

from smartmedia.catalog import CopyJobState
from smartmedia.copying import (
    Committed,
    CopyBinding,
    CopyRunner,
    CopyService,
    OutcomeState,
    TaskFailed,
    build_lab,
    resume,
)
from smartmedia.devices import CopyOrder
from smartmedia.errors import ValidationError
from smartmedia.format import CopyIdentity, MediumReader
from smartmedia.model import (
    Barcode,
    CopyTrigger,
    DriveSerial,
    LocationKind,
    MediumCondition,
    SessionType,
)
from smartmedia.planning import AfterCopy, CopyPolicy, Selection
from smartmedia.sim import DriveFailure, Faults, MediumFault, StreamDeath

from .backup_helper import small_backup

VAULT = CopyPolicy(target_pool="Vault")


@pytest.fixture
def lab():
    made = build_lab()
    yield made
    made.close()


def _copy_of(catalog, medium):
    (record,) = catalog.copies_of(medium.id)
    return catalog.medium(record.copy)


def _read(lab, barcode, library=None):
    from smartmedia.copying._mount import mounted

    with mounted(library or lab.msl, barcode) as drive:
        reader = MediumReader(drive)
        return reader.header, reader.verify()


def test_post_backup_copy_is_verified_recorded_and_linked(lab):
    medium, version, _ = small_backup(lab, specification="daily")
    service = CopyService(
        lab.site, bindings=[CopyBinding(specification="daily", policy=VAULT)], read_back=True
    )
    events = []
    (report,) = service.on_session_completed(version.session, on_event=events.append)
    assert report.ok
    assert report.trigger is CopyTrigger.POST_BACKUP
    (outcome,) = report.outcomes
    copy = _copy_of(lab.catalog, medium)
    assert outcome.copies == (copy.id,)
    assert copy.id != medium.id
    assert (copy.original, copy.copy_generation, copy.pool) == (medium.id, 1, "Vault")
    assert copy.location.library == "MSL"
    assert [type(e).__name__ for e in events] == ["TaskStarted", "Verified", "Committed"]
    assert lab.catalog.check().ok
    # the copy holds the original's object version at the same positions
    assert [p.object_version for p in lab.catalog.positions_on_medium(copy.id)] == [version]
    # the tape itself: new identity, names its original, same digest
    header, verified = _read(lab, copy.barcode)
    assert (header.medium_id, header.original) == (copy.id, medium.id)
    assert verified.ok
    assert f"crc32c:{verified.digest:08x}" == outcome.digest
    session = lab.catalog.session(report.session)
    assert (session.type, session.trigger) == (SessionType.COPY, CopyTrigger.POST_BACKUP)


def test_bindings_of_other_specifications_do_nothing(lab):
    _, version, _ = small_backup(lab, specification="weekly")
    service = CopyService(lab.site, bindings=[CopyBinding(specification="daily", policy=VAULT)])
    assert service.on_session_completed(version.session) == []


def test_interactive_copies_by_barcode_and_already_copied(lab):
    medium, _, _ = small_backup(lab)
    service = CopyService(lab.site)
    first = service.copy_media([medium.barcode], VAULT)
    assert first.ok
    assert first.trigger is CopyTrigger.INTERACTIVE
    again = service.copy_media([medium.barcode], VAULT)
    assert again.outcomes == ()
    assert [u.reason.value for u in again.plan.unplaced] == ["already_copied"]


def test_several_copies_run_concurrently(lab):
    media = [small_backup(lab)[0] for _ in range(5)]
    report = CopyService(lab.site).copy(
        Selection(pools=("VTL",)), VAULT, trigger=CopyTrigger.SCHEDULED
    )
    assert report.ok
    assert len(report.committed) == 5
    assert len({o.targets[0] for o in report.outcomes}) == 5
    assert all(lab.catalog.copies_of(m.id) for m in media)
    assert lab.catalog.check().ok


def test_a_target_medium_error_marks_it_poor_and_retries_elsewhere():
    lab = build_lab(
        faults=Faults(media=(MediumFault(barcode=Barcode("SCR001L9"), block=5, on_write=True),))
    )
    try:
        medium, _, _ = small_backup(lab)
        events = []
        report = CopyService(lab.site).copy_media([medium.barcode], VAULT, on_event=events.append)
        (outcome,) = report.outcomes
        assert outcome.state is OutcomeState.COMMITTED
        assert outcome.attempts == 2
        assert outcome.targets != (Barcode("SCR001L9"),)
        [bad] = lab.catalog.media_with_barcode(Barcode("SCR001L9"))
        assert bad.condition is MediumCondition.POOR
        assert not bad.state.holds_data
        assert "Retried" in [type(e).__name__ for e in events]
        assert lab.catalog.check().ok
    finally:
        lab.close()


def test_a_drive_failure_is_retried():
    lab = build_lab(
        faults=Faults(drives=(DriveFailure(serial=DriveSerial("MSL-1"), after_bytes=10**6),))
    )
    try:
        medium, _, _ = small_backup(lab)
        report = CopyService(lab.site).copy_media([medium.barcode], VAULT)
        (outcome,) = report.outcomes
        assert outcome.state is OutcomeState.COMMITTED, outcome.reason
        assert outcome.attempts == 2
        assert lab.catalog.check().ok
    finally:
        lab.close()


def test_a_stream_that_keeps_dying_is_retried_then_fails_cleanly():
    lab = build_lab(
        faults=Faults(streams=(StreamDeath(source=Barcode("VT9001"), after_bytes=10**6),))
    )
    try:
        medium, _, _ = small_backup(lab, barcode=Barcode("VT9001"))
        report = CopyService(lab.site, retries=2).copy_media([medium.barcode], VAULT)
        (outcome,) = report.outcomes
        assert outcome.state is OutcomeState.FAILED
        assert outcome.attempts == 3
        assert "stream died" in outcome.reason
        assert lab.catalog.copies_of(medium.id) == []
        assert lab.catalog.copy_jobs(state=CopyJobState.RESERVED) == []
        assert lab.catalog.check().ok
    finally:
        lab.close()


def test_an_unreadable_source_fails_its_task_only():
    lab = build_lab(faults=Faults(media=(MediumFault(barcode=Barcode("VT8001"), block=6),)))
    try:
        bad, _, _ = small_backup(lab, barcode=Barcode("VT8001"))
        good, _, _ = small_backup(lab, barcode=Barcode("VT7001"))
        events = []
        report = CopyService(lab.site).copy_media(
            [bad.barcode, good.barcode], VAULT, on_event=events.append
        )
        states = {o.source: o.state for o in report.outcomes}
        assert states == {bad.id: OutcomeState.FAILED, good.id: OutcomeState.COMMITTED}
        failed = next(o for o in report.outcomes if o.source == bad.id)
        assert "does not verify" in failed.reason
        assert any(isinstance(e, TaskFailed) for e in events)
        assert lab.catalog.copies_of(bad.id) == []
        assert lab.catalog.copy_jobs(state=CopyJobState.RESERVED) == []
        assert lab.catalog.check().ok
        assert lab.catalog.session(report.session).status.value == "completed_errors"
    finally:
        lab.close()


def test_cancel_stops_cleanly(lab):
    media = [small_backup(lab)[0] for _ in range(3)]
    service = CopyService(lab.site)
    plan = service.plan(Selection.explicit(media=tuple(m.id for m in media)), VAULT)
    runner = CopyRunner(lab.site)

    def cancel_at_first_start(event):
        if type(event).__name__ == "TaskStarted":
            runner.cancel()

    report = runner.run(plan, on_event=cancel_at_first_start)
    assert {o.state for o in report.outcomes} == {OutcomeState.CANCELLED}
    assert all(lab.catalog.copies_of(m.id) == [] for m in media)
    assert lab.catalog.copy_jobs(state=CopyJobState.RESERVED) == []
    assert lab.catalog.check().ok


def test_after_copy_export_and_vault(lab):
    a, _, _ = small_backup(lab)
    b, _, _ = small_backup(lab)
    service = CopyService(lab.site)
    service.copy_media([a.id], CopyPolicy(target_pool="Vault", after_copy=AfterCopy.EXPORT))
    service.copy_media(
        [b.id], CopyPolicy(target_pool="Vault", after_copy=AfterCopy.VAULT, vault="Iron Mountain")
    )
    assert _copy_of(lab.catalog, a).location.kind is LocationKind.MAIL_SLOT
    vaulted = _copy_of(lab.catalog, b).location
    assert (vaulted.kind, vaulted.vault) == (LocationKind.VAULT, "Iron Mountain")
    assert lab.catalog.check().ok


def test_resume_commits_a_finished_copy_and_releases_an_unfinished_one(lab):
    done, _, _ = small_backup(lab)
    undone, _, _ = small_backup(lab)
    catalog = lab.catalog
    now = lab.site.now()
    # A runner reserved both, started the first copy, then died.
    targets = []
    for barcode in (Barcode("SCR001L9"), Barcode("SCR002L9")):
        allocation = catalog.allocate("Vault")
        from smartmedia.model import Location, MediaType, Medium, MediumState

        slot = next(
            s for s in lab.msl.inventory().slots if s.cartridge and s.cartridge.barcode == barcode
        )
        catalog.add_medium(
            Medium(
                id=allocation.medium,
                label=allocation.label,
                media_type=MediaType.LTO9,
                pool="Vault",
                capacity=MediaType.LTO9.native_capacity,
                formatted_at=now,
                barcode=barcode,
                state=MediumState.BLANK,
                location=Location.slot("MSL", slot.ordinal),
            )
        )
        targets.append((barcode, allocation))
    catalog.reserve_copy(done.id, [targets[0][1].medium], at=now)
    catalog.reserve_copy(undone.id, [targets[1][1].medium], at=now)
    identity = CopyIdentity(
        medium_id=targets[0][1].medium, label=targets[0][1].label, barcode=targets[0][0]
    )
    handle = lab.vls.start_copy(
        CopyOrder(
            source_library="VTL",
            source=done.barcode,
            target_library="MSL",
            target=targets[0][0],
            identity=identity,
        )
    )
    lab.vls.wait([handle])
    report = resume(lab.site)
    assert report.committed == (targets[0][1].medium,)
    assert report.released == (undone.id,)
    assert [c.copy for c in catalog.copies_of(done.id)] == [targets[0][1].medium]
    assert catalog.copies_of(undone.id) == []
    assert catalog.copy_jobs(state=CopyJobState.RESERVED) == []
    assert catalog.check().ok
    # and the released source copies fine afterwards
    settled, again = CopyService(lab.site).resume(policy=VAULT)
    assert settled.released == ()
    assert again is None
    assert CopyService(lab.site).copy_media([undone.id], VAULT).ok


def test_bad_input(lab):
    with pytest.raises(ValidationError):
        CopyRunner("site")
    with pytest.raises(ValidationError):
        CopyRunner(lab.site).run("plan")
    with pytest.raises(ValidationError):
        CopyService(lab.site, bindings=["daily"])
    with pytest.raises(ValidationError):
        CopyService(lab.site).copy_media(["VT0001"], VAULT)


def test_events_are_typed(lab):
    medium, _, _ = small_backup(lab)
    events = []
    CopyService(lab.site).copy_media([medium.id], VAULT, on_event=events.append)
    committed = [e for e in events if isinstance(e, Committed)]
    assert committed[0].source == medium.id


def test_two_runners_never_take_the_same_medium(tmp_path):
    """Runner B plans the same copies and starts while runner A's copies are in flight,
    through its own connection to the same catalog file: it may not reserve a source or
    a target A holds, and no cartridge is ever in two drives."""
    import attrs

    from smartmedia.catalog import SqliteCatalog

    lab = build_lab(directory=tmp_path)
    try:
        media = [small_backup(lab)[0] for _ in range(3)]
        other = SqliteCatalog(str(tmp_path / "catalog.sqlite"))
        site_b = attrs.evolve(lab.site, catalog=other)
        selection = Selection.explicit(media=tuple(m.id for m in media))
        plan_a = CopyService(lab.site).plan(selection, VAULT)
        plan_b = CopyService(site_b).plan(selection, VAULT)
        assert [t.targets[0].barcode for t in plan_a.tasks] == [
            t.targets[0].barcode for t in plan_b.tasks
        ]
        reports = []
        seen_in_drives = []

        def start_b(event):
            loaded = [d.cartridge.barcode for d in lab.msl.inventory().drives if d.cartridge]
            seen_in_drives.append(loaded)
            if type(event).__name__ == "TaskStarted" and not reports:
                reports.append(CopyRunner(site_b).run(plan_b))

        report_a = CopyRunner(lab.site).run(plan_a, on_event=start_b)
        (report_b,) = reports
        committed = [*report_a.committed, *report_b.committed]
        assert sorted(o.source for o in committed) == sorted(m.id for m in media)
        used = [o.targets[0] for o in committed]
        assert len(used) == len(set(used))
        refused = [*report_a.failed, *report_b.failed]
        assert all(o.reason.startswith("ConflictError") for o in refused), refused
        assert all(len(set(loaded)) == len(loaded) for loaded in seen_in_drives)
        for medium in media:
            assert len(lab.catalog.copies_of(medium.id)) == 1
        assert lab.catalog.check().ok
        other.close()
    finally:
        lab.close()
