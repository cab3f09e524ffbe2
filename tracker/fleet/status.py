"""`tracker fleet status`: workers, heartbeats, queue depth, failed and retried jobs."""

from __future__ import annotations

from typing import TYPE_CHECKING

from tracker.errors import StoreError

if TYPE_CHECKING:  # pragma: no cover - typing only

    pass

from tracker.fleet.common import QUEUE, FleetOptions, _connect

# -- status ----------------------------------------------------------------------------------


def fleet_status(conninfo: str, stalled_after: float = FleetOptions.stalled_after) -> dict:
    """Workers seen with their last heartbeat, the queue, failed and retried jobs, sources."""
    with _connect(conninfo) as conn:
        if conn.execute("SELECT to_regclass('tracker_fleet_workers')").fetchone()[0] is None:
            raise StoreError("no fleet in this database; run `tracker fleet init` first")
        conn.execute("SET TRANSACTION READ ONLY")
        workers = [
            {
                "name": r[0], "host": r[1], "pid": r[2], "concurrency": r[3],
                "started_at": r[4], "last_heartbeat": r[5], "seconds_since_heartbeat": r[6],
                "state": "stopped" if r[7] else ("dead" if r[6] > stalled_after else "alive"),
                "stopped_at": r[7], "polls": r[8], "poll_errors": r[9], "jobs_running": r[10],
            }
            for r in conn.execute(
                """
                SELECT w.name, w.host, w.pid, w.concurrency, w.started_at, w.last_heartbeat,
                       extract(epoch FROM now() - w.last_heartbeat)::float8, w.stopped_at,
                       w.polls, w.poll_errors,
                       (SELECT count(*) FROM procrastinate_jobs j
                         WHERE j.status = 'doing' AND j.worker_id = w.procrastinate_id)
                  FROM tracker_fleet_workers w ORDER BY w.name
                """
            )
        ]
        jobs: dict[str, dict[str, int]] = {}
        for task, status, count in conn.execute(
            "SELECT task_name, status::text, count(*) FROM procrastinate_jobs"
            " WHERE queue_name = %s GROUP BY 1, 2",
            (QUEUE,),
        ):
            short = task.rsplit(".", 1)[-1]
            jobs.setdefault(short, {})[status] = count
        # Retries of kept jobs: put back in the queue after a failure or a dead worker.
        retried = conn.execute(
            "SELECT count(DISTINCT e.job_id) FROM procrastinate_events e"
            " JOIN procrastinate_jobs j ON j.id = e.job_id"
            " WHERE j.queue_name = %s AND e.type IN ('deferred_for_retry', 'retried')",
            (QUEUE,),
        ).fetchone()[0]
        src = conn.execute(
            "SELECT count(*), count(*) FILTER (WHERE next_due < now()),"
            " coalesce(sum(polls), 0)::bigint, coalesce(sum(errors), 0)::bigint,"
            " count(*) FILTER (WHERE last_error <> '') FROM tracker_fleet_sources"
        ).fetchone()
    totals = {s: sum(j.get(s, 0) for j in jobs.values())
              for s in ("todo", "doing", "succeeded", "failed")}
    return {
        "workers": workers,
        "queue_depth": totals["todo"],
        "running": totals["doing"],
        "failed": totals["failed"],
        "retried": retried,
        "jobs": jobs,
        "sources": {"configured": src[0], "due": src[1], "polls": src[2],
                    "poll_errors": src[3], "failing": src[4]},
    }
