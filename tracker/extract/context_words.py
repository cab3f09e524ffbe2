"""Words around a mention: the sentence it stands in, the words just before and after.

Shared by the geocoder's rules (``geocode.py``, ``geocode_lists.py``).
"""

from __future__ import annotations

import re

from tracker.extract.text import Folded

SENTENCE_END = re.compile(r"[.!?]\s")
WORDS = re.compile(r"[\w’']+")
POSSESSIVE = re.compile(r"(['’]s)\b")


def find_words(folded: Folded, key: str) -> tuple[int, int] | None:
    """Original span of the first whole-word occurrence of a phrase, given as its word view
    ``key``, in the text."""
    pos = folded.view.find(key)
    if pos < 0:
        return None
    start, end = pos, pos + len(key) - 2  # view index + 1 - 1: folded index of the phrase
    return folded.span(start, end) if folded.offsets or folded.runs else (start, end)


def sentence_bounds(text: str, start: int, end: int, reach: int = 300) -> tuple[int, int]:
    """The sentence around [start, end): from after the last . ! ? before it to the next."""
    lo = max(0, start - reach)
    ends = list(SENTENCE_END.finditer(text, lo, start))
    lo = ends[-1].end() if ends else lo
    nxt = SENTENCE_END.search(text, end, min(len(text), end + reach))
    return lo, nxt.start() + 1 if nxt else min(len(text), end + reach)


def sentence_words(text: str, start: int, end: int) -> set[str]:
    lo, hi = sentence_bounds(text, start, end)
    return set(WORDS.findall(text[lo:hi].casefold()))


def words_before(text: str, start: int, n: int) -> list[str]:
    return WORDS.findall(text[max(0, start - 60) : start].casefold())[-n:]


def words_after(text: str, end: int, n: int) -> list[str]:
    tail = text[end : end + 40].casefold()
    m = POSSESSIVE.match(tail)
    words = WORDS.findall(tail)
    return ([m.group(1)] if m else []) + words[:n]


def ends_with_any(words: list[str], phrases: frozenset[str]) -> bool:
    joined = " ".join(words)
    return any(joined == p or joined.endswith(" " + p) for p in phrases)
