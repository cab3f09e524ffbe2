"""Helpers shared by the command modules: database option, JSON output, formatting."""

from __future__ import annotations

import argparse
import json
import os
import sys
from datetime import datetime
from typing import Any

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


def _default(obj: Any) -> Any:
    if isinstance(obj, datetime):
        return obj.isoformat()
    if hasattr(obj, "value"):
        return obj.value
    if isinstance(obj, (set, frozenset, tuple)):
        return list(obj)
    raise TypeError(f"cannot serialise {type(obj).__name__}")


def print_json(obj: Any) -> None:
    """Print ``obj`` as indented JSON (datetimes as ISO 8601)."""
    json.dump(obj, sys.stdout, ensure_ascii=False, indent=2, default=_default)
    sys.stdout.write("\n")


def fmt_time(dt: datetime | None) -> str:
    """A compact UTC time for tables."""
    return dt.strftime("%Y-%m-%d %H:%M") if dt else "-"
