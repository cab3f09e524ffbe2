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


def words_after_pair(text: str, end: int) -> tuple[list[str], list[str]]:
    """``words_after(text, end, 1)`` and ``words_after(text, end, 2)``, read once."""
    tail = text[end : end + 40].casefold()
    m = POSSESSIVE.match(tail)
    words = WORDS.findall(tail)
    lead = [m.group(1)] if m else []
    return lead + words[:1], lead + words[:2]


def ends_with_any(words: list[str], phrases: frozenset[str]) -> bool:
    """True when ``words`` end with one of ``phrases`` (each one or more words)."""
    if not words:
        return "" in phrases
    # A phrase can only match when its last word is the last word: a few phrases to try,
    # not all of them (the index is made once per phrase set).
    by_last = _BY_LAST_WORD.get(phrases)
    if by_last is None:
        by_last = _BY_LAST_WORD[phrases] = _index_by_last_word(phrases)
    candidates = by_last.get(words[-1])
    if not candidates:
        return False
    joined = " ".join(words)
    return any(joined == p or joined.endswith(" " + p) for p in candidates)


_BY_LAST_WORD: dict[frozenset[str], dict[str, tuple[str, ...]]] = {}


def _index_by_last_word(phrases: frozenset[str]) -> dict[str, tuple[str, ...]]:
    index: dict[str, list[str]] = {}
    for p in phrases:
        index.setdefault(p.rsplit(" ", 1)[-1], []).append(p)
    return {last: tuple(group) for last, group in index.items()}
