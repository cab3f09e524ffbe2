"""The geocoder's hits: the matches of its automatons as spans of folded text, and how
overlapping hits are settled (the longest name wins; a town inside a route name may stay).

Hits are plain tuples in the field order of ``tracker.extract.geocode._Hit``: (start, end,
record index, language, is the canonical name, joins names with a dash).
"""

from __future__ import annotations

import re
from typing import Any

# Azerbaijani and Turkish add case endings to names (their keys are open-ended, see
# tracker.extract.automaton); the endings a name may take, folded (ı -> i, ə -> e, ü -> u):
_SUFFIXES = frozenset(
    {
        "nde",
        "nda",
        "nden",
        "ndan",
        "nin",
        "nun",
        "ni",
        "na",
        "ne",
        "nu",
        "de",
        "da",
        "den",
        "dan",
        "te",
        "ta",
        "ten",
        "tan",
        "e",
        "a",
        "i",
        "u",
        "in",
        "un",
        "ya",
        "ye",
        "yi",
        "yu",
        "yla",
        "yle",
        "la",
        "le",
        "dir",
        "dur",
    }
)
_WORD_TAIL = re.compile(r"\w{1,5}\b")


def settle(kept: list[tuple], covering: set[int], hit: tuple, compound_ok: Any) -> bool:
    """Resolve ``hit`` against the ``kept`` hits it overlaps, as ``resolve_overlaps`` would,
    when nesting alone decides: a hit inside a longer kept one is dropped, a hit over
    shorter kept ones replaces them. False (``kept`` is then unusable) when the full rule is
    needed: a partial overlap, equal spans, or a dashed name over a name it may keep
    (``compound_ok``) or over hits that dropped others (the dashed name may keep those).
    ``covering`` holds the starts of kept hits that dropped others."""
    start, end = hit[0], hit[1]
    outer = kept[-1]
    if outer[0] <= start and end <= outer[1]:
        if outer[1] - outer[0] == end - start:
            return False
        if outer[5] and compound_ok(outer, hit):
            return False
        covering.add(outer[0])  # "Port of X", then "X": X is dropped
        return True
    dashed = hit[5]
    while kept and kept[-1][1] > start:
        inner = kept[-1]
        if inner[0] < start or inner[1] > end or inner[1] - inner[0] == end - start:
            return False
        if dashed and (inner[0] in covering or compound_ok(hit, inner)):
            return False
        kept.pop()
    kept.append(hit)
    covering.add(start)
    return True


def pyahocorasick_matches(automaton: Any, view: str) -> list[tuple[int, int, tuple]]:
    """(view start, view end, payload) of every match of a pyahocorasick automaton."""
    return [(end - p[0] + 1, end + 1, p) for end, p in automaton.iter(view)]


def edge_span(ft: str, start: int, stop: int, edges: tuple) -> tuple[int, int] | None:
    """Folded span of a hit on an open-ended or punctuated key (see ``Geocoder._hits``), or
    None when the word goes on with an ending that is no case ending."""
    open_end, lead, trail = edges
    if not open_end:
        stop -= 1
    elif stop < len(ft) and ft[stop].isalnum():
        tail = _WORD_TAIL.match(ft, stop)
        if tail is None or tail.group() not in _SUFFIXES:
            return None
        stop = tail.end()  # "Laçın dəhlizində": the case ending belongs to the name
    if trail and ft.startswith(trail, stop):
        stop += len(trail)
    if lead and start >= len(lead) and ft.startswith(lead, start - len(lead)):
        start -= len(lead)
    return start, stop


def resolve_overlaps(hits: list[tuple], compound_ok: Any) -> list[tuple]:
    """Longest match wins; a shorter one inside it survives only if ``compound_ok``.
    Hits are tuples in the field order of ``_Hit``."""
    kept: list[tuple] = []
    for hit in sorted(hits, key=_longest_first):
        start, end = hit[0], hit[1]
        for k in kept:
            if (
                start < k[1]
                and k[0] < end
                and not (k[0] <= start and end <= k[1] and compound_ok(k, hit))
            ):
                break  # it clashes with a longer hit that does not admit it
        else:
            kept.append(hit)
    kept.sort(key=_start_of)
    return kept


def _longest_first(hit: tuple) -> tuple[int, int]:
    return hit[0] - hit[1], hit[0]


def _start_of(hit: tuple) -> int:
    return hit[0]
