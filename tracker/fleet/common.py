"""Fleet constants, options and the database connection shared by the fleet modules."""

from __future__ import annotations

import logging
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import TYPE_CHECKING

from tracker.errors import ConfigError, StoreError

if TYPE_CHECKING:  # pragma: no cover - typing only
    import psycopg




log = logging.getLogger("tracker.fleet")

QUEUE = "tracker"
# Higher runs first: the tick and the stalled-job sweep must never wait behind polls.
PRIORITY = {"tick": 30, "retry_stalled": 30, "prune": 20, "derive": 10, "webhooks": 8,
            "render": 5, "poll": 0}
TASK = {
    "tick": "tracker.fleet.tick",
    "poll": "tracker.fleet.poll",
    "derive": "tracker.fleet.derive",
    "render": "tracker.fleet.render",
    "retry_stalled": "tracker.fleet.retry_stalled",
    "prune": "tracker.fleet.prune",
    "webhooks": "tracker.fleet.webhooks",
}
# Serialises our own deferrals so "skip if already queued" cannot race (see _defer).
DEFER_LOCK_KEY = 0x7472_6163  # "trac"
SCHEMA_LOCK_KEY = 0x7472_6164


@dataclass(frozen=True)
class FleetOptions:
    """Timings of a fleet worker; every worker of a fleet should use the same values."""

    concurrency: int = 8  # jobs run at once by one worker (threads: polls are I/O bound)
    tick_seconds: int = 1  # how often due sources are enqueued
    heartbeat_interval: float = 5.0  # seconds between two heartbeats of a worker
    stalled_after: float = 20.0  # a worker silent this long is dead; its jobs are retried
    sweep_seconds: int = 5  # how often stalled jobs are looked for
    keep_jobs_hours: float = 1.0  # finished jobs kept this long for `fleet status`
    render: bool = True  # render the site after changes
    name: str = ""  # worker name; default host:pid

    def __post_init__(self) -> None:
        for key in ("concurrency", "tick_seconds", "sweep_seconds"):
            if getattr(self, key) < 1:
                raise ConfigError(f"fleet option {key} must be at least 1")
        if self.stalled_after <= 2 * self.heartbeat_interval:
            raise ConfigError(
                "fleet option stalled_after must be more than twice heartbeat_interval "
                f"(got {self.stalled_after:g} and {self.heartbeat_interval:g})"
            )
        if self.tick_seconds > 59 or self.sweep_seconds > 59:
            raise ConfigError("fleet options tick_seconds and sweep_seconds must be below 60")


def require_postgres(db: str) -> str:
    """The database URL if it is PostgreSQL; ConfigError naming the value otherwise."""
    if not db.startswith(("postgresql://", "postgres://")):
        raise ConfigError(
            f"fleet mode needs a PostgreSQL database (db = \"postgresql://...\" or "
            f"$TRACKER_DB), got {db!r}; a single machine runs `tracker run` instead"
        )
    return db


@contextmanager
def _connect(conninfo: str) -> Iterator[psycopg.Connection]:
    import psycopg

    try:
        conn = psycopg.connect(conninfo)
    except psycopg.OperationalError as exc:
        raise StoreError(f"cannot connect to the fleet database: {exc}".strip()) from None
    try:
        with conn:  # commits on success, rolls back on error
            yield conn
    finally:
        conn.close()
