"""``smartmedia demo``: the main path, from nothing, checked through its report."""

import subprocess
import sys

from smartmedia.catalog import SqliteCatalog


def test_demo_runs_the_main_path_and_reports_it(cli, tmp_path):
    ran = cli("demo", "--dir", tmp_path, "--json")
    assert ran.code == 0, ran.stderr
    report = ran.json
    assert report["ok"] is True
    assert [s["name"] for s in report["steps"]] == [
        "backup",
        "post-backup copy",
        "verify copies",
        "scheduled copy",
        "delete a virtual tape",
        "restore from the copy",
    ]
    assert all(s["ok"] for s in report["steps"])
    # post-backup and scheduled copies, each recorded as a copy session of its trigger
    triggers = [s["trigger"] for s in report["sessions"] if s["type"] == "copy"]
    assert triggers == ["post_backup", "scheduled"]
    assert [r["trigger"] for r in report["copies"]] == ["post_backup", "scheduled"]
    assert all(o["state"] == "committed" for r in report["copies"] for o in r["outcomes"])
    # every copy is a distinct medium linked to an original of the VTL pool
    media = {m["id"]: m for m in report["media"]}
    copies = [m for m in media.values() if m["original"] is not None]
    assert len(copies) == 4  # each backup spans two virtual cartridges
    for copy in copies:
        original = media[copy["original"]]
        assert (original["pool"], original["media_type"]) == ("VTL", "VIRTUAL")
        assert (copy["pool"], copy["media_type"]) == ("Vault", "LTO-9")
        assert copy["id"] != original["id"]
    # the deleted virtual tape is gone; the restore went through the mail slots
    assert report["deleted"] == "VT0001"
    assert [m["by"] for m in report["moves"]] == ["robot", "operator", "robot"]
    assert report["moves"][-1]["destination"]["library"] == "Restore"
    assert report["restored"]
    assert all(r["identical"] for r in report["restored"])
    # span 0 came from the copy of the deleted tape, span 1 from its original
    restore_step = report["steps"][-1]["detail"]
    assert "VTL_2" in restore_step
    assert "Vault_1" in restore_step
    tapes = {t["barcode"]: t for t in report["tapes"]}
    assert tapes["VT0001"]["library"] == "not in any library"
    assert tapes["VT0001"]["catalog"] == "unknown"
    assert tapes[report["moves"][0]["barcode"]]["library"].startswith("Restore: slot")
    assert report["copied_bytes"] > 5_000_000
    assert report["virtual_seconds"] > 6 * 3600  # it waited for the nightly slot
    # the lab is kept with --dir, and the restored files are the samples
    assert report["lab"] == str(tmp_path / "lab")
    for name in ("etc/app.conf", "srv/db/blobs.bin"):
        restored = (tmp_path / "restored" / name).read_bytes()
        assert restored == (tmp_path / "sample" / name).read_bytes()
    catalog = SqliteCatalog(str(tmp_path / "lab" / "catalog.sqlite"))
    try:
        assert catalog.check().ok
    finally:
        catalog.close()


def test_the_lab_the_demo_leaves_works_with_the_other_commands(cli, tmp_path):
    assert cli("demo", "--dir", tmp_path, "--json").code == 0
    shown = cli("lab", "show", "--lab", tmp_path / "lab", "--json")
    assert shown.code == 0
    assert {t["barcode"] for t in shown.json["tapes"]} >= {"VT0002", "SCR001L9"}
    assert cli("catalog", "check", "--lab", tmp_path / "lab").code == 0


def test_human_report_has_the_tables(cli, tmp_path):
    ran = cli("demo", "--dir", tmp_path)
    assert ran.code == 0, ran.stderr
    for heading in (
        "What happened",
        "Sessions",
        "Media and their copies",
        "Where each tape is",
        "Restore path of the physical copy",
        "Virtual time:",
        "wall time:",
        "demo ok",
    ):
        assert heading in ran.stdout


def test_demo_refuses_a_directory_with_a_lab(cli, tmp_path):
    assert cli("demo", "--dir", tmp_path, "--json").code == 0
    again = cli("demo", "--dir", tmp_path)
    assert again.code == 2
    assert "exists" in again.error


def test_entry_point_runs_the_demo_in_a_temporary_directory():
    done = subprocess.run(
        [sys.executable, "-m", "smartmedia", "demo", "--json"],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    assert '"ok": true' in done.stdout
    assert "Traceback" not in done.stderr
