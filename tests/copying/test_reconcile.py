"""Devices and catalog are two durable systems: a directory lab keeps its libraries'
contents through every change, and opening it reconciles them with the catalog."""

import io
import os

import pytest

from smartmedia.copying import (
    LAB_EPOCH,
    BackupWriter,
    DisagreementKind,
    build_lab,
    items_from_bytes,
    restore,
)
from smartmedia.errors import UnrecordedMedia
from smartmedia.model import Barcode, Location, SessionStatus
from smartmedia.sim import StateFile


def _kinds(lab):
    return [d.kind for d in lab.reconciled.disagreements]


def _backup(lab, data=None, spec="daily"):
    data = data or {"a.bin": b"a" * 300_000, "b.bin": b"b" * 200_000}
    return BackupWriter(lab.site, specification=spec).run(None, items_from_bytes(data, host="h1"))


def test_a_move_survives_a_crash_without_any_save(tmp_path):
    lab = build_lab(directory=tmp_path)
    slot = lab.msl.slot_of(Barcode("SCR001L9"))
    mail = lab.msl.export(slot)
    # the process "dies": nothing is closed or saved
    again = build_lab(directory=tmp_path)
    assert again.msl.locate_cartridge(Barcode("SCR001L9")) == mail
    assert again.msl.slot_of(Barcode("SCR001L9")) is None
    assert again.reconciled is not None
    assert again.reconciled.agreed
    again.close()
    lab.close()


def test_scratch_cartridges_arrive_once(tmp_path):
    lab = build_lab(directory=tmp_path)
    lab.msl.take(Barcode("SCR002L9"))  # carried off-site
    lab.close()
    again = build_lab(directory=tmp_path)
    assert again.msl.locate_cartridge(Barcode("SCR002L9")) is None
    assert Barcode("SCR002L9") in again.store
    again.close()


def test_the_catalog_follows_the_changer_on_open(tmp_path):
    lab = build_lab(directory=tmp_path)
    backup = _backup(lab)
    medium = backup.media[0]
    home = lab.vtl.slot_of(medium.barcode)
    free = lab.vtl.inventory().free_slots()[-1]
    lab.vtl.move(home, free.address)  # the changer moved it; the catalog was not told
    lab.close()
    again = build_lab(directory=tmp_path)
    assert DisagreementKind.MOVED in _kinds(again)
    assert again.catalog.medium(medium.id).location == Location.slot("VTL", free.ordinal)
    assert again.catalog.check().ok
    again.close()


def test_a_cartridge_gone_from_its_library_is_reported_not_guessed(tmp_path):
    lab = build_lab(directory=tmp_path)
    backup = _backup(lab)
    medium = backup.media[0]
    lab.vls.delete_cartridge("VTL", medium.barcode)
    lab.close()
    again = build_lab(directory=tmp_path)
    missing = [d for d in again.reconciled.disagreements if d.kind is DisagreementKind.MISSING]
    assert [d.barcode for d in missing] == [medium.barcode]
    assert not missing[0].settled
    assert again.catalog.medium(medium.id).location == medium.location  # last known kept
    again.close()


def test_a_cartridge_left_in_a_drive_is_put_away_and_recorded(tmp_path):
    lab = build_lab(directory=tmp_path)
    backup = _backup(lab)
    medium = backup.media[0]
    drive = lab.vtl.inventory().drives[0]
    lab.vtl.move(lab.vtl.slot_of(medium.barcode), drive.address)
    lab.vtl.drive(drive.address).load()
    again = build_lab(directory=tmp_path)  # crash with the tape loaded
    assert DisagreementKind.LEFT_IN_DRIVE in _kinds(again)
    location = again.catalog.medium(medium.id).location
    assert location.kind.value == "slot"
    assert again.vtl.slot_of(medium.barcode) is not None
    again.close()


class _Interrupted(BaseException):
    pass


def _interrupting_items(count_before):
    """Items whose reading is interrupted (as by Ctrl-C) in object ``count_before``."""
    import attrs

    items = list(items_from_bytes({f"f{i}.bin": bytes([i]) * 150_000 for i in range(4)}, host="h1"))

    def interrupted():
        yield b"x" * 70_000
        raise _Interrupted

    items[count_before] = attrs.evolve(items[count_before], source=interrupted)
    return items


def test_a_backup_interrupted_by_ctrl_c_is_aborted_and_keeps_what_it_wrote_whole(tmp_path):
    lab = build_lab(directory=tmp_path)
    with pytest.raises(_Interrupted):
        BackupWriter(lab.site, specification="daily").run(None, _interrupting_items(2))
    (session,) = lab.catalog.sessions()
    again = build_lab(directory=tmp_path)
    session = again.catalog.session(session.id)
    assert session.status is SessionStatus.ABORTED
    versions = again.catalog.object_versions(session.id)
    assert sorted(v.object.mount for v in versions) == ["f0.bin", "f1.bin"]
    for version in versions:
        sink = io.BytesIO()
        restore(again.site, version, sink)
        assert sink.getvalue() == bytes([int(version.object.mount[1])]) * 150_000
    # and the next backup works, with a new session ID
    later = _backup(again)
    assert later.session.id != session.id
    assert again.catalog.check().ok
    again.close()


def test_a_lost_catalog_refuses_to_run_until_rebuilt(tmp_path):
    lab = build_lab(directory=tmp_path)
    first = _backup(lab)
    lab.close()
    for name in os.listdir(tmp_path):
        if name.startswith("catalog.sqlite"):
            os.unlink(tmp_path / name)
    with pytest.raises(UnrecordedMedia) as refused:
        build_lab(directory=tmp_path)
    assert "import" in str(refused.value)
    assert first.media[0].barcode in refused.value.barcodes
    # rebuilding: open anyway, import the cartridges, and everything is back
    from smartmedia.catalog import import_medium
    from smartmedia.format import MediumReader
    from smartmedia.sim import CartridgeSource

    rebuilt = build_lab(directory=tmp_path, rebuilding=True)
    for medium in first.media:
        location = rebuilt.vtl.inventory().location_of(medium.barcode)
        reader = MediumReader(CartridgeSource(rebuilt.store.get(medium.barcode)))
        import_medium(rebuilt.catalog, reader, location=location)
    rebuilt.close()
    again = build_lab(directory=tmp_path)
    assert again.catalog.session(first.session.id).status is SessionStatus.COMPLETED
    later = _backup(again)
    assert later.session.id != first.session.id  # never reused
    again.close()


def test_a_damaged_device_state_is_reported_and_kept_aside(tmp_path):
    lab = build_lab(directory=tmp_path)
    lab.close()
    state = tmp_path / "devices" / "MSL.state"
    raw = bytearray(state.read_bytes())
    raw[-3] ^= 0x40
    state.write_bytes(bytes(raw))
    again = build_lab(directory=tmp_path)
    problems = [d for d in again.reconciled.disagreements if d.kind.value == "device_state"]
    assert problems
    assert "MSL.state" in problems[0].detail
    assert (tmp_path / "devices" / "MSL.state.damaged").is_file()
    again.close()
    third = build_lab(directory=tmp_path)  # the next open is clean again
    assert DisagreementKind.DEVICE_STATE not in _kinds(third)
    third.close()


@pytest.mark.parametrize("kind", ["symlink", "directory", "fifo", "empty"])
def test_a_bad_cartridge_file_is_named_and_the_lab_keeps_working(tmp_path, kind):
    lab = build_lab(directory=tmp_path)
    lab.close()
    bad = tmp_path / "tapes" / "VT0001.img"
    if kind == "symlink":
        bad.symlink_to("/dev/zero")
    elif kind == "directory":
        bad.mkdir()
    elif kind == "fifo":
        os.mkfifo(bad)
    else:
        bad.write_bytes(b"")
    again = build_lab(directory=tmp_path)
    details = [d.detail for d in again.reconciled.disagreements]
    assert any("VT0001.img" in d for d in details), details
    again.close()


def test_the_clock_never_goes_back_behind_the_catalog(tmp_path):
    lab = build_lab(directory=tmp_path)
    _backup(lab)
    latest = lab.catalog.latest_time()
    lab.close()
    for name in ("VTL", "MSL", "Restore"):  # devices that lost their sense of time
        path = tmp_path / "devices" / f"{name}.state"
        state = StateFile(path)
        document = state.load()
        document["time"] = 0
        state.save(document)
    again = build_lab(directory=tmp_path)
    assert again.site.now() >= latest
    assert again.site.now() >= LAB_EPOCH
    again.close()


def test_state_files_refuse_hostile_documents(tmp_path):
    from smartmedia.sim import StateDamaged

    state = StateFile(tmp_path / "x.state")
    state.save({"a": 1})
    assert state.load() == {"a": 1}
    raw = (tmp_path / "x.state").read_bytes()
    for cut in range(len(raw)):
        (tmp_path / "x.state").write_bytes(raw[:cut])
        with pytest.raises(StateDamaged):
            state.load()
    nested = b"[" * 100_000 + b"]" * 100_000
    import struct

    import crc32c

    head = struct.pack("<8sIII", b"SMSTATE\x00", 1, len(nested), crc32c.crc32c(nested))
    (tmp_path / "x.state").write_bytes(head + nested)
    with pytest.raises(StateDamaged, match="nests deeper"):
        state.load()
    (tmp_path / "x.state").unlink()
    os.mkfifo(tmp_path / "x.state")
    with pytest.raises(StateDamaged, match="not a regular file"):
        state.load()
