"""Real parts for the fleet tests and benchmark: a throwaway PostgreSQL, a feed server that
counts fetches per feed, and `tracker worker` subprocesses."""

from __future__ import annotations

import hashlib
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
from collections import defaultdict
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from email.utils import formatdate
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

PG_BIN = Path("/usr/lib/postgresql/15/bin")
REPO = Path(__file__).resolve().parent.parent
TRACKER = [sys.executable, "-m", "tracker"]


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _as_postgres(cmd: list[str]) -> list[str]:
    # PostgreSQL refuses to run as root.
    if os.geteuid() == 0:
        return ["runuser", "-u", "postgres", "--", *cmd]
    return cmd


@contextmanager
def postgres_server() -> Iterator[str]:
    """A throwaway PostgreSQL 15 server; yields the URL of its `postgres` database.

    Uses $TRACKER_TEST_PG when set (a server started by the test scripts).
    """
    if os.environ.get("TRACKER_TEST_PG"):
        yield os.environ["TRACKER_TEST_PG"]
        return
    if not (PG_BIN / "initdb").exists():
        import pytest

        pytest.skip("PostgreSQL 15 server binaries are not installed")
    root = Path(tempfile.mkdtemp(prefix="tracker-fleet-pg-"))
    if os.geteuid() == 0:
        shutil.chown(root, "postgres")
    data, port = root / "data", _free_port()
    subprocess.run(_as_postgres([str(PG_BIN / "initdb"), "-D", str(data), "-A", "trust",
                                 "-U", "postgres"]), check=True, capture_output=True)
    opts = (f"-p {port} -k {root} -c listen_addresses=127.0.0.1 -c max_connections=400 "
            "-c fsync=off -c synchronous_commit=off -c full_page_writes=off")
    subprocess.run(_as_postgres([str(PG_BIN / "pg_ctl"), "-D", str(data), "-l",
                                 str(root / "log"), "-o", opts, "-w", "start"]),
                   check=True, capture_output=True)
    try:
        yield f"postgresql://postgres@127.0.0.1:{port}/postgres"
    finally:
        subprocess.run(_as_postgres([str(PG_BIN / "pg_ctl"), "-D", str(data), "-m", "immediate",
                                     "stop"]), capture_output=True)
        shutil.rmtree(root, ignore_errors=True)


_db_counter = iter(range(1, 10_000))


def fresh_database(server_url: str, prefix: str = "fleet") -> str:
    """Create an empty database on the server; return its URL."""
    import psycopg

    name = f"{prefix}_{os.getpid()}_{next(_db_counter)}"
    with psycopg.connect(server_url, autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    return server_url.rsplit("/", 1)[0] + "/" + name


class _QuietServer(ThreadingHTTPServer):
    """A killed worker drops its connections; that is expected, not worth a traceback."""

    def handle_error(self, request: object, client_address: object) -> None:
        if not isinstance(sys.exc_info()[1], ConnectionError):
            super().handle_error(request, client_address)


# -- feeds --------------------------------------------------------------------------------

ArticleFn = Callable[[int, int], list[tuple[str, str, str]]]  # (feed, generation) -> items


class CountingFeedServer:
    """RSS feeds /feed/N.xml on 127.0.0.1 that record when each feed is fetched.

    ``items(feed, generation)`` gives a feed's items; the generation grows by one every
    ``generation_seconds`` so feeds gain articles while workers run. ``delay`` makes every
    answer slow (an I/O-bound fleet). ETag and If-None-Match are honoured (304).
    """

    def __init__(self, feeds: int, items: ArticleFn, *, delay: float = 0.0,
                 generation_seconds: float = 0.0) -> None:
        self.feeds = feeds
        self.items = items
        self.delay = delay
        self.generation_seconds = generation_seconds
        self.started = time.monotonic()
        self.fetches: dict[int, list[float]] = defaultdict(list)  # feed -> monotonic times
        self.served: dict[int, set[str]] = defaultdict(set)  # feed -> links served
        self._lock = threading.Lock()
        self._server = _QuietServer(("127.0.0.1", 0), self._handler())
        self._server.daemon_threads = True
        self._server.request_queue_size = 1024
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)

    def url(self, feed: int) -> str:
        """The URL of feed number ``feed``."""
        return f"http://127.0.0.1:{self._server.server_port}/feed/{feed}.xml"

    def generation(self) -> int:
        """How many times the feeds have gained articles since the server started."""
        if not self.generation_seconds:
            return 0
        return int((time.monotonic() - self.started) / self.generation_seconds)

    def document(self, feed: int, generation: int) -> tuple[bytes, list[str]]:
        """The RSS bytes of one feed at one generation, and the links in it."""
        items = self.items(feed, generation)
        entries = "".join(
            f"<item><title>{t}</title><link>{link}</link><guid>{link}</guid>"
            f"<pubDate>{formatdate(1_700_000_000 + feed * 60 + i * 3600, usegmt=True)}"
            f"</pubDate><description>{d}</description></item>"
            for i, (t, link, d) in enumerate(items)
        )
        body = (f'<?xml version="1.0" encoding="utf-8"?><rss version="2.0"><channel>'
                f"<title>Fleet Test Wire {feed}</title><link>http://wire{feed}.test/</link>"
                f"<description>synthetic</description>{entries}</channel></rss>")
        return body.encode(), [link for _, link, _ in items]

    def _handler(self) -> type[BaseHTTPRequestHandler]:
        server = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, *args: object) -> None:
                pass

            def do_GET(self) -> None:  # noqa: N802 - http.server's name
                try:
                    feed = int(self.path.removeprefix("/feed/").removesuffix(".xml"))
                except ValueError:
                    feed = -1
                if not 0 <= feed < server.feeds:
                    self.send_response(404)
                    self.send_header("Content-Length", "0")
                    self.end_headers()
                    return
                now = time.monotonic()
                body, links = server.document(feed, server.generation())
                etag = '"' + hashlib.sha1(body).hexdigest()[:16] + '"'
                with server._lock:
                    server.fetches[feed].append(now)
                if server.delay:
                    time.sleep(server.delay)
                if self.headers.get("If-None-Match") == etag:
                    self.send_response(304)
                    self.send_header("ETag", etag)
                    self.send_header("Content-Length", "0")
                    self.end_headers()
                    return
                with server._lock:
                    server.served[feed].update(links)
                self.send_response(200)
                self.send_header("Content-Type", "application/rss+xml; charset=utf-8")
                self.send_header("ETag", etag)
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

        return Handler

    def __enter__(self) -> CountingFeedServer:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._server.shutdown()
        self._server.server_close()


def write_config(path: Path, db: str, urls: list[str], interval: float, out_dir: Path) -> Path:
    """A tracker.toml with one source per URL and no per-host politeness delay."""
    lines = [f'db = "{db}"', f'out_dir = "{out_dir}"', "", "[fetch]",
             "per_host_interval = 0.0", "total_timeout = 10.0", ""]
    for i, url in enumerate(urls):
        lines += ["[[sources]]", f'name = "wire-{i:04d}"', 'kind = "rss"', f'url = "{url}"',
                  f"interval = {interval}", 'language = "en"', f'outlet = "Wire {i}"', ""]
    path.write_text("\n".join(lines), encoding="utf-8")
    return path


# -- workers ------------------------------------------------------------------------------


class WorkerProcess:
    """One `tracker worker` subprocess with its log in a file."""

    def __init__(self, config: Path, name: str, log_dir: Path, *extra: str) -> None:
        self.name = name
        self.log_path = log_dir / f"{name}.log"
        env = {**os.environ, "PYTHONUNBUFFERED": "1"}
        env.pop("TRACKER_DB", None)
        self._log = self.log_path.open("wb")
        self.proc = subprocess.Popen(
            [*TRACKER, "worker", "--config", str(config), "--name", name, *extra],
            stdout=self._log, stderr=subprocess.STDOUT, cwd=REPO, env=env,
        )

    def kill(self) -> None:
        """SIGKILL: no chance to finish or clean up anything."""
        self.proc.send_signal(signal.SIGKILL)
        self.proc.wait(10)
        self._log.close()

    def stop(self, timeout: float = 20.0) -> int:
        """SIGTERM and wait; returns the exit code."""
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(timeout)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(10)
        if not self._log.closed:
            self._log.close()
        return self.proc.returncode

    def log(self) -> str:
        """What the worker printed so far."""
        return self.log_path.read_text(errors="replace")
