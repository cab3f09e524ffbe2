"""The SQLite backend (default): WAL, a busy timeout, BEGIN IMMEDIATE for every write.

Readers never wait for the writer (WAL), writers queue on the busy timeout instead of
failing with "database is locked". ``synchronous=NORMAL`` keeps every committed
transaction across a crash of the process (only a power loss can drop the last ones).
"""

from __future__ import annotations

import errno
import os
import sqlite3
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from tracker.errors import (
    DatabaseCorruptError,
    DatabaseMissingError,
    DiskFullError,
    StoreError,
)
from tracker.store.base import utc_iso
from tracker.store.migrations import apply_migrations, migrations
from tracker.store.sql import SqlStore

BUSY_TIMEOUT_S = 60.0

# Primary SQLite result codes (the low byte of an extended code) and what they mean to us.
_FULL, _CORRUPT, _NOTADB, _BUSY, _LOCKED, _IOERR, _READONLY, _CANTOPEN = (
    13, 11, 26, 5, 6, 10, 8, 14)


class SQLiteStore(SqlStore):
    """The log in one SQLite file."""

    dialect = "sqlite"

    def __init__(self, path: str | Path, *, create: bool = False) -> None:
        super().__init__()
        self.path = Path(path)
        self.target = str(self.path)
        if not self.path.exists():
            if not create:
                raise DatabaseMissingError(
                    f"no database at {self.path}; run `tracker demo` or `tracker poll` first")
            if not self.path.parent.is_dir():
                raise StoreError(f"cannot create database {self.path}: "
                                 f"no directory {self.path.parent}")
        elif self.path.is_dir():
            raise StoreError(f"cannot open database {self.path}: it is a directory")
        with self._errors():
            # check_same_thread=False: the lock in SqlStore serialises use across threads.
            self.conn = sqlite3.connect(self._uri(), timeout=BUSY_TIMEOUT_S, isolation_level=None,
                                        check_same_thread=False, uri=True)
        try:
            self._prepare(create)
        except BaseException:
            self.conn.close()
            raise

    def _uri(self) -> str:
        """The file URI to open: immutable when we cannot write the file and no writer is
        active, because a WAL database otherwise needs its -shm file even to be read."""
        uri = self.path.resolve().as_uri()
        wal = self.path.with_name(self.path.name + "-wal")
        if self.path.exists() and not os.access(self.path, os.W_OK) and not wal.exists():
            # A read-only copy or mount (a journalist's archive): reads work, writes
            # fail as "read-only". A -wal file would mean a live writer, so not then.
            return uri + "?immutable=1"
        return uri

    def _prepare(self, create: bool) -> None:
        with self._errors():
            self.conn.execute(f"PRAGMA busy_timeout = {int(BUSY_TIMEOUT_S * 1000)}")
            self.conn.execute("PRAGMA foreign_keys = ON")
            tables = {r[0] for r in self.conn.execute(
                "SELECT name FROM sqlite_master WHERE type = 'table'")}
        if not tables and not create:
            raise DatabaseCorruptError(f"{self.path} is an empty file, not a tracker database; "
                                       "run `tracker demo` or `tracker poll` to create one")
        if tables and "schema_migrations" not in tables:
            raise DatabaseCorruptError(
                f"{self.path} is an SQLite database but not a tracker database")
        with self._errors():
            if self.conn.execute("PRAGMA journal_mode").fetchone()[0].lower() != "wal":
                self.conn.execute("PRAGMA journal_mode = WAL")
            self.conn.execute("PRAGMA synchronous = NORMAL")
        self._migrate()

    def _migrate(self) -> None:
        steps = migrations(self.dialect)
        latest = steps[-1][0]
        with self._errors():
            if "schema_migrations" in {r[0] for r in self.conn.execute(
                    "SELECT name FROM sqlite_master WHERE type = 'table'")}:
                current = self.conn.execute(
                    "SELECT coalesce(max(version), 0) FROM schema_migrations").fetchone()[0]
                if current == latest:
                    return
        with self._write() as cur:
            apply_migrations(cur, self.dialect, self.path, utc_iso(datetime.now(UTC)))

    # -- backend hooks ------------------------------------------------------------------
    @contextmanager
    def _errors(self) -> Iterator[None]:
        """Turn sqlite3 and OS errors into StoreError subclasses with a clear message."""
        try:
            yield
        except sqlite3.Error as exc:
            raise self._translate(exc) from None
        except OSError as exc:
            if exc.errno == errno.ENOSPC:
                raise DiskFullError(f"disk full while writing {self.path}; "
                                    "nothing was committed") from None
            raise StoreError(f"cannot use database {self.path}: {exc.strerror}") from None

    def _translate(self, exc: sqlite3.Error) -> StoreError:
        code = (getattr(exc, "sqlite_errorcode", 0) or 0) & 0xFF
        text = str(exc)
        if code == _FULL or "disk is full" in text:
            return DiskFullError(f"disk full while writing {self.path}; nothing was committed")
        if code in (_CORRUPT, _NOTADB) or "not a database" in text or "malformed" in text:
            return DatabaseCorruptError(f"{self.path} is corrupt or not a tracker database "
                                        f"({text})")
        if code in (_BUSY, _LOCKED):
            return StoreError(f"database {self.path} stayed busy for {BUSY_TIMEOUT_S:.0f} s "
                              "(another process holds a long write); try again")
        if code == _READONLY:
            return StoreError(f"database {self.path} is read-only ({text})")
        if code == _CANTOPEN:
            return StoreError(f"cannot open database {self.path} ({text})")
        if code == _IOERR:
            return StoreError(f"I/O error on database {self.path} ({text}); "
                              "nothing was committed")
        return StoreError(f"database error on {self.path}: {text}")

    @contextmanager
    def _write(self) -> Iterator[sqlite3.Cursor]:
        with self._lock, self._errors():
            cur = self.conn.cursor()
            cur.execute("BEGIN IMMEDIATE")
            try:
                yield cur
                cur.execute("COMMIT")
            except BaseException:
                if self.conn.in_transaction:
                    try:
                        self.conn.execute("ROLLBACK")
                    except sqlite3.Error:
                        pass  # SQLite may already have rolled back (e.g. on SQLITE_FULL)
                raise
            finally:
                cur.close()

    def _query(self, sql: str, params: Sequence[Any] = ()) -> list[tuple]:
        with self._lock, self._errors():
            return self.conn.execute(sql, params).fetchall()

    def _x(self, cur: sqlite3.Cursor, sql: str, params: Sequence[Any] = ()) -> sqlite3.Cursor:
        return cur.execute(sql, params)

    def _xmany(self, cur: sqlite3.Cursor, sql: str, rows: Sequence[Sequence[Any]]) -> None:
        if rows:
            cur.executemany(sql, rows)

    def _t(self, dt: datetime | None) -> str | None:
        return None if dt is None else utc_iso(dt)

    def integrity_check(self) -> str:
        """``PRAGMA integrity_check``: "ok" when the file is sound."""
        return "; ".join(r[0] for r in self._query("PRAGMA integrity_check"))

    def close(self) -> None:
        """Close the connection (idempotent)."""
        with self._lock:
            self.conn.close()
