"""Article URLs: one table of tracking parameters, the link as kept and the article's key.

``clean_url`` is the link stored and shown (what a reader clicks: scheme, www and path as
published). ``url_key`` is what identifies the article across the ways it gets linked
(http or https, with or without www, a trailing slash, parameters in any order); the
store files every article under it. Both drop the same tracking parameters.
"""

from __future__ import annotations

from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

# Query parameters that only track the reader (names compared case-blind); rules as data.
TRACKING_PREFIXES = ("utm_", "at_")
TRACKING_PARAMS = frozenset({
    "fbclid", "gclid", "dclid", "yclid", "msclkid", "mc_cid", "mc_eid", "igshid",
    "_ga", "_hsenc", "_hsmi", "ref", "ref_src", "cmpid", "ocid",
})
DEFAULT_PORTS = {"http": 80, "https": 443}


def is_tracking(name: str) -> bool:
    """True for a query parameter that only tracks the reader."""
    lower = name.lower()
    return lower in TRACKING_PARAMS or lower.startswith(TRACKING_PREFIXES)


def _query(query: str) -> list[tuple[str, str]]:
    return [(k, v) for k, v in parse_qsl(query, keep_blank_values=True) if not is_tracking(k)]


def clean_url(url: str) -> str:
    """Lowercase scheme and host, drop the default port, the fragment and tracking params."""
    parts = urlsplit(url.strip())
    scheme = parts.scheme.lower()
    host = (parts.hostname or "").lower()
    try:
        port = parts.port
    except ValueError:  # a malformed port: keep the URL as given rather than guess
        return url.strip()
    netloc = host if port in (None, DEFAULT_PORTS.get(scheme)) else f"{host}:{port}"
    path = parts.path or ("/" if netloc else "")
    return urlunsplit((scheme, netloc, path, urlencode(_query(parts.query), doseq=True), ""))


def url_key(url: str) -> str:
    """A link reduced to what identifies the article: https, no www, no trailing slash,
    parameters sorted, no fragment and no tracking parameters."""
    url = url.strip()
    if not url:
        return ""
    parts = urlsplit(url)
    host = (parts.hostname or "").lower().removeprefix("www.")
    try:
        port = parts.port
    except ValueError:  # a malformed port: the URL as given is the best key there is
        return url
    if port and port not in DEFAULT_PORTS.values():
        host += f":{port}"
    path = parts.path.rstrip("/") or "/"
    scheme = "https" if parts.scheme.lower() in DEFAULT_PORTS else parts.scheme.lower()
    return urlunsplit((scheme, host, path, urlencode(sorted(_query(parts.query))), ""))
