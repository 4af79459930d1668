"""Opening files: schema versions, migrations, foreign and damaged files, durability settings."""

import sqlite3

import pytest

from smartmedia.catalog import SCHEMA_VERSION, SqliteCatalog, _schema
from smartmedia.errors import SchemaError
from smartmedia.model import MediaPool, MediaType


def pragma(path, name):
    with sqlite3.connect(path) as conn:
        return conn.execute(f"PRAGMA {name}").fetchone()[0]


def test_a_new_file_is_a_versioned_wal_catalog(tmp_path):
    path = tmp_path / "c.db"
    with SqliteCatalog(path) as cat:
        cat.add_pool(MediaPool(name="P", media_type=MediaType.LTO9))
    assert pragma(path, "journal_mode") == "wal"
    assert pragma(path, "user_version") == SCHEMA_VERSION
    assert pragma(path, "application_id") == _schema.APPLICATION_ID
    with SqliteCatalog(path) as again:
        assert again.pool("P").media_type is MediaType.LTO9


def test_a_newer_schema_is_refused_with_a_clear_error(tmp_path):
    path = tmp_path / "c.db"
    SqliteCatalog(path).close()
    with sqlite3.connect(path) as conn:
        conn.execute(f"PRAGMA user_version = {SCHEMA_VERSION + 1}")
    with pytest.raises(SchemaError, match=f"schema version {SCHEMA_VERSION + 1}, newer"):
        SqliteCatalog(path)


def test_a_database_of_another_application_is_refused(tmp_path):
    path = tmp_path / "other.db"
    with sqlite3.connect(path) as conn:
        conn.execute("CREATE TABLE things (x)")
    with pytest.raises(SchemaError, match="not a smartmedia catalog"):
        SqliteCatalog(path)
    with sqlite3.connect(path) as conn:
        conn.execute("PRAGMA application_id = 42")
    with pytest.raises(SchemaError, match="another application"):
        SqliteCatalog(path)
    assert pragma(path, "user_version") == 0  # untouched


def test_a_file_that_is_not_a_database_is_refused(tmp_path):
    path = tmp_path / "junk.db"
    path.write_bytes(b"this is not SQLite at all" * 100)
    with pytest.raises(SchemaError, match="cannot be used as a catalog"):
        SqliteCatalog(path)


def test_a_path_that_cannot_be_opened_is_refused(tmp_path):
    with pytest.raises(SchemaError):
        SqliteCatalog(tmp_path / "missing-dir" / "c.db")


class TestMigrations:
    """The migration mechanism, with an extra migration standing for a future schema."""

    def test_older_files_are_migrated_forward_on_open(self, tmp_path, monkeypatch):
        path = tmp_path / "c.db"
        with SqliteCatalog(path) as cat:
            cat.add_pool(MediaPool(name="P", media_type=MediaType.LTO9))
        v2 = "CREATE TABLE notes (text TEXT NOT NULL);\nINSERT INTO notes VALUES ('v2');"
        monkeypatch.setattr(_schema, "MIGRATIONS", (*_schema.MIGRATIONS, v2))
        monkeypatch.setattr(_schema, "SCHEMA_VERSION", SCHEMA_VERSION + 1)
        with SqliteCatalog(path) as cat:
            assert cat.pool("P").name == "P"
        assert pragma(path, "user_version") == SCHEMA_VERSION + 1
        with sqlite3.connect(path) as conn:
            assert conn.execute("SELECT text FROM notes").fetchall() == [("v2",)]

    def test_a_failing_migration_leaves_the_file_at_its_version(self, tmp_path, monkeypatch):
        path = tmp_path / "c.db"
        SqliteCatalog(path).close()
        broken = "CREATE TABLE half (x);\nINSERT INTO no_such_table VALUES (1);"
        monkeypatch.setattr(_schema, "MIGRATIONS", (*_schema.MIGRATIONS, broken))
        monkeypatch.setattr(_schema, "SCHEMA_VERSION", SCHEMA_VERSION + 1)
        with pytest.raises(SchemaError, match="no_such_table"):
            SqliteCatalog(path)
        assert pragma(path, "user_version") == SCHEMA_VERSION
        with sqlite3.connect(path) as conn:
            tables = {r[0] for r in conn.execute("SELECT name FROM sqlite_master")}
        assert "half" not in tables
