"""Article pages: HTML bytes -> main text, with trafilatura (imported lazily). No I/O."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from tracker.errors import ParseError
from tracker.models import Article
from tracker.sources.feeds import decode_text
from tracker.urls import clean_url

SHORT_TEXT = 280  # characters: an entry this short carries only a summary


def _extract(html: str, url: str) -> Any:
    import trafilatura

    return trafilatura.bare_extraction(
        html, url=url or None, include_comments=False, include_tables=False,
        favor_precision=True, with_metadata=True,
    )


def extract_main_text(data: bytes, *, url: str = "", content_type: str | None = None) -> str:
    """The main text of an article page ("" when the page has none)."""
    doc = _extract(decode_text(data, content_type), url)
    return (getattr(doc, "text", None) or "").strip() if doc is not None else ""


def parse_page(
    data: bytes,
    *,
    url: str,
    source: str,
    content_type: str | None = None,
    outlet: str = "",
    language: str = "",
) -> Article:
    """One page as an article (title, main text, date); ParseError when it has no text."""
    doc = _extract(decode_text(data, content_type), url)
    text = (getattr(doc, "text", None) or "").strip() if doc is not None else ""
    if not text:
        raise ParseError(f"{source}: no article text found on {url}")
    published = None
    raw_date = getattr(doc, "date", None)
    if raw_date:
        try:
            published = datetime.fromisoformat(str(raw_date)).replace(tzinfo=UTC)
        except ValueError:
            published = None
    return Article(
        url=clean_url(url),
        title=(getattr(doc, "title", None) or "").strip(),
        text=text,
        published=published,
        source=source,
        outlet=outlet or (getattr(doc, "sitename", None) or ""),
        guid=clean_url(url),
        language=language or (getattr(doc, "language", None) or "en"),
    )
