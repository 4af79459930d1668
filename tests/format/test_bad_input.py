"""Wrong kinds of input to the format's entry points are ValidationErrors naming them,
never TypeError or AttributeError from deep inside."""

import io

import pytest

from smartmedia.errors import ValidationError
from smartmedia.format import (
    CopyIdentity,
    MediumWriter,
    MemoryTape,
    PayloadDigest,
    TapeImage,
    decode_block_header,
    decode_record,
    encode_data_block,
    export_awstape,
    import_awstape,
    rewrite_header,
)
from smartmedia.model import MediumId, SessionId

from .conftest import SID, new_header, version

IDENTITY = CopyIdentity(medium_id=MediumId("0a000001:00000001:0001:0001"), label="x")


@pytest.mark.parametrize(
    "call",
    [
        lambda: decode_record(None),
        lambda: decode_block_header("SMTB"),
        lambda: MemoryTape().write_block("text"),
        lambda: MemoryTape().write_block(5),
        lambda: rewrite_header(None, IDENTITY),
        lambda: PayloadDigest().update_block("text"),
        lambda: encode_data_block(
            "text",
            session=SessionId.parse("2026/11/25-1"),
            object_index=1,
            sequence=0,
            block_index=1,
        ),
        lambda: MediumWriter(None, new_header()),
        lambda: export_awstape(None, io.BytesIO()),
        lambda: export_awstape(MemoryTape(), None),
        lambda: import_awstape(None, MemoryTape()),
        lambda: import_awstape(io.BytesIO(), None),
    ],
)
def test_wrong_kinds_of_input_are_validation_errors(call):
    with pytest.raises(ValidationError):
        call()


def test_text_chunks_are_refused_and_the_writer_goes_on(header):
    tape = MemoryTape()
    writer = MediumWriter(tape, header)
    writer.begin_session(SID)
    with pytest.raises(ValidationError, match="chunk"):
        writer.write_object(version(1), ["text"])
    writer.write_object(version(2), [b"bytes"])
    writer.end_session()
    writer.close()


def test_an_image_refuses_text_blocks(tmp_path):
    with TapeImage.create(tmp_path / "t.img") as image, pytest.raises(ValidationError):
        image.write_block("text")
