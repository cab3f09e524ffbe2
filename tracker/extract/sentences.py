"""Sentence and clause spans: character offsets into the original text, no copies."""

from __future__ import annotations

import re
from collections.abc import Collection

from tracker.extract.pattern_facts import may_contain

# A candidate end: terminal punctuation, closing quotes/brackets, then space and a
# sentence start (capital letter, digit, quote), or a line break.
_BOUNDARY = re.compile(r"[.!?…]+[\"'”’»)\]]*\s+(?=[\"'“‘«(\[]?[^\W_a-z])|\n\s*\n|\n(?=\s*\S)")
# Every boundary starts with one of these: finding them first lets the boundary regex run
# only there (Python's engine would try its alternation at every character).
_BOUNDARY_START = re.compile(r"[.!?…\n]")
_LOOKBACK = 64
_CLOSERS = "\"'”’»)]"


def _last_word(text: str, floor: int, end: int) -> tuple[str, int]:
    """The word (letters, digits, dots) that ends at ``end`` before any closing quotes,
    lower-cased without its dots at the end, and where it starts; a backward walk."""
    j = end
    while j > floor and text[j - 1] in _CLOSERS:
        j -= 1
    stop = j
    # Usually the word runs back to a space: split it off in C, not char by char.
    tail = text[floor:stop]
    if tail and not tail[-1].isspace():
        word = tail.rsplit(None, 1)[-1]
        if word.replace(".", "").replace("_", "").isalnum():
            return word.lower().rstrip("."), stop - len(word)
    while j > floor and (text[j - 1].isalnum() or text[j - 1] in "._"):
        j -= 1
    return text[j:stop].lower().rstrip("."), j


def split_sentences(text: str, abbreviations: Collection[str] = ()) -> list[tuple[int, int]]:
    """Sentence spans ``(start, end)`` covering the text, trailing space trimmed."""
    spans: list[tuple[int, int]] = []
    start = 0
    for m in _boundaries(text):
        if m.group().strip() and text[m.start()] == ".":
            # Only the tail of the sentence can hold its last word: a search from the
            # sentence start would make splitting quadratic in sentence length.
            floor = max(start, m.start() - _LOOKBACK)
            token, word_start = _last_word(text, floor, m.start())
            if word_start == floor > start:
                token = ""  # a word longer than the look-back: no abbreviation
            # An abbreviation or an initial ("J. Smith") does not end a sentence.
            if token in abbreviations or (len(token) == 1 and token.isalpha()):
                continue
        _append(spans, text, start, m.end())
        start = m.end()
    _append(spans, text, start, len(text))
    return spans


def _boundaries(text: str) -> list[re.Match[str]]:
    """``_BOUNDARY.finditer(text)``, tried only where a boundary can start."""
    found = []
    pos = 0
    match = _BOUNDARY.match
    for c in _BOUNDARY_START.finditer(text):
        at = c.start()
        if at >= pos and (m := match(text, at)):
            found.append(m)
            pos = m.end()  # boundaries are never empty
    return found


def _append(spans: list[tuple[int, int]], text: str, start: int, end: int) -> None:
    while end > start and text[end - 1].isspace():
        end -= 1
    while start < end and text[start].isspace():
        start += 1
    if end > start:
        spans.append((start, end))


def split_clauses(
    text: str,
    start: int,
    end: int,
    breaks: re.Pattern[str],
    literals: tuple[str, ...] | None = None,
) -> list[tuple[int, int]]:
    """Clause spans inside the sentence ``text[start:end]``, split at ``breaks``; a
    sentence without any of ``literals`` (strings every break contains, see
    pattern_facts.required_literals) is one clause without running the regex."""
    if not may_contain(text[start:end], literals):
        return [(start, end)]
    spans = []
    pos = start
    for m in breaks.finditer(text, start, end):
        if m.start() > pos:
            spans.append((pos, m.start()))
        pos = m.end()
    if end > pos:
        spans.append((pos, end))
    return spans or [(start, end)]
