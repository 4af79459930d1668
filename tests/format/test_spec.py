"""docs/format.md is true: its worked examples are what the encoder writes, and a reader
written from it alone reads what the library writes."""

import os
import re
from pathlib import Path

import crc32c
import pytest

from smartmedia.format import (
    CopyIdentity,
    MediumWriter,
    TapeImage,
    rewrite_header,
)
from smartmedia.model import Barcode, MediumId

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
