"""The SQLite backend (default): WAL, a busy timeout, BEGIN IMMEDIATE for every write.

Readers never wait for the writer (WAL), writers queue on the busy timeout instead of
failing with "database is locked". ``synchronous=NORMAL`` keeps every committed
transaction across a crash of the process (only a power loss can drop the last ones).
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from tracker.store import sqlite_file
from tracker.store.base import utc_iso
from tracker.store.migrations import apply_migrations, migrations
from tracker.store.sql import SqlStore


class SQLiteStore(SqlStore):
    """The log in one SQLite file."""

    dialect = "sqlite"

    def __init__(self, path: str | Path, *, create: bool = False) -> None:
        super().__init__()
        self.path = Path(path)
        self.target = str(self.path)
        self.conn = sqlite_file.connect(self.target, create=create)
        try:
            self._prepare(create)
        except BaseException:
            self.conn.close()
            raise

    def _prepare(self, create: bool) -> None:
        current = sqlite_file.schema_version(self.conn, self.target, create=create)
        with self._errors():
            self.conn.execute("PRAGMA foreign_keys = ON")
            if self.conn.execute("PRAGMA journal_mode").fetchone()[0].lower() != "wal":
                self.conn.execute("PRAGMA journal_mode = WAL")
            self.conn.execute("PRAGMA synchronous = NORMAL")
        if current != migrations(self.dialect)[-1][0]:
            with self._write() as cur:
                apply_migrations(cur, self.dialect, self.target, utc_iso(datetime.now(UTC)))

    # -- backend hooks ------------------------------------------------------------------
    @contextmanager
    def _errors(self) -> Iterator[None]:
        """Turn sqlite3 and OS errors into StoreError subclasses with a clear message."""
        try:
            yield
        except (sqlite3.Error, OSError) as exc:
            raise sqlite_file.translate(exc, self.target) from None

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
