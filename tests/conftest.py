"""Shared fixtures: a throwaway PostgreSQL server for the session and a `store` fixture
parametrized over every backend (SQLite in tmp_path, PostgreSQL in a fresh schema).

The server comes from scripts/start-postgres.sh unless TRACKER_TEST_PG names one;
TRACKER_TEST_PG=none skips the PostgreSQL half (never in CI).
"""

from __future__ import annotations

import os
import subprocess
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
START_PG = ROOT / "scripts" / "start-postgres.sh"


def _parse_exports(text: str) -> dict[str, str]:
    out = {}
    for line in text.splitlines():
        if line.startswith("export ") and "=" in line:
            key, value = line[len("export "):].split("=", 1)
            out[key] = value
    return out


@pytest.fixture(scope="session")
def pg_server() -> Iterator[str]:
    """The URL of a PostgreSQL database for this test session."""
    url = os.environ.get("TRACKER_TEST_PG", "")
    if url == "none":
        pytest.skip("TRACKER_TEST_PG=none: PostgreSQL tests switched off")
    if url:
        yield url
        return
    proc = subprocess.run([str(START_PG)], capture_output=True, text=True, timeout=900)
    exports = _parse_exports(proc.stdout)
    if proc.returncode or "TRACKER_TEST_PG" not in exports:
        pytest.fail(f"scripts/start-postgres.sh failed ({proc.returncode}):\n{proc.stderr[-3000:]}")
    try:
        yield exports["TRACKER_TEST_PG"]
    finally:
        subprocess.run([str(START_PG), "stop", exports["TRACKER_PG_DIR"]],
                       capture_output=True, timeout=120)


@pytest.fixture
def pg_url(pg_server: str) -> Iterator[str]:
    """A URL whose search_path is a fresh, empty schema (dropped after the test)."""
    import psycopg

    schema = "t_" + uuid.uuid4().hex[:12]
    with psycopg.connect(pg_server, autocommit=True) as conn:
        conn.execute(f"CREATE SCHEMA {schema}")
    sep = "&" if "?" in pg_server else "?"
    try:
        yield f"{pg_server}{sep}options=-csearch_path%3D{schema}"
    finally:
        with psycopg.connect(pg_server, autocommit=True) as conn:
            conn.execute(f"DROP SCHEMA {schema} CASCADE")


BACKENDS = ["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)]


@pytest.fixture(params=BACKENDS)
def store_target(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    """A database target for each backend, not yet created."""
    if request.param == "sqlite":
        return str(tmp_path / "tracker.db")
    return request.getfixturevalue("pg_url")


@pytest.fixture
def store(store_target: str) -> Iterator[object]:
    """An empty, open store of each backend."""
    from tracker.store import open_store

    with open_store(store_target, create=True) as s:
        yield s
