"""Importing media: the catalog rebuilt from media written by the format's MediumWriter."""

import datetime as dt
import itertools
import os

import attrs
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from smartmedia.catalog import ImportReport, Position, SqliteCatalog, import_medium
from smartmedia.errors import ConflictError, DuplicateEntity, InvalidRecord
from smartmedia.format import (
    CatalogSegment,
    CopyIdentity,
    MediumHeader,
    MediumReader,
    MediumWriter,
    MemoryTape,
    RecordAt,
    rewrite_header,
)
from smartmedia.model import (
    BackupObject,
    Barcode,
    Library,
    Location,
    MediaPool,
    MediaType,
    Medium,
    MediumId,
    MediumState,
    ObjectType,
    ObjectVersion,
    Protection,
    Session,
    SessionId,
    SessionStatus,
    SessionType,
    Slot,
)
from smartmedia.serialization import from_json, to_json

UTC = dt.timezone.utc
NOW = dt.datetime(2026, 11, 25, 9, 30, tzinfo=UTC)
SID = SessionId(date=NOW.date(), number=1)
_ids = itertools.count(1)


def new_id():
    return MediumId(f"c0a80105:4f6b3a10:1b2c:{next(_ids):04x}")


def header(**changes):
    fields = {
        "medium_id": new_id(),
        "label": "Default LTO_1",
        "media_type": MediaType.LTO9,
        "pool": "Default LTO",
        "created": NOW - dt.timedelta(days=3),
        "block_size": 16 * 1024,
        "segment_size": 1 << 20,
    }
    return MediumHeader(**{**fields, **changes})


def version(host, session=SID):
    obj = BackupObject(type=ObjectType.FILESYSTEM, host=host, mount="/data")
    return ObjectVersion(object=obj, session=session, backup_time=NOW)


def chunked(data, size=50_000):
    return [data[i : i + size] for i in range(0, len(data), size)] or [b""]


def write_medium(head, objects, *, session=SID, status=SessionStatus.COMPLETED, tape=None):
    """One session writing ``objects`` ({host: size}) on a fresh medium; returns the tape
    and the writer's placements."""
    tape = tape if tape is not None else MemoryTape()
    writer = MediumWriter(tape, head, now=lambda: NOW)
    writer.begin_session(session, started=NOW)
    placements = [
        writer.write_object(version(host, session), chunked(os.urandom(size)))
        for host, size in objects.items()
    ]
    writer.end_session(status, ended=NOW + dt.timedelta(hours=1))
    writer.close()
    return tape, placements


def write_spanned(sizes, *, capacity=600_000):
    """One session over as many media as it needs; returns [(header, tape)] in span order
    and the writer's placements."""
    first = header()
    media = [(first, MemoryTape(capacity=capacity, early_warning=100_000))]

    def next_medium(full):
        head = header(label=f"Default LTO_{len(media) + 1}")
        media.append((head, MemoryTape(capacity=capacity, early_warning=100_000)))
        return media[-1][1], head

    writer = MediumWriter(media[0][1], first, next_medium=next_medium, now=lambda: NOW)
    writer.begin_session(SID, started=NOW)
    placements = [
        writer.write_object(version(f"host{i}"), chunked(os.urandom(size)))
        for i, size in enumerate(sizes)
    ]
    writer.end_session(ended=NOW + dt.timedelta(hours=2))
    writer.close()
    return media, placements


def copy_of(tape, *, barcode=None, label="Vault copy"):
    """A smart copy of ``tape``: the same blocks under a new header."""
    items = list(tape.items)
    identity = CopyIdentity(medium_id=new_id(), label=label, barcode=barcode)
    items[0] = rewrite_header(items[0], identity)
    return MemoryTape(items), identity.medium_id


def reader(tape):
    return MediumReader(MemoryTape(tape.items))


def flip(tape, block, offset=70):
    items = list(tape.items)
    damaged = bytearray(items[block])
    damaged[offset] ^= 0x40
    items[block] = bytes(damaged)
    return MemoryTape(items)


@pytest.fixture
def catalog():
    with SqliteCatalog(":memory:") as c:
        yield c


def expected_positions(placements, medium_id):
    """The positions a backup application records from the writer's placements."""
    return sorted(
        (
            Position(
                medium=piece.medium_id,
                object_version=placement.version,
                first_block=piece.first_block,
                last_block=piece.last_block,
                span=span,
            )
            for placement in placements
            for span, piece in enumerate(placement.pieces)
            if piece.medium_id == medium_id
        ),
        key=lambda p: p.first_block,
    )


# ------------------------------------------------------------------------- plain import


def test_a_medium_imports_into_an_empty_catalog(catalog):
    head = header(barcode=Barcode("ABC123L9"))
    tape, placements = write_medium(head, {"db1": 120_000, "web1": 3_000, "empty": 0})
    report = import_medium(catalog, reader(tape))

    assert report.medium == head.medium_id
    assert not report.already_known
    assert report.as_copy_of is None
    assert report.pool_added == "Default LTO"
    assert report.sessions_added == (SID,)
    assert report.warnings == ()
    assert {v.object.host: v.size for v in report.versions_added} == {
        "db1": 120_000,
        "web1": 3_000,
        "empty": 0,
    }
    assert list(report.positions_added) == expected_positions(placements, head.medium_id)

    medium = catalog.medium(head.medium_id)
    assert (medium.label, medium.barcode, medium.pool, medium.formatted_at) == (
        head.label,
        head.barcode,
        head.pool,
        head.created,
    )
    assert medium.state is MediumState.NON_APPENDABLE
    assert medium.bytes_used == 123_000
    assert medium.first_written == medium.last_written == NOW
    assert catalog.pool("Default LTO").media_type is MediaType.LTO9
    session = catalog.session(SID)
    assert (session.status, session.started, session.ended) == (
        SessionStatus.COMPLETED,
        NOW,
        NOW + dt.timedelta(hours=1),
    )
    assert catalog.positions_on_medium(head.medium_id) == list(report.positions_added)
    assert catalog.media_of_session(SID) == [medium]
    (candidate,) = catalog.restore_candidates(placements[0].version)
    assert candidate.position.first_block == placements[0].pieces[0].first_block
    assert catalog.check().ok


def test_the_report_serialises(catalog):
    tape, _ = write_medium(header(), {"db1": 10_000})
    report = import_medium(catalog, reader(tape))
    assert from_json(to_json(report), ImportReport) == report
    assert "1 versions" in str(report)
    again = import_medium(catalog, reader(tape))
    assert from_json(to_json(again), ImportReport) == again
    assert "already known" in str(again)


def test_an_empty_medium_is_recorded_empty(catalog):
    tape = MemoryTape()
    head = header()
    MediumWriter(tape, head, now=lambda: NOW).close()
    report = import_medium(catalog, reader(tape))
    assert report.positions_added == ()
    assert catalog.medium(head.medium_id).state is MediumState.EMPTY


def test_sessions_on_one_medium_keep_their_own_statuses(catalog):
    tape = MemoryTape()
    head = header()
    writer = MediumWriter(tape, head, now=lambda: NOW)
    for n, status in ((1, SessionStatus.COMPLETED), (2, SessionStatus.COMPLETED_ERRORS)):
        sid = SessionId(date=NOW.date(), number=n)
        writer.begin_session(sid, started=NOW, specification=f"spec{n}")
        writer.write_object(version("db1", sid), [b"x" * 1000])
        writer.end_session(status, ended=NOW)
    writer.close()
    report = import_medium(catalog, reader(tape))
    assert len(report.sessions_added) == 2
    assert [(s.status, s.specification) for s in catalog.sessions_on_medium(head.medium_id)] == [
        (SessionStatus.COMPLETED, "spec1"),
        (SessionStatus.COMPLETED_ERRORS, "spec2"),
    ]


def test_location_and_protection_are_given_to_a_new_medium(catalog):
    catalog.add_library(
        Library(name="Restore", virtual=False, visible=True, slots=(Slot(ordinal=1, address=1),))
    )
    tape, placements = write_medium(header(barcode=Barcode("ABC123L9")), {"db1": 1000})
    until = Protection.until_time(NOW + dt.timedelta(days=30))
    import_medium(catalog, reader(tape), location=Location.slot("Restore", 1), protection=until)
    medium = catalog.medium(placements[0].pieces[0].medium_id)
    assert medium.location == Location.slot("Restore", 1)
    assert medium.protection == until
    (candidate,) = catalog.restore_candidates(placements[0].version)
    assert candidate.visible


# ---------------------------------------------------------------------------- spanning


SIZES = [100_000, 1_200_000, 50_000]


def contents(catalog):
    """The whole catalog, each list in a fixed order (exports list rows as recorded)."""
    export = catalog.export()
    return {
        field.name: sorted(getattr(export, field.name), key=repr)
        if isinstance(getattr(export, field.name), tuple)
        else getattr(export, field.name)
        for field in attrs.fields(type(export))
    }


def canonical(media):
    with SqliteCatalog(":memory:") as reference:
        for _, tape in media:
            import_medium(reference, reader(tape))
        return contents(reference)


def test_a_spanned_session_imports_like_the_writer_placed_it(catalog):
    media, placements = write_spanned(SIZES)
    assert len(media) >= 3
    for _, tape in media:
        import_medium(catalog, reader(tape))
    for head, _ in media:
        assert catalog.positions_on_medium(head.medium_id) == expected_positions(
            placements, head.medium_id
        )
    versions = {v.object.host: v.size for v in catalog.object_versions(SID)}
    assert versions == {f"host{i}": size for i, size in enumerate(SIZES)}
    spanning = placements[1]
    assert len(spanning.pieces) >= 3
    candidates = catalog.restore_candidates(spanning.version)
    assert [c.span for c in candidates] == list(range(len(spanning.pieces)))
    assert catalog.session(SID).status is SessionStatus.COMPLETED
    assert {m.id for m in catalog.media_of_session(SID)} == {h.medium_id for h, _ in media}
    states = [catalog.medium(h.medium_id).state for h, _ in media]
    assert states == [MediumState.FULL] * (len(media) - 1) + [MediumState.NON_APPENDABLE]
    assert catalog.check().ok


@pytest.mark.parametrize("order", list(itertools.permutations(range(3))))
def test_spanned_media_import_in_any_order_with_the_same_result(order):
    media, _ = write_spanned(SIZES)
    assert len(media) == 3
    with SqliteCatalog(":memory:") as catalog:
        for i in order:
            import_medium(catalog, reader(media[i][1]))
        assert contents(catalog) == canonical(media)
        assert catalog.check().ok


def test_pieces_imported_before_the_first_are_provisional_until_it_arrives(catalog):
    media, placements = write_spanned(SIZES)
    (_, t1), (h2, t2), (_, t3) = media
    spanning = placements[1]

    last = import_medium(catalog, reader(t3))
    assert catalog.session(SID).status is SessionStatus.COMPLETED  # its end is on medium 3
    assert any("provisionally" in w for w in last.warnings)
    assert any(f"continues from medium {h2.medium_id}" in w for w in last.warnings)
    # the piece carries its session piece (2) as span: span 0 is missing, no restore offered
    assert [c.span for c in catalog.restore_candidates(spanning.version)] == [2]

    import_medium(catalog, reader(t2))
    assert [c.span for c in catalog.restore_candidates(spanning.version)] == [1, 2]
    partial = {v.object.host: v.size for v in catalog.object_versions(SID)}
    assert partial["host1"] == spanning.pieces[1].bytes + spanning.pieces[2].bytes

    first = import_medium(catalog, reader(t1))
    assert not any("provisionally" in w for w in first.warnings)
    assert [c.span for c in catalog.restore_candidates(spanning.version)] == [0, 1, 2]
    assert {v.object.host: v.size for v in catalog.object_versions(SID)}["host1"] == 1_200_000


def test_a_session_is_in_progress_until_the_medium_with_its_end_is_imported(catalog):
    media, _ = write_spanned(SIZES)
    first = import_medium(catalog, reader(media[0][1]))
    assert catalog.session(SID).status is SessionStatus.IN_PROGRESS
    assert any(f"continues on medium {media[1][0].medium_id}" in w for w in first.warnings)
    import_medium(catalog, reader(media[1][1]))
    assert catalog.session(SID).status is SessionStatus.IN_PROGRESS
    last = import_medium(catalog, reader(media[2][1]))
    assert last.sessions_finished == (SID,)
    session = catalog.session(SID)
    assert (session.status, session.ended) == (SessionStatus.COMPLETED, NOW + dt.timedelta(hours=2))


@given(
    sizes=st.lists(st.integers(0, 700_000), min_size=1, max_size=5),
    data=st.data(),
)
@settings(max_examples=15, deadline=None)
def test_any_session_imports_in_any_order_as_the_writer_placed_it(sizes, data):
    media, placements = write_spanned(sizes, capacity=400_000)
    order = data.draw(st.permutations(range(len(media))))
    with SqliteCatalog(":memory:") as catalog:
        for i in order:
            import_medium(catalog, reader(media[i][1]))
        for head, _ in media:
            assert catalog.positions_on_medium(head.medium_id) == expected_positions(
                placements, head.medium_id
            )
        assert {v.object: v.size for v in catalog.object_versions(SID)} == {
            p.version.object: p.version.size for p in placements
        }
        assert catalog.check().ok
        assert contents(catalog) == canonical(media)


# --------------------------------------------------------------------- idempotence, conflict


def test_importing_a_medium_twice_changes_nothing(catalog):
    media, _ = write_spanned(SIZES)
    for _, tape in media:
        import_medium(catalog, reader(tape))
    before = catalog.export()
    for head, tape in media:
        again = import_medium(catalog, reader(tape))
        assert again.already_known
        assert not again.changed
        assert again.medium == head.medium_id
        assert (again.sessions_added, again.versions_added, again.positions_added) == ((), (), ())
    assert catalog.export() == before


def record_backup(catalog, media, placements, *, ended):
    """Record ``media`` as the backup application does, from the writer's placements."""
    catalog.add_pool(MediaPool(name="Default LTO", media_type=MediaType.LTO9))
    for head, tape in media:
        catalog.add_medium(
            Medium(
                id=head.medium_id,
                label=head.label,
                media_type=head.media_type,
                pool=head.pool,
                capacity=10**12,
                formatted_at=head.created,
                write_count=1,
                bytes_used=tape.bytes_used,
                state=MediumState.APPENDABLE,
            )
        )
    session = Session(
        id=SID, type=SessionType.BACKUP, status=SessionStatus.COMPLETED, started=NOW, ended=ended
    )
    positions = [p for head, _ in media for p in expected_positions(placements, head.medium_id)]
    catalog.record_session(session, [p.version for p in placements], positions)


def test_media_recorded_by_their_backup_import_as_already_known(catalog):
    media, placements = write_spanned(SIZES)
    record_backup(catalog, media, placements, ended=NOW + dt.timedelta(hours=2))
    before = catalog.export()
    for _, tape in media:
        report = import_medium(catalog, reader(tape))
        assert report.already_known
        assert not report.changed
        assert report.warnings == ()
    assert catalog.export() == before


def test_a_purged_medium_of_a_recorded_backup_gets_its_pieces_back(catalog):
    media, placements = write_spanned(SIZES)
    record_backup(catalog, media, placements, ended=NOW + dt.timedelta(hours=2))
    middle = media[1][0].medium_id
    catalog.recycle(middle, at=NOW)
    assert catalog.positions_on_medium(middle) == []

    report = import_medium(catalog, reader(media[1][1]))
    assert report.already_known
    assert any("its data is back" in w for w in report.warnings)
    assert catalog.positions_on_medium(middle) == expected_positions(placements, middle)
    assert catalog.medium(middle).state is MediumState.FULL
    # the versions keep the sizes their backup recorded
    assert {v.object.host: v.size for v in catalog.object_versions(SID)} == {
        f"host{i}": size for i, size in enumerate(SIZES)
    }
    assert catalog.check().ok


def test_a_piece_without_recorded_neighbours_waits_for_them(catalog):
    media, placements = write_spanned(SIZES)
    record_backup(catalog, media, placements, ended=NOW + dt.timedelta(hours=2))
    for head, _ in media:
        catalog.recycle(head.medium_id, at=NOW)
    middle = media[1][0].medium_id

    first = import_medium(catalog, reader(media[1][1]))
    assert first.positions_added == ()
    assert any("place of this piece among them is unknown" in w for w in first.warnings)
    before = catalog.export()
    again = import_medium(catalog, reader(media[1][1]))
    assert not again.changed
    assert catalog.export() == before

    import_medium(catalog, reader(media[0][1]))
    completed = import_medium(catalog, reader(media[1][1]))
    assert completed.already_known
    assert list(completed.positions_added) == expected_positions(placements, middle)
    assert catalog.check().ok


def test_data_appended_after_the_recorded_data_is_added(catalog):
    head = header()
    tape = MemoryTape()
    writer = MediumWriter(tape, head, now=lambda: NOW)
    writer.begin_session(SID, started=NOW)
    first = writer.write_object(version("db1"), [b"x" * 50_000])
    # the application recorded this much, then crashed
    catalog.add_pool(MediaPool(name="Default LTO", media_type=MediaType.LTO9))
    catalog.add_medium(
        Medium(
            id=head.medium_id,
            label=head.label,
            media_type=head.media_type,
            pool=head.pool,
            capacity=10**12,
            formatted_at=head.created,
            state=MediumState.APPENDABLE,
        )
    )
    catalog.record_session(
        Session(id=SID, type=SessionType.BACKUP, status=SessionStatus.IN_PROGRESS, started=NOW),
        [first.version],
        expected_positions([first], head.medium_id),
    )
    writer.write_object(version("web1"), [b"y" * 20_000])
    writer.end_session(ended=NOW)
    writer.close()

    report = import_medium(catalog, reader(tape))
    assert report.already_known
    assert [p.object_version.object.host for p in report.positions_added] == ["web1"]
    assert report.sessions_finished == (SID,)
    assert any("appended" in w for w in report.warnings)


def test_a_known_medium_id_with_other_contents_is_a_conflict(catalog):
    head = header()
    tape, _ = write_medium(head, {"db1": 10_000})
    import_medium(catalog, reader(tape))
    before = catalog.export()

    other, _ = write_medium(head, {"other-host": 10_000})
    with pytest.raises(ConflictError, match="does not hold it"):
        import_medium(catalog, reader(other))
    moved, _ = write_medium(head, {"pad": 30_000, "db1": 10_000})
    with pytest.raises(ConflictError, match=r"at blocks \d+\.\.\d+, the medium holds it at"):
        import_medium(catalog, reader(moved))
    reformatted, _ = write_medium(attrs.evolve(head, created=NOW), {"db1": 10_000})
    with pytest.raises(ConflictError, match="formatted at"):
        import_medium(catalog, reader(reformatted))
    assert catalog.export() == before


def test_a_session_id_of_another_session_is_a_conflict(catalog):
    tape, _ = write_medium(header(), {"db1": 1000})
    import_medium(catalog, reader(tape))
    stranger = MemoryTape()
    writer = MediumWriter(stranger, header(), now=lambda: NOW)
    writer.begin_session(SID, started=NOW + dt.timedelta(minutes=5))
    writer.write_object(version("db9"), [b"x"])
    writer.end_session(ended=NOW + dt.timedelta(hours=1))
    writer.close()
    before = catalog.export()
    with pytest.raises(ConflictError, match=f"session {SID} on the medium"):
        import_medium(catalog, reader(stranger))
    assert catalog.export() == before  # the medium recorded before the refusal is gone too


def test_a_barcode_already_in_the_library_is_refused(catalog):
    slots = tuple(Slot(ordinal=i, address=i) for i in (1, 2))
    catalog.add_library(Library(name="Restore", virtual=False, visible=True, slots=slots))
    barcode = Barcode("ABC123L9")
    first, _ = write_medium(header(barcode=barcode), {"db1": 1000})
    import_medium(catalog, reader(first), location=Location.slot("Restore", 1))
    before = catalog.export()
    second_head = header(barcode=barcode)
    second, _ = write_medium(
        second_head, {"db2": 1000}, session=SessionId(date=NOW.date(), number=2)
    )
    with pytest.raises(DuplicateEntity, match="barcode ABC123L9 is already in library 'Restore'"):
        import_medium(catalog, reader(second), location=Location.slot("Restore", 2))
    assert catalog.export() == before
    # elsewhere, the same barcode is recorded with a warning
    report = import_medium(catalog, reader(second), location=Location.in_vault("Iron Mountain"))
    assert any("barcode ABC123L9 is also recorded" in w for w in report.warnings)


def test_a_pool_of_another_media_type_is_a_conflict(catalog):
    catalog.add_pool(MediaPool(name="Default LTO", media_type=MediaType.LTO8))
    tape, _ = write_medium(header(), {"db1": 1000})
    with pytest.raises(ConflictError, match="holds LTO-8 media"):
        import_medium(catalog, reader(tape))
    assert catalog.media() == []


def test_a_header_the_catalog_cannot_record_is_invalid(catalog):
    tape, _ = write_medium(header(barcode=Barcode("ABC123L8")), {"db1": 1000})
    with pytest.raises(InvalidRecord) as caught:
        import_medium(catalog, reader(tape))
    assert caught.value.path == "header.barcode"


def test_bad_arguments_are_refused(catalog):
    with pytest.raises(InvalidRecord, match="MediumReader"):
        import_medium(catalog, "tape")
    with pytest.raises(InvalidRecord, match="MediumContents"):
        catalog.import_contents(object(), location=Location.unknown(), protection=Protection.none())
    tape, _ = write_medium(header(), {"db1": 1000})
    with pytest.raises(InvalidRecord, match="Location"):
        catalog.import_contents(
            reader(tape).scan(), location="slot 1", protection=Protection.none()
        )


# ------------------------------------------------------------------------------- copies


def test_a_copy_of_a_known_original_is_recorded_as_its_copy(catalog):
    head = header()
    tape, placements = write_medium(head, {"db1": 100_000, "web1": 5_000})
    import_medium(catalog, reader(tape))
    copy, copy_id = copy_of(tape, barcode=Barcode("VLT001L9"))

    report = import_medium(catalog, reader(copy))
    assert report.as_copy_of == head.medium_id
    assert report.versions_added == ()
    assert report.warnings == ()
    (record,) = catalog.copies_of(head.medium_id)
    assert (record.copy, record.original, record.generation, record.job) == (
        copy_id,
        head.medium_id,
        1,
        None,
    )
    assert [(p.first_block, p.span) for p in catalog.positions_on_medium(copy_id)] == [
        (p.first_block, p.span) for p in catalog.positions_on_medium(head.medium_id)
    ]
    assert catalog.medium(copy_id).state is MediumState.NON_APPENDABLE
    assert {c.is_copy for c in catalog.restore_candidates(placements[0].version)} == {True, False}
    assert catalog.object_versions(SID)[0].size == 100_000  # counted once
    assert catalog.check().ok


def test_a_copy_recorded_by_its_copy_job_imports_as_already_known(catalog):
    head = header()
    tape, _ = write_medium(head, {"db1": 100_000, "web1": 5_000})
    import_medium(catalog, reader(tape))
    barcode = Barcode("VLT002L9")
    target = Medium(
        id=new_id(),
        label="Vault_1",
        media_type=MediaType.LTO9,
        pool="Default LTO",
        capacity=10**12,
        formatted_at=NOW,
        barcode=barcode,
        state=MediumState.BLANK,
    )
    catalog.add_medium(target)
    job = catalog.reserve_copy(head.medium_id, [target.id], at=NOW)
    copy, copy_id = copy_of(tape, barcode=barcode)
    recorded = attrs.evolve(
        target,
        id=copy_id,
        formatted_at=NOW + dt.timedelta(hours=1),  # the copy's time, not the header's
        bytes_used=105_000,
        state=MediumState.NON_APPENDABLE,
        original=head.medium_id,
        copy_generation=1,
    )
    catalog.complete_copy(
        job.id, [recorded], verified=True, digest="crc32c:1", at=NOW + dt.timedelta(hours=1)
    )
    before = catalog.export()
    report = import_medium(catalog, reader(copy))
    assert report.already_known
    assert not report.changed
    assert catalog.export() == before


def test_a_copy_of_a_copy_keeps_its_generation(catalog):
    head = header()
    tape, _ = write_medium(head, {"db1": 1000})
    import_medium(catalog, reader(tape))
    first, _ = copy_of(tape)
    second, second_id = copy_of(first)
    report = import_medium(catalog, reader(second))
    assert report.as_copy_of == head.medium_id
    assert catalog.medium(second_id).copy_generation == 2


def test_a_copy_of_an_original_demoted_by_a_promotion_joins_the_line(catalog):
    head = header()
    tape, _ = write_medium(head, {"db1": 1000})
    import_medium(catalog, reader(tape))
    first, first_id = copy_of(tape)
    import_medium(catalog, reader(first))
    catalog.promote_copy(first_id)
    second, second_id = copy_of(tape)
    report = import_medium(catalog, reader(second))
    assert report.as_copy_of == first_id
    assert any(f"{head.medium_id} is now a copy of {first_id}" in w for w in report.warnings)
    assert {r.copy for r in catalog.copies_of(first_id)} == {head.medium_id, second_id}
    assert catalog.check().ok


def test_a_copy_whose_original_was_purged_becomes_the_original_of_its_line(catalog):
    head = header()
    tape, placements = write_medium(head, {"db1": 100_000})
    copy, copy_id = copy_of(tape)

    report = import_medium(catalog, reader(copy))  # a fresh catalog: the original is unknown
    assert report.as_copy_of is None
    assert any(f"original {head.medium_id} is not in the catalog" in w for w in report.warnings)
    assert not catalog.medium(copy_id).is_copy
    (candidate,) = catalog.restore_candidates(placements[0].version)
    assert (candidate.medium.id, candidate.span) == (copy_id, 0)

    # the original turning up later joins the line as a copy of it
    back = import_medium(catalog, reader(tape))
    assert back.as_copy_of == copy_id
    assert any("recorded as its copy" in w for w in back.warnings)
    assert catalog.medium(head.medium_id).copy_generation == 1
    assert catalog.check().ok


def test_a_spanned_copy_set_imports_before_its_originals(catalog):
    media, placements = write_spanned(SIZES)
    copies = [copy_of(tape) for _, tape in media]
    for tape, _ in reversed(copies):
        import_medium(catalog, reader(tape))
    spanning = placements[1]
    assert [c.span for c in catalog.restore_candidates(spanning.version)] == [0, 1, 2]
    for (_, tape), (_, copy_id) in zip(media, copies, strict=True):
        assert import_medium(catalog, reader(tape)).as_copy_of == copy_id
    assert {v.object.host: v.size for v in catalog.object_versions(SID)}["host1"] == 1_200_000
    assert catalog.check().ok


# ------------------------------------------------------------------------------- damage


def catalog_blocks(tape):
    return [
        r.block
        for r in MediumReader(MemoryTape(tape.items)).records()
        if isinstance(r, RecordAt) and isinstance(r.value, CatalogSegment)
    ]


@pytest.mark.parametrize("which", [0, -1])
def test_a_medium_with_a_damaged_catalog_segment_imports_from_its_blocks(catalog, which):
    head = header()
    tape, placements = write_medium(head, {"db1": 2_500_000, "web1": 10_000})
    blocks = catalog_blocks(tape)
    assert len(blocks) >= 2
    damaged = flip(tape, blocks[which])

    report = import_medium(catalog, MediumReader(damaged))
    assert any(f"block {blocks[which]} is damaged" in w for w in report.warnings)
    assert any("described from their own blocks" in w for w in report.warnings)
    assert catalog.positions_on_medium(head.medium_id) == expected_positions(
        placements, head.medium_id
    )
    with SqliteCatalog(":memory:") as intact:
        import_medium(intact, reader(tape))
        assert catalog.export() == intact.export()
    # the clean medium later imports as the same contents
    assert not import_medium(catalog, reader(tape)).changed


def test_a_damaged_data_block_is_named_with_its_version(catalog):
    head = header()
    tape, placements = write_medium(head, {"db1": 200_000})
    bad = placements[0].pieces[0].first_block + 3
    report = import_medium(catalog, MediumReader(flip(tape, bad, offset=10)), full_scan=True)
    assert any(f"damaged block {bad} lies within its piece" in w for w in report.warnings)
    assert len(report.positions_added) == 1


def test_an_incomplete_object_is_not_recorded(catalog):
    head = header()
    tape = MemoryTape()
    writer = MediumWriter(tape, head, now=lambda: NOW)
    writer.begin_session(SID, started=NOW)

    def failing():
        yield b"a" * 40_000
        raise OSError("source disk failed")

    with pytest.raises(OSError, match="source disk"):
        writer.write_object(version("broken"), failing())
    writer.write_object(version("fine"), [b"b" * 1000])
    writer.end_session(SessionStatus.COMPLETED_ERRORS, ended=NOW)
    writer.close()

    report = import_medium(catalog, reader(tape))
    assert [p.object_version.object.host for p in report.positions_added] == ["fine"]
    assert any("broken" in w and "incomplete" in w for w in report.warnings)
    assert catalog.session(SID).status is SessionStatus.COMPLETED_ERRORS


def test_a_medium_never_closed_imports_its_session_in_progress(catalog):
    head = header()
    tape = MemoryTape()
    writer = MediumWriter(tape, head, now=lambda: NOW)
    writer.begin_session(SID, started=NOW)
    writer.write_object(version("db1"), [b"x" * 30_000])
    # the writer dies here: no session end, no catalog, no end of data
    report = import_medium(catalog, reader(tape))
    assert catalog.session(SID).status is SessionStatus.IN_PROGRESS
    assert any("no end of data" in w for w in report.warnings)
    assert any("no end on the medium" in w for w in report.warnings)
    assert len(report.positions_added) == 1


def test_a_catalog_of_schema_version_1_is_migrated_and_imports(tmp_path, monkeypatch):
    from smartmedia.catalog import SCHEMA_VERSION, _schema

    path = tmp_path / "old.db"
    with monkeypatch.context() as old:
        old.setattr(_schema, "MIGRATIONS", _schema.MIGRATIONS[:1])
        old.setattr(_schema, "SCHEMA_VERSION", 1)
        SqliteCatalog(path).close()
    assert SCHEMA_VERSION == 2
    media, placements = write_spanned(SIZES)
    with SqliteCatalog(path) as catalog:
        for _, tape in reversed(media):
            import_medium(catalog, reader(tape))
        spanning = placements[1]
        assert [c.span for c in catalog.restore_candidates(spanning.version)] == [0, 1, 2]
        assert catalog.check().ok
