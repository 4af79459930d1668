"""Cartridge stores: memory, directory (restart, safety, torn writes), synthetic images."""

from __future__ import annotations

import os

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from smartmedia.errors import MediumError, ValidationError
from smartmedia.format import END_OF_DATA, FILEMARK
from smartmedia.model import Barcode, MediaType
from smartmedia.sim import (
    DirectoryStore,
    MemoryImage,
    MemoryStore,
    SimClock,
    SimTapeDrive,
    SyntheticRun,
)


def drive_on(image) -> SimTapeDrive:
    drive = SimTapeDrive(serial="STORE1", generation=MediaType.LTO9, clock=SimClock())
    drive.insert(image)
    return drive


def test_directory_store_survives_a_restart(tmp_path):
    store = DirectoryStore(tmp_path)
    drive = drive_on(store.create("KEEP01L9", MediaType.LTO9, capacity=10**9))
    drive.write_block(b"first")
    drive.write_filemarks(1)
    drive.write_block(b"second" * 1000)
    drive.unload()
    store.close()

    again = DirectoryStore(tmp_path)
    assert again.barcodes() == (Barcode("KEEP01L9"),)
    image = again.get("KEEP01L9")
    assert (image.capacity, image.media_type, image.count) == (10**9, MediaType.LTO9, 3)
    drive = drive_on(image)
    assert [drive.read_block(), drive.read_block(), drive.read_block(), drive.read_block()] == [
        b"first",
        FILEMARK,
        b"second" * 1000,
        END_OF_DATA,
    ]
    again.close()


def test_unflushed_data_is_gone_after_power_loss(tmp_path):
    store = DirectoryStore(tmp_path, sync=False)
    image = store.create("POWR01L9", MediaType.LTO9)
    drive = drive_on(image)
    drive.write_block(b"flushed")
    drive.write_filemarks(1)
    drive.write_block(b"in the buffer")
    store.power_loss()
    assert image.count == 2
    store.close()
    assert DirectoryStore(tmp_path).get("POWR01L9").count == 2


def test_a_torn_last_record_is_left_out_on_opening(tmp_path):
    store = DirectoryStore(tmp_path)
    drive = drive_on(store.create("TORN01L9", MediaType.LTO9))
    drive.write_block(b"whole")
    drive.write_block(b"x" * 5000)
    drive.unload()
    store.close()
    path = tmp_path / "TORN01L9.img"
    os.truncate(path, path.stat().st_size - 100)  # a crash in the middle of the write
    image = DirectoryStore(tmp_path).get("TORN01L9")
    assert image.count == 1
    assert image.read(0) == b"whole"


def test_a_corrupt_block_reads_as_a_medium_error(tmp_path):
    store = DirectoryStore(tmp_path)
    drive = drive_on(store.create("ROT001L9", MediaType.LTO9))
    drive.write_block(b"good")
    drive.write_block(b"will rot")
    drive.unload()
    store.close()
    path = tmp_path / "ROT001L9.img"
    data = bytearray(path.read_bytes())
    data[-1] ^= 0xFF
    path.write_bytes(bytes(data))
    drive = drive_on(DirectoryStore(tmp_path).get("ROT001L9"))
    assert drive.read_block() == b"good"
    with pytest.raises(MediumError) as caught:
        drive.read_block()
    assert caught.value.block == 1


def test_symlinks_are_never_followed(tmp_path):
    outside = tmp_path / "outside"
    outside.mkdir()
    real = DirectoryStore(outside)
    real.create("OUTS01L9", MediaType.LTO9)
    real.close()
    store_dir = tmp_path / "store"
    store_dir.mkdir()
    os.symlink(outside / "OUTS01L9.img", store_dir / "LINK01L9.img")
    store = DirectoryStore(store_dir)
    assert store.barcodes() == ()
    with pytest.raises(ValidationError, match="symlink"):
        store.get("LINK01L9")
    os.symlink(outside, tmp_path / "linkdir")
    with pytest.raises(ValidationError, match="store directory"):
        DirectoryStore(tmp_path / "linkdir")


@pytest.mark.parametrize("name", ["../evil", "a/b", "..", "", "x" * 17, "dot.ted"])
def test_barcodes_that_could_escape_the_directory_are_refused(tmp_path, name):
    store = DirectoryStore(tmp_path)
    with pytest.raises(ValidationError):
        store.create(name, MediaType.LTO9)
    assert list(tmp_path.iterdir()) == []


def test_stores_refuse_duplicates_and_unknown_barcodes(tmp_path):
    for store in (MemoryStore(), DirectoryStore(tmp_path)):
        store.create("DUP001L9", MediaType.LTO9)
        with pytest.raises(ValidationError, match="already exists"):
            store.create("DUP001L9", MediaType.LTO9)
        with pytest.raises(ValidationError, match="no cartridge"):
            store.get("NONE01L9")
        assert "DUP001L9" in store
        assert "NONE01L9" not in store
        assert 42 not in store
        store.delete("DUP001L9")
        with pytest.raises(ValidationError):
            store.delete("DUP001L9")
        with pytest.raises(ValidationError, match="capacity"):
            store.create("CAP001L9", MediaType.LTO9, capacity=0)


def test_write_protect_tab_is_persisted(tmp_path):
    store = DirectoryStore(tmp_path)
    store.create("WP0001L9", MediaType.LTO9).set_write_protected(True)
    store.close()
    assert DirectoryStore(tmp_path).get("WP0001L9").cartridge.write_protected


def test_a_foreign_file_is_not_an_image(tmp_path):
    (tmp_path / "JUNK01L9.img").write_bytes(b"not an image")
    with pytest.raises(ValidationError, match="not a cartridge image"):
        DirectoryStore(tmp_path).get("JUNK01L9")


def test_synthetic_cartridges_cost_nothing_until_read():
    run = SyntheticRun(seed=5, block_size=256 * 1024, count=68_000_000)  # 17.8 TB
    store = MemoryStore()
    image = store.add_synthetic(
        "SYN001L9", MediaType.LTO9, head=[b"header", FILEMARK], run=run, tail=[FILEMARK]
    )
    assert image.count == 2 + run.count + 1
    assert image.bytes_used == 6 + run.nbytes
    assert image.read(2 + 12345) == run.block(12345) == run.block(12345)
    assert image.read(image.count - 1) is FILEMARK
    assert image.next_filemark(2) == image.count - 1
    image.truncate(10)
    assert image.count == 10
    assert image.synthetic_run.count == 8
    image.append_block(b"tail")
    assert image.read(10) == b"tail"
    with pytest.raises(ValidationError, match="capacity"):
        store.add_synthetic("SYN002L9", MediaType.LTO9, head=[b"h"], run=run, capacity=10)


objects = st.lists(st.one_of(st.binary(min_size=1, max_size=64), st.just(FILEMARK)), max_size=30)


@settings(max_examples=40, deadline=None)
@given(objects, st.integers(0, 40), objects)
def test_memory_and_file_images_agree(tmp_path_factory, first, cut, second):
    directory = tmp_path_factory.mktemp("agree")
    store = DirectoryStore(directory, sync=False)
    file_image = store.create("AGREE1L9", MediaType.LTO9)
    memory_image = MemoryImage(
        barcode=Barcode("AGREE1L9"), media_type=MediaType.LTO9, capacity=10**9
    )
    for image in (file_image, memory_image):
        image.append_objects(first)
        image.truncate(min(cut, image.count))
        image.append_objects(second)
    assert file_image.count == memory_image.count
    for p in range(memory_image.count + 1):
        assert file_image.bytes_before(p) == memory_image.bytes_before(p)
        assert file_image.next_filemark(p) == memory_image.next_filemark(p)
        assert file_image.previous_filemark(p) == memory_image.previous_filemark(p)
    assert [bytes(o) if o is not FILEMARK else o for o in file_image.iter_from(0)] == list(
        memory_image.iter_from(0)
    )
    store.close()
    assert DirectoryStore(directory).get("AGREE1L9").count == memory_image.count
