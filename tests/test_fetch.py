"""Fetching against real servers on 127.0.0.1: deadlines, caps, redirects, politeness."""

from __future__ import annotations

import threading
import time
from dataclasses import replace
from datetime import UTC, datetime, timedelta

import httpx
import pytest

from tests.feedserver import FeedServer, Reply, rss
from tracker import USER_AGENT
from tracker.config import FetchLimits, SourceConfig
from tracker.errors import BodyTooLargeError, FetchError
from tracker.models import SourceState
from tracker.sources import make_client, poll_source
from tracker.sources.fetch import (
    FetchCancelledError,
    RateLimitedError,
    cancel_fetches,
    fetch,
    parse_retry_after,
)
from tracker.sources.health import backoff_delay, is_due

NOW = datetime(2024, 5, 1, 12, 0, tzinfo=UTC)
FAST = FetchLimits(total_timeout=1.0, connect_timeout=1.0, per_host_interval=0.0)
FEED = rss([("Road reopened", "http://news.invalid/a?utm_source=x#top", "The road is open.")])


@pytest.fixture
def server():
    with FeedServer() as srv:
        yield srv


@pytest.fixture
def client():
    with make_client(FAST) as c:
        yield c


def test_plain_fetch_sends_user_agent_and_returns_body(server, client):
    server.add("/feed.xml", FEED)
    result = fetch(client, server.url("/feed.xml"), FAST, now=NOW)
    assert result.content == FEED
    assert result.status_code == 200 and result.etag
    assert server.hits("/feed.xml")[0].headers["user-agent"] == USER_AGENT
    assert "https://" in USER_AGENT  # names the project's URL


def test_hanging_server_trips_the_total_deadline(server, client):
    server.hang("/hang")
    started = time.monotonic()
    with pytest.raises(FetchError, match="timed out"):
        fetch(client, server.url("/hang"), FAST, now=NOW)
    assert time.monotonic() - started < 5  # deadline 1 s; generous bound for slow CI


def test_trickling_server_trips_the_total_deadline(server, client):
    # 200 bytes at one byte per 0.1 s: every read succeeds, only the total deadline stops it
    server.trickle("/slow", FEED[:200], delay=0.1)
    started = time.monotonic()
    with pytest.raises(FetchError, match="timed out"):
        fetch(client, server.url("/slow"), FAST, now=NOW)
    assert time.monotonic() - started < 5


def test_fifty_megabyte_body_stops_at_the_cap(server):
    server.large("/big", 50 * 1024 * 1024)
    limits = replace(FAST, total_timeout=30.0)
    with make_client(limits) as c, pytest.raises(BodyTooLargeError, match="cap"):
        fetch(c, server.url("/big"), limits, now=NOW)


def test_declared_content_length_over_the_cap_is_refused_before_reading(server, client):
    server.add_reply("/declared", Reply(200, b"x" * 4096, {"content-type": "text/xml"}))
    with pytest.raises(BodyTooLargeError, match="4096 bytes"):
        fetch(client, server.url("/declared"), replace(FAST, max_bytes=1024), now=NOW)


def test_gzip_bomb_is_capped_after_decompression(server, client):
    server.gzip_bomb("/bomb", 50 * 1024 * 1024)
    limits = replace(FAST, max_bytes=1024 * 1024, total_timeout=10.0)
    with pytest.raises(BodyTooLargeError):
        fetch(client, server.url("/bomb"), limits, now=NOW)


def test_gzip_body_under_the_cap_is_decompressed(server, client):
    import gzip

    server.add_reply("/gz", Reply(200, gzip.compress(FEED), {"content-encoding": "gzip"}))
    assert fetch(client, server.url("/gz"), FAST, now=NOW).content == FEED


def test_redirect_is_followed_and_a_loop_is_an_error(server, client):
    server.add("/feed.xml", FEED)
    server.redirect("/old", "/feed.xml", status=301)
    result = fetch(client, server.url("/old"), FAST, now=NOW)
    assert result.url == server.url("/feed.xml") and result.content == FEED
    server.redirect("/a", "/b")
    server.redirect("/b", "/a")
    with pytest.raises(FetchError, match="redirect loop"):
        fetch(client, server.url("/a"), FAST, now=NOW)


def test_redirect_chain_longer_than_the_limit_is_an_error(server, client):
    for i in range(4):
        server.redirect(f"/r{i}", f"/r{i + 1}")
    server.add("/r4", FEED)
    with pytest.raises(FetchError, match="too many redirects"):
        fetch(client, server.url("/r0"), replace(FAST, max_redirects=2), now=NOW)
    assert fetch(client, server.url("/r0"), FAST, now=NOW).content == FEED


def test_conditional_get_gets_304(server, client):
    server.add("/feed.xml", FEED)
    first = fetch(client, server.url("/feed.xml"), FAST, now=NOW)
    second = fetch(client, server.url("/feed.xml"), FAST, now=NOW, etag=first.etag,
                   last_modified=first.last_modified)
    assert second.not_modified and second.content == b""
    sent = server.hits("/feed.xml")[1].headers
    assert sent["if-none-match"] == first.etag
    assert sent["if-modified-since"] == first.last_modified


def test_429_retry_after_blocks_the_host_without_new_requests(server, client):
    server.add_reply("/limited", Reply(429, b"slow down", {"retry-after": "120"}))
    server.add("/other", FEED)
    with pytest.raises(RateLimitedError) as info:
        fetch(client, server.url("/limited"), FAST, now=NOW)
    assert info.value.until == NOW + timedelta(seconds=120)
    with pytest.raises(RateLimitedError):  # same host, other path: refused locally
        fetch(client, server.url("/other"), FAST, now=NOW + timedelta(seconds=60))
    assert len(server.requests) == 1
    later = fetch(client, server.url("/other"), FAST, now=NOW + timedelta(seconds=121))
    assert later.content == FEED


def test_poll_source_honours_retry_after_in_next_attempt(server, client):
    server.add_reply("/limited", Reply(429, b"", {"retry-after": "3600"}))
    source = SourceConfig(name="s", kind="rss", url=server.url("/limited"), interval=60)
    outcome = poll_source(source, client, None, NOW, FAST)
    assert outcome.error and "429" in outcome.error
    assert outcome.state.next_attempt == NOW + timedelta(seconds=3600)
    assert not is_due(outcome.state, NOW + timedelta(seconds=3599))


def test_retry_after_http_date_and_garbage():
    assert parse_retry_after("Wed, 01 May 2024 12:05:00 GMT", NOW) == NOW + timedelta(minutes=5)
    assert parse_retry_after("soon", NOW) is None
    assert parse_retry_after("99999999", NOW) == NOW + timedelta(days=1)  # capped


def test_per_host_interval_spaces_requests(server):
    server.add("/feed.xml", FEED)
    limits = replace(FAST, per_host_interval=0.3)
    sent: list[float] = []  # client-side send times: server-side times carry thread jitter
    with httpx.Client(event_hooks={"request": [lambda _r: sent.append(time.monotonic())]}) as c:
        for _ in range(3):
            fetch(c, server.url("/feed.xml"), limits, now=NOW)
    assert len(sent) == 3
    assert all(b - a >= 0.29 for a, b in zip(sent, sent[1:], strict=False)), sent


def test_http_error_and_refused_connection_are_fetch_errors(server, client):
    server.add_reply("/gone", Reply(404, b"no"))
    with pytest.raises(FetchError, match="HTTP 404"):
        fetch(client, server.url("/gone"), FAST, now=NOW)
    with pytest.raises(FetchError, match="cannot fetch"):
        fetch(client, "http://127.0.0.1:9/feed.xml", FAST, now=NOW)
    with pytest.raises(FetchError, match="not an http"):
        fetch(client, "file:///etc/passwd", FAST, now=NOW)


def test_cancel_abandons_a_fetch_in_flight(server):
    server.trickle("/slow", FEED, delay=0.05)
    limits = replace(FAST, total_timeout=60.0)
    errors: list[Exception] = []
    with make_client(limits) as c:
        def run() -> None:
            try:
                fetch(c, server.url("/slow"), limits, now=NOW)
            except FetchError as exc:
                errors.append(exc)

        worker = threading.Thread(target=run)
        worker.start()
        while not server.hits("/slow"):
            time.sleep(0.01)
        cancel_fetches(c)
        worker.join(timeout=5)
    assert not worker.is_alive()
    assert isinstance(errors[0], FetchCancelledError)


def test_poll_source_records_errors_with_backoff_and_recovers(server, client):
    server.add_sequence("/flaky", [Reply(500), Reply(500), Reply(500),
                                   Reply(200, FEED, {"content-type": "application/rss+xml"})])
    source = SourceConfig(name="flaky", kind="rss", url=server.url("/flaky"), interval=60)
    limits = replace(FAST, backoff_ceiling=150.0)
    state: SourceState | None = None
    delays = []
    for _ in range(3):
        outcome = poll_source(source, client, state, NOW, limits)
        state = outcome.state
        assert outcome.error and "HTTP 500" in outcome.error and outcome.articles == []
        delays.append((state.next_attempt - NOW).total_seconds())
    assert delays == [60, 120, 150]  # doubling, then the ceiling
    assert state.consecutive_errors == 3 and "500" in state.last_error
    outcome = poll_source(source, client, state, NOW, limits)  # the outage is over
    assert outcome.error is None and len(outcome.articles) == 1
    assert outcome.state.consecutive_errors == 0 and outcome.state.next_attempt is None
    assert outcome.articles[0].url == "http://news.invalid/a"


def test_backoff_never_gives_up():
    assert backoff_delay(10_000, 60, 3600) == 3600
    assert backoff_delay(1, 60, 30) == 60  # never sooner than the interval


def test_poll_source_not_modified_keeps_validators(server, client):
    server.add("/feed.xml", FEED)
    source = SourceConfig(name="f", kind="rss", url=server.url("/feed.xml"))
    first = poll_source(source, client, None, NOW, FAST)
    second = poll_source(source, client, first.state, NOW, FAST)
    assert second.not_modified and second.articles == [] and second.error is None
    assert second.state.etag == first.state.etag and first.state.etag


def test_html_instead_of_a_feed_is_an_error_not_no_news(server, client):
    server.add("/feed.xml", b"<!DOCTYPE html><html><head><title>Maintenance</title></head>"
               b"<body>Back soon</body></html>", content_type="text/html")
    source = SourceConfig(name="f", kind="rss", url=server.url("/feed.xml"))
    outcome = poll_source(source, client, None, NOW, FAST)
    assert outcome.error and "HTML page" in outcome.error and "Maintenance" in outcome.error
    assert outcome.state.consecutive_errors == 1


def test_plain_httpx_client_works_too(server):
    server.add("/feed.xml", FEED)
    source = SourceConfig(name="f", kind="rss", url=server.url("/feed.xml"))
    with httpx.Client() as plain:
        outcome = poll_source(source, plain, None, NOW, FAST)
    assert outcome.error is None and len(outcome.articles) == 1


def test_gdelt_source_polls_the_api_and_spaces_requests_by_five_seconds(server, client):
    body = (b'{"articles": [{"url": "https://agency.example/a", "title": "Pass shut",'
            b' "seendate": "20240501T100000Z", "domain": "agency.example",'
            b' "language": "English"}]}')
    server.add("/api/v2/doc/doc", body, content_type="application/json")
    source = SourceConfig(name="g", kind="gdelt", url=server.url("/api/v2/doc/doc"),
                          query='("Upper Lars" OR "Verkhny Lars")')
    outcome = poll_source(source, client, None, NOW, FAST)
    assert outcome.error is None and [a.url for a in outcome.articles] == [
        "https://agency.example/a"]
    (request,) = server.hits("/api/v2/doc/doc")
    assert "mode=artlist" in request.path and "format=json" in request.path
    assert "if-none-match" not in request.headers
    # The API asks for one request per 5 s: the next slot on that host is ~5 s away.
    from tracker.sources.fetch import limiter_for

    assert limiter_for(client).reserve("127.0.0.1", 0.0) > 4.5


def test_a_host_whose_queue_is_too_long_is_busy_not_waited_for(client):
    from tracker.sources.fetch import limiter_for

    limiter = limiter_for(client)
    limiter.reserve("busy.example", 100.0)
    with pytest.raises(FetchError, match="busy"):
        limiter.reserve("busy.example", 1.0, max_wait=60.0)


PAGE = b"""<!DOCTYPE html><html><head><title>Ferry</title></head><body><article>
<h1>Ferry line resumes</h1>
<p>The ferry line across the strait resumed service on Tuesday after a three-day halt
caused by storms, the port authority said in a statement to reporters at the terminal.</p>
<p>Officials said the crossing would run on a reduced timetable until the weekend while
crews inspect the piers, and that freight trucks would board first at every departure.</p>
</article></body></html>"""


def test_fetch_pages_replaces_short_summaries_and_survives_a_broken_page(server, client):
    server.add_reply("/story/1", Reply(200, PAGE, {"content-type": "text/html"}))
    server.add_reply("/story/2", Reply(500))
    feed = rss([("Ferry", server.url("/story/1"), "Short summary."),
                ("Broken", server.url("/story/2"), "Kept summary.")])
    server.add("/feed.xml", feed)
    source = SourceConfig(name="f", kind="rss", url=server.url("/feed.xml"), fetch_pages=True)
    outcome = poll_source(source, client, None, NOW, FAST)
    assert outcome.error is None
    first, second = outcome.articles
    assert "freight trucks would board first" in first.text
    assert second.text == "Kept summary."  # a page that fails costs nothing


def test_page_source_is_one_article(server, client):
    server.add_reply("/story/1", Reply(200, PAGE, {"content-type": "text/html"}))
    source = SourceConfig(name="p", kind="page", url=server.url("/story/1"))
    outcome = poll_source(source, client, None, NOW, FAST)
    assert outcome.error is None
    (article,) = outcome.articles
    assert article.url == server.url("/story/1") and "strait" in article.text


def test_not_modified_polls_reuse_one_connection(server, client):
    server.add("/feed.xml", FEED)
    source = SourceConfig(name="f", kind="rss", url=server.url("/feed.xml"))
    state = None
    for _ in range(5):
        state = poll_source(source, client, state, NOW, FAST).state
    assert len(server.hits("/feed.xml")) == 5
    assert server.connections == 1  # 304 bodies are drained, so keep-alive works


def test_503_with_retry_after_blocks_the_host_too(server, client):
    server.add_reply("/maint", Reply(503, b"maintenance", {"retry-after": "30"}))
    with pytest.raises(RateLimitedError) as info:
        fetch(client, server.url("/maint"), FAST, now=NOW)
    assert info.value.until == NOW + timedelta(seconds=30)


def test_wrong_charset_header_over_http(server, client):
    text = "Пункт пропуска закрыт на ремонт дороги."
    body = rss([("Пропуск", "http://wire.example.org/1", text)], encoding="windows-1251")
    server.add("/feed.xml", body, content_type="application/rss+xml; charset=utf-8")
    source = SourceConfig(name="ru", kind="rss", url=server.url("/feed.xml"), language="ru")
    (article,) = poll_source(source, client, None, NOW, FAST).articles
    assert article.text == text and article.language == "ru"
