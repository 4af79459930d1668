"""Smart-copy header rewrites, payload digests, and recognising foreign media."""

import io
import os
import tarfile

import pytest

from smartmedia.errors import BadMagic, ValidationError
from smartmedia.format import (
    END_OF_DATA,
    FILEMARK,
    CopyIdentity,
    MediumKind,
    MediumReader,
    MediumWriter,
    MemoryTape,
    PayloadDigest,
    decode_medium_header,
    encode_medium_header,
    identify,
    rewrite_header,
)
from smartmedia.model import Barcode, MediumId

from .conftest import NOW, SID, version

COPY_ID = MediumId("0a000001:5f000000:0001:0001")


def _written(header):
    tape = MemoryTape()
    writer = MediumWriter(tape, header, now=lambda: NOW)
    writer.begin_session(SID)
    writer.write_object(version(1), [os.urandom(60_000)])
    writer.end_session()
    writer.close()
    return tape


def smart_copy(source_tape, identity):
    """What a VLS does: block 0 rewritten, everything else byte for byte."""
    items = list(source_tape.items)
    items[0] = rewrite_header(items[0], identity)
    return MemoryTape(items)


def test_a_copy_has_a_new_identity_and_names_its_original(header):
    source = _written(header)
    identity = CopyIdentity(medium_id=COPY_ID, label="Vault_7", barcode=Barcode("VLT007L9"))
    copy = smart_copy(source, identity)
    copied = decode_medium_header(copy.items[0])
    assert (copied.medium_id, copied.label, copied.barcode) == (
        COPY_ID,
        "Vault_7",
        Barcode("VLT007L9"),
    )
    assert (copied.original, copied.copy_generation) == (header.medium_id, 1)
    assert (copied.pool, copied.block_size, copied.created) == (
        header.pool,
        header.block_size,
        header.created,
    )
    assert copy.items[1:] == source.items[1:]


def test_source_and_copy_have_the_same_digest_and_both_verify(header):
    source = _written(header)
    copy = smart_copy(source, CopyIdentity(medium_id=COPY_ID, label="copy"))
    a, b = MediumReader(source).verify(), MediumReader(copy).verify()
    assert a.ok
    assert b.ok
    assert a.digest == b.digest
    assert MediumReader(copy).scan().objects == MediumReader(source).scan().objects


def test_the_digest_sees_any_change_after_the_header(header):
    source = _written(header)
    items = list(source.items)
    items[3] = items[3][:-1] + bytes([items[3][-1] ^ 1])
    assert MediumReader(MemoryTape(items)).verify().digest != MediumReader(source).verify().digest


def test_digest_counts_blocks_and_filemarks_apart():
    one, other = PayloadDigest(), PayloadDigest()
    one.update_block(b"ab")
    one.update_block(b"c")
    other.update_block(b"a")
    other.update_block(b"bc")
    assert one.value != other.value
    one.update_filemarks(2)
    assert (one.blocks, one.filemarks, one.bytes) == (2, 2, 3)


def test_a_copy_of_a_copy_names_the_first_original(header):
    first = rewrite_header(
        encode_medium_header(header), CopyIdentity(medium_id=COPY_ID, label="c1")
    )
    second_id = MediumId("0a000001:5f000000:0001:0002")
    second = decode_medium_header(
        rewrite_header(first, CopyIdentity(medium_id=second_id, label="c2"))
    )
    assert (second.original, second.copy_generation) == (header.medium_id, 2)


def test_rewrite_refuses_the_sources_identity_and_foreign_blocks(header):
    block = encode_medium_header(header)
    with pytest.raises(ValidationError, match="medium ID of its own"):
        rewrite_header(block, CopyIdentity(medium_id=header.medium_id, label="x"))
    with pytest.raises(BadMagic):
        rewrite_header(b"\0" * 512 + b"ustar", CopyIdentity(medium_id=COPY_ID, label="x"))
    with pytest.raises(ValidationError):
        rewrite_header(block, "not an identity")


# ----------------------------------------------------------------------------- identify


def _tar_block():
    out = io.BytesIO()
    with tarfile.open(fileobj=out, mode="w", format=tarfile.USTAR_FORMAT) as archive:
        info = tarfile.TarInfo("etc/hosts")
        info.size = 5
        archive.addfile(info, io.BytesIO(b"hello"))
    return out.getvalue()[:10240]


def _label(text, owner=b"LTFS"):
    label = bytearray(b" " * 80)
    label[0:4] = b"VOL1"
    label[4:10] = text
    label[24:28] = owner
    return bytes(label)


@pytest.mark.parametrize(
    ("first", "kind"),
    [
        (END_OF_DATA, MediumKind.BLANK),
        (bytes(4096), MediumKind.BLANK),
        (FILEMARK, MediumKind.UNKNOWN),
        (_tar_block(), MediumKind.TAR),
        (_label(b"ABC123"), MediumKind.LTFS),
        (_label(b"ABC123", owner=b"ACME"), MediumKind.ANSI_LABEL),
        (bytes([0xE5, 0xD6, 0xD3, 0xF1]) + bytes(76), MediumKind.IBM_LABEL),
        (bytes(12) + b"BB02" + bytes(100), MediumKind.BACULA),
        (b"AMANDA: TAPESTART DATE 20261125 TAPE DailySet1-01\n" + bytes(100), MediumKind.AMANDA),
        (b"\x7fELF" + bytes(100), MediumKind.UNKNOWN),
        (b"SMTB" + bytes(100), MediumKind.DAMAGED),
    ],
)
def test_identify_recognises_what_a_medium_holds(first, kind):
    found = identify(first)
    assert found.kind is kind
    assert found.is_foreign == (kind not in (MediumKind.SMARTMEDIA, MediumKind.BLANK))


def test_identify_returns_our_header(header):
    found = identify(memoryview(encode_medium_header(header)))
    assert found.kind is MediumKind.SMARTMEDIA
    assert found.header == header
    assert str(header.medium_id) in found.detail


def test_identify_never_raises():
    for data in (b"", b"S", b"SMTB", os.urandom(100), object()):
        identify(data)


def test_a_copy_onto_another_kind_of_medium_takes_its_type_and_pool(header):
    from smartmedia.model import MediaType

    source = attrs_evolve(header, media_type=MediaType.VIRTUAL, pool="VTL")
    identity = CopyIdentity(
        medium_id=COPY_ID, label="Vault_1", media_type=MediaType.LTO9, pool="Vault"
    )
    copied = decode_medium_header(rewrite_header(encode_medium_header(source), identity))
    assert (copied.media_type, copied.pool) == (MediaType.LTO9, "Vault")
    kept = decode_medium_header(
        rewrite_header(encode_medium_header(source), CopyIdentity(medium_id=COPY_ID, label="x"))
    )
    assert (kept.media_type, kept.pool) == (MediaType.VIRTUAL, "VTL")


def attrs_evolve(value, **changes):
    import attrs

    return attrs.evolve(value, **changes)
