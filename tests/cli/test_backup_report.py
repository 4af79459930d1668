"""``backup`` reports what its post-backup copy could not do: media left without a copy
make it exit 1 with ``ok: false``, and are named with the planner's reason."""

import random


def test_a_post_backup_copy_short_of_scratch_tapes_is_a_failure(cli, tmp_path):
    lab = tmp_path / "lab"
    assert cli("lab", "init", "--lab", lab, "--scratch", "1").code == 0
    data = tmp_path / "data.bin"
    data.write_bytes(random.Random(3).randbytes(10_000_000))
    ran = cli("backup", data, "--capacity", "4", "--lab", lab, "--json")
    assert ran.code == 1, ran.stderr
    document = ran.json
    assert document["ok"] is False
    assert document["backup"]["session"]["status"] == "completed"  # the backup itself is fine
    (report,) = document["copies"]
    assert len(report["outcomes"]) == 1
    written = [m["barcode"] for m in document["backup"]["media"]]
    assert len(written) == 5
    assert [m["barcode"] for m in document["not_copied"]] == written[1:]
    assert {m["reason"] for m in document["not_copied"]} == {"no_target_left"}

    human = cli("backup", data, "--capacity", "4", "--lab", lab)
    assert human.code == 1
    assert "0 of 5 copied" in human.stdout  # the one scratch tape is used now
    assert "not copied: VT0006, VT0007, VT0008, VT0009, VT0010" in human.stdout


def test_a_post_backup_copy_of_everything_is_ok(cli, lab, files):
    root, _ = files
    ran = cli("backup", root, "--lab", lab, "--json")
    assert ran.code == 0, ran.stderr
    assert ran.json["ok"] is True
    assert ran.json["not_copied"] == []
