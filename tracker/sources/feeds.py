"""RSS/Atom/RDF bytes -> articles. No I/O.

The charset is taken from the BOM, then the bytes themselves when they are valid UTF-8,
then the declarations (HTTP header, XML prolog, HTML meta), then detection. Malformed
XML is salvaged where possible; an HTML page (error page, bot challenge) is a
ParseError, never an empty list, so that a broken source is never read as "no news".
"""

from __future__ import annotations

import codecs
import io
import re
import warnings
from calendar import timegm
from datetime import UTC, datetime
from html.parser import HTMLParser
from typing import Any
from urllib.parse import urljoin

from tracker.errors import ParseError
from tracker.models import Article
from tracker.urls import clean_url

# Phrases of bot-challenge and block pages, checked in the first bytes of an HTML answer.
CHALLENGE_MARKERS = (
    ("cf-browser-verification", "a Cloudflare browser check"),
    ("challenge-platform", "a Cloudflare challenge"),
    ("just a moment...", "a bot challenge (\"Just a moment...\")"),
    ("attention required! | cloudflare", "a Cloudflare block page"),
    ("ddos-guard", "a DDoS-Guard challenge"),
    ("captcha", "a CAPTCHA page"),
    ("are you a robot", "a bot check"),
    ("enable javascript and cookies", "a bot challenge"),
    ("access denied", "an access-denied page"),
)
FEED_ROOTS = (b"<rss", b"<feed", b"<rdf:rdf", b"<rdf", b"<channel")
HTML_ROOTS = (b"<!doctype html", b"<html")
SNIFF_BYTES = 4096
BOMS = (
    (codecs.BOM_UTF8, "utf-8-sig"),
    (codecs.BOM_UTF32_LE, "utf-32"),
    (codecs.BOM_UTF32_BE, "utf-32"),
    (codecs.BOM_UTF16_LE, "utf-16"),
    (codecs.BOM_UTF16_BE, "utf-16"),
)
_HEADER_CHARSET = re.compile(r"charset\s*=\s*[\"']?([\w.:\-]+)", re.I)
_PROLOG = re.compile(rb"^\s*<\?xml[^>]*?encoding\s*=\s*[\"']([\w.:\-]+)[\"']", re.I)
_PROLOG_ANY = re.compile(r"^\s*<\?xml[^>]*\?>", re.I)
_META = re.compile(rb"<meta[^>]+charset\s*=\s*[\"']?([\w.:\-]+)", re.I)
_INVALID_XML_CHARS = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")
_BARE_AMP = re.compile(r"&(?!(?:[A-Za-z][A-Za-z0-9]*|#[0-9]+|#[xX][0-9A-Fa-f]+);)")
_SPACES = re.compile(r"[ \t\r\f\v]+")
_BLANK_LINES = re.compile(r"\n\s*\n+")


def _codec(name: str | None) -> str | None:
    if not name:
        return None
    try:
        return codecs.lookup(name).name
    except LookupError:
        return None


def declared_charsets(data: bytes, content_type: str | None) -> list[str]:
    """Charsets declared by the HTTP header, the XML prolog and an HTML meta tag, in order."""
    found: list[str | None] = []
    if content_type:
        match = _HEADER_CHARSET.search(content_type)
        found.append(_codec(match.group(1)) if match else None)
    head = data[:SNIFF_BYTES]
    prolog = _PROLOG.search(head)
    found.append(_codec(prolog.group(1).decode("ascii")) if prolog else None)
    meta = _META.search(head)
    found.append(_codec(meta.group(1).decode("ascii")) if meta else None)
    return [c for c in dict.fromkeys(found) if c]


def decode_text(data: bytes, content_type: str | None = None) -> str:
    """Decode feed bytes to text, trusting valid UTF-8 over a wrong declaration."""
    for bom, codec in BOMS:
        if data.startswith(bom):
            return data.decode(codec, errors="replace")
    declared = declared_charsets(data, content_type)
    # Valid UTF-8 with non-ASCII bytes is almost never an accident: a declaration that
    # disagrees (a common server misconfiguration) is the one that is wrong.
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        pass
    for codec in declared:
        if codec in ("utf-8", "utf-16", "utf-32"):
            continue
        try:
            return data.decode(codec)
        except (UnicodeDecodeError, LookupError):
            continue
    from charset_normalizer import from_bytes

    best = from_bytes(data).best()
    if best is not None and best.encoding:
        return str(best)
    return data.decode("utf-8", errors="replace")


def _not_a_feed_reason(data: bytes) -> str | None:
    """Why ``data`` is an HTML page rather than a feed, or None."""
    head = data[:SNIFF_BYTES].lower()
    html_at = min((i for i in (head.find(m) for m in HTML_ROOTS) if i >= 0), default=-1)
    feed_at = min((i for i in (head.find(m) for m in FEED_ROOTS) if i >= 0), default=-1)
    if html_at < 0 or 0 <= feed_at < html_at:
        return None
    text = data[:SNIFF_BYTES].decode("utf-8", errors="replace")
    lowered = text.lower()
    for marker, what in CHALLENGE_MARKERS:
        if marker in lowered:
            return f"the server answered with {what}, not a feed"
    title = re.search(r"<title[^>]*>(.*?)</title>", text, re.I | re.S)
    shown = f" ({_SPACES.sub(' ', title.group(1)).strip()[:80]!r})" if title else ""
    return f"the server answered with an HTML page{shown}, not a feed"


class _TextExtractor(HTMLParser):
    """Collects the text of an HTML fragment, with line breaks at block elements."""

    BLOCKS = frozenset({"p", "div", "br", "li", "tr", "h1", "h2", "h3", "h4", "h5", "h6",
                        "blockquote", "section", "article", "ul", "ol", "table"})
    SKIP = frozenset({"script", "style", "noscript", "template"})

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []
        self._skipping = 0

    def handle_starttag(self, tag: str, attrs: Any) -> None:
        if tag in self.SKIP:
            self._skipping += 1
        elif tag in self.BLOCKS:
            self.parts.append("\n")

    def handle_endtag(self, tag: str) -> None:
        if tag in self.SKIP and self._skipping:
            self._skipping -= 1
        elif tag in self.BLOCKS:
            self.parts.append("\n")

    def handle_data(self, data: str) -> None:
        if not self._skipping:
            # Line breaks inside text are source formatting; only blocks break lines.
            self.parts.append(data.replace("\n", " "))


def html_to_text(fragment: str) -> str:
    """Plain text of an HTML fragment: tags dropped, entities decoded, spaces collapsed."""
    if "<" not in fragment and "&" not in fragment:
        return _SPACES.sub(" ", fragment).strip()
    parser = _TextExtractor()
    parser.feed(fragment)
    parser.close()
    lines = (_SPACES.sub(" ", line).strip() for line in "".join(parser.parts).split("\n"))
    return _BLANK_LINES.sub("\n", "\n".join(lines)).strip()


def _as_utf8_xml(text: str) -> bytes:
    """Text re-encoded as UTF-8 with a matching prolog and no XML-invalid characters."""
    text = _INVALID_XML_CHARS.sub("", text)
    text = _PROLOG_ANY.sub('<?xml version="1.0" encoding="utf-8"?>', text, count=1)
    return text.encode("utf-8")


def _feedparse(data: bytes) -> Any:
    import feedparser

    # A stream, never raw bytes: feedparser treats a bare bytes/str argument as a
    # possible file name or URL and would open it.

    # No content-location: feedparser would resolve GUIDs against it; links are joined here.
    headers = {"content-type": "application/xml; charset=utf-8"}
    with warnings.catch_warnings():
        # feedparser warns about its own internals on odd input; a warning is not a fault
        warnings.simplefilter("ignore")
        return feedparser.parse(io.BytesIO(data), response_headers=headers, sanitize_html=False,
                                resolve_relative_uris=False)


def _published(entry: Any) -> datetime | None:
    for key in ("published_parsed", "updated_parsed", "created_parsed"):
        parsed = entry.get(key)
        if parsed:
            return datetime.fromtimestamp(timegm(parsed), tz=UTC)
    for key in ("published", "updated", "created"):
        raw = entry.get(key)
        if raw:
            from dateutil import parser as dateparser

            try:
                when = dateparser.parse(raw)
            except (ValueError, OverflowError):
                continue
            return when.replace(tzinfo=UTC) if when.tzinfo is None else when.astimezone(UTC)
    return None


def _entry_text(entry: Any) -> str:
    contents = [c.get("value", "") for c in entry.get("content", []) or []]
    best = max(contents, key=len, default="")
    summary = entry.get("summary", "") or ""
    return html_to_text(best if len(best) >= len(summary) else summary)


def _entry_link(entry: Any) -> str:
    link = entry.get("link") or ""
    if not link:
        for candidate in entry.get("links", []) or []:
            if candidate.get("href") and candidate.get("rel", "alternate") == "alternate":
                link = candidate["href"]
                break
    guid = entry.get("id") or ""
    if not link and guid.startswith(("http://", "https://")):
        link = guid
    return link.strip()


def parse_feed(
    data: bytes,
    *,
    base_url: str,
    source: str,
    content_type: str | None = None,
    outlet: str = "",
    language: str = "",
) -> list[Article]:
    """Parse RSS/Atom/RDF bytes into articles; ParseError for anything that is not a feed."""
    if not data.strip():
        raise ParseError(f"{source}: empty response, not a feed")
    reason = _not_a_feed_reason(data)
    if reason:
        raise ParseError(f"{source}: {reason}")
    text = decode_text(data, content_type)
    parsed = _feedparse(_as_utf8_xml(text))
    if not parsed.entries and parsed.get("bozo"):
        # Salvage the commonest breakage (bare ampersands) and try once more.
        parsed = _feedparse(_as_utf8_xml(_BARE_AMP.sub("&amp;", text)))
    if not parsed.get("version") and not parsed.entries:
        problem = parsed.get("bozo_exception")
        detail = f": {problem}" if problem else ""
        raise ParseError(f"{source}: not an RSS or Atom feed{detail}")
    feed = parsed.get("feed", {})
    outlet = outlet or html_to_text(feed.get("title", "") or "")
    language = language or (feed.get("language") or "en")[:2].lower()
    articles: dict[str, Article] = {}
    for entry in parsed.entries:
        link = _entry_link(entry)
        if not link:
            continue  # an item without a link cannot be cited as evidence
        url = clean_url(urljoin(base_url, link))
        if not url.startswith(("http://", "https://")) or url in articles:
            continue
        articles[url] = Article(
            url=url,
            title=html_to_text(entry.get("title", "") or ""),
            text=_entry_text(entry),
            published=_published(entry),
            source=source,
            outlet=outlet,
            guid=(entry.get("id") or url).strip(),
            language=language,
        )
    return list(articles.values())
