"""A FIFO, device, socket or directory where a file is expected: refused with one line,
never waited on. Each test runs under a watchdog: a hang is a failure, not a stuck run."""

import os
import signal
import socket

import pytest

from smartmedia._fs import open_regular, read_regular, write_regular
from smartmedia.errors import ValidationError

pytestmark = pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="needs FIFOs (POSIX)")

WATCHDOG_SECONDS = 60


class Hang(Exception):
    pass


@pytest.fixture(autouse=True)
def watchdog():
    """Fail (instead of hanging for ever) a test that blocks, e.g. opening a FIFO."""

    def expired(signum, frame):
        raise Hang(f"the test blocked for {WATCHDOG_SECONDS} s")

    previous = signal.signal(signal.SIGALRM, expired)
    signal.alarm(WATCHDOG_SECONDS)
    try:
        yield
    finally:
        signal.alarm(0)
        signal.signal(signal.SIGALRM, previous)


@pytest.fixture
def fifo(tmp_path):
    path = tmp_path / "pipe"
    os.mkfifo(path)
    return path


@pytest.fixture
def unix_socket(tmp_path):
    path = tmp_path / "sock"
    server = socket.socket(socket.AF_UNIX)
    server.bind(str(path))
    yield path
    server.close()


# ---------------------------------------------------------------------- the one mechanism


@pytest.mark.parametrize("write", [False, True])
def test_open_regular_refuses_every_kind_of_non_regular_file(tmp_path, fifo, unix_socket, write):
    kinds = {
        fifo: "FIFO",
        unix_socket: "socket",
        tmp_path: "directory",
        "/dev/null": "character device",
    }
    for path, kind in kinds.items():
        with pytest.raises(ValidationError, match=kind) as caught:
            open_regular(path, what="test file", write=write)
        assert str(path) in str(caught.value)


def test_a_symbolic_link_is_refused_only_when_asked(tmp_path):
    target = tmp_path / "target"
    target.write_bytes(b"data")
    link = tmp_path / "link"
    link.symlink_to(target)
    assert read_regular(link, what="file", limit=10) == b"data"
    with pytest.raises(ValidationError, match="symbolic link"):
        read_regular(link, what="file", limit=10, follow=False)


def test_read_regular_has_a_size_limit(tmp_path):
    big = tmp_path / "big"
    big.write_bytes(b"x" * 11)
    with pytest.raises(ValidationError, match="larger than 10 bytes"):
        read_regular(big, what="file", limit=10)
    assert read_regular(big, what="file", limit=11) == b"x" * 11


def test_write_regular_replaces_the_content_of_a_regular_file_only(tmp_path, fifo):
    file = tmp_path / "out"
    file.write_bytes(b"a much longer old content")
    write_regular(file, b"new", what="file")
    assert file.read_bytes() == b"new"
    with pytest.raises(ValidationError, match="FIFO"):
        write_regular(fifo, b"new", what="file")


def test_the_descriptor_is_blocking_again(tmp_path):
    file = tmp_path / "f"
    file.write_bytes(b"x")
    fd = open_regular(file, what="file")
    try:
        assert os.get_blocking(fd)
    finally:
        os.close(fd)


# --------------------------------------------------------------------------- commands


def _refused(ran, path, kind="FIFO"):
    assert ran.code == 2, (ran.code, ran.stdout, ran.stderr)
    line = ran.error
    assert kind in line
    assert str(path) in line


@pytest.mark.parametrize("command", ["inspect", "verify"])
def test_inspect_and_verify_refuse_a_fifo(cli, fifo, command):
    _refused(cli(command, fifo), fifo)


def test_inspect_refuses_a_device_and_a_socket(cli, unix_socket):
    _refused(cli("inspect", "/dev/zero"), "/dev/zero", "character device")
    _refused(cli("verify", unix_socket), unix_socket, "socket")


def test_import_refuses_a_fifo(cli, fifo, tmp_path):
    _refused(cli("import", fifo, "--catalog", tmp_path / "new.sqlite"), fifo)


def test_copy_plan_refuses_a_fifo(cli, lab, fifo):
    _refused(cli("copy", "--plan", fifo, "--lab", lab), fifo)


def test_plan_save_refuses_a_fifo(cli, lab, fifo):
    _refused(cli("plan", "--save", fifo, "--lab", lab), fifo)


def test_catalog_import_refuses_a_fifo(cli, fifo, tmp_path):
    _refused(cli("catalog", "import", fifo, "--catalog", tmp_path / "new.sqlite"), fifo)


def test_schedule_run_refuses_a_fifo_as_its_state_file(cli, lab):
    added = cli("schedule", "add", "nightly", "--every", "1d", "--lab", lab)
    assert added.code == 0, added.stderr
    state = lab / "scheduler.json"
    if state.exists():
        state.unlink()
    os.mkfifo(state)
    _refused(cli("schedule", "run", "--lab", lab), state)
    # and the lab is not left locked: the next command runs
    assert cli("schedule", "list", "--lab", lab).code == 2
    state.unlink()
    assert cli("schedule", "list", "--lab", lab).code == 0
