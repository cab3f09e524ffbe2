"""Registering sources and queueing jobs: due polls, derivations, renders."""

from __future__ import annotations

from collections.abc import Iterable
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:  # pragma: no cover - typing only
    import psycopg


from tracker.fleet.common import DEFER_LOCK_KEY, PRIORITY, QUEUE, TASK, _connect

# -- sources and deferral ------------------------------------------------------------------


def sync_sources(conninfo: str, sources: Iterable[Any]) -> int:
    """Make the fleet's source table match the configuration; return how many are known.

    A new source comes due within one interval; an existing one keeps its next-due time
    (so a worker restart does not re-poll everything) with its interval updated.
    """
    sources = list(sources)
    with _connect(conninfo) as conn:
        with conn.cursor() as cur:
            # First polls are spread over one interval (by a hash of the name), so that a
            # fleet of sources does not come due all at once, interval after interval.
            cur.executemany(
                "INSERT INTO tracker_fleet_sources (name, interval_s, next_due)"
                " VALUES (%(name)s, %(interval)s, now() + %(interval)s"
                " * (abs(hashtext(%(name)s)) %% 1000) / 1000.0 * interval '1 second')"
                " ON CONFLICT (name) DO UPDATE SET interval_s = excluded.interval_s",
                [{"name": s.name, "interval": float(s.interval)} for s in sources],
            )
        conn.execute(
            "DELETE FROM tracker_fleet_sources WHERE NOT (name = ANY(%s))",
            ([s.name for s in sources],),
        )
    return len(sources)


def _job_rows(kind: str, keys: Iterable[str]) -> list[tuple[Any, ...]]:
    """Rows of procrastinate_job_to_defer_v1 for one task kind, one per key."""
    from psycopg.types.json import Jsonb

    arg = {"poll": "source", "derive": "place"}.get(kind)
    rows = []
    for key in keys:
        lock = f"{kind}:{key}" if arg else kind
        rows.append(
            (QUEUE, TASK[kind], PRIORITY[kind], lock, lock, Jsonb({arg: key} if arg else {}))
        )
    return rows


def _defer(conn: psycopg.Connection, kind: str, keys: Iterable[str]) -> int:
    """Queue one job per key unless one is already waiting; return how many were queued.

    The queueing lock makes a second waiting job a unique violation; the advisory lock
    lets us skip those instead of failing the whole batch.
    """
    rows = _job_rows(kind, keys)
    if not rows:
        return 0
    conn.execute("SELECT pg_advisory_xact_lock(%s)", (DEFER_LOCK_KEY,))
    cur = conn.execute(
        """
        WITH wanted (queue_name, task_name, priority, lock, queueing_lock, args) AS (
            SELECT * FROM unnest(%s::text[], %s::text[], %s::int[], %s::text[], %s::text[],
                                 %s::jsonb[])
        ), fresh AS (
            SELECT w.* FROM wanted w
            WHERE NOT EXISTS (SELECT 1 FROM procrastinate_jobs j
                              WHERE j.queueing_lock = w.queueing_lock AND j.status = 'todo')
        )
        SELECT coalesce(array_length(procrastinate_defer_jobs_v1(array_agg(
            ROW(queue_name, task_name, priority, lock, queueing_lock, args, NULL)
            ::procrastinate_job_to_defer_v1)), 1), 0)
        FROM fresh
        """,
        [list(col) for col in zip(*rows, strict=True)],
    )
    return cur.fetchone()[0]


def defer(conninfo: str, kind: str, keys: Iterable[str]) -> int:
    """Queue ``kind`` jobs (poll, derive, render) for the given keys, skipping queued ones."""
    if kind not in ("poll", "derive", "render"):
        raise ValueError(f"unknown fleet job kind {kind!r}")
    with _connect(conninfo) as conn:
        return _defer(conn, kind, keys)


def enqueue_due(conninfo: str) -> int:
    """Move every due source's next-due time on and queue its poll, atomically.

    A source whose poll is still waiting or running is skipped: it is not polled twice.
    """
    with _connect(conninfo) as conn:
        return _enqueue_due(conn)


def _enqueue_due(conn: psycopg.Connection) -> int:
    rows = conn.execute(
        """
        UPDATE tracker_fleet_sources s
           SET next_due = now() + s.interval_s * interval '1 second',
               enqueued = s.enqueued + 1
         WHERE s.name IN (
               SELECT name FROM tracker_fleet_sources f
                WHERE f.next_due <= now()
                  AND NOT EXISTS (
                      SELECT 1 FROM procrastinate_jobs j
                       WHERE j.lock = 'poll:' || f.name AND j.status IN ('todo', 'doing'))
                FOR UPDATE SKIP LOCKED)
        RETURNING s.name
        """
    ).fetchall()
    return _defer(conn, "poll", sorted(r[0] for r in rows))
