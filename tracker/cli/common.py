"""Helpers shared by the command modules: database option, JSON output, formatting."""

from __future__ import annotations

import argparse
import json
import os
import sys

# No datetime or typing imports: `tracker status` goes through this module and every
# import counts against its start-up time.
DEFAULT_DB = "tracker.db"


def add_db_argument(parser: argparse.ArgumentParser) -> None:
    """Add ``--db PATH`` (default: $TRACKER_DB or ./tracker.db)."""
    parser.add_argument(
        "--db",
        metavar="PATH",
        default=None,
        help="database: a SQLite file or a postgresql:// URL "
        f"(default: $TRACKER_DB or ./{DEFAULT_DB})",
    )


def database_target(args: argparse.Namespace) -> str:
    """The database chosen by --db, then $TRACKER_DB, then the default file."""
    return getattr(args, "db", None) or os.environ.get("TRACKER_DB") or DEFAULT_DB


def _default(obj: object) -> object:
    if hasattr(obj, "isoformat"):  # datetime
        return obj.isoformat()
    if hasattr(obj, "value"):
        return obj.value
    if isinstance(obj, (set, frozenset, tuple)):
        return list(obj)
    raise TypeError(f"cannot serialise {type(obj).__name__}")


def print_json(obj: object) -> None:
    """Print ``obj`` as indented JSON (datetimes as ISO 8601)."""
    # One write: json.dump would write every token separately, a system call each on an
    # unbuffered stdout.
    sys.stdout.write(json.dumps(obj, ensure_ascii=False, indent=2, default=_default) + "\n")


def fmt_time(value: object) -> str:
    """A compact UTC time for tables, from a UTC datetime or an ISO 8601 string."""
    # str() of a datetime and an ISO string both start "YYYY-MM-DD?HH:MM".
    return str(value)[:16].replace("T", " ") if value else "-"
