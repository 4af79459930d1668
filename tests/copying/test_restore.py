"""Restores: ranking the copies of a version, bringing a physical copy to a visible
library, reading across spanned media, switching copies at a damaged block, promotion."""

import datetime as dt
import io

import attrs
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from smartmedia.catalog import SqliteCatalog
from smartmedia.copying._backup import BackupWriter, items_from_bytes
from smartmedia.copying._lab import build_lab
from smartmedia.copying._mount import mounted
from smartmedia.copying._restore import (
    Move,
    Mover,
    RestoreError,
    RestoreResult,
    SourceRank,
    import_cartridge,
    prepare_restore,
    recycle_original,
    restore,
    restore_sources,
)
from smartmedia.devices import CopyOrder
from smartmedia.errors import ProtectedMedium, UnknownEntity, ValidationError
from smartmedia.format import CopyIdentity, MediumReader
from smartmedia.model import (
    BackupObject,
    Barcode,
    Location,
    LocationKind,
    MediaType,
    Medium,
    MediumState,
    ObjectType,
    ObjectVersion,
    Protection,
)
from smartmedia.serialization import converter
from smartmedia.sim import Faults, MediumFault

from .conftest import payload, write_backup

BIG = {"a": payload(5_000_000, 1), "b": payload(4_000_000, 2), "c": b""}


def copy_to_physical(lab, medium, target):
    """Copy virtual ``medium`` onto cartridge ``target`` of the library behind the VLS with
    the VLS itself, and record the copy as a copy job does: reserve, verify, complete."""
    catalog, now = lab.catalog, lab.site.now()
    blank = catalog.allocate("Vault")
    target_medium = Medium(
        id=blank.medium,
        label=blank.label,
        media_type=MediaType.LTO9,
        pool="Vault",
        capacity=MediaType.LTO9.native_capacity,
        formatted_at=now,
        barcode=target,
        state=MediumState.BLANK,
        location=lab.msl.inventory().location_of(target),
    )
    catalog.add_medium(target_medium)
    job = catalog.reserve_copy(medium.id, [target_medium.id], at=now)
    identity = catalog.allocate("Vault")
    handle = lab.vls.start_copy(
        CopyOrder(
            source_library="VTL",
            source=medium.barcode,
            target_library="MSL",
            target=target,
            identity=CopyIdentity(
                medium_id=identity.medium,
                label=identity.label,
                barcode=target,
                media_type=MediaType.LTO9,
                pool="Vault",
            ),
        )
    )
    (result,) = lab.vls.wait([handle])
    result.check()
    with mounted(lab.vtl, medium.barcode) as drive:
        assert MediumReader(drive).verify().digest == result.digest  # the copy is verified
    copy = attrs.evolve(
        target_medium,
        id=identity.medium,
        label=identity.label,
        state=MediumState.NON_APPENDABLE,
        bytes_used=medium.bytes_used,
        protection=medium.protection,
        first_written=medium.first_written,
        last_written=medium.last_written,
        original=medium.id,
        copy_generation=1,
    )
    catalog.complete_copy(
        job.id, [copy], verified=True, digest=f"{result.digest:08x}", at=lab.site.now()
    )
    return catalog.medium(copy.id)


def version_named(result, name):
    return next(v for v in result.versions if v.object.mount == name)


def test_restore_from_the_virtual_original_across_spans(lab, backup):
    result = backup(BIG)
    for name, data in BIG.items():
        version = version_named(result, name)
        sink = io.BytesIO()
        done = restore(lab.site, version, sink)
        assert sink.getvalue() == data
        assert done.bytes == len(data)
        assert done.switches == ()
        assert done.version == version
        expected = [
            p.medium_id for pl in result.placements if pl.version == version for p in pl.pieces
        ]
        assert list(done.media) == expected
    # every cartridge is back in its slot
    for medium in result.media:
        assert lab.vtl.inventory().location_of(medium.barcode) == medium.location


def test_a_callable_sink_gets_the_verified_blocks(lab, backup):
    result = backup({"x": payload(700_000, 3)})
    parts = []
    done = restore(lab.site, result.versions[0], lambda block: parts.append(bytes(block)))
    assert b"".join(parts) == payload(700_000, 3)
    assert done.blocks == len(parts)


def test_the_virtual_original_ranks_first_and_says_why(lab, backup):
    result = backup({"x": payload(200_000, 4)})
    (source,) = restore_sources(lab.site, result.versions[0])
    assert source.rank is SourceRank.READABLE
    assert not source.expired
    assert source.library == "VTL"
    assert source.location == result.media[0].location
    assert "readable now" in source.reason
    assert source.spans == (0,)


def test_restore_from_a_physical_copy_after_the_virtual_tapes_are_gone(lab, backup):
    result = backup(BIG)
    copies = [
        copy_to_physical(lab, medium, Barcode(f"SCR00{n}L9"))
        for n, medium in enumerate(result.media, start=1)
    ]
    assert lab.catalog.check().ok
    for medium in result.media:
        lab.vls.delete_cartridge("VTL", medium.barcode)

    version = version_named(result, "a")  # spans VT0001 and VT0002
    sources = restore_sources(lab.site, version)
    assert [s.rank for s in sources] == [
        SourceRank.NEEDS_MOVE,
        SourceRank.NEEDS_MOVE,
        SourceRank.MISSING,
        SourceRank.MISSING,
    ]
    assert {s.medium.id for s in sources[:2]} == {copies[0].id, copies[1].id}
    assert all(s.is_copy for s in sources[:2])
    assert "behind the VLS" in sources[0].reason
    assert "does not hold" in sources[2].reason

    with pytest.raises(RestoreError, match="prepare_restore"):
        restore(lab.site, version, io.BytesIO())

    for source in sources[:2]:
        moves = prepare_restore(lab.site, source)
        assert [m.by for m in moves] == [Mover.ROBOT, Mover.OPERATOR, Mover.ROBOT]
        assert moves[0].origin == source.location
        assert moves[0].destination.kind is LocationKind.MAIL_SLOT
        assert moves[0].destination.library == "MSL"
        assert moves[1].destination.library == "Restore"
        assert moves[2].destination.kind is LocationKind.SLOT
        assert all(isinstance(m, Move) and m.medium == source.medium.id for m in moves)
        assert lab.catalog.medium(source.medium.id).location == moves[-1].destination
        assert lab.restore.inventory().location_of(source.medium.barcode) == moves[-1].destination
        assert lab.catalog.check().ok

    ready = restore_sources(lab.site, version)
    assert [s.rank for s in ready[:2]] == [SourceRank.READABLE, SourceRank.READABLE]
    assert {s.library for s in ready[:2]} == {"Restore"}
    assert prepare_restore(lab.site, ready[0]) == []  # nothing left to do

    sink = io.BytesIO()
    done = restore(lab.site, version, sink)
    assert sink.getvalue() == BIG["a"]
    assert list(done.media) == [copies[0].id, copies[1].id]
    # the cartridges are back in their slots of Restore
    for source in ready[:2]:
        assert lab.restore.inventory().location_of(source.medium.barcode) == source.location


def test_a_damaged_block_switches_to_the_other_copy_at_that_block():
    data = {"x": payload(3_000_000, 5)}
    # block 20 of the copy is a data block of object x (blocks 4.. hold its data)
    lab = build_lab(faults=Faults(media=(MediumFault(barcode=Barcode("SCR001L9"), block=20),)))
    result = write_backup(lab, data)
    (original,) = result.media
    (placement,) = result.placements
    assert placement.pieces[0].first_block < 20 < placement.pieces[0].last_block
    copy = copy_to_physical(lab, original, Barcode("SCR001L9"))
    version = result.versions[0]
    (copy_source,) = [s for s in restore_sources(lab.site, version) if s.is_copy]
    prepare_restore(lab.site, copy_source)
    sources = restore_sources(lab.site, version)
    assert [s.medium.id for s in sources] == [original.id, copy.id]  # originals first

    # the original first: no damage met
    assert restore(lab.site, version, io.BytesIO()).switches == ()

    # the copy first: block 20 fails, the original gives it and the rest
    sink = io.BytesIO()
    done = restore(lab.site, version, sink, sources=sources[::-1])
    assert sink.getvalue() == data["x"]
    (switch,) = done.switches
    assert switch.from_medium == copy.id
    assert switch.to_medium == original.id
    assert switch.block == 20
    assert "MediumError" in switch.error
    assert list(done.media) == [copy.id, original.id]
    lab.close()


def test_when_every_copy_is_damaged_at_a_block_the_restore_fails_cleanly():
    faults = Faults(
        media=(
            MediumFault(barcode=Barcode("SCR001L9"), block=20),
            MediumFault(barcode=Barcode("SCR002L9"), block=20),
        )
    )
    lab = build_lab(faults=faults)
    result = write_backup(lab, {"x": payload(3_000_000, 6)})
    (original,) = result.media
    for target in ("SCR001L9", "SCR002L9"):
        copy_to_physical(lab, original, Barcode(target))
    for source in restore_sources(lab.site, result.versions[0]):
        prepare_restore(lab.site, source)
    lab.vls.delete_cartridge("VTL", original.barcode)
    sink = io.BytesIO()
    with pytest.raises(RestoreError, match="every readable medium") as caught:
        restore(lab.site, result.versions[0], sink)
    assert caught.value.version == result.versions[0]
    # nothing unverified reached the sink: a prefix of the data, and it is exact
    assert payload(3_000_000, 6).startswith(sink.getvalue())
    lab.close()


def test_two_damaged_copies_at_different_blocks_still_restore():
    faults = Faults(
        media=(
            MediumFault(barcode=Barcode("SCR001L9"), block=20),
            MediumFault(barcode=Barcode("SCR002L9"), block=30),
        )
    )
    lab = build_lab(faults=faults)
    data = payload(3_000_000, 7)
    result = write_backup(lab, {"x": data})
    (original,) = result.media
    for target in ("SCR001L9", "SCR002L9"):
        copy_to_physical(lab, original, Barcode(target))
    for source in restore_sources(lab.site, result.versions[0]):
        prepare_restore(lab.site, source)
    lab.vls.delete_cartridge("VTL", original.barcode)
    sink = io.BytesIO()
    done = restore(lab.site, result.versions[0], sink)
    assert sink.getvalue() == data
    assert [s.block for s in done.switches] == [20, 30]
    first, second = (s.medium.id for s in restore_sources(lab.site, result.versions[0])[:2])
    assert list(done.media) == [first, second, first]
    lab.close()


def test_recycling_the_original_promotes_the_physical_copy(lab, backup):
    data = {"x": payload(1_500_000, 8)}
    result = backup(data, protection=dt.timedelta(days=7))
    (original,) = result.media
    copy = copy_to_physical(lab, original, Barcode("SCR001L9"))

    with pytest.raises(ProtectedMedium):
        recycle_original(lab.site, original.id)
    assert lab.vls.cartridges("VTL")  # nothing changed
    with pytest.raises(ValidationError, match="is a copy"):
        recycle_original(lab.site, copy.id)

    later = lab.site.now() + dt.timedelta(days=8)
    recycled = recycle_original(lab.site, original.id, at=later)
    assert recycled.medium == original.id
    assert recycled.promoted == copy.id
    assert lab.vls.cartridges("VTL") == ()
    promoted = lab.catalog.medium(copy.id)
    assert not promoted.is_copy
    gone = lab.catalog.medium(original.id)
    assert gone.state is MediumState.EMPTY
    assert gone.location == Location.unknown()
    assert lab.catalog.check().ok

    version = result.versions[0]
    (source,) = restore_sources(lab.site, version)
    assert source.medium.id == copy.id
    assert not source.is_copy
    assert source.rank is SourceRank.NEEDS_MOVE
    prepare_restore(lab.site, source)
    sink = io.BytesIO()
    restore(lab.site, version, sink)
    assert sink.getvalue() == data["x"]


def test_expired_media_rank_after_protected_ones(lab, backup):
    result = backup({"x": payload(300_000, 9)}, protection=Protection.none())
    (original,) = result.media
    copy = copy_to_physical(lab, original, Barcode("SCR001L9"))
    lab.catalog.update_medium(
        attrs.evolve(lab.catalog.medium(copy.id), protection=Protection.permanent())
    )
    prepare_restore(
        lab.site, next(s for s in restore_sources(lab.site, result.versions[0]) if s.is_copy)
    )
    sources = restore_sources(lab.site, result.versions[0])
    assert [s.medium.id for s in sources] == [copy.id, original.id]
    assert [s.expired for s in sources] == [False, True]
    assert "may be recycled" in sources[1].reason
    assert {s.rank for s in sources} == {SourceRank.READABLE}


def test_a_vaulted_copy_must_be_brought_back_by_hand(lab, backup):
    data = payload(400_000, 10)
    result = backup({"x": data})
    (original,) = result.media
    copy = copy_to_physical(lab, original, Barcode("SCR001L9"))
    # vaulting: out through the mail slot, away, recorded in the vault
    lab.msl.export(lab.msl.slot_of(copy.barcode))
    lab.msl.take(copy.barcode)
    lab.catalog.move_medium(copy.id, Location.in_vault("Iron Mountain"))
    lab.vls.delete_cartridge("VTL", original.barcode)

    version = result.versions[0]
    first = restore_sources(lab.site, version)[0]
    assert first.medium.id == copy.id
    assert first.rank is SourceRank.IN_VAULT
    assert "Iron Mountain" in first.reason
    with pytest.raises(RestoreError, match="vault Iron Mountain"):
        prepare_restore(lab.site, first)

    lab.restore.insert_mail(copy.barcode)  # the courier brought it
    arrived = restore_sources(lab.site, version)[0]
    assert arrived.rank is SourceRank.NEEDS_MOVE
    assert "to be imported" in arrived.reason
    (move,) = prepare_restore(lab.site, arrived)
    assert move.origin.kind is LocationKind.MAIL_SLOT
    assert move.destination.kind is LocationKind.SLOT
    assert lab.catalog.medium(copy.id).location == move.destination
    sink = io.BytesIO()
    restore(lab.site, version, sink)
    assert sink.getvalue() == data


def forgetful(lab):
    """The lab's site with a new, empty catalog (pools and libraries only)."""
    fresh = SqliteCatalog(":memory:")
    for pool in lab.catalog.pools():
        fresh.add_pool(pool)
    for library in lab.catalog.libraries():
        fresh.add_library(library)
    return attrs.evolve(lab.site, catalog=fresh)


def test_a_cartridge_the_catalog_forgot_is_imported_by_reading_it(lab, backup):
    data = payload(900_000, 11)
    result = backup({"x": data})
    (original,) = result.media
    site = forgetful(lab)
    with pytest.raises(UnknownEntity):
        restore_sources(site, result.versions[0])

    assert prepare_restore(site, original.barcode) == []  # readable where it is
    known = site.catalog.medium(original.id)
    assert known.barcode == original.barcode
    assert known.location == original.location
    assert site.catalog.check().ok

    version = site.catalog.object_versions(result.session.id)[0]
    assert version.size == len(data)
    (source,) = restore_sources(site, version)
    assert source.rank is SourceRank.READABLE
    sink = io.BytesIO()
    restore(site, version, sink)
    assert sink.getvalue() == data
    # importing it again changes nothing
    report = import_cartridge(site, original.barcode, library="VTL")
    assert report.already_known
    assert not report.changed
    site.catalog.close()


def test_a_physical_copy_the_catalog_forgot_is_moved_and_imported(lab, backup):
    data = payload(900_000, 12)
    result = backup({"x": data})
    copy = copy_to_physical(lab, result.media[0], Barcode("SCR001L9"))
    site = forgetful(lab)
    moves = prepare_restore(site, Barcode("SCR001L9"))
    assert [m.by for m in moves] == [Mover.ROBOT, Mover.OPERATOR, Mover.ROBOT]
    assert all(m.medium is None for m in moves)
    known = site.catalog.medium(copy.id)
    assert known.location == moves[-1].destination
    version = site.catalog.object_versions(result.session.id)[0]
    sink = io.BytesIO()
    restore(site, version, sink)
    assert sink.getvalue() == data


def test_results_serialise(lab, backup):
    result = backup({"x": payload(100_000, 12)})
    version = result.versions[0]
    done = restore(lab.site, version, io.BytesIO())
    assert converter.structure(converter.unstructure(done), RestoreResult) == done
    sources = restore_sources(lab.site, version)
    assert converter.structure(converter.unstructure(sources[0]), type(sources[0])) == sources[0]


def test_bad_input_is_named(lab, backup):
    result = backup({"x": b"abc"})
    version = result.versions[0]
    with pytest.raises(ValidationError, match="ObjectVersion"):
        restore_sources(lab.site, "x")
    stranger = ObjectVersion(
        object=BackupObject(type=ObjectType.FILESYSTEM, host="h", mount="/nope"),
        session=version.session,
        backup_time=version.backup_time,
    )
    with pytest.raises(UnknownEntity):
        restore_sources(lab.site, stranger)
    with pytest.raises(UnknownEntity):
        restore(lab.site, stranger, io.BytesIO())
    with pytest.raises(ValidationError) as caught:
        restore(lab.site, version, "out.bin")
    assert caught.value.path == "sink"
    with pytest.raises(ValidationError) as caught:
        restore(lab.site, version, io.BytesIO(), sources=["VT0001"])
    assert caught.value.path == "sources[0]"
    with pytest.raises(ValidationError) as caught:
        prepare_restore(lab.site, "VT0001")
    assert caught.value.path == "source"
    source = restore_sources(lab.site, version)[0]
    lab.vls.delete_cartridge("VTL", source.medium.barcode)
    gone = restore_sources(lab.site, version)[0]
    assert gone.rank is SourceRank.MISSING
    with pytest.raises(RestoreError, match="no library of this site holds"):
        prepare_restore(lab.site, gone)
    with pytest.raises(RestoreError, match="no readable medium"):
        restore(lab.site, version, io.BytesIO())


def test_only_visible_physical_libraries_are_restore_targets(lab, backup):
    result = backup({"x": b"abc"})
    copy = copy_to_physical(lab, result.media[0], Barcode("SCR001L9"))
    (source,) = [s for s in restore_sources(lab.site, result.versions[0]) if s.is_copy]
    for name in ("MSL", "VTL", "Nowhere"):
        with pytest.raises(ValidationError) as caught:
            prepare_restore(lab.site, source, to_library=name)
        assert caught.value.path == "to_library"
    assert lab.catalog.medium(copy.id).location == source.location  # nothing moved


def _data_blocks(data):
    """First and last data block of a one-object backup of ``data`` (deterministic)."""
    probe = build_lab()
    (placement,) = write_backup(probe, {"x": data}).placements
    probe.close()
    (piece,) = placement.pieces
    return piece.first_block, piece.last_block


@pytest.mark.parametrize("where", ["first", "middle", "last"])
def test_a_switch_works_at_any_data_block_of_a_piece(where):
    data = payload(2_000_000, 13)
    first, last = _data_blocks(data)
    block = {"first": first, "middle": (first + last) // 2, "last": last}[where]
    lab = build_lab(faults=Faults(media=(MediumFault(barcode=Barcode("SCR001L9"), block=block),)))
    result = write_backup(lab, {"x": data})
    (original,) = result.media
    copy = copy_to_physical(lab, original, Barcode("SCR001L9"))
    version = result.versions[0]
    prepare_restore(lab.site, next(s for s in restore_sources(lab.site, version) if s.is_copy))
    sources = sorted(restore_sources(lab.site, version), key=lambda s: not s.is_copy)
    sink = io.BytesIO()
    done = restore(lab.site, version, sink, sources=sources)
    assert sink.getvalue() == data
    (switch,) = done.switches
    assert (switch.from_medium, switch.block, switch.to_medium) == (copy.id, block, original.id)
    lab.close()


@settings(max_examples=12, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    sizes=st.lists(st.integers(0, 1_500_000), min_size=1, max_size=5),
    capacity_mib=st.integers(3, 5),
    chunk=st.integers(1, 300_000),
)
def test_any_backup_restores_byte_identical(sizes, capacity_mib, chunk):
    lab = build_lab()
    data = {f"o{i}": payload(size, i) for i, size in enumerate(sizes)}
    writer = BackupWriter(lab.site, capacity=capacity_mib << 20, block_size=64 << 10)
    result = writer.run(None, items_from_bytes(data, host="h", chunk_size=chunk))
    assert result.ok
    assert lab.catalog.check().ok
    for version in result.versions:
        sink = io.BytesIO()
        done = restore(lab.site, version, sink)
        assert sink.getvalue() == data[version.object.mount]
        assert done.bytes == version.size
    lab.close()


def test_a_stale_catalog_place_is_corrected_when_preparing(lab, backup):
    result = backup({"x": b"abc"})
    (medium,) = result.media
    lab.catalog.move_medium(medium.id, Location.slot("VTL", 40))  # wrong: it is in slot 1
    (source,) = restore_sources(lab.site, result.versions[0])
    assert source.rank is SourceRank.READABLE
    assert source.location == medium.location
    assert "the catalog says VTL: slot 40" in source.reason
    assert prepare_restore(lab.site, source) == []
    assert lab.catalog.medium(medium.id).location == medium.location


def test_without_an_operator_nothing_leaves_the_library_behind_the_vls(lab, backup):
    result = backup({"x": b"abc"})
    copy = copy_to_physical(lab, result.media[0], Barcode("SCR001L9"))
    site = attrs.evolve(lab.site, operator=None)
    (source,) = [s for s in restore_sources(site, result.versions[0]) if s.is_copy]
    with pytest.raises(RestoreError, match="no operator"):
        prepare_restore(site, source)
    assert lab.msl.inventory().location_of(copy.barcode) == copy.location  # not moved
    assert lab.catalog.medium(copy.id).location == copy.location


def test_importing_a_medium_the_catalog_knows_raises_no_false_session_warning(lab, backup):
    """The medium's session end is written a moment before the catalog finishes the
    session: the same status with another end time is not a disagreement."""
    result = backup({"x": payload(200_000, 3)})
    (medium,) = result.media
    report = import_cartridge(lab.site, medium.barcode, library="VTL")
    assert report.already_known
    assert not [w for w in report.warnings if "recorded as" in w], report.warnings
