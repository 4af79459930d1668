"""The connection under a :class:`SqliteCatalog`: transactions and error mapping.

Invariants: the connection runs in autocommit mode and every change happens inside
:meth:`Db.write`, one ``BEGIN IMMEDIATE`` ... ``COMMIT``; nested ``write`` blocks join the
outer transaction, so an operation made of several steps commits all of them or none.
No :class:`sqlite3.Error` leaves this module: each is turned into a
:class:`~smartmedia.errors.CatalogError` subclass with the operation it interrupted.
"""

from __future__ import annotations

import contextlib
import sqlite3
from collections.abc import Iterable, Iterator, Sequence
from typing import Any

from smartmedia.errors import (
    CatalogError,
    ConflictError,
    DuplicateEntity,
    SchemaError,
    SmartMediaError,
    UnknownEntity,
)

__all__ = ["Db", "Row"]

Row = tuple[Any, ...]


def map_error(error: sqlite3.Error, doing: str) -> CatalogError:
    """The catalog error that tells a caller what ``error`` means for ``doing``."""
    text = str(error)
    if isinstance(error, sqlite3.IntegrityError):
        if text.startswith("UNIQUE") or "PRIMARY KEY" in text:
            return DuplicateEntity(f"{doing}: already recorded ({text})")
        if text.startswith("FOREIGN KEY"):
            return UnknownEntity(f"{doing}: refers to something not recorded ({text})")
        return ConflictError(f"{doing}: refused by a rule of the catalog ({text})")
    if isinstance(error, sqlite3.OperationalError) and "locked" in text:
        return ConflictError(f"{doing}: the catalog is busy (locked by another writer)")
    if isinstance(error, sqlite3.DatabaseError) and (
        "malformed" in text or "not a database" in text
    ):
        return SchemaError(f"{doing}: the catalog file is damaged ({text})")
    return CatalogError(f"{doing}: {type(error).__name__}: {text}")


class Db:
    """One SQLite connection with write transactions and a consistent-read scope."""

    def __init__(self, conn: sqlite3.Connection, where: str) -> None:
        self.conn = conn
        self.where = where
        self._depth = 0

    # ------------------------------------------------------------------ transactions

    @contextlib.contextmanager
    def write(self, doing: str) -> Iterator[None]:
        """A write transaction (joins the enclosing one when nested).

        Any exception rolls the whole outermost transaction back; SQLite errors come out
        as catalog errors that name ``doing``.
        """
        if self._depth:
            self._depth += 1
            try:
                yield
            except sqlite3.Error as e:
                raise map_error(e, doing) from None
            finally:
                self._depth -= 1
            return
        try:
            self.conn.execute("BEGIN IMMEDIATE")
        except sqlite3.Error as e:
            raise map_error(e, doing) from None
        self._depth = 1
        try:
            yield
        except BaseException as error:
            self._rollback()
            if isinstance(error, sqlite3.Error):
                raise map_error(error, doing) from None
            raise
        else:
            try:
                self.conn.execute("COMMIT")
            except sqlite3.Error as e:
                self._rollback()
                raise map_error(e, doing) from None
        finally:
            self._depth = 0

    @contextlib.contextmanager
    def read(self, doing: str) -> Iterator[None]:
        """A read transaction: every query inside sees one snapshot of the catalog."""
        if self._depth:
            with self.write(doing):
                yield
            return
        try:
            self.conn.execute("BEGIN")
        except sqlite3.Error as e:
            raise map_error(e, doing) from None
        self._depth = 1
        try:
            yield
        except sqlite3.Error as e:
            raise map_error(e, doing) from None
        finally:
            self._depth = 0
            self._rollback()

    def _rollback(self) -> None:
        with contextlib.suppress(sqlite3.Error):
            self.conn.execute("ROLLBACK")

    # ----------------------------------------------------------------------- queries

    def all(self, sql: str, params: Sequence[Any] = ()) -> list[Row]:
        try:
            return self.conn.execute(sql, params).fetchall()
        except sqlite3.Error as e:
            raise map_error(e, "query") from None

    def one(self, sql: str, params: Sequence[Any] = ()) -> Row | None:
        try:
            row: Row | None = self.conn.execute(sql, params).fetchone()
        except sqlite3.Error as e:
            raise map_error(e, "query") from None
        return row

    def value(self, sql: str, params: Sequence[Any] = ()) -> Any:
        row = self.one(sql, params)
        return None if row is None else row[0]

    def run(self, sql: str, params: Sequence[Any] = ()) -> int:
        """Execute a change; returns the number of rows changed. Call inside ``write``."""
        self._require_transaction()
        try:
            return self.conn.execute(sql, params).rowcount
        except sqlite3.Error as e:
            raise map_error(e, "change") from None

    def insert(self, sql: str, params: Sequence[Any] = ()) -> int:
        """Execute an ``INSERT``; returns the new row's rowid. Call inside ``write``."""
        self._require_transaction()
        try:
            rowid = self.conn.execute(sql, params).lastrowid
        except sqlite3.Error as e:
            raise map_error(e, "insert") from None
        assert rowid is not None
        return rowid

    def many(self, sql: str, rows: Iterable[Sequence[Any]]) -> None:
        """Execute a change for every row of ``rows``. Call inside ``write``."""
        self._require_transaction()
        try:
            self.conn.executemany(sql, rows)
        except sqlite3.Error as e:
            raise map_error(e, "change") from None

    def _require_transaction(self) -> None:
        if not self._depth:
            raise SmartMediaError("internal: a catalog change outside a transaction")

    def close(self) -> None:
        with contextlib.suppress(sqlite3.Error):
            self.conn.close()
