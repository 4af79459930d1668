"""``inspect``, ``verify`` and ``import``: media in files, read with the format alone."""

import datetime as dt
import os

import pytest

from smartmedia.format import MediumHeader, MediumWriter, TapeImage
from smartmedia.model import BackupObject, MediaType, MediumId, ObjectType, ObjectVersion, SessionId

T0 = dt.datetime(2026, 1, 2, 3, 4, 5, tzinfo=dt.timezone.utc)


@pytest.fixture
def image(tmp_path):
    """A tape image file (docs/format.md) holding one session of two objects."""
    path = tmp_path / "medium.img"
    header = MediumHeader(
        medium_id=MediumId.parse("0a000001:00000001:0001:0001"),
        label="Offsite_7",
        media_type=MediaType.LTO9,
        pool="Offsite",
        created=T0,
        block_size=64 * 1024,
    )
    session = SessionId(date=T0.date(), number=1)
    with TapeImage.create(path) as tape:
        writer = MediumWriter(tape, header, now=lambda: T0)
        writer.begin_session(session, specification="weekly")
        for n, size in enumerate((300_000, 5)):
            obj = BackupObject(type=ObjectType.FILESYSTEM, host="h", mount=f"/f{n}")
            writer.write_object(
                ObjectVersion(object=obj, session=session, backup_time=T0), [os.urandom(size)]
            )
        writer.end_session()
        writer.close()
    return path


def test_inspect_a_tape_image(cli, image):
    ran = cli("inspect", image, "--json")
    assert ran.code == 0, ran.stderr
    contents = ran.json["contents"]
    assert contents["header"]["label"] == "Offsite_7"
    assert contents["closed"] is True
    assert [s["start"]["session"] for s in contents["sessions"]] == ["2026/01/02-1"]
    assert [(o["start"]["object"]["mount"], o["bytes"]) for o in contents["objects"]] == [
        ("/f0", 300_000),
        ("/f1", 5),
    ]
    assert contents["damaged"] == []
    human = cli("inspect", image)
    assert "Offsite_7" in human.stdout
    assert "h:/f0" in human.stdout


def test_verify_a_tape_image_and_a_lab_cartridge(cli, image, backed_up, lab):
    ran = cli("verify", image, "--json")
    assert ran.code == 0
    assert ran.json["ok"] is True
    assert ran.json["report"]["objects"] == 2
    assert ran.json["digest_text"].startswith("crc32c:")
    original = cli("verify", lab / "tapes" / "VT0001.img", "--json")
    copy = cli("verify", lab / "tapes" / "SCR001L9.img", "--json")
    assert original.code == copy.code == 0
    # a copy has its own header, and the same data: the same digest as its original
    assert original.json["digest_text"] == copy.json["digest_text"]
    assert original.json["report"]["medium_id"] != copy.json["report"]["medium_id"]
    assert "every block checked" in cli("verify", image).stdout


def test_verify_finds_damage(cli, image):
    data = bytearray(image.read_bytes())  # a byte flipped in the first object's data
    data[len(data) // 2] ^= 0xFF
    image.write_bytes(bytes(data))
    ran = cli("verify", image, "--json")
    assert ran.code == 1
    assert ran.json["ok"] is False
    (damaged,) = ran.json["report"]["damaged"]
    assert damaged["block"] > 0
    human = cli("verify", image)
    assert human.code == 1
    assert "FAILED" in human.stdout
    # the image's own frame checksum makes the block unreadable: inspect names it too
    inspected = cli("inspect", image, "--json")
    assert inspected.code == 1
    assert [d["block"] for d in inspected.json["contents"]["damaged"]] == [damaged["block"]]
    assert "Damage" in cli("inspect", image).stdout


def test_import_a_medium_into_a_new_catalog_and_again(cli, image, tmp_path):
    catalog = tmp_path / "c.sqlite"
    ran = cli("import", image, "--catalog", catalog, "--json")
    assert ran.code == 0, ran.stderr
    report = ran.json["report"]
    assert (report["already_known"], report["pool_added"]) == (False, "Offsite")
    assert len(report["versions_added"]) == 2
    again = cli("import", image, "--catalog", catalog, "--json")
    assert again.json["report"]["already_known"] is True
    assert again.json["report"]["versions_added"] == []
    (medium,) = cli("catalog", "media", "--catalog", catalog, "--json").json["media"]
    assert medium["label"] == "Offsite_7"


def test_import_a_lab_original_into_the_lab_changes_nothing(cli, backed_up, lab):
    ran = cli("import", lab / "tapes" / "VT0001.img", "--lab", lab, "--json")
    assert ran.code == 0, ran.stderr
    assert ran.json["report"]["already_known"] is True
    media = {m["label"]: m for m in cli("catalog", "media", "--lab", lab, "--json").json["media"]}
    copy = cli("import", lab / "tapes" / "SCR001L9.img", "--lab", lab, "--json")
    assert copy.code == 0, copy.stderr
    assert copy.json["report"]["medium"] == media["Vault_1"]["id"]
    assert copy.json["report"]["as_copy_of"] == media["VTL_1"]["id"]
    assert copy.json["report"]["versions_added"] == []


def test_an_original_and_its_copy_rebuild_an_empty_catalog(cli, backed_up, lab, tmp_path):
    rebuilt = tmp_path / "rebuilt.sqlite"
    for barcode in ("VT0001", "SCR001L9"):
        assert cli("import", lab / "tapes" / f"{barcode}.img", "--catalog", rebuilt).code == 0
    media = {
        m["label"]: m for m in cli("catalog", "media", "--catalog", rebuilt, "--json").json["media"]
    }
    assert set(media) == {"VTL_1", "Vault_1"}
    assert media["Vault_1"]["original"] == media["VTL_1"]["id"]
    assert cli("catalog", "check", "--catalog", rebuilt).code == 0


def test_files_that_are_not_media(cli, tmp_path, lab):
    text = tmp_path / "notes.txt"
    text.write_text("not a tape")
    for command in ("inspect", "verify", "import"):
        ran = cli(command, text, "--lab", lab) if command == "import" else cli(command, text)
        assert ran.code == 2
        assert "is not a tape image" in ran.error
    blank = cli("verify", lab / "tapes" / "SCR005L9.img")
    assert blank.code == 2
    assert "blank" in blank.error
    gone = cli("inspect", tmp_path / "absent.img")
    assert gone.code == 2


def test_a_damaged_header_is_one_line(cli, image):
    data = bytearray(image.read_bytes())
    header_at = data.find(b"SMTB")
    data[header_at + 40] ^= 0xFF
    image.write_bytes(bytes(data))
    ran = cli("inspect", image)
    assert ran.code == 2
    assert "not a readable smartmedia medium" in ran.error
