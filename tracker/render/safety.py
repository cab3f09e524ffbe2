"""Escaping for untrusted text (headlines, claimants, outlets, URLs) on its way into
HTML, JavaScript, XML and CSV. Everything that came from a feed passes through here."""

from __future__ import annotations

import json
import re
from functools import lru_cache
from typing import Any
from urllib.parse import urlsplit

# XML 1.0 forbids most C0 controls; feeds do carry them, and one would break the Atom file.
_XML_INVALID = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")
_URL_FORBIDDEN = re.compile(r"[\x00-\x20\x7f<>\"'`\\]")
_LINK_SCHEMES = frozenset({"http", "https"})
# A spreadsheet evaluates a cell that starts with one of these as a formula.
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")

# `</script>`, `<!--` and the JS line separators must never appear raw inside a <script>.
_SCRIPT_ESCAPES = {
    "<": "\\u003c",
    ">": "\\u003e",
    "&": "\\u0026",
    "\u2028": "\\u2028",
    "\u2029": "\\u2029",
}
_SCRIPT_UNSAFE = re.compile("[<>&\u2028\u2029]")


@lru_cache(maxsize=65536)  # the same article URL reaches several pages and feeds
def safe_link(url: str | None) -> str | None:
    """``url`` if it is an absolute http(s) URL fit to be a link target, else None."""
    if not url or not url[:8].lower().startswith(("http://", "https://")):
        return None
    if _URL_FORBIDDEN.search(url):
        return None
    try:
        parts = urlsplit(url)
    except ValueError:
        return None
    if parts.scheme.lower() not in _LINK_SCHEMES or not parts.netloc:
        return None
    return url


def json_for_script(value: Any) -> str:
    """JSON text that is safe to paste into an inline <script> element."""
    text = json.dumps(value, ensure_ascii=False, separators=(",", ":"), sort_keys=False)
    return _SCRIPT_UNSAFE.sub(lambda m: _SCRIPT_ESCAPES[m.group(0)], text)


def xml_text(text: str | None) -> str:
    """``text`` without the characters XML 1.0 cannot carry (the XML writer escapes the rest)."""
    return _XML_INVALID.sub("", text or "")


def csv_cell(text: str | None) -> str:
    """A CSV cell a spreadsheet shows as text instead of evaluating as a formula."""
    value = xml_text(text)
    return "'" + value if value.startswith(_FORMULA_START) else value


def safe_filename(place_id: str) -> str:
    """A file name for a place id: the id itself when harmless, else a stable digest."""
    if re.fullmatch(r"[A-Za-z0-9][A-Za-z0-9_-]{0,99}(\.[A-Za-z0-9_-]+)*", place_id):
        return place_id
    import hashlib

    slug = re.sub(r"[^A-Za-z0-9_-]+", "-", place_id).strip("-")[:40] or "place"
    return f"{slug}-{hashlib.sha256(place_id.encode('utf-8')).hexdigest()[:12]}"
