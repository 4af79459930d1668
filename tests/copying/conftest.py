"""Fixtures of the copying tests: a simulated site, and backups written onto it."""

import random

import pytest

from smartmedia.copying._backup import BackupWriter, items_from_bytes
from smartmedia.copying._lab import build_lab

#: Small cartridges and blocks, so that a few megabytes span several cartridges.
CAPACITY = 6 << 20
BLOCK_SIZE = 64 << 10


def payload(size, seed):
    """``size`` reproducible pseudo-random bytes."""
    return random.Random(seed).randbytes(size)


@pytest.fixture
def lab():
    built = build_lab()
    yield built
    built.close()


def write_backup(lab, data, *, host="db01", capacity=CAPACITY, **options):
    """Back up ``data`` (name -> bytes) on ``lab``; the :class:`BackupResult`."""
    writer = BackupWriter(lab.site, capacity=capacity, block_size=BLOCK_SIZE, **options)
    return writer.run(None, items_from_bytes(data, host=host, chunk_size=100_000))


@pytest.fixture
def backup(lab):
    """``backup(data, **options)``: back up ``data`` (name -> bytes) on the lab."""

    def run(data, **options):
        return write_backup(lab, data, **options)

    return run
