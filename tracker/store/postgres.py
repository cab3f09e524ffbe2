"""The PostgreSQL backend (psycopg 3): ``TRACKER_DB=postgresql://...``.

Writes run in a transaction that first takes one advisory lock, so that writers are
serialised exactly as SQLite's BEGIN IMMEDIATE serialises them; readers never wait.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from datetime import UTC, datetime
from typing import Any

import psycopg
from psycopg import errors as pg_errors

from tracker.errors import DatabaseLockedError, DatabaseMissingError, DiskFullError, StoreError
from tracker.store.base import utc, utc_iso
from tracker.store.migrations import apply_migrations
from tracker.store.schema import TABLES
from tracker.store.sql import SqlStore

# Arbitrary constant: the advisory lock that serialises writers of one database.
WRITE_LOCK_ID = 0x7472616B  # "trak"
CONNECT_TIMEOUT_S = 10
# First key of the daemon's advisory lock; the second is the hash of the schema, so that
# logs in separate schemas of one database each get their own daemon.
DAEMON_LOCK_CLASS = 0x74726B64  # "trkd"


def redact(url: str) -> str:
    """The URL without its password, for messages."""
    return re.sub(r"(://[^:/@]+):[^@/]*@", r"\1:***@", url)


class PostgresStore(SqlStore):
    """The log in a PostgreSQL database (the tables live in the connection's search_path)."""

    dialect = "postgres"

    def __init__(self, url: str, *, create: bool = False) -> None:
        super().__init__()
        self.target = redact(url)
        try:
            self.conn = psycopg.connect(url, autocommit=True, connect_timeout=CONNECT_TIMEOUT_S)
        except psycopg.Error as exc:
            # libpq puts the cause on the first line and a hint on the next: keep both, on one.
            message = " ".join(str(exc).split()) or type(exc).__name__
            if "does not exist" in message and "database" in message:
                raise DatabaseMissingError(
                    f"no database at {self.target}; create it, then run `tracker demo` or "
                    "`tracker poll`") from None
            raise StoreError(f"cannot connect to PostgreSQL at {self.target}: {message}") from None
        self._sql_cache: dict[str, str] = {}
        try:
            with self._errors():
                self.conn.execute("SET TIME ZONE 'UTC'")
                exists = self.conn.execute(
                    "SELECT to_regclass('schema_migrations')").fetchone()[0] is not None
            if not exists and not create:
                raise DatabaseMissingError(
                    f"no tracker tables in {self.target}; run `tracker demo` or "
                    "`tracker poll` first")
            self._migrate()
        except BaseException:
            self.conn.close()
            raise

    def _migrate(self) -> None:
        with self._write() as cur:
            apply_migrations(cur, self.dialect, self.target, utc_iso(datetime.now(UTC)))

    # -- backend hooks ------------------------------------------------------------------
    @contextmanager
    def _errors(self) -> Iterator[None]:
        try:
            yield
        except pg_errors.DiskFull:
            raise DiskFullError(f"disk full on the PostgreSQL server of {self.target}; "
                                "nothing was committed") from None
        except psycopg.OperationalError as exc:
            raise StoreError(f"PostgreSQL at {self.target}: {str(exc).strip()}") from None
        except psycopg.Error as exc:
            raise StoreError(f"database error on {self.target}: {str(exc).strip()}") from None

    def _sql(self, sql: str) -> str:
        out = self._sql_cache.get(sql)
        if out is None:
            out = self._sql_cache[sql] = sql.replace("?", "%s")
        return out

    @contextmanager
    def _write(self) -> Iterator[psycopg.Cursor]:
        with self._lock, self._errors(), self.conn.transaction(), self.conn.cursor() as cur:
            cur.execute("SELECT pg_advisory_xact_lock(%s)", (WRITE_LOCK_ID,))
            yield cur

    def _query(self, sql: str, params: Sequence[Any] = ()) -> list[tuple]:
        with self._lock, self._errors():
            return self.conn.execute(self._sql(sql), params).fetchall()

    def _x(self, cur: psycopg.Cursor, sql: str, params: Sequence[Any] = ()) -> psycopg.Cursor:
        return cur.execute(self._sql(sql), params)

    def _xmany(self, cur: psycopg.Cursor, sql: str, rows: Sequence[Sequence[Any]]) -> None:
        if rows:
            cur.executemany(self._sql(sql), rows)

    def _t(self, dt: datetime | None) -> datetime | None:
        return None if dt is None else utc(dt)

    def _after_import(self, cur: Any) -> None:
        # Rows came with their ids: move each identity past the largest one.
        for table, (pk, _) in TABLES.items():
            if pk == ("id",):
                cur.execute(
                    f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), "
                    f"coalesce((SELECT max(id) FROM {table}), 0) + 1, false)")

    def close(self) -> None:
        """Close the connection (idempotent)."""
        with self._lock:
            self.conn.close()


class PostgresDaemonLock:
    """Who may run on a PostgreSQL log: one `tracker run` (an exclusive session advisory
    lock) or any number of fleet workers (the same lock, shared), never both, since both
    would poll every source. Held on a connection of its own for the process's lifetime;
    the server drops it if the process dies.
    """

    _KEY = f"{DAEMON_LOCK_CLASS}, hashtext(coalesce(current_schema(), ''))"

    def __init__(self, url: str, *, shared: bool = False) -> None:
        self.url = url
        self.target = redact(url)
        self.shared = shared
        self._conn: psycopg.Connection | None = None

    def acquire(self) -> None:
        """Take the lock or raise DatabaseLockedError saying who holds it."""
        take = "pg_try_advisory_lock_shared" if self.shared else "pg_try_advisory_lock"
        try:
            conn = psycopg.connect(self.url, autocommit=True, connect_timeout=CONNECT_TIMEOUT_S)
            got = conn.execute(f"SELECT {take}({self._KEY})").fetchone()[0]
            holders = [] if got is True else conn.execute(
                "SELECT pid, mode FROM pg_locks WHERE locktype = 'advisory' AND granted "
                "AND objsubid = 2 AND classid = %s::bigint::oid "
                "AND objid = (hashtext(coalesce(current_schema(), ''))::bigint "
                "& 4294967295)::oid ORDER BY pid", (DAEMON_LOCK_CLASS,)).fetchall()
        except psycopg.Error as exc:
            message = " ".join(str(exc).split()) or type(exc).__name__
            raise StoreError(f"cannot connect to PostgreSQL at {self.target}: {message}") from None
        if got is not True:
            conn.close()
            raise DatabaseLockedError(self._refusal(holders))
        self._conn = conn

    def _refusal(self, holders: list[tuple[int, str]]) -> str:
        daemon = [pid for pid, mode in holders if mode == "ExclusiveLock"]
        workers = [pid for pid, mode in holders if mode == "ShareLock"]
        if daemon:
            who = f"a tracker daemon (`tracker run`, server pid {daemon[0]})"
            if self.shared:
                return (f"{who} is running on {self.target}; stop it before starting fleet "
                        "workers, or give the workers another database")
            return (f"another tracker daemon (server pid {daemon[0]}) is already running on "
                    f"{self.target}; stop it first or use another --db")
        if workers:
            return (f"{len(workers)} fleet worker(s) are running on {self.target}; "
                    "`tracker run` and `tracker worker` must not share a log")
        return f"another tracker process holds {self.target}; try again"

    def release(self) -> None:
        """Drop the lock (closing the session releases it)."""
        if self._conn is not None:
            self._conn.close()
            self._conn = None
