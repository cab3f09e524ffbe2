"""Helpers shared by the store tests."""

from __future__ import annotations

import sqlite3
from pathlib import Path


def downgrade_to_version_1(path: Path) -> None:
    """Make an SQLite log look as a tracker of schema version 1 wrote it (no review times)."""
    conn = sqlite3.connect(path)
    try:
        with conn:
            conn.execute("DROP INDEX place_status_review")
            conn.execute("ALTER TABLE place_status DROP COLUMN review_at")
            conn.execute("DELETE FROM schema_migrations WHERE version > 1")
    finally:
        conn.close()
