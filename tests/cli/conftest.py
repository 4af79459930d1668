"""Fixtures of the command-line tests: the command run through click's test runner, and
labs made and worked on through it."""

import json
import random

import attrs
import pytest

pytest.importorskip("click", reason="the command line needs the cli extra")
pytest.importorskip("rich", reason="the command line needs the cli extra")

from click.testing import CliRunner

from smartmedia.cli._app import app


@attrs.frozen
class Ran:
    """One run of the command: exit code, stdout, stderr, and stdout parsed as JSON."""

    code: int
    stdout: str
    stderr: str

    @property
    def json(self):
        return json.loads(self.stdout)

    @property
    def error(self):
        """The one line a failing command prints on stderr."""
        lines = self.stderr.strip().splitlines()
        assert len(lines) == 1, self.stderr
        assert lines[0].startswith("error: "), self.stderr
        assert "Traceback" not in self.stderr
        return lines[0]


@pytest.fixture
def cli():
    """``cli(*args)`` runs ``smartmedia args...``; exceptions other than SystemExit fail."""
    runner = CliRunner(env={"SMARTMEDIA_LAB": None, "COLUMNS": "160"})

    def run(*args):
        result = runner.invoke(app, [str(a) for a in args], catch_exceptions=False)
        return Ran(code=result.exit_code, stdout=result.stdout, stderr=result.stderr)

    return run


@pytest.fixture
def lab(tmp_path, cli):
    """A new lab directory, made with ``lab init``."""
    path = tmp_path / "lab"
    ran = cli("lab", "init", "--lab", path, "--json")
    assert ran.code == 0, ran.stderr
    return path


@pytest.fixture
def files(tmp_path):
    """A directory of files to back up: name -> bytes."""
    root = tmp_path / "data"
    rng = random.Random(7)
    content = {
        "a.bin": rng.randbytes(1_500_000),
        "docs/b.txt": b"hello tape\n" * 1000,
        "docs/c.bin": rng.randbytes(300_000),
    }
    for name, data in content.items():
        (root / name).parent.mkdir(parents=True, exist_ok=True)
        (root / name).write_bytes(data)
    return root, content


@pytest.fixture
def backed_up(cli, lab, files):
    """A lab holding one backup (specification ``daily``) and its post-backup copy."""
    root, _ = files
    ran = cli("backup", root, "--lab", lab, "--json", "--host", "h1")
    assert ran.code == 0, ran.stderr
    return ran.json
