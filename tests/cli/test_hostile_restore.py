"""``restore --to DIR`` writes only inside DIR, whatever hosts and mounts the catalog
holds, and follows no symbolic link planted below DIR."""

import datetime as dt
import os

import pytest

from smartmedia.cli._common import opened_lab
from smartmedia.cli._restorecmd import target_path
from smartmedia.cli._restorefiles import (
    confined_file,
    host_component,
    name_components,
    restore_components,
)
from smartmedia.copying import BackupWriter, items_from_bytes
from smartmedia.errors import ValidationError
from smartmedia.model import BackupObject, ObjectType, ObjectVersion, SessionId

DATA = b"restored bytes\n" * 500
PRECIOUS = b"precious, must not change\n"


def _tree(root):
    """Every path under ``root`` (not following links) -> its bytes (None for others)."""
    found = {}
    for directory, dirs, files in os.walk(root):
        for name in dirs + files:
            path = os.path.join(directory, name)
            if os.path.isfile(path) and not os.path.islink(path):
                with open(path, "rb") as f:
                    found[path] = f.read()
            else:
                found[path] = os.readlink(path) if os.path.islink(path) else None
    return found


@pytest.fixture
def source(tmp_path):
    path = tmp_path / "src" / "data.bin"
    path.parent.mkdir()
    path.write_bytes(DATA)
    return path


def _backup(cli, lab, source, host):
    ran = cli("backup", source, "--host", host, "--no-copy", "--lab", lab, "--json")
    assert ran.code == 0, ran.stderr
    return ran.json["backup"]["session"]["id"]


def _outside(before, after, inside):
    """Paths created or changed outside ``inside``."""
    inside = str(inside)
    return sorted(
        p
        for p in set(before) | set(after)
        if before.get(p, "absent") != after.get(p, "absent")
        and not (p == inside or p.startswith(inside + os.sep))
    )


@pytest.mark.parametrize(
    ("host", "first"),
    [
        ("..", "%2E%2E"),
        ("../..", "..%2F.."),
        (".", "%2E"),
        ("a/b", "a%2Fb"),
        ("ABSOLUTE", None),  # an absolute path in the test directory
        ("back\\slash%", "back%5Cslash%25"),
    ],
)
def test_a_hostile_host_is_one_directory_inside_the_target(  # noqa: PLR0917
    cli, lab, source, tmp_path, host, first
):
    if host == "ABSOLUTE":
        host = str(tmp_path / "absolute")
        first = host.replace("/", "%2F")
    session = _backup(cli, lab, source, host)
    target = tmp_path / "out" / "inner"
    target.mkdir(parents=True)
    before = _tree(tmp_path)
    ran = cli("restore", session, "--to", target, "--lab", lab, "--json")
    assert ran.code == 0, ran.stderr
    assert _changes_outside(before, _tree(tmp_path), target, lab) == []
    (restored,) = ran.json["restored"]
    path = restored["path"]
    assert path.startswith(str(target / first) + os.sep)
    with open(path, "rb") as f:
        assert f.read() == DATA
    assert os.listdir(target) == [first]


def _changes_outside(before, after, target, lab):
    return [
        p
        for p in _outside(before, after, target)
        if not (p == str(lab) or p.startswith(str(lab) + os.sep))
    ]


def test_hostile_hosts_write_nothing_outside_the_target(cli, lab, source, tmp_path):
    hosts = ["..", "../..", str(tmp_path / "absolute"), "a/b", "."]
    target = tmp_path / "out" / "inner"
    target.mkdir(parents=True)
    for host in hosts:
        session = _backup(cli, lab, source, host)
        before = _tree(tmp_path)
        ran = cli("restore", session, "--to", target, "--lab", lab)
        assert ran.code == 0, ran.stderr
        assert _changes_outside(before, _tree(tmp_path), target, lab) == [], host
    assert sorted(os.listdir(target)) == sorted(host_component(h) for h in hosts)


def test_mounts_with_dot_dot_stay_inside_and_apart(cli, lab, tmp_path):
    mounts = {
        "../../escape1": b"1",
        "x/../../../escape2": b"2",
        "/abs/../../escape3": b"3",
        "%2E%2E": b"5",
        "/": b"6",
        "a//b/./c": b"7",
    }
    with opened_lab(lab) as plab:
        result = BackupWriter(plab.lab.site, specification="weekly").run(
            None, items_from_bytes(mounts, host="h")
        )
    target = tmp_path / "out"
    before = _tree(tmp_path)
    ran = cli("restore", str(result.session.id), "--to", target, "--lab", lab, "--json")
    assert ran.code == 0, ran.stderr
    assert _changes_outside(before, _tree(tmp_path), target, lab) == []
    restored = {r["result"]["version"]["object"]["mount"]: r["path"] for r in ran.json["restored"]}
    assert set(restored) == set(mounts)
    assert len(set(restored.values())) == len(mounts)  # no two on one file
    for mount, path in restored.items():
        assert path.startswith(str(target / "h") + os.sep)
        with open(path, "rb") as f:
            assert f.read() == mounts[mount]
    assert restored["../../escape1"] == str(target / "h" / "%2E%2E" / "%2E%2E" / "escape1")
    assert restored["/"] == str(target / "h" / "%2F")
    assert restored["a//b/./c"] == str(target / "h" / "a" / "b" / "c")


def test_the_mapping():
    assert host_component("..") == "%2E%2E"
    assert host_component("/etc") == "%2Fetc"
    assert host_component("a/b") == "a%2Fb"
    assert host_component("nul\x00x") == "nul%00x"
    assert host_component("tab\tx") == "tab%09x"
    assert name_components("/etc/../passwd") == ("etc", "%2E%2E", "passwd")
    assert name_components("a\x00b/c") == ("a%00b", "c")
    assert name_components("") == ("%2F",)
    assert name_components("%") == ("%25",)
    version = ObjectVersion(
        object=BackupObject(type=ObjectType.FILESYSTEM, host="/etc", mount="/../shadow"),
        session=SessionId.parse("2026/11/25-1"),
        backup_time=dt.datetime(2026, 11, 25, tzinfo=dt.timezone.utc),
    )
    assert restore_components(version) == ("%2Fetc", "%2E%2E", "shadow")
    with pytest.raises(ValidationError, match="255 bytes"):
        name_components("é" * 200)


def test_confined_file_refuses_components_that_could_climb(tmp_path):
    for bad in [(), ("..",), ("a", "."), ("a/b",), ("nul\x00",), ("",)]:
        with pytest.raises(ValidationError), confined_file(tmp_path, bad):
            pass
    assert list(tmp_path.iterdir()) == []


# ---------------------------------------------------------------------- planted links


@pytest.fixture
def planted(cli, lab, source, tmp_path):
    """(session, target dir, where the file goes, a victim file outside)."""
    session = _backup(cli, lab, source, "h1")
    target = tmp_path / "out"
    with opened_lab(lab) as plab:
        (version,) = plab.lab.catalog.object_versions(SessionId.parse(session))
    victim = tmp_path / "victim"
    victim.write_bytes(PRECIOUS)
    return session, target, target_path(target, version), victim


def test_a_symlink_planted_at_the_partial_file_is_not_followed(cli, lab, planted):
    session, target, path, victim = planted
    path.parent.mkdir(parents=True)
    (path.parent / (path.name + ".partial")).symlink_to(victim)
    ran = cli("restore", session, "--to", target, "--lab", lab)
    assert ran.code == 0, ran.stderr
    assert victim.read_bytes() == PRECIOUS
    assert path.read_bytes() == DATA
    assert not path.is_symlink()


def test_a_symlink_at_the_target_is_replaced_not_followed(cli, lab, planted):
    session, target, path, victim = planted
    path.parent.mkdir(parents=True)
    path.symlink_to(victim)
    ran = cli("restore", session, "--to", target, "--lab", lab)
    assert ran.code == 0, ran.stderr
    assert victim.read_bytes() == PRECIOUS
    assert path.read_bytes() == DATA
    assert not path.is_symlink()


@pytest.mark.parametrize("depth", [1, 2])
def test_a_symlinked_directory_below_the_target_is_not_followed(cli, lab, planted, tmp_path, depth):
    session, target, path, _ = planted
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    link = target.joinpath(*path.relative_to(target).parts[:depth])
    link.parent.mkdir(parents=True, exist_ok=True)
    link.symlink_to(elsewhere, target_is_directory=True)
    ran = cli("restore", session, "--to", target, "--lab", lab, "--json")
    assert ran.code == 1
    assert list(elsewhere.rglob("*")) == []
    (failed,) = ran.json["failed"]
    assert "symbolic link" in failed["error"]
    assert not list(target.rglob("*.partial"))


def test_a_file_where_a_directory_belongs_is_reported(cli, lab, planted):
    session, target, _, _ = planted
    (target / "h1").parent.mkdir(parents=True)
    (target / "h1").write_bytes(PRECIOUS)
    ran = cli("restore", session, "--to", target, "--lab", lab, "--json")
    assert ran.code == 1
    assert (target / "h1").read_bytes() == PRECIOUS


def test_an_empty_target_is_refused(cli, lab, source, tmp_path, monkeypatch):
    session = _backup(cli, lab, source, "h1")
    here = tmp_path / "cwd"
    here.mkdir()
    monkeypatch.chdir(here)
    ran = cli("restore", session, "--to", "", "--lab", lab)
    assert ran.code == 2
    assert "--to" in ran.error
    assert list(here.iterdir()) == []
