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


def catalog_entries(payload):
    """(kind, block) of each entry of a catalog part (§5): kind 1 record, 2 extent."""
    (count,) = struct.unpack_from("<I", payload, 32)
    offset, found = 36, []
    for _ in range(count):
        kind = payload[offset]
        if kind == 1:
            _, block, length = struct.unpack_from("<HxxQI", payload, offset + 1)
            offset += 17 + length
        else:
            assert kind == 2
            (block,) = struct.unpack_from("<Q", payload, offset + 1 + 16)
            offset += 49
        found.append((kind, block))
    return found


def cartridge(path):
    """The JSON header and the records of a lab cartridge file (§11): blocks as bytes,
    filemarks as None, a damaged span as "damaged"; a torn tail is left out."""
    import json
    import re

    with open(path, "rb") as f:
        data = f.read()
    assert data[:8] == b"SMTAPE\x00\x01"
    (length,) = struct.unpack_from("<I", data, 8)
    assert length <= 4084
    meta = json.loads(data[12 : 12 + length])

    def good(at):
        head = data[at : at + 16]
        if len(head) < 16 or crc32c.crc32c(head[:12]) != struct.unpack_from("<I", head, 12)[0]:
            return False
        tag, size, crc = struct.unpack_from("<4sII", head)
        if tag == b"FMK\x00":
            return size == 0 and crc == 0
        return tag == b"BLK\x00" and at + 16 + size <= len(data)

    records, at = [], 4096
    while at < len(data):
        if good(at):
            tag, size, crc = struct.unpack_from("<4sII", data, at)
            payload = data[at + 16 : at + 16 + size]
            if tag == b"FMK\x00":
                records.append(None)
            else:
                records.append(payload if crc32c.crc32c(payload) == crc else "damaged")
            at += 16 + size
            continue
        head = data[at : at + 16]
        if len(head) < 16 or (
            crc32c.crc32c(head[:12]) == struct.unpack_from("<I", head, 12)[0]
            and head[:4] == b"BLK\x00"
        ):
            break  # torn tail
        later = [m.start() for m in re.finditer(b"BLK\x00|FMK\x00", data[at + 1 :])]
        nxt = next((at + 1 + m for m in later if good(at + 1 + m)), None)
        if nxt is None:
            break  # torn tail
        records.append("damaged")
        at = nxt
    return meta, records
