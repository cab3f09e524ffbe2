"""Sources: fetch (httpx, limits, conditional GET) and parse (bytes in, articles out).

``poll_source`` is the one entry point of the pipeline: it never raises for network or
parse faults; it records them in the returned SourceState (errors, backoff).
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from datetime import datetime
from typing import TYPE_CHECKING

from tracker.config import FetchLimits, SourceConfig
from tracker.errors import TrackerError
from tracker.models import Article, SourceState
from tracker.sources.feeds import parse_feed
from tracker.sources.health import is_due, record_failure, record_success

if TYPE_CHECKING:  # pragma: no cover - typing only
    import httpx

__all__ = [
    "PollOutcome", "is_due", "make_client", "parse_feed", "poll_source",
]


@dataclass(frozen=True)
class PollOutcome:
    """What one poll of one source produced, and the source's state afterwards."""

    articles: list[Article] = field(default_factory=list)
    state: SourceState = field(default_factory=lambda: SourceState(name=""))
    not_modified: bool = False
    error: str | None = None


def make_client(limits: FetchLimits | None = None) -> httpx.Client:
    """An httpx client for polling sources (see ``fetch.make_client``)."""
    from tracker.sources.fetch import make_client as _make

    return _make(limits)


def _parse(source: SourceConfig, data: bytes, url: str, content_type: str | None):
    if source.kind == "gdelt":
        from tracker.sources.gdelt import parse_gdelt

        return parse_gdelt(data, source=source.name, language=source.language)
    if source.kind == "page":
        from tracker.sources.pages import parse_page

        return [parse_page(data, url=url, source=source.name, content_type=content_type,
                           outlet=source.outlet, language=source.language)]
    return parse_feed(data, base_url=url, source=source.name, content_type=content_type,
                      outlet=source.outlet, language=source.language)


def _with_pages(
    articles: list[Article], client: httpx.Client, limits: FetchLimits, now: datetime
) -> list[Article]:
    """Replace summaries by the linked pages' main text (best effort, capped per poll)."""
    from tracker.sources.fetch import PAGE_ACCEPT, FetchCancelledError, fetch
    from tracker.sources.pages import SHORT_TEXT, extract_main_text

    enriched: list[Article] = []
    budget = limits.max_pages
    for article in articles:
        if budget > 0 and len(article.text) < SHORT_TEXT:
            budget -= 1
            try:
                page = fetch(client, article.url, limits, now=now, accept=PAGE_ACCEPT)
                text = extract_main_text(page.content, url=page.url,
                                         content_type=page.content_type)
            except FetchCancelledError:
                raise
            except TrackerError:
                text = ""  # the summary is still worth keeping
            if len(text) > len(article.text):
                article = replace(article, text=text)
        enriched.append(article)
    return enriched


def poll_source(
    source: SourceConfig,
    client: httpx.Client,
    state: SourceState | None,
    now: datetime,
    limits: FetchLimits | None = None,
) -> PollOutcome:
    """Fetch and parse one source; faults end up in the returned state, never raised."""
    from tracker.sources.fetch import FetchCancelledError, RateLimitedError, fetch
    from tracker.sources.gdelt import MIN_INTERVAL

    limits = limits or FetchLimits()
    state = state or SourceState(name=source.name)
    conditional = source.kind != "gdelt"  # the API ignores validators; its URL is a query
    try:
        result = fetch(
            client, source.request_url, limits, now=now,
            etag=state.etag if conditional else "",
            last_modified=state.last_modified if conditional else "",
            min_interval=MIN_INTERVAL if source.kind == "gdelt" else None,
        )
        if result.not_modified:
            return PollOutcome([], record_success(state, now), not_modified=True)
        articles = _parse(source, result.content, result.url, result.content_type)
        if source.fetch_pages and source.kind != "page":
            articles = _with_pages(articles, client, limits, now)
    except FetchCancelledError as exc:
        return PollOutcome([], state, error=str(exc))  # shutdown is not the source's fault
    except Exception as exc:  # noqa: BLE001 - the daemon must outlive any one source
        message = str(exc) if isinstance(exc, TrackerError) else (
            f"unexpected {type(exc).__name__}: {exc}"
        )
        retry_at = exc.until if isinstance(exc, RateLimitedError) else None
        failed = record_failure(state, now, message, interval=source.interval,
                                ceiling=limits.backoff_ceiling, retry_at=retry_at)
        return PollOutcome([], failed, error=message)
    ok = record_success(
        state, now,
        etag=result.etag if conditional else "",
        last_modified=result.last_modified if conditional else "",
        articles=len(articles),
    )
    return PollOutcome(articles, ok)
