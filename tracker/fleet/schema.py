"""The fleet's tables and Procrastinate's schema: created and upgraded in order."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from tracker.errors import StoreError

if TYPE_CHECKING:  # pragma: no cover - typing only
    import psycopg


from tracker.fleet.common import SCHEMA_LOCK_KEY, _connect

# -- schema ------------------------------------------------------------------------------

# Ordered and append-only: a deployed database has applied a prefix of this list.
MIGRATIONS: tuple[tuple[str, str], ...] = (
    (
        "fleet tables",
        """
        CREATE TABLE tracker_fleet_sources (
            name text PRIMARY KEY,
            interval_s double precision NOT NULL,
            next_due timestamptz NOT NULL DEFAULT now(),
            enqueued bigint NOT NULL DEFAULT 0,
            polls bigint NOT NULL DEFAULT 0,
            errors bigint NOT NULL DEFAULT 0,
            last_poll timestamptz,
            last_worker text NOT NULL DEFAULT '',
            last_error text NOT NULL DEFAULT ''
        );
        CREATE INDEX tracker_fleet_sources_due ON tracker_fleet_sources (next_due);
        CREATE TABLE tracker_fleet_workers (
            name text PRIMARY KEY,
            procrastinate_id bigint,
            host text NOT NULL,
            pid integer NOT NULL,
            concurrency integer NOT NULL,
            started_at timestamptz NOT NULL,
            last_heartbeat timestamptz NOT NULL,
            stopped_at timestamptz,
            polls bigint NOT NULL DEFAULT 0,
            poll_errors bigint NOT NULL DEFAULT 0
        );
        """,
    ),
)


def _version(text: str) -> tuple[int, ...]:
    return tuple(int(part) for part in text.split("."))


def apply_schema(conninfo: str) -> list[str]:
    """Create or upgrade Procrastinate's schema and the fleet tables; return what was done."""
    import procrastinate
    from procrastinate.schema import SchemaManager

    done: list[str] = []
    library = procrastinate.__version__
    with _connect(conninfo) as conn:
        # Several workers may start at once: one applies, the others wait and see it done.
        conn.execute("SELECT pg_advisory_xact_lock(%s)", (SCHEMA_LOCK_KEY,))
        conn.execute(
            "CREATE TABLE IF NOT EXISTS tracker_fleet_migrations ("
            " id integer PRIMARY KEY, name text NOT NULL, applied_at timestamptz NOT NULL)"
        )
        conn.execute(
            "CREATE TABLE IF NOT EXISTS tracker_fleet_meta (key text PRIMARY KEY, value text)"
        )
        row = conn.execute("SELECT to_regclass('procrastinate_jobs')").fetchone()
        if row[0] is None:
            conn.execute(SchemaManager.get_schema())
            done.append(f"procrastinate schema {library}")
        else:
            have = conn.execute(
                "SELECT value FROM tracker_fleet_meta WHERE key = 'procrastinate_schema'"
            ).fetchone()
            done += _upgrade_procrastinate(conn, have[0] if have else library, library)
        conn.execute(
            "INSERT INTO tracker_fleet_meta VALUES ('procrastinate_schema', %s)"
            " ON CONFLICT (key) DO UPDATE SET value = excluded.value",
            (library,),
        )
        applied = {r[0] for r in conn.execute("SELECT id FROM tracker_fleet_migrations")}
        for number, (name, sql) in enumerate(MIGRATIONS, start=1):
            if number in applied:
                continue
            conn.execute(sql)
            conn.execute(
                "INSERT INTO tracker_fleet_migrations VALUES (%s, %s, now())", (number, name)
            )
            done.append(f"fleet migration {number}: {name}")
    return done


def _upgrade_procrastinate(conn: psycopg.Connection, have: str, library: str) -> list[str]:
    """Apply Procrastinate's own migration files newer than the schema in the database."""
    from procrastinate.schema import SchemaManager

    if _version(have) > _version(library):
        raise StoreError(
            f"the fleet database has Procrastinate schema {have}, newer than the installed "
            f"library {library}; upgrade this worker's installation"
        )
    done = []
    for path in sorted(Path(SchemaManager.get_migrations_path()).glob("*.sql")):
        file_version = tuple(int(p) for p in path.name.split("_", 1)[0].split("."))
        if _version(have) < file_version <= _version(library):
            conn.execute(path.read_text(encoding="utf-8"))
            done.append(f"procrastinate migration {path.name}")
    return done
