import datetime as dt
import itertools

import pytest

from smartmedia.format import MediumHeader
from smartmedia.model import BackupObject, MediaType, MediumId, ObjectType, ObjectVersion, SessionId

NOW = dt.datetime(2026, 11, 25, 9, 30, tzinfo=dt.timezone.utc)
SID = SessionId(date=dt.date(2026, 11, 25), number=1)
_ids = itertools.count(1)


def new_header(*, block_size=16 * 1024, segment_size=1 << 20, **changes):
    fields = {
        "medium_id": MediumId(f"c0a80105:4f6b3a10:1b2c:{next(_ids) % 0xFFFF:04x}"),
        "label": "Default LTO_1",
        "media_type": MediaType.LTO9,
        "pool": "Default LTO",
        "created": NOW,
        "block_size": block_size,
        "segment_size": segment_size,
    }
    return MediumHeader(**{**fields, **changes})


def version(n=1, session=SID):
    obj = BackupObject(type=ObjectType.FILESYSTEM, host=f"host{n}", mount=f"/data/{n}")
    return ObjectVersion(object=obj, session=session, backup_time=NOW)


@pytest.fixture
def header():
    return new_header()
