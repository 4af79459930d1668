"""BackupWriter: sessions written onto new virtual cartridges, spanned, and recorded."""

import datetime as dt
import os

import pytest

from smartmedia.copying._backup import (
    BackupItem,
    BackupResult,
    BackupWriter,
    items_from_bytes,
    items_from_directory,
    next_session_id,
)
from smartmedia.copying._lab import build_lab
from smartmedia.copying._mount import mounted
from smartmedia.errors import DuplicateEntity, UnknownEntity, ValidationError
from smartmedia.format import MediumReader
from smartmedia.model import (
    BackupObject,
    Barcode,
    LocationKind,
    MediaType,
    Medium,
    MediumCondition,
    MediumState,
    ObjectType,
    Protection,
    SessionId,
    SessionStatus,
)
from smartmedia.serialization import converter
from smartmedia.sim import DriveFailure, Faults, MediumFault

from .conftest import BLOCK_SIZE, CAPACITY, payload, write_backup


def read_version(lab, placement):
    """The bytes of a placed object version, read back from its media in span order."""
    parts = []
    for piece in placement.pieces:
        medium = lab.catalog.medium(piece.medium_id)
        with mounted(lab.vtl, medium.barcode) as drive:
            reader = MediumReader(drive)
            assert reader.header.medium_id == piece.medium_id
            parts += [
                bytes(b)
                for b in reader.read_object(
                    placement.version.session, placement.index, first_block=piece.first_block
                )
            ]
    return b"".join(parts)


def test_a_session_spans_three_cartridges_and_is_recorded_consistently(lab, backup):
    data = {"a": payload(5_000_000, 1), "b": payload(4_000_000, 2), "c": b""}
    result = backup(data)

    assert result.ok
    assert result.session.status is SessionStatus.COMPLETED
    assert result.error is None
    assert result.failed == ()
    assert [m.barcode for m in result.media] == [Barcode(f"VT000{n}") for n in (1, 2, 3)]
    assert [m.state for m in result.media] == [
        MediumState.FULL,
        MediumState.FULL,
        MediumState.APPENDABLE,
    ]
    assert result.bytes == sum(len(d) for d in data.values())
    assert {v.object.mount: v.size for v in result.versions} == {k: len(d) for k, d in data.items()}

    catalog = lab.catalog
    report = catalog.check()
    assert report.ok, str(report)
    assert [m.id for m in catalog.media_of_session(result.session.id)] == [
        m.id for m in result.media
    ]
    assert catalog.session(result.session.id) == result.session
    # every medium sits in its slot of the virtual library again, recorded as such
    for medium in result.media:
        assert medium.location.kind is LocationKind.SLOT
        assert lab.vtl.inventory().location_of(medium.barcode) == medium.location
        assert medium.bytes_used == sum(
            p.bytes for pl in result.placements for p in pl.pieces if p.medium_id == medium.id
        )
        assert medium.first_written is not None
        assert medium.protection.is_active(result.session.ended)
    # the positions the catalog holds are those of the writer
    recorded = {
        (p.medium, p.first_block, p.last_block, p.span, p.object_version.object.mount)
        for m in result.media
        for p in catalog.positions_on_medium(m.id)
    }
    placed = {
        (piece.medium_id, piece.first_block, piece.last_block, span, pl.version.object.mount)
        for pl in result.placements
        for span, piece in enumerate(pl.pieces)
    }
    assert recorded == placed
    assert max(len(pl.pieces) for pl in result.placements) == 2  # objects were cut
    # and the bytes there are the objects' bytes
    for placement in result.placements:
        assert read_version(lab, placement) == data[placement.version.object.mount]


def test_each_medium_header_names_the_catalog_medium(lab, backup):
    result = backup({"x": payload(3_000_000, 3)})
    for medium in result.media:
        with mounted(lab.vtl, medium.barcode) as drive:
            reader = MediumReader(drive)
            header = reader.header
            report = reader.verify()
        assert header.medium_id == medium.id
        assert header.label == medium.label
        assert header.barcode == medium.barcode
        assert header.pool == "VTL"
        assert header.block_size == BLOCK_SIZE
        assert report.ok


def test_a_directory_is_backed_up_file_by_file(lab, tmp_path):
    tree = {
        "etc/hosts": b"127.0.0.1 localhost\n",
        "var/big.bin": payload(3_500_000, 4),
        "var/empty": b"",
        "z.txt": payload(1000, 5),
    }
    for name, content in tree.items():
        (tmp_path / name).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / name).write_bytes(content)
    os.symlink(tmp_path / "z.txt", tmp_path / "link")
    items = items_from_directory(tmp_path, host="web01", chunk_size=70_000)
    assert [i.object.mount for i in items] == [
        (tmp_path / name).resolve().as_posix() for name in sorted(tree)
    ]
    assert {i.object.type for i in items} == {ObjectType.FILESYSTEM}
    assert {i.object.host for i in items} == {"web01"}

    writer = BackupWriter(lab.site, capacity=4 << 20, block_size=BLOCK_SIZE)
    result = writer.run(None, items)
    assert result.ok
    assert len(result.media) == 2
    assert lab.catalog.check().ok
    by_mount = {(tmp_path / n).resolve().as_posix(): c for n, c in tree.items()}
    for placement in result.placements:
        assert read_version(lab, placement) == by_mount[placement.version.object.mount]


def test_barcodes_and_session_numbers_are_never_reused(lab, backup):
    lab.vls.create_cartridge("VTL", Barcode("VT0001"))  # someone else's cartridge
    first = backup({"a": b"one"})
    second = backup({"a": b"two"})
    assert [m.barcode for m in first.media] == [Barcode("VT0002")]
    assert [m.barcode for m in second.media] == [Barcode("VT0003")]
    assert first.session.id.number == 1
    assert second.session.id.number == 2
    assert next_session_id(lab.site) == SessionId(date=first.session.id.date, number=3)
    assert first.media[0].id != second.media[0].id
    assert first.media[0].label != second.media[0].label
    cartridges = lab.vls.cartridges("VTL")
    writer = BackupWriter(lab.site, capacity=CAPACITY, block_size=BLOCK_SIZE)
    with pytest.raises(DuplicateEntity, match="already"):
        writer.run(first.session.id, items_from_bytes({"b": b"x"}, host="h"))
    assert lab.vls.cartridges("VTL") == cartridges


def test_a_given_session_id_is_used(lab):
    writer = BackupWriter(lab.site, capacity=CAPACITY, block_size=BLOCK_SIZE)
    wanted = SessionId(date=lab.site.now().date(), number=7)
    result = writer.run(wanted, items_from_bytes({"a": b"abc"}, host="h"))
    assert result.session.id == wanted


def test_protection_is_a_period_from_the_end_or_given(lab, backup):
    weekly = backup({"a": b"1"}, protection=dt.timedelta(days=7))
    assert weekly.media[0].protection == Protection.until_time(
        weekly.session.ended + dt.timedelta(days=7)
    )
    forever = backup({"a": b"2"}, protection=Protection.permanent())
    assert forever.media[0].protection == Protection.permanent()


def test_a_failing_source_leaves_its_object_out_and_the_rest_recorded(lab):
    def broken():
        yield b"x" * 200_000
        raise OSError("disk read error")

    items = [
        *items_from_bytes({"good1": payload(300_000, 6)}, host="h"),
        BackupItem(
            object=BackupObject(type=ObjectType.FILESYSTEM, host="h", mount="/bad"), source=broken
        ),
        *items_from_bytes({"good2": payload(300_000, 7)}, host="h"),
    ]
    result = BackupWriter(lab.site, capacity=CAPACITY, block_size=BLOCK_SIZE).run(None, items)
    assert result.session.status is SessionStatus.COMPLETED_FAILURE
    assert not result.ok
    assert [f.object.mount for f in result.failed] == ["/bad"]
    assert "disk read error" in result.failed[0].reason
    assert [v.object.mount for v in result.versions] == ["good1", "good2"]
    assert lab.catalog.check().ok
    assert {v.object.mount for v in lab.catalog.object_versions(result.session.id)} == {
        "good1",
        "good2",
    }
    for placement in result.placements:
        name = placement.version.object.mount
        assert read_version(lab, placement) == payload(300_000, 6 if name == "good1" else 7)


def test_a_write_error_fails_the_session_but_keeps_what_was_complete():
    lab = build_lab(
        faults=Faults(media=(MediumFault(barcode=Barcode("VT0002"), block=20, on_write=True),))
    )
    data = {"a": payload(3_000_000, 8), "b": payload(600_000, 9), "c": payload(4_000_000, 10)}
    result = write_backup(lab, data)
    assert result.session.status is SessionStatus.FAILED
    assert "MediumError" in result.error
    assert [m.barcode for m in result.media] == [Barcode("VT0001"), Barcode("VT0002")]
    broken = result.media[-1]
    assert broken.condition is MediumCondition.POOR
    assert broken.state is MediumState.NON_APPENDABLE
    assert broken.location.kind is LocationKind.SLOT  # given back to its slot
    recorded = [v.object.mount for v in result.versions]
    assert "c" not in recorded
    assert recorded == [v.object.mount for v in lab.catalog.object_versions(result.session.id)]
    assert lab.catalog.check().ok
    assert lab.catalog.session(result.session.id).status is SessionStatus.FAILED
    for placement in result.placements:
        assert read_version(lab, placement) == data[placement.version.object.mount]
    lab.close()


def test_a_dead_drive_fails_the_session_and_the_cartridge_stays_recorded_in_it():
    serial = build_lab().vtl.inventory().drives[0].serial
    lab = build_lab(faults=Faults(drives=(DriveFailure(serial=serial, after_bytes=2_000_000),)))
    result = write_backup(lab, {"a": payload(500_000, 11), "b": payload(3_000_000, 12)})
    assert result.session.status is SessionStatus.FAILED
    assert "DriveError" in result.error
    (medium,) = result.media
    assert medium.location.kind is LocationKind.DRIVE
    assert medium.state is MediumState.NON_APPENDABLE
    assert [v.object.mount for v in result.versions] == ["a"]
    assert lab.catalog.check().ok
    lab.close()


def test_the_result_serialises(lab, backup):
    result = backup({"a": payload(100_000, 13)})
    again = converter.structure(converter.unstructure(result), BackupResult)
    assert again == result


@pytest.mark.parametrize(
    ("options", "path"),
    [
        ({"pool": "Vault"}, "pool"),
        ({"library": "MSL"}, "library"),
        ({"block_size": 1000}, "block_size"),
        ({"capacity": 10}, "capacity"),
        ({"capacity": 1 << 63}, "capacity"),
        ({"capacity": 10**23}, "capacity"),
        ({"protection": dt.timedelta(days=-1)}, "protection"),
        ({"protection": "forever"}, "protection"),
        ({"barcode_prefix": "vt/"}, "barcode_prefix"),
        ({"specification": "x" * 500}, "specification"),
    ],
)
def test_bad_writer_options_are_named(lab, options, path):
    with pytest.raises(ValidationError) as caught:
        BackupWriter(lab.site, **options)
    assert path in str(caught.value)


def test_cartridges_too_small_for_the_early_warning_zone_fail_cleanly(lab, backup):
    with pytest.raises(ValidationError, match="too small") as caught:
        backup({"a": payload(100_000, 14)}, capacity=2 << 20)
    assert caught.value.path == "capacity"
    (session,) = lab.catalog.sessions()
    assert session.status is SessionStatus.FAILED
    assert len(lab.vls.cartridges("VTL")) == 1
    assert lab.catalog.check().ok


def test_an_unknown_pool_is_an_unknown_entity(lab):
    with pytest.raises(UnknownEntity):
        BackupWriter(lab.site, pool="Nope")


def test_bad_objects_are_refused_before_anything_is_written(lab):
    writer = BackupWriter(lab.site, capacity=CAPACITY, block_size=BLOCK_SIZE)
    item = items_from_bytes({"a": b"1"}, host="h")[0]
    for objects, path in [
        ([], "objects"),
        ([item, item], "objects[1].object"),
        ([item, "junk"], "objects[1]"),
        (item, "objects"),
    ]:
        with pytest.raises(ValidationError) as caught:
            writer.run(None, objects)
        assert caught.value.path == path
    with pytest.raises(ValidationError, match="SessionId"):
        writer.run("2026/11/25-1", [item])
    assert lab.catalog.sessions() == []
    assert lab.catalog.media() == []
    assert lab.vls.cartridges("VTL") == ()


def test_bad_items_are_named(tmp_path):
    with pytest.raises(ValidationError, match="not a directory"):
        items_from_directory(tmp_path / "missing")
    with pytest.raises(ValidationError, match="chunk size"):
        items_from_directory(tmp_path, chunk_size=0)
    with pytest.raises(ValidationError) as caught:
        items_from_bytes({"a": "text"}, host="h")
    assert caught.value.path == "data['a'].data"
    with pytest.raises(ValidationError, match="source"):
        BackupItem(
            object=BackupObject(type=ObjectType.FILESYSTEM, host="h", mount="/"), source=b"bytes"
        )
    with pytest.raises(ValidationError, match="BackupObject"):
        BackupItem(object="h:/", source=list)
    assert items_from_directory(tmp_path) == []


def test_media_are_recorded_as_virtual_media_of_the_pool(lab, backup):
    result = backup({"a": b"x"})
    (medium,) = result.media
    assert isinstance(medium, Medium)
    assert medium.media_type is MediaType.VIRTUAL
    assert medium.pool == "VTL"
    assert medium.capacity == CAPACITY
    assert medium.write_count == 1
    assert not medium.is_copy


# ------------------------------------------------ cartridges left behind (issue 12)


def test_a_cartridge_the_vls_holds_under_the_next_barcode_is_skipped_not_written(lab, backup):
    """A crash can leave a cartridge on the VLS that no library shows (its changer state
    was lost) and the catalog does not know: the backup takes the next barcode, and the
    header on tape names the barcode the cartridge really has."""
    leftover = lab.store.create(Barcode("VT0001"), MediaType.VIRTUAL)
    leftover.append_block(b"somebody's data")
    leftover.flush()
    result = backup({"a": payload(300_000, 21)})
    assert result.ok, result.error
    (medium,) = result.media
    assert medium.barcode == Barcode("VT0002")
    with mounted(lab.vtl, medium.barcode) as drive:
        header = MediumReader(drive).header
    assert header.barcode == Barcode("VT0002")
    assert header.medium_id == medium.id
    assert [bytes(b) for b in lab.store.get(Barcode("VT0001")).iter_from(0)] == [b"somebody's data"]
    again = backup({"b": payload(300_000, 22)})
    assert again.ok
    assert again.media[0].barcode == Barcode("VT0003")
    assert lab.catalog.check().ok


def test_a_cartridge_the_catalog_cannot_record_is_deleted_again(lab, backup):
    """The changer shows slot 1 free but the catalog records a medium there (their
    states disagree after a crash): the new cartridge cannot be recorded, so it is
    deleted, blank; the session ends failed, never in progress."""
    from smartmedia.model import Location

    first = backup({"a": payload(200_000, 23)})
    (medium,) = first.media
    lab.vtl.take(medium.barcode)  # the changer forgets it; the catalog still has slot 1
    with pytest.raises(Exception, match="already holds") as caught:
        backup({"b": payload(200_000, 24)})
    assert "Traceback" not in str(caught.value)
    sessions = lab.catalog.sessions()
    assert sessions[-1].status is SessionStatus.FAILED
    assert [c.barcode for c in lab.vls.cartridges("VTL")] == []
    assert lab.catalog.medium(medium.id).location == Location.slot("VTL", 1)
