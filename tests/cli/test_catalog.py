"""``catalog``: media, sessions, copies, the integrity check, export and import."""

import json
import sqlite3


def test_media_sessions_copies(cli, backed_up, lab):
    media = cli("catalog", "media", "--lab", lab, "--json").json["media"]
    by_label = {m["label"]: m for m in media}
    assert set(by_label) == {"VTL_1", "Vault_1"}
    assert by_label["Vault_1"]["original"] == by_label["VTL_1"]["id"]
    assert cli("catalog", "media", "--pool", "Vault", "--lab", lab, "--json").json["media"] == [
        by_label["Vault_1"]
    ]
    sessions = cli("catalog", "sessions", "--lab", lab, "--json").json
    assert [(s["type"], s["status"]) for s in sessions["sessions"]] == [
        ("backup", "completed"),
        ("copy", "completed"),
    ]
    backup_id = sessions["sessions"][0]["id"]
    assert len(sessions["versions"][backup_id]) == 3
    (record,) = cli("catalog", "copies", "--lab", lab, "--json").json["copies"]
    assert (record["original"], record["copy"]) == (
        by_label["VTL_1"]["id"],
        by_label["Vault_1"]["id"],
    )
    human = cli("catalog", "media", "--lab", lab)
    assert "Vault_1" in human.stdout
    assert "VTL_1" in human.stdout


def test_check_passes_and_fails(cli, backed_up, lab):
    ok = cli("catalog", "check", "--lab", lab, "--json")
    assert ok.code == 0
    assert ok.json["ok"] is True
    assert ok.json["positions"] == 6
    db = sqlite3.connect(lab / "catalog.sqlite")
    try:
        db.execute("PRAGMA foreign_keys=OFF")
        db.execute(
            "UPDATE media SET original = 'ffffffff:ffffffff:ffff:ffff' WHERE label = 'Vault_1'"
        )
        db.commit()
    finally:
        db.close()
    broken = cli("catalog", "check", "--lab", lab, "--json")
    assert broken.code == 1
    assert broken.json["ok"] is False
    assert broken.json["problems"]


def test_export_then_import_into_a_new_catalog(cli, backed_up, lab, tmp_path):
    exported = tmp_path / "catalog.json"
    ran = cli("catalog", "export", exported, "--lab", lab, "--json")
    assert ran.code == 0, ran.stderr
    assert ran.json["media"] == 2
    document = json.loads(exported.read_text())
    assert len(document["media"]) == 2
    to_stdout = cli("catalog", "export", "--lab", lab)
    assert json.loads(to_stdout.stdout) == document
    fresh = tmp_path / "fresh.sqlite"
    loaded = cli("catalog", "import", exported, "--catalog", fresh, "--json")
    assert loaded.code == 0, loaded.stderr
    assert (loaded.json["media"], loaded.json["ok"]) == (2, True)
    media = cli("catalog", "media", "--catalog", fresh, "--json").json["media"]
    assert media == cli("catalog", "media", "--lab", lab, "--json").json["media"]
    again = cli("catalog", "import", exported, "--catalog", fresh)
    assert again.code == 2
    assert "not empty" in again.error


def test_catalog_errors(cli, lab, tmp_path):
    missing = cli("catalog", "media", "--catalog", tmp_path / "none.sqlite")
    assert missing.code == 2
    assert "no catalog file" in missing.error
    pool = cli("catalog", "media", "--pool", "Nope", "--lab", lab)
    assert pool.code == 2
    assert "Nope" in pool.error
    bad = tmp_path / "bad.json"
    bad.write_text('{"format": 1, "media": [{"id": "zz"}]}')
    refused = cli("catalog", "import", bad, "--catalog", tmp_path / "new.sqlite")
    assert refused.code == 2
    assert "media[0]" in refused.error
    notjson = tmp_path / "not.json"
    notjson.write_text("{")
    assert cli("catalog", "import", notjson, "--catalog", tmp_path / "new2.sqlite").code == 2
