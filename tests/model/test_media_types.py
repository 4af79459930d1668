"""The generation table of ../shared/domain.md, restated as data and checked against the model."""

import pytest

from smartmedia.model import MediaType

L5, L6, L7, M8, L8, L9, L10, V = (
    MediaType.LTO5,
    MediaType.LTO6,
    MediaType.LTO7,
    MediaType.LTO_M8,
    MediaType.LTO8,
    MediaType.LTO9,
    MediaType.LTO10,
    MediaType.VIRTUAL,
)

# drive generation: (reads, writes) restricted to the modelled types
COMPATIBILITY = {
    L5: ({L5}, {L5}),
    L6: ({L5, L6}, {L5, L6}),
    L7: ({L5, L6, L7}, {L6, L7}),
    L8: ({L7, L8, M8}, {L7, L8, M8}),
    L9: ({L8, L9}, {L8, L9}),
    L10: ({L10}, {L10}),
    M8: (set(), set()),  # there is no LTO-M8 drive
    V: ({V}, {V}),
}

FIGURES = {  # native capacity in TB, native rate in MB/s, data code, WORM code
    L5: (1.5, 140, "L5", "LV"),
    L6: (2.5, 160, "L6", "LW"),
    L7: (6, 300, "L7", "LX"),
    L8: (12, 360, "L8", "LY"),
    M8: (9, 300, "M8", None),
    L9: (18, 400, "L9", "LZ"),
    L10: (30, 400, None, None),
}


@pytest.mark.parametrize("drive", list(MediaType))
def test_read_write_table(drive):
    reads, writes = COMPATIBILITY[drive]
    for medium in MediaType:
        assert drive.can_read(medium) is (medium in reads), (drive, medium)
        assert drive.can_write(medium) is (medium in writes), (drive, medium)
    assert drive.readable_media == reads
    assert drive.writable_media == writes


def test_every_writable_medium_is_readable_by_the_same_drive():
    for drive in MediaType:
        assert drive.writable_media <= drive.readable_media


@pytest.mark.parametrize("media_type", list(FIGURES))
def test_figures(media_type):
    tb, mbs, data, worm = FIGURES[media_type]
    assert media_type.native_capacity == int(tb * 10**12)
    assert media_type.native_rate == mbs * 10**6
    assert media_type.data_code == data
    assert media_type.worm_code == worm
    assert media_type.min_streaming_rate == media_type.native_rate // 3


def test_barcode_codes_map_back():
    for media_type in MediaType:
        for code in (media_type.data_code, media_type.worm_code):
            if code:
                assert MediaType.from_barcode_code(code) is media_type
    assert MediaType.from_barcode_code("L3") is None
    assert MediaType.is_worm_code("LZ")
    assert not MediaType.is_worm_code("L9")


def test_generations_and_text():
    assert L9.generation == 9
    assert M8.generation == 8
    assert V.generation is None
    assert V.is_virtual
    assert str(L9) == "LTO-9"
    assert MediaType("LTO-M8") is M8
