"""A reader of tape image files written from docs/format.md alone.

It uses only the standard library and crc32c — none of smartmedia — so that the tests
show the spec is enough to read what the library writes.
"""

import struct

import crc32c

BLOCK_HEADER = struct.Struct("<4sBBHHHIIIQQIIII")


def frames(path):
    """Blocks (bytes) and filemarks (None) of a tape image file (spec §10)."""
    with open(path, "rb") as f:
        head = f.read(48)
        assert head[:8] == b"SMTIMG\r\n"
        assert crc32c.crc32c(head[:44]) == struct.unpack_from("<I", head, 44)[0]
        while header := f.read(16):
            kind, length, data_crc, frame_crc = struct.unpack("<B3xIII", header)
            assert crc32c.crc32c(header[:12]) == frame_crc
            if kind == 2:
                yield None
                continue
            data = f.read(length)
            assert crc32c.crc32c(data) == data_crc
            yield data


def string(payload, offset):
    (length,) = struct.unpack_from("<H", payload, offset)
    return payload[offset + 2 : offset + 2 + length].decode(), offset + 2 + length


def medium_id(raw):
    h = raw.hex()
    return f"{h[0:8]}:{h[8:16]}:{h[16:20]}:{h[20:24]}"


def block(data, index):
    """(type, flags, session, object index, sequence, payload) of block ``index`` (§2.1)."""
    (magic, major, _, kind, flags, hlen, date, number, obj, seq, bidx, plen, pcrc, _, hcrc) = (
        BLOCK_HEADER.unpack_from(data)
    )
    assert magic == b"SMTB"
    assert major == 1
    assert crc32c.crc32c(data[:52]) == hcrc
    assert bidx == index
    payload = data[hlen : hlen + plen]
    assert crc32c.crc32c(payload) == pcrc
    session = f"{date // 10000:04d}/{date // 100 % 100:02d}/{date % 100:02d}-{number}"
    return kind, flags, session if date else None, obj, seq, payload


def read_medium(path):
    """The medium header's fields and every object version's bytes, by (session, index)."""
    header = {}
    objects = {}
    expected = {}
    for index, data in enumerate(frames(path)):
        if data is None:
            continue
        kind, _flags, session, obj, seq, payload = block(data, index)
        if kind == 1:  # medium header (§3)
            header["medium_id"] = medium_id(payload[0:12])
            header["original"] = None if payload[12:24] == bytes(12) else medium_id(payload[12:24])
            (header["copy_generation"],) = struct.unpack_from("<H", payload, 24)
            (header["block_size"],) = struct.unpack_from("<I", payload, 28)
            offset = 56
            for name in ("label", "barcode", "media_type", "pool"):
                header[name], offset = string(payload, offset)
        elif kind == 4:  # data (§4.3)
            key = (session, obj)
            assert seq == expected.get(key, seq)
            objects[key] = objects.get(key, b"") + payload
            expected[key] = seq + 1
        elif kind == 7:  # end of data (§6)
            break
    return header, objects
