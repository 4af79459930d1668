"""``backup``, ``plan`` and ``copy``: backups with their post-backup copy, plans as JSON,
interactive copies of a selection or of a saved plan."""

import json

from smartmedia.planning import CopyPlan
from smartmedia.serialization import from_json


def test_backup_writes_and_copies_after_the_session(cli, lab, files):
    root, content = files
    ran = cli("backup", root, "--lab", lab, "--json", "--host", "h1")
    assert ran.code == 0, ran.stderr
    backup = ran.json["backup"]
    assert backup["session"]["status"] == "completed"
    assert backup["session"]["specification"] == "daily"
    assert backup["bytes"] == sum(len(v) for v in content.values())
    assert sorted(
        v["object"]["mount"].rsplit("/data/", 1)[1] for v in backup["versions"]
    ) == sorted(content)
    assert [m["barcode"] for m in backup["media"]] == ["VT0001"]
    (report,) = ran.json["copies"]
    assert report["trigger"] == "post_backup"
    (outcome,) = report["outcomes"]
    assert outcome["state"] == "committed"
    assert outcome["targets"] == ["SCR001L9"]
    assert outcome["digest"].startswith("crc32c:")


def test_backup_of_an_unbound_specification_is_not_copied(cli, lab, files):
    ran = cli("backup", files[0] / "a.bin", "--spec", "weekly", "--lab", lab, "--json")
    assert ran.code == 0, ran.stderr
    assert ran.json["copies"] == []
    assert len(ran.json["backup"]["versions"]) == 1


def test_plan_prints_saves_and_explains(cli, lab, files, tmp_path):
    cli("backup", files[0], "--spec", "weekly", "--lab", lab)
    saved = tmp_path / "plan.json"
    ran = cli("plan", "--not-copied", "--save", saved, "--lab", lab, "--json")
    assert ran.code == 0, ran.stderr
    plan = ran.json["plan"]
    assert [t["source_barcode"] for t in plan["tasks"]] == ["VT0001"]
    assert plan["policy"]["target_pool"] == "Vault"
    assert from_json(saved.read_text(), CopyPlan).tasks[0].source_barcode.value == "VT0001"
    assert json.loads(saved.read_text()) == plan
    explained = cli("plan", "--not-copied", "--explain", "--lab", lab)
    assert explained.code == 0
    assert "Copy plan from" in explained.stdout
    assert "VT0001" in explained.stdout
    # planning copies nothing
    assert cli("catalog", "copies", "--lab", lab, "--json").json["copies"] == []


def test_copy_runs_a_saved_plan(cli, lab, files, tmp_path):
    cli("backup", files[0], "--spec", "weekly", "--lab", lab)
    saved = tmp_path / "plan.json"
    assert cli("plan", "--medium", "VT0001", "--save", saved, "--lab", lab).code == 0
    ran = cli("copy", "--plan", saved, "--lab", lab, "--json")
    assert ran.code == 0, ran.stderr
    assert ran.json["ok"] is True
    (outcome,) = ran.json["report"]["outcomes"]
    assert outcome["state"] == "committed"
    (record,) = cli("catalog", "copies", "--lab", lab, "--json").json["copies"]
    assert record["copy"] == outcome["copies"][0]


def test_copy_a_selection_and_again_finds_it_copied(cli, lab, files):
    cli("backup", files[0], "--spec", "weekly", "--lab", lab)
    ran = cli("copy", "--medium", "VT0001", "--copies", 1, "--read-back", "--lab", lab, "--json")
    assert ran.code == 0, ran.stderr
    assert ran.json["report"]["trigger"] == "interactive"
    again = cli("copy", "--medium", "VT0001", "--lab", lab, "--json")
    assert again.code == 0
    assert again.json["report"]["outcomes"] == []
    assert [u["reason"] for u in again.json["report"]["plan"]["unplaced"]] == ["already_copied"]


def test_copy_human_output(cli, lab, files):
    cli("backup", files[0], "--spec", "weekly", "--lab", lab)
    ran = cli("copy", "--session", "2026/11/25-1", "--lab", lab)
    assert ran.code == 0, ran.stderr
    assert "1 of 1 copied" in ran.stdout
    assert "committed" in ran.stdout


def test_bad_selections_are_one_clear_line(cli, lab, tmp_path):
    bad = cli("copy", "--medium", "NOT/A/BARCODE", "--lab", lab)
    assert bad.code == 2
    assert "medium[0]" in bad.error
    session = cli("plan", "--session", "yesterday", "--lab", lab)
    assert session.code == 2
    assert "session[0]" in session.error
    vault = cli("plan", "--after", "vault", "--lab", lab)
    assert vault.code == 2
    assert "vault" in vault.error
    missing = cli("copy", "--plan", tmp_path / "none.json", "--lab", lab)
    assert missing.code == 2  # click: the file does not exist
    saved = tmp_path / "plan.json"
    assert cli("plan", "--save", saved, "--lab", lab).code == 0
    both = cli("copy", "--plan", saved, "--medium", "VT0001", "--lab", lab)
    assert both.code == 2
    assert "give no selection" in both.stderr
    garbage = tmp_path / "garbage.json"
    garbage.write_text('{"tasks": 3}')
    wrong = cli("copy", "--plan", garbage, "--lab", lab)
    assert wrong.code == 2
    assert "is not a copy plan" in wrong.error


def test_an_unknown_medium_is_reported_not_copied(cli, lab):
    ran = cli("copy", "--medium", "ZZZ999L9", "--lab", lab, "--json")
    assert ran.code == 1  # asked for, not copied: not ok
    assert ran.json["ok"] is False
    (unplaced,) = ran.json["report"]["plan"]["unplaced"]
    assert unplaced["reason"] == "unknown_medium"


def test_backup_of_nothing_is_a_usage_error(cli, lab, tmp_path):
    empty = tmp_path / "empty"
    empty.mkdir()
    ran = cli("backup", empty, "--lab", lab)
    assert ran.code == 2
    assert "nothing to back up" in ran.error
    assert cli("backup", tmp_path / "absent", "--lab", lab).code == 2
