"""A fleet worker: its runtime, the jobs it runs and its heartbeat."""

from __future__ import annotations

import asyncio
import os
import socket
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING, Any

from tracker.errors import StoreError

if TYPE_CHECKING:  # pragma: no cover - typing only
    import procrastinate
    import psycopg

    from tracker.pipeline import Pipeline

from tracker.fleet.common import (
    PRIORITY,
    QUEUE,
    TASK,
    FleetOptions,
    _connect,
    log,
    require_postgres,
)
from tracker.fleet.queue import _defer, _enqueue_due, sync_sources
from tracker.fleet.schema import apply_schema

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
        runtime = need()
        # Places whose status time alone has changed (stale, a contest's end, an override's
        # end) are derived again like places with news.
        due = runtime.pipeline().store.due_for_review(_now())
        with runtime.transaction() as conn:
            _defer(conn, "derive", due)
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
    from tracker.store.postgres import PostgresDaemonLock

    options = options or FleetOptions()
    conninfo = require_postgres(settings.db)
    name = options.name or f"{socket.gethostname()}:{os.getpid()}"
    # Workers share the log with each other, never with a `tracker run` daemon.
    lock = PostgresDaemonLock(conninfo, shared=True)
    lock.acquire()
    try:
        _run_worker(settings, options, conninfo, name)
    finally:
        lock.release()


def _run_worker(settings: Any, options: FleetOptions, conninfo: str, name: str) -> None:
    """The worker proper: schema, sources, Procrastinate's worker and our heartbeats."""
    from concurrent.futures import ThreadPoolExecutor

    from procrastinate.worker import Worker

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
