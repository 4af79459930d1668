import datetime as dt

import pytest

from smartmedia.catalog import CopyJob, CopyJobState, Position
from smartmedia.errors import CatalogError, InvalidRecord, ValidationError
from smartmedia.model import BackupObject, MediumId, ObjectType, ObjectVersion, SessionId
from smartmedia.serialization import from_json, to_json

UTC = dt.timezone.utc
T0 = dt.datetime(2026, 3, 1, 10, 0, tzinfo=UTC)
M1 = MediumId("0a000001:00000001:0001:0001")
VERSION = ObjectVersion(
    object=BackupObject(type=ObjectType.FILESYSTEM, host="db1", mount="/var"),
    session=SessionId.parse("2026/03/01-1"),
    backup_time=T0,
    size=10,
)


class TestPosition:
    def test_negative_blocks_are_refused_naming_the_field(self):
        with pytest.raises(InvalidRecord, match="first_block") as info:
            Position(medium=M1, object_version=VERSION, first_block=-1, last_block=3)
        assert isinstance(info.value, CatalogError)
        assert isinstance(info.value, ValidationError)

    def test_reversed_range_is_refused(self):
        with pytest.raises(InvalidRecord, match="before first block"):
            Position(medium=M1, object_version=VERSION, first_block=5, last_block=4)

    def test_overlap_and_round_trip(self):
        a = Position(medium=M1, object_version=VERSION, first_block=1, last_block=4)
        b = Position(medium=M1, object_version=VERSION, first_block=4, last_block=9, span=1)
        c = Position(medium=M1, object_version=VERSION, first_block=5, last_block=9, span=1)
        assert a.overlaps(b)
        assert not a.overlaps(c)
        assert a.blocks == 4
        assert from_json(to_json(b), Position) == b

    def test_bad_json_names_the_path(self):
        text = to_json(Position(medium=M1, object_version=VERSION, first_block=1, last_block=4))
        with pytest.raises(ValidationError, match="last_block"):
            from_json(text.replace('"last_block": 4', '"last_block": -4'), Position)


class TestCopyJob:
    def test_completed_job_needs_copies_and_digest(self):
        with pytest.raises(InvalidRecord, match="digest"):
            CopyJob(
                id=1,
                source=M1,
                targets=(M1,),
                state=CopyJobState.COMPLETED,
                reserved_at=T0,
                finished_at=T0,
            )

    def test_reserved_job_has_no_finish_time(self):
        with pytest.raises(InvalidRecord, match="finish time"):
            CopyJob(
                id=1,
                source=M1,
                targets=(M1,),
                state=CopyJobState.RESERVED,
                reserved_at=T0,
                finished_at=T0,
            )

    def test_round_trip(self):
        job = CopyJob(id=3, source=M1, targets=(M1,), state=CopyJobState.RESERVED, reserved_at=T0)
        assert from_json(to_json(job), CopyJob) == job
