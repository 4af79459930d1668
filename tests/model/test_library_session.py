import datetime as dt

import pytest
from hypothesis import given

from smartmedia import ValidationError
from smartmedia.model import (
    BackupObject,
    Barcode,
    Cartridge,
    CopyTrigger,
    Drive,
    DriveSerial,
    Library,
    Location,
    MailSlot,
    MediaType,
    ObjectType,
    ObjectVersion,
    Session,
    SessionId,
    SessionStatus,
    SessionType,
    Slot,
)
from smartmedia.testing import strategies as sms

UTC = dt.timezone.utc
T0 = dt.datetime(2026, 11, 24, 22, 0, tzinfo=UTC)


def cart(code):
    return Cartridge(media_type=MediaType.LTO9, barcode=Barcode(code))


def library(**changes):
    base = dict(
        name="MSL6480",
        virtual=False,
        visible=False,
        slots=(
            Slot(ordinal=1, address=1000, cartridge=cart("AAA001L9")),
            Slot(ordinal=2, address=1001),
        ),
        drives=(
            Drive(
                ordinal=1,
                address=256,
                serial=DriveSerial("HU001"),
                generation=MediaType.LTO9,
                cartridge=cart("AAA002L9"),
            ),
        ),
        mail_slots=(MailSlot(ordinal=1, address=16),),
    )
    base.update(changes)
    return Library(**base)


class TestLibrary:
    def test_queries(self):
        lib = library()
        assert lib.location_of(Barcode("AAA001L9")) == Location.slot("MSL6480", 1)
        assert lib.location_of(Barcode("AAA002L9")) == Location.drive("MSL6480", 1)
        assert lib.location_of(Barcode("ZZZ999L9")) is None
        assert [s.ordinal for s in lib.free_slots()] == [2]
        assert lib.drive_by_serial(DriveSerial("HU001")).ordinal == 1
        assert lib.drive_by_serial(DriveSerial("nope")) is None
        assert len(lib.cartridges()) == 2

    def test_duplicate_barcode(self):
        with pytest.raises(ValidationError, match="AAA001L9"):
            library(mail_slots=(MailSlot(ordinal=1, address=16, cartridge=cart("AAA001L9")),))

    def test_duplicate_address(self):
        with pytest.raises(ValidationError, match="address 1000"):
            library(mail_slots=(MailSlot(ordinal=1, address=1000),))

    def test_duplicate_ordinal(self):
        with pytest.raises(ValidationError) as info:
            library(slots=(Slot(ordinal=1, address=1), Slot(ordinal=1, address=2)))
        assert info.value.path == "slots"

    def test_duplicate_serial(self):
        drives = tuple(
            Drive(ordinal=i, address=i, serial=DriveSerial("S"), generation=MediaType.LTO9)
            for i in (1, 2)
        )
        with pytest.raises(ValidationError, match="serial"):
            library(drives=drives)

    def test_wrong_element_type(self):
        with pytest.raises(ValidationError) as info:
            library(slots=(Slot(ordinal=1, address=1), "slot"))
        assert info.value.path == "slots[1]"

    def test_cartridge_barcode_must_match_type(self):
        with pytest.raises(ValidationError):
            Cartridge(media_type=MediaType.LTO8, barcode=Barcode("AAA001L9"))

    @given(sms.libraries())
    def test_generated(self, lib):
        barcodes = [c.barcode for c in lib.cartridges() if c.barcode]
        assert len(barcodes) == len(set(barcodes))
        for b in barcodes:
            assert lib.location_of(b) is not None


class TestSession:
    def test_finished_needs_end(self):
        with pytest.raises(ValidationError) as info:
            Session(
                id=SessionId.parse("2026/11/24-1"),
                type=SessionType.BACKUP,
                status=SessionStatus.COMPLETED,
                started=T0,
            )
        assert info.value.path == "ended"

    def test_in_progress_has_no_end(self):
        with pytest.raises(ValidationError):
            Session(
                id=SessionId.parse("2026/11/24-1"),
                type=SessionType.BACKUP,
                status=SessionStatus.IN_PROGRESS,
                started=T0,
                ended=T0,
            )

    def test_end_before_start(self):
        with pytest.raises(ValidationError, match="before"):
            Session(
                id=SessionId.parse("2026/11/24-1"),
                type=SessionType.BACKUP,
                status=SessionStatus.FAILED,
                started=T0,
                ended=T0 - dt.timedelta(seconds=1),
            )

    def test_trigger_only_on_copies(self):
        with pytest.raises(ValidationError):
            Session(
                id=SessionId.parse("2026/11/24-1"),
                type=SessionType.BACKUP,
                status=SessionStatus.IN_PROGRESS,
                started=T0,
                trigger=CopyTrigger.SCHEDULED,
            )
        s = Session(
            id=SessionId.parse("2026/11/24-2"),
            type=SessionType.COPY,
            status=SessionStatus.COMPLETED,
            started=T0,
            ended=T0 + dt.timedelta(hours=1),
            trigger=CopyTrigger.POST_BACKUP,
        )
        assert s.duration == dt.timedelta(hours=1)

    def test_status_labels(self):
        assert SessionStatus.COMPLETED_ERRORS.label == "Completed/Errors"
        assert SessionStatus.COMPLETED_FAILURE.is_restorable
        assert not SessionStatus.FAILED.is_restorable


class TestObjects:
    def test_text(self):
        obj = BackupObject(
            type=ObjectType.FILESYSTEM, host="web1", mount="/var", description="logs"
        )
        assert str(obj) == "FILESYSTEM web1:/var 'logs'"
        ov = ObjectVersion(object=obj, session=SessionId.parse("2026/11/24-1"), backup_time=T0)
        assert str(ov) == "FILESYSTEM web1:/var 'logs' @ 2026/11/24-1"

    def test_negative_size(self):
        obj = BackupObject(type=ObjectType.FILESYSTEM, host="web1", mount="/")
        with pytest.raises(ValidationError) as info:
            ObjectVersion(
                object=obj, session=SessionId.parse("2026/11/24-1"), backup_time=T0, size=-1
            )
        assert info.value.path == "size"

    def test_objects_order(self):
        a = BackupObject(type=ObjectType.FILESYSTEM, host="a", mount="/")
        b = BackupObject(type=ObjectType.FILESYSTEM, host="b", mount="/")
        assert sorted([b, a]) == [a, b]
