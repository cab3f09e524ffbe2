"""Polite, bounded HTTP fetching: the only module of `sources/` that does network I/O.

httpx's timeouts are per operation, so a server that trickles one byte a second never
trips them; here every fetch has a total deadline, a body cap counted after our own
decompression (a gzip bomb stops at the cap with bounded memory), a redirect limit,
conditional GET, per-host spacing and per-host ``Retry-After`` blocks.
"""

from __future__ import annotations

import threading
import time
import weakref
import zlib
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from email.utils import parsedate_to_datetime
from urllib.parse import urljoin, urlsplit

import httpx

from tracker.config import FetchLimits
from tracker.errors import BodyTooLargeError, FetchError

FEED_ACCEPT = (
    "application/rss+xml, application/atom+xml, application/rdf+xml;q=0.9, "
    "application/xml;q=0.9, text/xml;q=0.9, application/json;q=0.8, */*;q=0.5"
)
PAGE_ACCEPT = "text/html, application/xhtml+xml;q=0.9, */*;q=0.5"
REDIRECT_CODES = frozenset({301, 302, 303, 307, 308})
RATE_LIMIT_CODES = frozenset({429, 503})  # both may carry Retry-After
DEFAULT_429_WAIT = 60.0  # seconds, when a 429 names no Retry-After
DRAIN_BYTES = 64 * 1024  # unwanted bodies up to this size are read to keep the connection
MAX_TRACKED_HOSTS = 1024  # above this, forget hosts whose next slot has passed
MAX_SLOT_WAIT = 60.0  # seconds a fetch may queue for a slot on a rate-limited host
MAX_RETRY_AFTER = 24 * 3600.0  # a hostile Retry-After cannot park a source for ever


class RateLimitedError(FetchError):
    """The host asked us to wait (429/503 with Retry-After); nothing was fetched."""

    def __init__(self, host: str, until: datetime, message: str) -> None:
        self.host = host
        self.until = until
        super().__init__(message)


class FetchCancelledError(FetchError):
    """The fetch was abandoned because the process is shutting down."""


@dataclass(frozen=True)
class FetchResult:
    """One completed fetch: final URL, body (decompressed) and cache validators."""

    url: str
    status_code: int
    content: bytes
    content_type: str | None
    etag: str = ""
    last_modified: str = ""
    not_modified: bool = False


class HostLimiter:
    """Per-host politeness shared by every fetch through one client (thread-safe)."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._next_slot: dict[str, float] = {}  # host -> monotonic time of next request
        self._blocked: dict[str, datetime] = {}  # host -> Retry-After end (wall clock)
        self.cancelled = threading.Event()

    def blocked_until(self, host: str, now: datetime) -> datetime | None:
        """When the host's Retry-After block ends, or None when it is not blocked."""
        with self._lock:
            until = self._blocked.get(host)
            if until is not None and until <= now:
                del self._blocked[host]
                return None
            return until

    def block(self, host: str, until: datetime) -> None:
        """Refuse requests to ``host`` until ``until``."""
        with self._lock:
            self._blocked[host] = max(until, self._blocked.get(host, until))

    def reserve(self, host: str, interval: float, max_wait: float = MAX_SLOT_WAIT) -> float:
        """Book the host's next request slot; return how many seconds to wait for it.

        A slot further away than ``max_wait`` is not booked: FetchError (host busy).
        """
        with self._lock:
            now = time.monotonic()
            start = max(now, self._next_slot.get(host, 0.0))
            if start - now > max_wait:
                raise FetchError(
                    f"{host} is busy: its next request slot is {start - now:.0f} s away"
                )
            self._next_slot[host] = start + interval
            if len(self._next_slot) > MAX_TRACKED_HOSTS:
                # Article pages reach many hosts over months; past slots constrain nothing.
                self._next_slot = {h: t for h, t in self._next_slot.items() if t > now}
            return start - now


_limiters: weakref.WeakKeyDictionary[httpx.Client, HostLimiter] = weakref.WeakKeyDictionary()
_limiters_lock = threading.Lock()


def limiter_for(client: httpx.Client) -> HostLimiter:
    """The per-host limiter that lives as long as ``client`` (one per client)."""
    with _limiters_lock:
        limiter = _limiters.get(client)
        if limiter is None:
            limiter = _limiters[client] = HostLimiter()
        return limiter


def cancel_fetches(client: httpx.Client) -> None:
    """Make fetches in flight on ``client`` stop at their next chunk (for shutdown)."""
    limiter_for(client).cancelled.set()


def make_client(limits: FetchLimits | None = None) -> httpx.Client:
    """An httpx client set up for sources: our User-Agent, no automatic redirects."""
    limits = limits or FetchLimits()
    return httpx.Client(
        headers={"User-Agent": limits.user_agent},
        follow_redirects=False,  # fetch() follows them itself, counting and checking hosts
        timeout=httpx.Timeout(limits.total_timeout, connect=limits.connect_timeout),
    )


def parse_retry_after(value: str | None, now: datetime) -> datetime | None:
    """The time a Retry-After header (seconds or HTTP date) points at, capped at a day."""
    if not value:
        return None
    value = value.strip()
    try:
        seconds = float(value)
    except ValueError:
        try:
            when = parsedate_to_datetime(value)
        except (TypeError, ValueError, IndexError):
            return None
        if when.tzinfo is None:
            when = when.replace(tzinfo=UTC)
        seconds = (when - now).total_seconds()
    seconds = min(max(seconds, 0.0), MAX_RETRY_AFTER)
    return now + timedelta(seconds=seconds)


class _Decoder:
    """Content-Encoding decoder that never produces more than it is allowed to."""

    def __init__(self, encoding: str) -> None:
        self.encoding = encoding
        if encoding in ("gzip", "x-gzip"):
            self._zlib = zlib.decompressobj(16 + zlib.MAX_WBITS)
        elif encoding == "deflate":
            self._zlib = zlib.decompressobj()
            self._first = True
        elif encoding in ("identity", ""):
            self._zlib = None
        else:
            raise FetchError(f"unsupported Content-Encoding {encoding!r}")

    def decode(self, data: bytes, budget: int) -> bytes:
        """Decompress ``data``; output longer than ``budget`` means the cap is hit."""
        if self._zlib is None:
            return data
        try:
            if self.encoding == "deflate" and getattr(self, "_first", False):
                self._first = False
                try:
                    return self._zlib.decompress(data, budget + 1)
                except zlib.error:  # some servers send raw deflate without the zlib header
                    self._zlib = zlib.decompressobj(-zlib.MAX_WBITS)
            return self._zlib.decompress(data, budget + 1)
        except zlib.error as exc:
            raise FetchError(f"corrupt {self.encoding} body: {exc}") from None


def _read_capped(
    response: httpx.Response, max_bytes: int, deadline: float, limiter: HostLimiter
) -> bytes:
    encoding = response.headers.get("content-encoding", "identity").strip().lower()
    decoder = _Decoder(encoding)
    declared = response.headers.get("content-length", "")
    if decoder.encoding in ("identity", "") and declared.isdigit() and int(declared) > max_bytes:
        raise BodyTooLargeError(f"body of {int(declared)} bytes exceeds the cap of {max_bytes}")
    body = bytearray()
    timeouts = response.request.extensions.get("timeout")
    chunks: Iterator[bytes] = response.iter_raw()
    while True:
        remaining = deadline - time.monotonic()
        if remaining <= 0:
            raise FetchError("timed out: the total deadline passed while reading the body")
        if limiter.cancelled.is_set():
            raise FetchCancelledError("fetch abandoned: shutting down")
        if isinstance(timeouts, dict):
            # httpcore reads this per socket read: the next read may not outlive the deadline
            timeouts["read"] = remaining
        chunk = next(chunks, None)
        if chunk is None:
            break
        body += decoder.decode(chunk, max_bytes - len(body))
        if len(body) > max_bytes:
            raise BodyTooLargeError(f"body exceeds the cap of {max_bytes} bytes")
    return bytes(body)


def _drain(response: httpx.Response, deadline: float, limiter: HostLimiter) -> None:
    """Read a small unwanted body (304, redirect, error page) so the connection is reused."""
    try:
        _read_capped(response, DRAIN_BYTES, deadline, limiter)
    except FetchError:
        pass  # too big or too slow: the connection is dropped instead


def _check_url(url: str) -> str:
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise FetchError(f"not an http(s) URL: {url!r}")
    return parts.hostname.lower()


def _wait_for_slot(
    limiter: HostLimiter, host: str, interval: float, deadline: float | None
) -> None:
    """Wait for the host's next slot: queueing for a slot is not the server's slowness,
    so it counts against the total deadline only for redirect hops (``deadline`` set)."""
    max_wait = MAX_SLOT_WAIT if deadline is None else max(0.0, deadline - time.monotonic())
    wait = limiter.reserve(host, interval, max_wait)
    if wait > 0 and limiter.cancelled.wait(wait):
        raise FetchCancelledError("fetch abandoned: shutting down")


def fetch(
    client: httpx.Client,
    url: str,
    limits: FetchLimits,
    *,
    now: datetime,
    etag: str = "",
    last_modified: str = "",
    min_interval: float | None = None,
    accept: str = FEED_ACCEPT,
) -> FetchResult:
    """GET ``url`` within ``limits``; FetchError (or a subclass) on any failure."""
    limiter = limiter_for(client)
    interval = max(limits.per_host_interval, min_interval or 0.0)
    deadline: float | None = None  # starts with the first request, after any slot wait
    seen: set[str] = set()
    for _hop in range(limits.max_redirects + 1):
        host = _check_url(url)
        if url in seen:
            raise FetchError(f"redirect loop: {url} was reached twice")
        seen.add(url)
        until = limiter.blocked_until(host, now)
        if until is not None:
            raise RateLimitedError(host, until, f"{host} asked to wait until {until:%H:%M:%S}Z")
        _wait_for_slot(limiter, host, interval, deadline)
        if deadline is None:
            deadline = time.monotonic() + limits.total_timeout
        if limiter.cancelled.is_set():
            raise FetchCancelledError("fetch abandoned: shutting down")
        headers = {"User-Agent": limits.user_agent, "Accept": accept,
                   "Accept-Encoding": "gzip, deflate"}
        if etag:
            headers["If-None-Match"] = etag
        if last_modified:
            headers["If-Modified-Since"] = last_modified
        result = _get(client, url, headers, limits, deadline, limiter, now)
        if isinstance(result, FetchResult):
            return result
        url = result
    raise FetchError(f"too many redirects (more than {limits.max_redirects})")


def _get(
    client: httpx.Client,
    url: str,
    headers: dict[str, str],
    limits: FetchLimits,
    deadline: float,
    limiter: HostLimiter,
    now: datetime,
) -> FetchResult | str:
    """One request: a FetchResult, or the next URL when the answer is a redirect."""
    remaining = max(deadline - time.monotonic(), 0.01)
    timeout = httpx.Timeout(remaining, connect=min(limits.connect_timeout, remaining))
    try:
        with client.stream(
            "GET", url, headers=headers, timeout=timeout, follow_redirects=False
        ) as response:
            status = response.status_code
            if status in REDIRECT_CODES or status == 304 or status >= 400:
                _drain(response, deadline, limiter)
            if status in REDIRECT_CODES:
                location = response.headers.get("location")
                if not location:
                    raise FetchError(f"HTTP {status} redirect without a Location from {url}")
                return urljoin(url, location.strip())
            validators = {
                "etag": response.headers.get("etag", ""),
                "last_modified": response.headers.get("last-modified", ""),
            }
            if status == 304:
                return FetchResult(url, status, b"", None, not_modified=True, **validators)
            if status in RATE_LIMIT_CODES:
                _rate_limited(response, limiter, now, limits)
            if status >= 400:
                raise FetchError(f"HTTP {status} {response.reason_phrase} from {url}")
            body = _read_capped(response, limits.max_bytes, deadline, limiter)
            return FetchResult(
                str(response.url), status, body, response.headers.get("content-type"),
                **validators,
            )
    except httpx.TimeoutException:
        raise FetchError(
            f"timed out after {limits.total_timeout:g} s fetching {url}"
        ) from None
    except httpx.HTTPError as exc:
        detail = str(exc) or type(exc).__name__
        raise FetchError(f"cannot fetch {url}: {detail}") from None


def _rate_limited(
    response: httpx.Response, limiter: HostLimiter, now: datetime, limits: FetchLimits
) -> None:
    host = response.url.host
    until = parse_retry_after(response.headers.get("retry-after"), now)
    if until is None:
        if response.status_code == 503:
            return  # a plain outage: the caller reports the HTTP error
        until = now + timedelta(seconds=max(DEFAULT_429_WAIT, limits.per_host_interval))
    limiter.block(host, until)
    raise RateLimitedError(
        host, until, f"HTTP {response.status_code} from {host}: retry after {until:%H:%M:%S}Z"
    )
