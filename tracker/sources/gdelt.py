"""GDELT DOC 2.0 API: query builder and artlist JSON -> articles. No I/O.

The API answers at most 250 articles a query and asks for no more than one request
every 5 s (enforced per host by fetch via ``MIN_INTERVAL``).
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from datetime import UTC, datetime
from urllib.parse import urlencode

from tracker.errors import ParseError
from tracker.models import Article
from tracker.urls import clean_url

ENDPOINT = "https://api.gdeltproject.org/api/v2/doc/doc"
MIN_INTERVAL = 5.0  # seconds between two requests to the API host
MAX_RECORDS = 250
MIN_TERM_LENGTH = 3  # GDELT rejects shorter keywords
MAX_TERMS = 20  # long OR-lists are rejected as too complex

# GDELT names languages in English; articles carry ISO 639-1 codes.
LANGUAGES = {
    "english": "en", "russian": "ru", "armenian": "hy", "azerbaijani": "az",
    "georgian": "ka", "turkish": "tr", "persian": "fa", "arabic": "ar", "french": "fr",
    "german": "de", "spanish": "es", "ukrainian": "uk", "polish": "pl", "lithuanian": "lt",
    "hebrew": "he", "chinese": "zh", "italian": "it", "portuguese": "pt", "kazakh": "kk",
}


def build_query(aliases: Iterable[str]) -> str:
    """A GDELT query matching any of the aliases: quoted phrases ORed in parentheses."""
    terms: list[str] = []
    seen: set[str] = set()
    for alias in aliases:
        alias = " ".join(alias.replace('"', " ").split())
        if len(alias) < MIN_TERM_LENGTH or alias.lower() in seen:
            continue
        seen.add(alias.lower())
        terms.append(f'"{alias}"' if " " in alias or "-" in alias else alias)
    if not terms:
        raise ValueError("no alias is long enough for a GDELT query")
    terms = terms[:MAX_TERMS]
    # GDELT allows parentheses only around OR'd terms.
    return terms[0] if len(terms) == 1 else "(" + " OR ".join(terms) + ")"


def build_url(query: str, *, endpoint: str = ENDPOINT, timespan: str = "1d") -> str:
    """The artlist JSON URL of a query, newest first, as many records as GDELT allows."""
    params = {
        "query": query, "mode": "artlist", "format": "json",
        "maxrecords": str(MAX_RECORDS), "sort": "datedesc", "timespan": timespan,
    }
    return f"{endpoint}?{urlencode(params)}"


def _seen(value: str) -> datetime | None:
    try:
        return datetime.strptime(value, "%Y%m%dT%H%M%SZ").replace(tzinfo=UTC)
    except (TypeError, ValueError):
        return None


def parse_gdelt(data: bytes, *, source: str, language: str = "") -> list[Article]:
    """Articles of an artlist JSON answer; ParseError for GDELT's plain-text errors."""
    text = data.decode("utf-8", errors="replace").strip()
    if not text:
        raise ParseError(f"{source}: empty answer from GDELT")
    try:
        doc = json.loads(text)
    except json.JSONDecodeError:
        # GDELT reports bad queries and rate limiting as a plain-text sentence.
        raise ParseError(f"{source}: GDELT answered: {text[:200]!r}") from None
    if not isinstance(doc, dict):
        raise ParseError(f"{source}: GDELT answer is not a JSON object")
    items = doc.get("articles", [])  # no matches: GDELT answers {}
    if not isinstance(items, list):
        raise ParseError(f"{source}: GDELT 'articles' is not a list")
    articles: dict[str, Article] = {}
    for item in items:
        if not isinstance(item, dict) or not item.get("url"):
            continue
        url = clean_url(str(item["url"]))
        if url in articles:
            continue
        title = " ".join(str(item.get("title", "")).split())
        lang = LANGUAGES.get(str(item.get("language", "")).lower(), "")
        articles[url] = Article(
            url=url,
            title=title,
            text="",
            published=_seen(str(item.get("seendate", ""))),
            source=source,
            outlet=str(item.get("domain", "")),
            guid=url,
            language=language or lang or "en",
        )
    return list(articles.values())
