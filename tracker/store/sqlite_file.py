"""Opening an SQLite log file: the checks before and after, the URI, the error messages.

Shared by the SQLite store and the quick status read (``tracker.store.snapshot``), so
both refuse the same files with the same words. Imports only sqlite3, os and errno:
``tracker status`` goes through here.
"""

from __future__ import annotations

import errno
import os
import sqlite3

from tracker.errors import DatabaseCorruptError, DatabaseMissingError, DiskFullError, StoreError

BUSY_TIMEOUT_S = 60.0

# Primary SQLite result codes (the low byte of an extended code) and what they mean to us.
_FULL, _CORRUPT, _NOTADB, _BUSY, _LOCKED, _IOERR, _READONLY, _CANTOPEN = (
    13, 11, 26, 5, 6, 10, 8, 14)


def check_path(path: str, *, create: bool) -> None:
    """Refuse a missing file (unless ``create``), a missing directory or a directory."""
    if not os.path.exists(path):
        if not create:
            raise DatabaseMissingError(
                f"no database at {path}; run `tracker demo` or `tracker poll` first")
        parent = os.path.dirname(path) or "."
        if not os.path.isdir(parent):
            raise StoreError(f"cannot create database {path}: no directory {parent}")
    elif os.path.isdir(path):
        raise StoreError(f"cannot open database {path}: it is a directory")


def file_uri(path: str) -> str:
    """The file URI to open: immutable when we cannot write the file and no writer is
    active, because a WAL database otherwise needs its -shm file even to be read."""
    # SQLite decodes %HH in the path of a URI and ends the path at "?" or "#".
    escaped = os.path.realpath(path).replace("%", "%25").replace("?", "%3F").replace("#", "%23")
    uri = "file://" + escaped
    if os.path.exists(path) and not os.access(path, os.W_OK) and not os.path.exists(
            path + "-wal"):
        # A read-only copy or mount (a journalist's archive): reads work, writes fail as
        # "read-only". A -wal file would mean a live writer, so not then.
        return uri + "?immutable=1"
    return uri


def connect(path: str, *, create: bool = False) -> sqlite3.Connection:
    """An autocommit connection with the busy timeout set; StoreError when unusable."""
    check_path(path, create=create)
    try:
        # check_same_thread=False: SqlStore's lock serialises use across threads.
        conn = sqlite3.connect(file_uri(path), timeout=BUSY_TIMEOUT_S, isolation_level=None,
                               check_same_thread=False, uri=True)
    except sqlite3.Error as exc:
        raise translate(exc, path) from None
    try:
        conn.execute(f"PRAGMA busy_timeout = {int(BUSY_TIMEOUT_S * 1000)}")
    except sqlite3.Error as exc:
        conn.close()
        raise translate(exc, path) from None
    return conn


def schema_version(conn: sqlite3.Connection, path: str, *, create: bool = False) -> int:
    """The schema version the file records (0 for a new, empty file when ``create``).

    DatabaseCorruptError for an empty file we may not create, or an SQLite database
    that is not a tracker log.
    """
    try:
        try:  # the usual case first: one query
            return conn.execute("SELECT coalesce(max(version), 0) FROM schema_migrations"
                                ).fetchone()[0]
        except sqlite3.OperationalError as exc:
            if "no such table" not in str(exc):
                raise
        tables = {r[0] for r in conn.execute(
            "SELECT name FROM sqlite_master WHERE type = 'table'")}
        if not tables and not create:
            raise DatabaseCorruptError(f"{path} is an empty file, not a tracker database; "
                                       "run `tracker demo` or `tracker poll` to create one")
        if not tables:
            return 0
        if "schema_migrations" not in tables:
            raise DatabaseCorruptError(f"{path} is an SQLite database but not a tracker database")
        return conn.execute("SELECT coalesce(max(version), 0) FROM schema_migrations"
                            ).fetchone()[0]
    except sqlite3.Error as exc:
        raise translate(exc, path) from None


def translate(exc: sqlite3.Error | OSError, path: str) -> StoreError:
    """The StoreError (with a message a user can act on) for an sqlite3 or OS error."""
    if isinstance(exc, OSError):
        if exc.errno == errno.ENOSPC:
            return DiskFullError(f"disk full while writing {path}; nothing was committed")
        return StoreError(f"cannot use database {path}: {exc.strerror}")
    code = (getattr(exc, "sqlite_errorcode", 0) or 0) & 0xFF
    text = str(exc)
    if code == _FULL or "disk is full" in text:
        return DiskFullError(f"disk full while writing {path}; nothing was committed")
    if code in (_CORRUPT, _NOTADB) or "not a database" in text or "malformed" in text:
        return DatabaseCorruptError(f"{path} is corrupt or not a tracker database ({text})")
    if code in (_BUSY, _LOCKED):
        return StoreError(f"database {path} stayed busy for {BUSY_TIMEOUT_S:.0f} s "
                          "(another process holds a long write); try again")
    if code == _READONLY:
        return StoreError(f"database {path} is read-only ({text})")
    if code == _CANTOPEN:
        return StoreError(f"cannot open database {path} ({text})")
    if code == _IOERR:
        return StoreError(f"I/O error on database {path} ({text}); nothing was committed")
    return StoreError(f"database error on {path}: {text}")
