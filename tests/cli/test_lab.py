"""``lab``: a persistent lab — made once, its tapes and clock kept between commands."""

import datetime as dt

from smartmedia.cli._lab import PersistentLab


def test_init_builds_the_site(cli, tmp_path):
    ran = cli("lab", "init", "--lab", tmp_path / "new", "--scratch", 3, "--json")
    assert ran.code == 0, ran.stderr
    libraries = {lib["name"]: lib for lib in ran.json["libraries"]}
    assert libraries["VTL"]["virtual"] is True
    assert (libraries["MSL"]["visible"], libraries["MSL"]["cartridges"]) == (False, 3)
    assert libraries["Restore"]["visible"] is True
    assert ran.json["now"] == "2026-11-25T20:00:00+00:00"
    assert ran.json["bindings"][0]["specification"] == "daily"
    assert (tmp_path / "new" / "lab.json").is_file()
    assert (tmp_path / "new" / "catalog.sqlite").is_file()


def test_init_refuses_an_existing_lab_and_a_foreign_directory(cli, lab, tmp_path):
    again = cli("lab", "init", "--lab", lab)
    assert again.code == 2
    assert "a lab exists already" in again.error
    other = tmp_path / "other"
    other.mkdir()
    (other / "notes.txt").write_text("mine")
    refused = cli("lab", "init", "--lab", other)
    assert refused.code == 2
    assert "not empty" in refused.error
    assert (other / "notes.txt").read_text() == "mine"


def test_a_missing_lab_is_one_clear_line(cli, tmp_path, files):
    for args in (
        ("lab", "show"),
        ("backup", files[0]),
        ("plan",),
        ("copy",),
        ("schedule", "list"),
        ("restore", "2026/11/25-1", "--to", tmp_path / "out"),
        ("catalog", "media"),
        ("lab", "advance", "1h"),
    ):
        ran = cli(*args, "--lab", tmp_path / "nowhere")
        assert ran.code == 2, args
        assert "no lab in" in ran.error
        assert "lab init" in ran.error


def test_virtual_time_moves_forward_across_commands(cli, lab):
    first = dt.datetime.fromisoformat(cli("lab", "show", "--lab", lab, "--json").json["now"])
    later = cli("lab", "advance", "1h30m", "--lab", lab, "--json")
    assert later.code == 0
    moved = dt.datetime.fromisoformat(later.json["now"])
    assert moved - first == dt.timedelta(hours=1, minutes=30)
    shown = dt.datetime.fromisoformat(cli("lab", "show", "--lab", lab, "--json").json["now"])
    assert shown == moved


def test_tapes_stay_where_commands_put_them(cli, backed_up, lab, tmp_path):
    session = backed_up["backup"]["session"]["id"]
    assert (
        cli("restore", session, "--to", tmp_path / "out", "--prefer", "copy", "--lab", lab).code
        == 0
    )
    tapes = {t["barcode"]: t for t in cli("lab", "show", "--lab", lab, "--json").json["tapes"]}
    copy = tapes["SCR001L9"]
    assert copy["library"] == copy["catalog"] == "Restore: slot 1"
    assert tapes["VT0001"]["library"] == tapes["VT0001"]["catalog"] == "VTL: slot 1"
    assert tapes["SCR002L9"]["library"] == "MSL: slot 2"


def test_mail_slots_are_kept_with_their_gaps(cli, lab, files, tmp_path):
    """Copies exported to the mail slots of MSL stay in their own mail slot, even once the
    lower one was emptied by a restore that carried its tape away."""
    root = files[0]
    first = cli("backup", root / "a.bin", "--spec", "one", "--lab", lab, "--json")
    second = cli("backup", root / "docs", "--spec", "two", "--lab", lab, "--json")
    assert first.code == second.code == 0
    ran = cli("copy", "--pool", "VTL", "--after", "export", "--lab", lab, "--json")
    assert ran.code == 0, ran.stderr
    tapes = {t["barcode"]: t for t in cli("lab", "show", "--lab", lab, "--json").json["tapes"]}
    assert tapes["SCR001L9"]["library"] == "MSL: mail slot 1"
    assert tapes["SCR002L9"]["library"] == "MSL: mail slot 2"
    session = first.json["backup"]["session"]["id"]
    out = tmp_path / "out"
    assert cli("restore", session, "--to", out, "--prefer", "copy", "--lab", lab).code == 0
    tapes = {t["barcode"]: t for t in cli("lab", "show", "--lab", lab, "--json").json["tapes"]}
    assert tapes["SCR001L9"]["library"] == "Restore: slot 1"
    assert tapes["SCR002L9"]["library"] == tapes["SCR002L9"]["catalog"] == "MSL: mail slot 2"
    assert cli("catalog", "check", "--lab", lab).code == 0


def test_a_lab_in_use_is_refused(cli, lab):
    with PersistentLab.open(lab):
        ran = cli("lab", "show", "--lab", lab)
    assert ran.code == 2
    assert "in use by another command" in ran.error
    assert cli("lab", "show", "--lab", lab).code == 0


def test_a_damaged_state_file_is_one_clear_line(cli, lab):
    (lab / "lab.json").write_text('{"version": 2, "config": {"seed": "x"}}')
    ran = cli("lab", "show", "--lab", lab)
    assert ran.code == 2
    assert "lab.json is damaged" in ran.error
    assert "config.seed" in ran.error


def test_bad_durations(cli, lab):
    ran = cli("lab", "advance", "soon", "--lab", lab)
    assert ran.code == 2
    assert "'soon' is not a duration" in ran.error
