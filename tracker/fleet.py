"""Fleet mode: workers on any number of machines share one PostgreSQL through Procrastinate.

Every due source poll is a Procrastinate job with a lock per source, so no source is
polled by two workers at once. A periodic tick, deferred once across the fleet, moves
each due source's next-due time forward and enqueues its poll in one transaction, so
each source is polled once per interval. A job whose worker stops heartbeating is put
back in the queue by another worker. Derivation (one job per place) and rendering (one
job) are coalesced by queueing locks, so they run once per change, not once per worker.

Procrastinate is imported inside functions: the CLI's quick paths never load it.
"""

from __future__ import annotations

import asyncio
import logging
import os
import socket
import threading
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import TYPE_CHECKING, Any

from tracker.errors import ConfigError, StoreError

if TYPE_CHECKING:  # pragma: no cover - typing only
    import procrastinate
    import psycopg

    from tracker.pipeline import Pipeline

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


# -- the worker's runtime -------------------------------------------------------------------


@dataclass
class Runtime:
    """What the tasks of one worker process share: settings, gazetteer, HTTP client."""

    settings: Any
    options: FleetOptions
    conninfo: str
    name: str
    _local: threading.local = field(default_factory=threading.local)
    _lock: threading.Lock = field(default_factory=threading.Lock)
    _shared: dict[str, Any] = field(default_factory=dict)
    _pipelines: list[Any] = field(default_factory=list)
    _conns: list[Any] = field(default_factory=list)
    polls: int = 0
    poll_errors: int = 0

    def _shared_part(self, key: str, build: Any) -> Any:
        with self._lock:
            if key not in self._shared:
                self._shared[key] = build()
            return self._shared[key]

    @contextmanager
    def transaction(self) -> Iterator[psycopg.Connection]:
        """This thread's connection to the fleet tables, inside one transaction."""
        import psycopg

        conn = getattr(self._local, "conn", None)
        if conn is None or conn.closed or conn.broken:
            try:
                conn = psycopg.connect(self.conninfo, autocommit=True)
            except psycopg.OperationalError as exc:
                raise StoreError(f"cannot connect to the fleet database: {exc}") from None
            self._local.conn = conn
            with self._lock:
                self._conns.append(conn)
        with conn.transaction():
            yield conn

    def pipeline(self) -> Pipeline:
        """This thread's pipeline: a store connection per thread, one gazetteer and client."""
        pipe = getattr(self._local, "pipeline", None)
        if pipe is None:
            from tracker.pipeline import Pipeline
            from tracker.store import open_store

            gazetteer = self._shared_part("gazetteer", self._load_gazetteer)
            client = self._shared_part("client", self._make_client)
            pipe = Pipeline(self.settings, open_store(self.conninfo, create=True), gazetteer,
                            client)
            self._local.pipeline = pipe
            with self._lock:
                self._pipelines.append(pipe)
        return pipe

    def _load_gazetteer(self) -> Any:
        from tracker.gazetteer import Gazetteer

        return Gazetteer.load(getattr(self.settings, "geodata", None))

    def _make_client(self) -> Any:
        from tracker.sources import make_client

        return make_client(self.settings.fetch)

    def count_poll(self, failed: bool) -> None:
        """Count one finished poll for this worker's heartbeat row."""
        with self._lock:
            self.polls += 1
            self.poll_errors += int(failed)

    def close(self) -> None:
        """Close every store and the HTTP client opened by this runtime."""
        for pipe in self._pipelines:
            pipe.store.close()
        for conn in self._conns:
            conn.close()
        if "client" in self._shared:
            self._shared["client"].close()


# -- tasks ------------------------------------------------------------------------------------


def _now() -> datetime:
    return datetime.now(UTC)


def poll_source_job(rt: Runtime, name: str, attempts: int) -> dict[str, Any]:
    """Fetch one source, ingest what is new, queue derivation of the places it touched.

    A retried job (its first worker died) re-derives every place its articles name,
    because the first attempt may have stored them and died before queueing derivation.
    """
    source = rt.settings.source(name)
    pipe = rt.pipeline()
    now = _now()
    outcome = pipe.poll(source, now, derive=False)
    places = set(outcome.ingest.places_touched)
    if attempts:
        places |= outcome.places_named
    added = outcome.ingest.observations_added
    backoff = outcome.state.next_attempt if outcome.error and outcome.state else None
    # The next poll waits a whole interval after this one, however late this one ran
    # (a slow queue at start-up, a retry after a worker died).
    not_before = now + timedelta(seconds=source.interval)
    with rt.transaction() as conn:
        _defer(conn, "derive", sorted(places))
        conn.execute(
            "UPDATE tracker_fleet_sources SET polls = polls + 1,"
            " errors = errors + %s, last_poll = %s, last_worker = %s, last_error = %s,"
            " next_due = greatest(next_due, %s, %s) WHERE name = %s",
            (int(bool(outcome.error)), now, rt.name, outcome.error or "", backoff, not_before,
             name),
        )
    rt.count_poll(bool(outcome.error))
    return {"source": name, "articles": outcome.articles_found, "observations": added,
            "places": len(places), "error": outcome.error}


def derive_place_job(rt: Runtime, place: str, attempts: int) -> int:
    """Re-derive one place; queue a render and webhook deliveries when it changed."""
    pipe = rt.pipeline()
    changes = pipe.rederive([place], _now())
    if changes:
        from tracker.webhooks import queue_changes

        queue_changes(pipe.store, changes, rt.settings.webhooks)
    if rt.options.render and (changes or attempts):
        with rt.transaction() as conn:
            _defer(conn, "render", [""])
    return len(changes)


def deliver_webhooks_job(rt: Runtime) -> int:
    """POST the due webhook deliveries of the store's outbox; return how many went out."""
    if not rt.settings.webhooks:
        return 0
    from tracker.webhooks import deliver_due

    pipe = rt.pipeline()
    return deliver_due(pipe.store, pipe.client, _now()).delivered


def render_job(rt: Runtime) -> str:
    """Write the site from the store's current state."""
    result = rt.pipeline().render(_now())
    return str(getattr(result, "out_dir", rt.settings.out_dir))


async def retry_stalled_jobs(app: procrastinate.App, stalled_after: float) -> int:
    """Put back in the queue every job held by a worker silent for ``stalled_after`` s."""
    from procrastinate import exceptions

    manager = app.job_manager
    retried = 0
    for job in await manager.get_stalled_jobs(seconds_since_heartbeat=stalled_after):
        try:
            await manager.retry_job(job)
        except exceptions.ConnectorException as exc:  # another sweep got there first
            log.info("job %s was not retried: %s", job.id, exc)
            continue
        retried += 1
        log.warning("retried job %s (%s) of a stalled worker", job.id, job.call_string)
    return retried


def build_app(conninfo: str, rt: Runtime | None = None) -> procrastinate.App:
    """The Procrastinate app with the fleet's tasks; ``rt`` is needed only to run them."""
    import procrastinate

    opts = rt.options if rt else FleetOptions()
    app = procrastinate.App(connector=procrastinate.PsycopgConnector(conninfo=conninfo))

    def need() -> Runtime:
        if rt is None:
            raise RuntimeError("fleet tasks run only inside `tracker worker`")
        return rt

    @app.periodic(cron=f"* * * * * */{opts.tick_seconds}", periodic_id="tick")
    # No lock on the tick and the sweep: a worker killed while running one must not
    # block the next (enqueue_due is safe to run concurrently).
    @app.task(name=TASK["tick"], queue=QUEUE, priority=PRIORITY["tick"], queueing_lock="tick")
    def tick(timestamp: int) -> int:
        with need().transaction() as conn:
            return _enqueue_due(conn)

    @app.periodic(cron=f"* * * * * */{opts.sweep_seconds}", periodic_id="sweep")
    @app.task(name=TASK["retry_stalled"], queue=QUEUE, priority=PRIORITY["retry_stalled"],
              queueing_lock="retry_stalled")
    async def retry_stalled(timestamp: int) -> int:
        return await retry_stalled_jobs(app, opts.stalled_after)

    @app.periodic(cron="0 * * * * *", periodic_id="prune")
    @app.task(name=TASK["prune"], queue=QUEUE, priority=PRIORITY["prune"], lock="prune",
              queueing_lock="prune")
    async def prune(timestamp: int) -> int:
        await app.job_manager.prune_stalled_workers(opts.stalled_after * 3)
        hours = max(1, round(opts.keep_jobs_hours))
        return await app.job_manager.delete_old_jobs(nb_hours=hours, include_failed=False)

    @app.task(name=TASK["poll"], queue=QUEUE, priority=PRIORITY["poll"], pass_context=True)
    def poll(context: Any, source: str) -> dict[str, Any]:
        return poll_source_job(need(), source, context.job.attempts)

    @app.task(name=TASK["derive"], queue=QUEUE, priority=PRIORITY["derive"], pass_context=True)
    def derive(context: Any, place: str) -> int:
        return derive_place_job(need(), place, context.job.attempts)

    # One delivery run at a time across the fleet (the lock), so no payload goes out twice.
    @app.periodic(cron="* * * * * */10", periodic_id="webhooks")
    @app.task(name=TASK["webhooks"], queue=QUEUE, priority=PRIORITY["webhooks"],
              lock="webhooks", queueing_lock="webhooks")
    def webhooks(timestamp: int) -> int:
        return deliver_webhooks_job(need())

    @app.task(name=TASK["render"], queue=QUEUE, priority=PRIORITY["render"])
    def render() -> str:
        return render_job(need())

    return app


# -- running a worker ------------------------------------------------------------------------


def _heartbeat(rt: Runtime, procrastinate_id: int | None, stopped: bool = False) -> None:
    with _connect(rt.conninfo) as conn:
        conn.execute(
            """
            INSERT INTO tracker_fleet_workers (name, procrastinate_id, host, pid, concurrency,
                started_at, last_heartbeat, stopped_at, polls, poll_errors)
            VALUES (%(name)s, %(pid_)s, %(host)s, %(pid)s, %(conc)s, now(), now(),
                    %(stopped)s, %(polls)s, %(errors)s)
            ON CONFLICT (name) DO UPDATE SET procrastinate_id = excluded.procrastinate_id,
                last_heartbeat = now(), stopped_at = excluded.stopped_at,
                polls = excluded.polls, poll_errors = excluded.poll_errors
            """,
            {"name": rt.name, "pid_": procrastinate_id, "host": socket.gethostname(),
             "pid": os.getpid(), "conc": rt.options.concurrency,
             "stopped": _now() if stopped else None, "polls": rt.polls,
             "errors": rt.poll_errors},
        )


async def _heartbeats(rt: Runtime, worker: Any) -> None:
    while True:
        try:
            await asyncio.to_thread(_heartbeat, rt, worker.worker_id)
        except StoreError as exc:  # the database is away; Procrastinate will notice too
            log.warning("heartbeat failed: %s", exc)
        await asyncio.sleep(rt.options.heartbeat_interval)


def run_worker(settings: Any, options: FleetOptions | None = None) -> None:
    """Run one fleet worker until SIGTERM or SIGINT (finishing the jobs in flight)."""
    from concurrent.futures import ThreadPoolExecutor

    from procrastinate.worker import Worker

    options = options or FleetOptions()
    conninfo = require_postgres(settings.db)
    name = options.name or f"{socket.gethostname()}:{os.getpid()}"
    apply_schema(conninfo)
    sync_sources(conninfo, settings.sources)
    rt = Runtime(settings=settings, options=options, conninfo=conninfo, name=name)
    app = build_app(conninfo, rt)

    async def main() -> None:
        # Sync tasks run in the loop's default executor; size it to the concurrency.
        asyncio.get_running_loop().set_default_executor(
            ThreadPoolExecutor(max_workers=options.concurrency + 2, thread_name_prefix="job")
        )
        async with app.open_async():
            worker = Worker(
                app, name=name, concurrency=options.concurrency, queues=[QUEUE],
                update_heartbeat_interval=options.heartbeat_interval,
                stalled_worker_timeout=options.stalled_after,
                shutdown_graceful_timeout=8.0,
                fetch_job_polling_interval=1.0,
            )
            beats = asyncio.create_task(_heartbeats(rt, worker))
            try:
                await worker.run()
            finally:
                beats.cancel()
                await asyncio.to_thread(_heartbeat, rt, worker.worker_id, True)

    log.info("fleet worker %s starting with concurrency %d", name, options.concurrency)
    try:
        asyncio.run(main())
    finally:
        rt.close()


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
