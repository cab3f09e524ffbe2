"""URL normalisation: one article, one URL, however it was linked."""

from __future__ import annotations

from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

# Query parameters that only track the reader; rules as data.
TRACKING_PREFIXES = ("utm_",)
TRACKING_PARAMS = frozenset({
    "fbclid", "gclid", "dclid", "yclid", "msclkid", "mc_cid", "mc_eid", "igshid",
    "_ga", "_hsenc", "_hsmi", "ref_src", "at_medium", "at_campaign", "cmpid", "ocid",
})
DEFAULT_PORTS = {"http": 80, "https": 443}


def _is_tracking(name: str) -> bool:
    lower = name.lower()
    return lower in TRACKING_PARAMS or lower.startswith(TRACKING_PREFIXES)


def normalize_url(url: str) -> str:
    """Lowercase scheme and host, drop the default port, the fragment and tracking params."""
    parts = urlsplit(url.strip())
    scheme = parts.scheme.lower()
    host = (parts.hostname or "").lower()
    try:
        port = parts.port
    except ValueError:  # a malformed port: keep the URL as given rather than guess
        return url.strip()
    netloc = host if port in (None, DEFAULT_PORTS.get(scheme)) else f"{host}:{port}"
    query = [(k, v) for k, v in parse_qsl(parts.query, keep_blank_values=True)
             if not _is_tracking(k)]
    path = parts.path or ("/" if netloc else "")
    return urlunsplit((scheme, netloc, path, urlencode(query, doseq=True), ""))
