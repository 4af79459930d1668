"""``restore``: from the original when it can be read, else from a copy brought out of the
library behind the VLS through the mail slots."""


def _restored(root, target, content):
    found = {}
    for name in content:
        matches = list(target.rglob(name.rsplit("/", 1)[-1]))
        assert len(matches) == 1, name
        found[name] = matches[0].read_bytes()
    return found


def test_restore_from_the_original(cli, backed_up, lab, files, tmp_path):
    root, content = files
    session = backed_up["backup"]["session"]["id"]
    ran = cli("restore", session, "--to", tmp_path / "out", "--lab", lab, "--json")
    assert ran.code == 0, ran.stderr
    assert ran.json["ok"] is True
    assert {r["media"][0] for r in ran.json["restored"]} == {"VTL_1"}
    assert all(r["moves"] == [] for r in ran.json["restored"])
    assert _restored(root, tmp_path / "out", content) == content
    assert all((tmp_path / "out" / "h1").rglob("*"))


def test_restore_from_the_copy_goes_through_the_mail_slots(cli, backed_up, lab, files, tmp_path):
    root, content = files
    session = backed_up["backup"]["session"]["id"]
    ran = cli(
        "restore", session, "--to", tmp_path / "out", "--prefer", "copy", "--lab", lab, "--json"
    )
    assert ran.code == 0, ran.stderr
    moves = [m for r in ran.json["restored"] for m in r["moves"]]
    assert [(m["by"], m["destination"]["library"]) for m in moves] == [
        ("robot", "MSL"),
        ("operator", "Restore"),
        ("robot", "Restore"),
    ]
    assert {r["media"][0] for r in ran.json["restored"]} == {"Vault_1"}
    assert _restored(root, tmp_path / "out", content) == content


def test_sources_lists_the_candidates(cli, backed_up, lab):
    session = backed_up["backup"]["session"]["id"]
    ran = cli("restore", session, "--sources", "--object", "*a.bin", "--lab", lab, "--json")
    assert ran.code == 0, ran.stderr
    (entry,) = ran.json["sources"]
    assert [(s["medium"]["label"], s["rank"]) for s in entry["sources"]] == [
        ("VTL_1", "readable"),
        ("Vault_1", "needs_move"),
    ]
    human = cli("restore", session, "--sources", "--lab", lab)
    assert "needs-move" in human.stdout


def test_restore_errors(cli, backed_up, lab, tmp_path):
    bad = cli("restore", "last-night", "--to", tmp_path, "--lab", lab)
    assert bad.code == 2
    assert "session[0]" in bad.error
    unknown = cli("restore", "2030/01/01-1", "--to", tmp_path, "--lab", lab)
    assert unknown.code == 2
    assert "2030/01/01-1" in unknown.error
    nothing = cli("restore", "2026/11/25-1", "--object", "*nope*", "--to", tmp_path, "--lab", lab)
    assert nothing.code == 2
    assert "no object matching" in nothing.error
    no_target = cli("restore", "2026/11/25-1", "--lab", lab)
    assert no_target.code == 2
    assert "--to" in no_target.stderr
