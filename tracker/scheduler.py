"""`tracker run`: APScheduler 3.x jobs around the pipeline, signals, one daemon per database.

One interval job per source (with jitter, ``max_instances=1``, ``coalesce``), a render
job scheduled shortly after changes, a heartbeat job and a webhook job. SIGTERM/SIGINT
stop scheduling, abandon fetches in flight and exit within ``STOP_DEADLINE`` seconds;
every store write is one transaction, so an abandoned job leaves no partial write.
Logs are JSON lines on stderr, one per event.
"""

from __future__ import annotations

import json
import logging
import os
import signal
import socket
import sys
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import IO, Any

from tracker.config import Settings, SourceConfig
from tracker.errors import DatabaseLockedError, StoreError

STOP_DEADLINE = 5.0  # seconds from the signal to exit (the contract says 10)
MAX_DUE_SLACK = 5.0  # seconds a backoff may be cut short to match the job's own timing
STARTUP_STAGGER = 0.5  # seconds between the first polls of consecutive sources


def utcnow() -> datetime:
    """The current time, aware UTC (the daemon is a shell: it may read the clock)."""
    return datetime.now(UTC)


class EventLog:
    """One JSON object per line: {"ts", "level", "event", ...fields}."""

    def __init__(self, stream: IO[str] | None = None) -> None:
        self.stream = stream or sys.stderr
        self._lock = threading.Lock()

    def __call__(self, event: str, level: str = "info", **fields: Any) -> None:
        record = {"ts": utcnow().isoformat(timespec="milliseconds"), "level": level,
                  "event": event, **fields}
        line = json.dumps(record, ensure_ascii=False, default=str)
        with self._lock:
            try:
                self.stream.write(line + "\n")
                self.stream.flush()
            except (OSError, ValueError):
                pass  # a closed stderr must not take the daemon down


class _SchedulerLogHandler(logging.Handler):
    """Routes APScheduler's own warnings (missed runs, crashes) into the event log."""

    def __init__(self, log: EventLog) -> None:
        super().__init__(logging.WARNING)
        self.log = log

    def emit(self, record: logging.LogRecord) -> None:
        self.log("scheduler", record.levelname.lower(), message=record.getMessage())


class DaemonLock:
    """An exclusive fcntl lock on ``<db>.daemon.lock``: one daemon per SQLite database."""

    def __init__(self, db: str) -> None:
        self.path = Path(f"{db}.daemon.lock")
        self._fd: int | None = None

    def acquire(self) -> None:
        """Take the lock or raise DatabaseLockedError naming the holder."""
        import fcntl

        try:
            fd = os.open(self.path, os.O_RDWR | os.O_CREAT, 0o644)
        except OSError as exc:
            raise StoreError(f"cannot create lock file {self.path}: {exc.strerror}") from None
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            holder = os.read(fd, 64).decode(errors="replace").strip() or "another process"
            os.close(fd)
            raise DatabaseLockedError(
                f"another tracker daemon (pid {holder}) is already running on {self.db_name}; "
                "stop it first or use another --db"
            ) from None
        os.ftruncate(fd, 0)
        os.write(fd, str(os.getpid()).encode())
        self._fd = fd

    @property
    def db_name(self) -> str:
        return str(self.path)[: -len(".daemon.lock")]

    def release(self) -> None:
        """Drop the lock (the file stays; its content is only informative)."""
        if self._fd is not None:
            os.close(self._fd)
            self._fd = None


@dataclass
class _Counters:
    polls: int = 0
    failures: int = 0
    changes: int = 0
    running: int = 0
    started: datetime = field(default_factory=utcnow)


class Daemon:
    """The long-running process: builds the jobs, runs them, stops cleanly."""

    def __init__(self, settings: Settings, *, log: EventLog | None = None,
                 clock: Callable[[], datetime] = utcnow) -> None:
        self.settings = settings
        self.log = log or EventLog()
        self.clock = clock
        self.stop_event = threading.Event()
        self.worker = f"daemon@{socket.gethostname()}:{os.getpid()}"
        self._counters = _Counters()
        self._idle = threading.Condition()
        self.store: Any = None
        self.pipeline: Any = None
        self.client: Any = None
        self.scheduler: Any = None

    # -- jobs ---------------------------------------------------------------------------
    def _tracked(self, job: Callable[..., None]) -> Callable[..., None]:
        """Count running jobs so that shutdown knows what it waits for."""
        def run(*args: Any) -> None:
            if self.stop_event.is_set():
                return
            with self._idle:
                self._counters.running += 1
            try:
                job(*args)
            except Exception as exc:  # noqa: BLE001 - one bad run must not stop the daemon
                self.log("job_failed", "error", job=job.__name__,
                         error=f"{type(exc).__name__}: {exc}")
            finally:
                with self._idle:
                    self._counters.running -= 1
                    self._idle.notify_all()
        run.__name__ = job.__name__
        return run

    def poll(self, source: SourceConfig) -> None:
        """Poll one source unless it is backing off; queue alerts and a render on change."""
        from tracker.sources.health import is_due
        from tracker.webhooks import queue_changes

        now = self.clock()
        state = self.store.source_state(source.name)
        # A run fires a few ms before "now + interval" recorded by the last failure; the
        # slack keeps that run from being skipped, which would silently double the backoff.
        slack = timedelta(seconds=min(source.interval * 0.5, MAX_DUE_SLACK))
        if not is_due(state, now + slack):
            self.log("poll_skipped", source=source.name, reason="backoff",
                     next_attempt=state.next_attempt)
            return
        started = time.monotonic()
        result = self.pipeline.poll(source, now)
        if self.stop_event.is_set() and result.error:
            return  # abandoned by shutdown; not worth a log line per source
        self._counters.polls += 1
        fields = {"source": source.name, "articles": result.articles_found,
                  "new": result.ingest.articles_added, "changes": len(result.changes),
                  "not_modified": result.not_modified,
                  "ms": round((time.monotonic() - started) * 1000)}
        if result.error:
            self._counters.failures += 1
            state = self.store.source_state(source.name)
            self.log("poll_failed", "warning", error=result.error,
                     consecutive_errors=getattr(state, "consecutive_errors", None),
                     next_attempt=getattr(state, "next_attempt", None), **fields)
        else:
            self.log("poll", **fields)
        if result.changes:
            self._counters.changes += len(result.changes)
            for change in result.changes:
                self.log("status_change", place=change.place_id, from_status=change.from_status,
                         to_status=change.to_status, at=change.at, source=source.name)
            queued = queue_changes(self.store, result.changes, self.settings.webhooks)
            self._schedule_soon("render", self.render, self.settings.daemon.render_delay)
            if queued:
                self._schedule_soon("webhooks", self.deliver, 0.0)

    def review(self) -> None:
        """Derive again the places whose status time alone has changed (a stale deadline,
        a contest's end, an override's end); log, notify and render as after a poll."""
        from tracker.webhooks import queue_changes

        changes = self.pipeline.review(self.clock())
        if not changes:
            return
        self._counters.changes += len(changes)
        for change in changes:
            self.log("status_change", place=change.place_id, from_status=change.from_status,
                     to_status=change.to_status, at=change.at, cause=change.cause)
        if queue_changes(self.store, changes, self.settings.webhooks):
            self._schedule_soon("webhooks", self.deliver, 0.0)
        self._schedule_soon("render", self.render, self.settings.daemon.render_delay)

    def render(self) -> None:
        """Write the map site from the store's current state."""
        started = time.monotonic()
        self.pipeline.render(self.clock())
        self.log("render", out_dir=str(self.settings.out_dir),
                 ms=round((time.monotonic() - started) * 1000))

    def deliver(self) -> None:
        """Attempt the webhook deliveries that are due."""
        from tracker.webhooks import deliver_due

        report = deliver_due(self.store, self.client, self.clock())
        if report.attempted:
            self.log("webhooks", attempted=report.attempted, delivered=report.delivered,
                     failed=report.failed)

    def heartbeat(self) -> None:
        """Record that this daemon is alive, with its counters."""
        c = self._counters
        self.store.heartbeat(self.worker, self.clock(), {
            "pid": os.getpid(), "sources": len(self.settings.sources), "polls": c.polls,
            "failures": c.failures, "changes": c.changes, "started": c.started.isoformat(),
        })

    def _schedule_soon(self, job_id: str, job: Callable[[], None], delay: float) -> None:
        if self.scheduler is None or self.stop_event.is_set():
            return
        when = datetime.now(UTC) + timedelta(seconds=delay)
        try:
            self.scheduler.add_job(self._tracked(job), "date", run_date=when, id=job_id,
                                   replace_existing=True, misfire_grace_time=None)
        except Exception as exc:  # noqa: BLE001 - the scheduler may be shutting down
            self.log("schedule_failed", "warning", job=job_id, error=str(exc))

    # -- lifecycle ----------------------------------------------------------------------
    def _build_scheduler(self) -> Any:
        from apscheduler.executors.pool import ThreadPoolExecutor
        from apscheduler.schedulers.background import BackgroundScheduler

        daemon = self.settings.daemon
        workers = max(2, min(8, len(self.settings.sources) + 2))
        scheduler = BackgroundScheduler(
            timezone=UTC,
            executors={"default": ThreadPoolExecutor(workers)},
            job_defaults={"coalesce": True, "max_instances": 1,
                          "misfire_grace_time": int(daemon.misfire_grace_time)},
        )
        now = datetime.now(UTC)
        for i, source in enumerate(self.settings.sources):
            first = now + timedelta(seconds=i * STARTUP_STAGGER if daemon.startup_poll
                                    else source.interval)
            scheduler.add_job(
                self._tracked(self.poll), "interval", args=[source], id=f"source:{source.name}",
                seconds=source.interval, jitter=source.interval * daemon.jitter,
                next_run_time=first, name=f"poll {source.name}",
            )
        scheduler.add_job(self._tracked(self.heartbeat), "interval", id="heartbeat",
                          seconds=daemon.heartbeat_interval, next_run_time=now)
        scheduler.add_job(self._tracked(self.deliver), "interval", id="webhook-retries",
                          seconds=daemon.webhook_interval)
        scheduler.add_job(self._tracked(self.review), "interval", id="review",
                          seconds=daemon.review_interval, next_run_time=now)
        return scheduler

    def _on_signal(self, signum: int, _frame: Any) -> None:
        self.log("signal", signal=signal.Signals(signum).name)
        self.stop_event.set()

    def run(self) -> int:
        """Run until SIGTERM/SIGINT; returns the exit code."""
        from tracker.pipeline import Pipeline
        from tracker.sources.fetch import make_client
        from tracker.store import is_postgres, open_store

        if is_postgres(self.settings.db):
            from tracker.store.postgres import PostgresDaemonLock

            lock: DaemonLock | PostgresDaemonLock = PostgresDaemonLock(self.settings.db)
        else:
            lock = DaemonLock(self.settings.db)
        lock.acquire()
        try:
            self.store = open_store(self.settings.db, create=True)
            self.client = make_client(self.settings.fetch)
            self.pipeline = Pipeline(self.settings, self.store, client=self.client)
            self.pipeline.gazetteer  # noqa: B018 - load now: bad geodata stops the start
            aps_log = logging.getLogger("apscheduler")
            aps_log.addHandler(_SchedulerLogHandler(self.log))
            aps_log.propagate = False
            self.scheduler = self._build_scheduler()
            for signum in (signal.SIGTERM, signal.SIGINT):
                signal.signal(signum, self._on_signal)
            self.scheduler.start()
            self.log("started", worker=self.worker, db=self.settings.db,
                     sources=len(self.settings.sources), config=str(self.settings.path))
            while not self.stop_event.wait(1.0):
                pass
            return self._shutdown()
        finally:
            lock.release()

    def _shutdown(self) -> int:
        from tracker.sources.fetch import cancel_fetches

        deadline = time.monotonic() + STOP_DEADLINE
        self.scheduler.shutdown(wait=False)
        cancel_fetches(self.client)
        with self._idle:
            while self._counters.running and time.monotonic() < deadline:
                self._idle.wait(max(0.0, deadline - time.monotonic()))
            abandoned = self._counters.running
        if abandoned:
            # A job still blocked in a read: its writes are transactions that either
            # committed already or never will; exit without waiting for its thread.
            self.log("stopped", abandoned_jobs=abandoned, polls=self._counters.polls)
            logging.shutdown()
            os._exit(0)
        try:
            self.heartbeat()
        except StoreError:
            pass
        self.store.close()
        self.client.close()
        self.log("stopped", polls=self._counters.polls, changes=self._counters.changes)
        return 0


def run_daemon(settings: Settings, *, log: EventLog | None = None) -> int:
    """Run the daemon in this process until a signal stops it."""
    return Daemon(settings, log=log).run()
