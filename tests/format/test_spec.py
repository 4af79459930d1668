"""docs/format.md is true: its worked examples are what the encoder writes, and a reader
written from it alone reads what the library writes."""

import os
import re
from pathlib import Path

import crc32c
import pytest

from smartmedia.errors import MediumError
from smartmedia.format import (
    FILEMARK,
    CatalogSegment,
    CopyIdentity,
    MediumReader,
    MediumWriter,
    MemoryTape,
    TapeImage,
    rewrite_header,
)
from smartmedia.model import Barcode, MediaType, MediumId
from smartmedia.sim import DirectoryStore

from . import independent_reader
from .conftest import NOW, SID, new_header, version
from .spec_examples import examples, hexdump

SPEC = Path(__file__).parents[2] / "docs" / "format.md"


def _documented():
    text = SPEC.read_text()
    found = re.findall(r"<!-- example: ([\w-]+) -->\n```text\n(.*?)\n```", text, re.S)
    return dict(found)


@pytest.mark.parametrize("name", sorted(examples()))
def test_worked_examples_are_what_the_encoder_writes(name):
    assert _documented()[name] == hexdump(examples()[name])


def test_the_spec_shows_every_example():
    assert set(_documented()) == set(examples())


def test_the_crc_check_value_in_the_spec():
    assert "0xE3069283" in SPEC.read_text()
    assert crc32c.crc32c(b"123456789") == 0xE3069283


def test_a_reader_written_from_the_spec_reads_our_images(tmp_path):
    path = tmp_path / "medium.img"
    payloads = [os.urandom(n) for n in (0, 1, 16_328, 16_329, 250_000)]
    header = new_header(segment_size=1 << 20, barcode=Barcode("ABC123L9"))
    with TapeImage.create(path) as image:
        writer = MediumWriter(image, header, now=lambda: NOW)
        writer.begin_session(SID)
        for i, payload in enumerate(payloads):
            writer.write_object(version(i + 1), [payload])
        writer.end_session()
        writer.close()
    fields, objects = independent_reader.read_medium(path)
    assert fields["medium_id"] == str(header.medium_id)
    assert (fields["label"], fields["barcode"], fields["media_type"], fields["pool"]) == (
        header.label,
        "ABC123L9",
        "LTO-9",
        header.pool,
    )
    assert objects == {(str(SID), i + 1): p for i, p in enumerate(payloads)}


def test_a_reader_written_from_the_spec_reads_a_copys_lineage(tmp_path):
    source, copy = tmp_path / "source.img", tmp_path / "copy.img"
    header = new_header()
    with TapeImage.create(source) as image:
        writer = MediumWriter(image, header, now=lambda: NOW)
        writer.begin_session(SID)
        writer.write_object(version(1), [b"data"])
        writer.end_session()
        writer.close()
    identity = CopyIdentity(medium_id=MediumId("0a000001:5f000000:0001:0001"), label="Vault_1")
    with TapeImage.open(source) as src, TapeImage.create(copy) as dst:
        first = src.read_block()
        dst.write_block(rewrite_header(first, identity))
        while (item := src.read_block()) is not None and hasattr(item, "__repr__") is not False:
            if repr(item) == "END_OF_DATA":
                break
            if repr(item) == "FILEMARK":
                dst.write_filemarks(1)
            else:
                dst.write_block(item)
    fields, objects = independent_reader.read_medium(copy)
    assert fields["medium_id"] == "0a000001:5f000000:0001:0001"
    assert (fields["original"], fields["copy_generation"]) == (str(header.medium_id), 1)
    assert objects == {(str(SID), 1): b"data"}


def test_catalog_entries_are_records_then_extents_each_in_block_order():
    tape = MemoryTape()
    writer = MediumWriter(tape, new_header(segment_size=1 << 20), now=lambda: NOW)
    writer.begin_session(SID)
    for i in range(5):
        writer.write_object(version(i + 1), [os.urandom(30_000 * i)])
    writer.end_session()
    writer.close()
    catalogs = [
        r
        for r in MediumReader(tape).records()
        if isinstance(getattr(r, "value", None), CatalogSegment)
    ]
    assert catalogs
    for found in catalogs:
        payload = bytes(tape.items[found.block][56:])
        entries = independent_reader.catalog_entries(payload)
        kinds = [k for k, _ in entries]
        assert kinds == sorted(kinds)  # every record entry, then every extent entry
        for kind in (1, 2):
            blocks = [b for k, b in entries if k == kind]
            assert blocks == sorted(blocks)


def test_a_reader_written_from_the_spec_reads_lab_cartridge_files(tmp_path):
    store = DirectoryStore(tmp_path)
    image = store.create("SPEC01L9", MediaType.LTO9, capacity=10**9)
    blocks = [os.urandom(n) for n in (1, 300, 70_000, 5)]
    image.append_objects([blocks[0], FILEMARK, blocks[1], blocks[2], FILEMARK, blocks[3]])
    image.flush()
    store.close()
    path = tmp_path / "SPEC01L9.img"
    meta, records = independent_reader.cartridge(path)
    assert meta == {
        "barcode": "SPEC01L9",
        "media_type": "LTO-9",
        "capacity": 10**9,
        "write_protected": False,
    }
    assert records == [blocks[0], None, blocks[1], blocks[2], None, blocks[3]]
    data = bytearray(path.read_bytes())
    data[4096 + 16 + 1 + 3] ^= 0x01  # the filemark's header: damage in the middle
    data += b"BLK\x00\x10"  # and a torn tail
    path.write_bytes(bytes(data))
    expected = [blocks[0], "damaged", blocks[1], blocks[2], None, blocks[3]]
    assert independent_reader.cartridge(path)[1] == expected
    store = DirectoryStore(tmp_path)
    got = store.get("SPEC01L9")
    library = []
    for position in range(got.count):
        try:
            item = got.read(position)
        except MediumError:
            item = "damaged"
        library.append(None if item is FILEMARK else item)
    assert library == expected
    assert got.torn_bytes == 5
    store.close()
