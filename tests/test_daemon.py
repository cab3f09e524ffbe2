"""The daemon as a real subprocess fed by a local feed server; poll and sources commands."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from tests.feedserver import FeedServer, Reply, rss
from tracker.cli import main
from tracker.store import open_store

REPO = Path(__file__).resolve().parent.parent
DEMO_FEED = REPO / "tracker" / "demo" / "feeds" / "caucasus-wire.xml"
INTERVAL = 1.0
QUIET = rss([("Weather", "http://wire.example.org/weather", "Sunny across the region.")])


def config(tmp_path: Path, url: str, db: str | None = None, stale_after_days: float = 14.0,
           **daemon: object) -> Path:
    """A config with one feed source polled every INTERVAL seconds."""
    settings = {"heartbeat_interval": 0.5, "render_delay": 0.1, "webhook_interval": 1.0,
                "jitter": 0.0, **daemon}
    lines = [f'db = "{db or tmp_path / "t.db"}"', f'out_dir = "{tmp_path / "maps"}"', "",
             "[derivation]", "corroboration = 1", f"stale_after_days = {stale_after_days!r}",
             "", "[fetch]", "per_host_interval = 0.0",
             "total_timeout = 30.0", "", "[daemon]"]
    lines += [f"{k} = {json.dumps(v)}" for k, v in settings.items()]
    lines += ["", "[[sources]]", 'name = "wire"', 'kind = "rss"', f'url = "{url}"',
              f"interval = {INTERVAL}"]
    path = tmp_path / "tracker.toml"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


class DaemonProcess:
    """`tracker run` in a subprocess, its JSON-lines log in a file."""

    def __init__(self, cfg: Path, log: Path) -> None:
        self.log_path = log
        env = {k: v for k, v in os.environ.items() if not k.startswith("TRACKER_")}
        self._log = log.open("w")
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "tracker", "run", "--config", str(cfg)],
            stdout=subprocess.DEVNULL, stderr=self._log, env=env, cwd=cfg.parent,
        )

    def events(self) -> list[dict]:
        out = []
        for line in self.log_path.read_text(encoding="utf-8").splitlines():
            try:
                out.append(json.loads(line))
            except json.JSONDecodeError:
                out.append({"event": "raw", "line": line})
        return out

    def wait_for(self, predicate: Callable[[], object], timeout: float, what: str) -> float:
        """Seconds until ``predicate()`` is true; fails after ``timeout`` seconds."""
        started = time.monotonic()
        while time.monotonic() - started < timeout:
            if predicate():
                return time.monotonic() - started
            if self.proc.poll() is not None:
                pytest.fail(f"daemon exited ({self.proc.returncode}) while waiting for {what}:"
                            f" {self.log_path.read_text()[-2000:]}")
            time.sleep(0.05)
        pytest.fail(f"no {what} within {timeout} s; log: {self.log_path.read_text()[-2000:]}")

    def has_event(self, name: str) -> bool:
        return any(e.get("event") == name for e in self.events())

    def stop(self) -> float:
        """SIGTERM; seconds until the process exited."""
        started = time.monotonic()
        self.proc.send_signal(signal.SIGTERM)
        self.proc.wait(timeout=20)
        return time.monotonic() - started

    def close(self) -> None:
        if self.proc.poll() is None:
            self.proc.kill()
            self.proc.wait()
        self._log.close()


@pytest.fixture
def server() -> Iterator[FeedServer]:
    with FeedServer() as srv:
        yield srv


@pytest.fixture
def start(tmp_path) -> Iterator[Callable[..., DaemonProcess]]:
    procs: list[DaemonProcess] = []

    def run(cfg: Path, name: str = "daemon") -> DaemonProcess:
        proc = DaemonProcess(cfg, tmp_path / f"{name}.log")
        procs.append(proc)
        return proc

    yield run
    for proc in procs:
        proc.close()


def _changes(db: Path) -> list:
    with open_store(str(db)) as store:
        return store.changes()


def test_new_article_shows_within_one_interval_and_sigterm_stops(tmp_path, server, start):
    server.add("/feed.xml", QUIET)
    daemon = start(config(tmp_path, server.url("/feed.xml")))
    daemon.wait_for(lambda: daemon.has_event("poll"), 30, "first poll")
    assert _changes(tmp_path / "t.db") == []
    server.add("/feed.xml", DEMO_FEED.read_bytes())  # the news arrives
    took = daemon.wait_for(lambda: _changes(tmp_path / "t.db"), INTERVAL + 5, "status change")
    print(f"status change visible {took:.2f} s after the feed changed")
    assert took <= INTERVAL + 5
    daemon.wait_for(lambda: daemon.has_event("render"), 10, "render after the change")
    assert (tmp_path / "maps").is_dir()
    with open_store(str(tmp_path / "t.db")) as store:
        (beat,) = store.heartbeats()
        assert beat["info"]["pid"] == daemon.proc.pid
    took = daemon.stop()
    print(f"SIGTERM while idle: exited in {took:.2f} s")
    assert took < 10
    assert daemon.proc.returncode == 0
    assert daemon.events()[-1]["event"] == "stopped"
    assert all(e["event"] != "raw" for e in daemon.events())  # every line is structured


def test_second_daemon_on_the_same_database_refuses(tmp_path, server, start):
    server.add("/feed.xml", QUIET)
    cfg = config(tmp_path, server.url("/feed.xml"))
    first = start(cfg, "first")
    first.wait_for(lambda: first.has_event("started"), 30, "first daemon start")
    second = start(cfg, "second")
    assert second.proc.wait(timeout=30) != 0
    message = second.log_path.read_text()
    assert "already running" in message and str(first.proc.pid) in message
    assert first.proc.poll() is None  # the first one is unharmed
    assert first.stop() < 10


def test_a_status_goes_stale_while_the_daemon_runs_without_news(tmp_path, server, start):
    """The feed keeps serving the same report: no new observation ever arrives, yet the
    status turns stale at its deadline, because the daemon reviews time-driven changes."""
    from datetime import UTC, datetime
    from email.utils import format_datetime

    stale_after_s = 10.0
    server.add("/feed.xml", rss(
        [("Upper Lars crossing closed", "http://wire.example.org/lars",
          "The Upper Lars crossing was closed to all traffic.")],
        pub_date=format_datetime(datetime.now(UTC), usegmt=True)))
    daemon = start(config(tmp_path, server.url("/feed.xml"), review_interval=0.5,
                          stale_after_days=stale_after_s / 86400))

    def status():
        from tracker.errors import StoreError

        try:  # the daemon may be creating the file right now
            with open_store(str(tmp_path / "t.db")) as store:
                return store.status("upper-lars-crossing")
        except StoreError:
            return None

    daemon.wait_for(lambda: status() is not None, 30, "the closure")
    assert status().status == "closed" and not status().stale, "too slow a start for the test"
    daemon.wait_for(lambda: status().stale, stale_after_s + 10, "the stale mark")
    events = [e for e in daemon.events() if e.get("event") == "status_change"]
    assert events[-1]["cause"] == "stale" and events[-1]["place"] == "upper-lars-crossing"
    assert daemon.stop() < 10


@pytest.mark.postgres
def test_second_daemon_on_the_same_postgres_log_refuses(tmp_path, server, start, pg_url):
    from tracker.store.postgres import PostgresDaemonLock

    server.add("/feed.xml", QUIET)
    cfg = config(tmp_path, server.url("/feed.xml"), db=pg_url)
    first = start(cfg, "first")
    first.wait_for(lambda: first.has_event("started"), 30, "first daemon start")
    second = start(cfg, "second")
    assert second.proc.wait(timeout=30) != 0
    message = second.log_path.read_text()
    assert "already running" in message and "server pid" in message
    assert "Traceback" not in message and first.proc.poll() is None
    # Fleet workers would poll every source a second time: they refuse too.
    worker = subprocess.run([sys.executable, "-m", "tracker", "worker", "--config", str(cfg)],
                            capture_output=True, text=True, timeout=60, check=False)
    assert worker.returncode != 0 and "stop it before starting fleet workers" in worker.stderr
    # Another schema of the same database is another log: its daemon may run.
    import psycopg

    with psycopg.connect(pg_url, autocommit=True) as conn:
        schema = conn.execute("SELECT current_schema()").fetchone()[0]
        conn.execute(f"CREATE SCHEMA other_{schema}")
    other = PostgresDaemonLock(pg_url.replace(f"%3D{schema}", f"%3Dother_{schema}"))
    other.acquire()
    other.release()
    with psycopg.connect(pg_url, autocommit=True) as conn:
        conn.execute(f"DROP SCHEMA other_{schema}")
    assert first.stop() < 10
    # Once the first daemon is gone the lock is free again; workers share it with each
    # other, and a daemon refuses to start while any holds it.
    workers = [PostgresDaemonLock(pg_url, shared=True) for _ in range(2)]
    for lock in workers:
        lock.acquire()
    third = start(cfg, "third")
    assert third.proc.wait(timeout=30) != 0
    assert "2 fleet worker(s) are running" in third.log_path.read_text()
    for lock in workers:
        lock.release()
    again = PostgresDaemonLock(pg_url)
    again.acquire()
    again.release()


def test_sigterm_during_a_hanging_fetch_exits_within_ten_seconds(tmp_path, server, start):
    server.hang("/feed.xml")
    daemon = start(config(tmp_path, server.url("/feed.xml")))
    daemon.wait_for(lambda: server.hits("/feed.xml"), 30, "fetch in flight")
    took = daemon.stop()
    print(f"SIGTERM during a hanging fetch: exited in {took:.2f} s")
    assert took < 10
    assert daemon.proc.returncode == 0


def test_failing_source_backs_off_and_recovers(tmp_path, server, start):
    server.add_sequence("/feed.xml", [Reply(500), Reply(200, QUIET)])
    daemon = start(config(tmp_path, server.url("/feed.xml")))
    daemon.wait_for(lambda: daemon.has_event("poll_failed"), 30, "failed poll")
    daemon.wait_for(lambda: daemon.has_event("poll"), INTERVAL + 10, "recovery")
    with open_store(str(tmp_path / "t.db")) as store:
        state = store.source_state("wire")
    assert state.consecutive_errors == 0 and state.last_success is not None
    assert daemon.stop() < 10


def test_poll_and_sources_commands(tmp_path, server, capsys):
    server.add_reply("/feed.xml", Reply(503, b"down"))
    cfg = str(config(tmp_path, server.url("/feed.xml")))
    assert main(["poll", "--config", cfg, "--no-render"]) == 1  # every source failed
    assert "wire: FAILED: HTTP 503" in capsys.readouterr().out
    assert main(["sources", "--config", cfg, "--json"]) == 0
    (row,) = json.loads(capsys.readouterr().out)
    assert row["name"] == "wire" and row["health"] == "failing (1)"
    assert "503" in row["last_error"] and row["next_attempt"]
    assert main(["sources", "--config", cfg]) == 0
    assert "failing (1)" in capsys.readouterr().out
    assert main(["poll", "--config", cfg, "--source", "nope"]) == 1
    assert "unknown source 'nope'" in capsys.readouterr().err


def test_sources_without_a_database_shows_never_polled(tmp_path, capsys):
    cfg = str(config(tmp_path, "http://127.0.0.1:9/feed.xml"))
    assert main(["sources", "--config", cfg, "--json"]) == 0
    assert json.loads(capsys.readouterr().out)[0]["health"] == "never polled"


def test_bad_config_stops_run_with_key_and_line(tmp_path, capsys):
    cfg = config(tmp_path, "http://127.0.0.1:9/feed.xml")
    cfg.write_text(cfg.read_text().replace("interval = 1.0", "interval = 0"))
    assert main(["run", "--config", str(cfg)]) == 1
    err = capsys.readouterr().err
    assert "sources[0].interval" in err and "line" in err


def test_a_killed_daemon_leaves_no_stale_lock(tmp_path, server, start):
    server.add("/feed.xml", QUIET)
    cfg = config(tmp_path, server.url("/feed.xml"))
    first = start(cfg, "first")
    first.wait_for(lambda: first.has_event("started"), 30, "first daemon start")
    first.proc.kill()  # SIGKILL: no cleanup at all
    first.proc.wait(timeout=10)
    second = start(cfg, "second")
    second.wait_for(lambda: second.has_event("started"), 30, "restart after a crash")
    assert second.stop() < 10


def test_a_feed_that_changes_guids_adds_no_duplicates(tmp_path, server, capsys):
    items = [("Road news", "http://wire.example.org/road?utm_source=rss", "Traffic is normal."),
             ("Weather", "http://wire.example.org/weather", "Sunny.")]
    server.add("/feed.xml", rss(items, guid_prefix="first-"))
    cfg = str(config(tmp_path, server.url("/feed.xml")))
    assert main(["poll", "--config", cfg, "--no-render", "--json"]) == 0
    first = json.loads(capsys.readouterr().out)["sources"][0]
    server.add("/feed.xml", rss(items, guid_prefix="second-"))  # new GUIDs, same stories
    assert main(["poll", "--config", cfg, "--no-render", "--json"]) == 0
    second = json.loads(capsys.readouterr().out)["sources"][0]
    assert (first["new"], second["articles"], second["new"]) == (2, 2, 0)
    with open_store(str(tmp_path / "t.db")) as store:
        assert store.articles_count() == 2
