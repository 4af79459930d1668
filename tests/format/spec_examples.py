"""The values behind the worked examples of docs/format.md (shared by the doc test)."""

import datetime as dt

from smartmedia.format import MediumHeader, encode_data_block, encode_medium_header
from smartmedia.model import Barcode, MediaType, MediumId, SessionId

CREATED = dt.datetime(2026, 11, 25, 9, 30, tzinfo=dt.timezone.utc)

MEDIUM_HEADER = MediumHeader(
    medium_id=MediumId("c0a80105:4f6b3a10:1b2c:0001"),
    label="Default LTO_12",
    media_type=MediaType.LTO9,
    pool="Default LTO",
    created=CREATED,
    barcode=Barcode("ABC123L9"),
    block_size=256 * 1024,
    segment_size=2 * 1024**3,
    write_count=1,
)


def examples() -> dict[str, bytes]:
    return {
        "medium-header": encode_medium_header(MEDIUM_HEADER),
        "data-block": encode_data_block(
            b"hello, tape\n",
            session=SessionId.parse("2026/11/25-3"),
            object_index=1,
            sequence=0,
            block_index=4,
            last=True,
        ),
    }


def hexdump(data: bytes) -> str:
    lines = []
    for offset in range(0, len(data), 16):
        row = data[offset : offset + 16]
        groups = " ".join(row[i : i + 4].hex() for i in range(0, len(row), 4))
        lines.append(f"{offset:04x}  {groups}")
    return "\n".join(lines)


if __name__ == "__main__":
    for name, data in examples().items():
        print(name)
        print(hexdump(data))
