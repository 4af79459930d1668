"""``check()`` finds every broken invariant, whoever broke it.

The catalog's own changes never break one (every other test ends with a clean check);
here another program writes straight into the file, and the report must name it.
"""

import sqlite3

import pytest

from smartmedia.catalog import SqliteCatalog

from .conftest import DAY, T0, World


@pytest.fixture
def populated(tmp_path):
    path = tmp_path / "c.db"
    with SqliteCatalog(path) as cat:
        world = World(cat)
        a = world.written(world.medium(slot=1))
        b = world.written(world.medium(slot=2))
        world.backup([a, b], hosts=("h1", "h2", "h3", "h4"))
        target = world.blank_target(1)
        job = cat.reserve_copy(a.id, [target.id], at=T0 + DAY)
        copy = world.copy_of(cat.medium(a.id), target)
        cat.complete_copy(job.id, [copy], verified=True, digest="d1", at=T0 + DAY)
        pending = cat.reserve_copy(b.id, [world.blank_target(2).id], at=T0 + DAY)
        assert cat.check().ok
    return path, a, b, copy, job, pending


def tamper(path, *statements):
    with sqlite3.connect(path) as conn:
        conn.execute("PRAGMA foreign_keys = OFF")
        conn.execute("PRAGMA ignore_check_constraints = ON")
        for sql in statements:
            conn.execute(sql)


def problems(path):
    with SqliteCatalog(path) as cat:
        report = cat.check()
    assert not report.ok
    assert "catalog broken" in str(report)
    return "\n".join(report.problems)


def test_a_clean_catalog_reports_ok(populated):
    path = populated[0]
    with SqliteCatalog(path) as cat:
        report = cat.check()
    assert report.ok
    assert (report.media, report.positions) == (4, 6)
    assert str(report) == "catalog ok: 4 media, 6 positions"


def test_copy_without_original(populated):
    path, _a, _, copy, _, _ = populated
    tamper(
        path, f"UPDATE media SET original = 'ffffffff:ffffffff:ffff:ffff' WHERE id = '{copy.id}'"
    )
    found = problems(path)
    assert f"copy {copy.id} names original ffffffff:ffffffff:ffff:ffff" in found


def test_copy_of_a_copy(populated):
    path, a, b, copy, _, _ = populated
    tamper(
        path, f"UPDATE media SET original = '{copy.id}', copy_generation = 1 WHERE id = '{b.id}'"
    )
    assert f"names {copy.id} as its original, but {copy.id} is a copy of {a.id}" in problems(path)


def test_two_media_in_one_place(populated):
    path, a, b, _, _, _ = populated
    tamper(
        path,
        "DROP INDEX media_place",
        f"UPDATE media SET loc_ordinal = 1 WHERE id = '{b.id}'",
    )
    found = problems(path)
    assert "slot 1 of library VLS holds several media" in found
    assert str(a.id) in found
    assert str(b.id) in found


def test_same_barcode_twice_in_a_library(populated):
    path, a, b, _, _, _ = populated
    tamper(
        path,
        "DROP INDEX media_barcode_in_library",
        f"UPDATE media SET barcode = '{a.barcode}' WHERE id = '{b.id}'",
    )
    assert f"library VLS holds barcode {a.barcode} on several media" in problems(path)


def test_place_that_the_library_does_not_have(populated):
    path, a, _, _, _, _ = populated
    tamper(path, f"UPDATE media SET loc_ordinal = 999 WHERE id = '{a.id}'")
    assert f"medium {a.id} is at slot 999 of library VLS, which has no such element" in problems(
        path
    )


def test_overlapping_positions(populated):
    path, a, _, _, _, _ = populated
    tamper(
        path, f"UPDATE positions SET last_block = 5000 WHERE medium = '{a.id}' AND first_block = 1"
    )
    assert f"medium {a.id}: blocks 1..5000 and 102..201 overlap" in problems(path)


def test_positions_on_an_empty_medium(populated):
    path, a, _, _, _, _ = populated
    tamper(path, f"UPDATE media SET state = 'empty', bytes_used = 0 WHERE id = '{a.id}'")
    assert f"medium {a.id} is empty but has recorded positions" in problems(path)


def test_reserved_job_that_lost_its_reservation(populated):
    path, _, b, _, _, pending = populated
    tamper(path, f"DELETE FROM reservations WHERE medium = '{b.id}'")
    assert f"reserved copy job {pending.id} does not hold medium {b.id}" in problems(path)


def test_finished_job_still_holding_media(populated):
    path, a, _, _, job, _ = populated
    tamper(path, f"INSERT INTO reservations VALUES ('{a.id}', {job.id}, 'source')")
    assert f"medium {a.id} is held by copy job {job.id}, which is completed" in problems(path)


def test_completed_job_without_a_verified_copy(populated):
    path, _, _, _, job, _ = populated
    tamper(path, f"UPDATE copy_jobs SET digest = NULL WHERE id = {job.id}")
    assert f"completed copy job {job.id} has no verified copy recorded" in problems(path)


def test_released_job_naming_a_copy(populated):
    path, _, _, copy, job, _ = populated
    tamper(path, f"UPDATE copy_jobs SET state = 'released' WHERE id = {job.id}")
    assert f"released copy job {job.id} names copy {copy.id}" in problems(path)


def test_rows_that_make_no_valid_value(populated):
    path, a, _, _, _, _ = populated
    tamper(path, f"UPDATE media SET bytes_used = capacity + 1 WHERE id = '{a.id}'")
    found = problems(path)
    assert f"stored medium {a.id} is not valid" in found
    assert "exceed the capacity" in found


def test_dangling_reference(populated):
    path, a, _, _, _, _ = populated
    tamper(path, f"DELETE FROM media WHERE id = '{a.id}'")
    assert "refers to a missing media row" in problems(path)
