"""A real threaded HTTP server on 127.0.0.1 for tests: fixture feeds and fault modes.

Usage::

    with FeedServer() as server:
        server.add("/feed.xml", rss_bytes)                  # 200, ETag/Last-Modified, 304s
        server.add_reply("/down", Reply(status=503))
        server.hang("/hang"); server.trickle("/slow", b"<rss>...")
        server.add_sequence("/hook", [Reply(500), Reply(500), Reply(204)])
        url = server.url("/feed.xml")
        server.requests  # every request received, POST bodies included

Reusable by other test modules and the end-to-end tests; nothing here touches the internet.
"""

from __future__ import annotations

import gzip
import hashlib
import threading
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from email.utils import formatdate
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer


@dataclass
class Reply:
    """One HTTP answer. ``body`` may be bytes or an iterable of chunks; ``chunk_delay``
    pauses between chunks (a trickling server); ``hang`` never answers."""

    status: int = 200
    body: bytes | Iterable[bytes] = b""
    headers: dict[str, str] = field(default_factory=dict)
    chunk_delay: float = 0.0
    hang: bool = False


@dataclass(frozen=True)
class Request:
    """A request as the server saw it."""

    method: str
    path: str
    headers: dict[str, str]
    body: bytes
    at: float


Route = Callable[[Request], Reply]


def rss(items: Iterable[tuple[str, str, str]], *, title: str = "Test Wire",
        encoding: str = "utf-8", guid_prefix: str = "",
        pub_date: str = "Mon, 02 Jan 2023 10:00:00 GMT") -> bytes:
    """A small RSS 2.0 document from (title, link, description) items."""
    entries = "".join(
        f"<item><title>{t}</title><link>{link}</link>"
        f"<guid isPermaLink=\"false\">{guid_prefix}{link}</guid>"
        f"<pubDate>{pub_date}</pubDate><description>{d}</description></item>"
        for t, link, d in items
    )
    doc = (f'<?xml version="1.0" encoding="{encoding}"?>\n<rss version="2.0"><channel>'
           f"<title>{title}</title><link>http://example.invalid/</link>{entries}"
           "</channel></rss>")
    return doc.encode(encoding)


class _Handler(BaseHTTPRequestHandler):
    server: _Server
    protocol_version = "HTTP/1.1"

    def log_message(self, format: str, *args: object) -> None:  # noqa: A002 - stdlib name
        pass  # keep test output clean

    def setup(self) -> None:
        super().setup()
        with self.server.owner.lock:
            self.server.owner.connections += 1

    def _serve(self) -> None:
        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(length) if length else b""
        path = self.path
        request = Request(self.command, path, {k.lower(): v for k, v in self.headers.items()},
                          body, time.monotonic())
        owner = self.server.owner
        with owner.lock:
            owner.requests.append(request)
            route = owner.routes.get(path.split("?", 1)[0])
        reply = route(request) if route else Reply(404, b"not found")
        if reply.hang:
            owner.stopping.wait()
            return
        self.send_response(reply.status)
        headers = {k.lower(): v for k, v in reply.headers.items()}
        chunks = [reply.body] if isinstance(reply.body, bytes) else reply.body
        if isinstance(reply.body, bytes) and "content-length" not in headers:
            headers["content-length"] = str(len(reply.body))
        if "content-length" not in headers:
            headers["connection"] = "close"
            self.close_connection = True
        for key, value in headers.items():
            self.send_header(key, value)
        self.end_headers()
        if self.command == "HEAD":
            return
        try:
            for chunk in chunks:
                self.wfile.write(chunk)
                self.wfile.flush()
                if reply.chunk_delay and owner.stopping.wait(reply.chunk_delay):
                    return
        except (BrokenPipeError, ConnectionResetError):
            self.close_connection = True  # the client gave up (cap, deadline): expected

    do_GET = do_POST = do_HEAD = _serve


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    owner: FeedServer


class FeedServer:
    """Threaded HTTP server on 127.0.0.1, on a free port, with routes set by the test."""

    def __init__(self) -> None:
        self.routes: dict[str, Route] = {}
        self.requests: list[Request] = []
        self.connections = 0  # TCP connections accepted (keep-alive reuse shows here)
        self.lock = threading.Lock()
        self.stopping = threading.Event()
        self._httpd = _Server(("127.0.0.1", 0), _Handler)
        self._httpd.owner = self
        self._thread = threading.Thread(
            target=self._httpd.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True
        )

    @property
    def port(self) -> int:
        return self._httpd.server_address[1]

    def url(self, path: str) -> str:
        """The absolute URL of ``path`` on this server."""
        return f"http://127.0.0.1:{self.port}{path}"

    def start(self) -> FeedServer:
        self._thread.start()
        return self

    def stop(self) -> None:
        self.stopping.set()
        self._httpd.shutdown()
        self._httpd.server_close()
        self._thread.join(timeout=5)

    def __enter__(self) -> FeedServer:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    def hits(self, path: str) -> list[Request]:
        """The requests received for ``path`` (query string ignored)."""
        with self.lock:
            return [r for r in self.requests if r.path.split("?", 1)[0] == path]

    # --- routes ----------------------------------------------------------------------------
    def route(self, path: str, handler: Route) -> None:
        with self.lock:
            self.routes[path] = handler

    def add_reply(self, path: str, reply: Reply) -> None:
        """Always answer ``reply``."""
        self.route(path, lambda _req: reply)

    def add(self, path: str, body: bytes,
            content_type: str = "application/rss+xml; charset=utf-8",
            headers: dict[str, str] | None = None) -> None:
        """Serve ``body`` with an ETag and Last-Modified, answering 304 to a matching
        conditional GET. Calling ``add`` again replaces the body (a feed that changes)."""
        etag = '"' + hashlib.sha1(body).hexdigest()[:16] + '"'
        modified = formatdate(time.time(), usegmt=True)
        extra = dict(headers or {})

        def serve(request: Request) -> Reply:
            if request.headers.get("if-none-match") == etag:
                return Reply(304, b"", {"etag": etag})
            return Reply(200, body, {"content-type": content_type, "etag": etag,
                                     "last-modified": modified, **extra})

        self.route(path, serve)

    def add_sequence(self, path: str, replies: list[Reply]) -> None:
        """Answer each reply in turn; the last one repeats."""
        queue = list(replies)

        def serve(_req: Request) -> Reply:
            with self.lock:
                return queue.pop(0) if len(queue) > 1 else queue[0]

        self.route(path, serve)

    def hang(self, path: str) -> None:
        """Accept the request and never answer (until the server stops)."""
        self.add_reply(path, Reply(hang=True))

    def trickle(self, path: str, body: bytes, delay: float = 0.5) -> None:
        """Send ``body`` one byte per ``delay`` seconds."""
        self.route(path, lambda _req: Reply(
            200, (body[i:i + 1] for i in range(len(body))),
            {"content-type": "application/rss+xml", "content-length": str(len(body))},
            chunk_delay=delay,
        ))

    def large(self, path: str, size: int, chunk: int = 64 * 1024) -> None:
        """Serve ``size`` bytes of filler, streamed, with an honest or no Content-Length."""
        def chunks() -> Iterable[bytes]:
            sent = 0
            while sent < size:
                n = min(chunk, size - sent)
                sent += n
                yield b" " * n

        self.route(path, lambda _req: Reply(200, chunks(), {"content-type": "text/xml"}))

    def gzip_bomb(self, path: str, size: int) -> None:
        """Serve a small gzip body that inflates to ``size`` bytes."""
        bomb = gzip.compress(b"<" + b"\0" * (size - 1), compresslevel=9)
        self.add_reply(path, Reply(200, bomb, {"content-type": "application/rss+xml",
                                               "content-encoding": "gzip"}))

    def redirect(self, path: str, to: str, status: int = 302) -> None:
        """Redirect ``path`` to ``to`` (a path on this server or an absolute URL)."""
        self.add_reply(path, Reply(status, b"", {"location": to}))
