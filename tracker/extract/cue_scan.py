"""Fast cue finding: an Aho-Corasick pass over the literal heads of every cue pattern
picks the few word starts where a cue can begin; the precise cue regex runs only there,
and when the lexicon gives one regex per cue, only the cues whose heads start there.

The heads are derived from the cue regexes themselves, so the lexicon stays the single
source of truth; a pattern whose start is not literal disables the prefilter (the scan
then falls back to the plain regex search, which finds the same matches).
"""

from __future__ import annotations

import re
import re._constants as sre_c  # the regex parser: the only way to read a pattern's heads
import re._parser as sre_p
from collections.abc import Iterable

import ahocorasick

HEAD_LEN = 4  # characters of each head; longer heads mean fewer false candidates
_MAX_HEADS = 4000  # a pattern with more literal starts than this is not prefiltered


class _Unbounded(Exception):
    """The pattern can start with something that is not a short literal."""


def cue_heads(pattern: str, flags: int, length: int = HEAD_LEN) -> set[str]:
    """Lower-case literal prefixes (at most ``length`` characters) that every match of
    ``pattern`` starts with one of; raises ValueError when there is no such set."""
    try:
        parsed = sre_p.parse(pattern, flags)
        heads = _expand(list(parsed), "", length)
    except (_Unbounded, RecursionError) as exc:
        raise ValueError(f"no literal heads for {pattern[:40]!r}") from exc
    if "" in heads:
        raise ValueError(f"pattern {pattern[:40]!r} can start with anything")
    return heads


def _expand(items: list, prefix: str, length: int) -> set[str]:
    """Every literal prefix reachable by walking ``items`` after ``prefix``."""
    if len(prefix) >= length or not items:
        return {prefix[:length]}
    op, av = items[0]
    rest = items[1:]
    out: set[str] = set()
    if op is sre_c.LITERAL:
        return _expand(rest, prefix + chr(av).lower(), length)
    if op is sre_c.IN:
        chars = _class_chars(av)
        if chars is None:
            return {prefix}  # the literal part ends here
        for ch in chars:
            out |= _expand(rest, prefix + ch, length)
    elif op is sre_c.SUBPATTERN:
        out = _expand(list(av[-1]) + rest, prefix, length)
    elif op is sre_c.BRANCH:
        for alt in av[1]:
            out |= _expand(list(alt) + rest, prefix, length)
    elif op in (sre_c.MAX_REPEAT, sre_c.MIN_REPEAT, sre_c.POSSESSIVE_REPEAT):
        lo, hi, body = av
        if lo == 0:
            out |= _expand(rest, prefix, length)
        if hi == 1:
            out |= _expand(list(body) + rest, prefix, length)
        else:  # after one pass of a longer repeat the next item is unknown: stop there
            out |= _expand(list(body), prefix, length)
    elif op in (sre_c.AT, sre_c.ASSERT, sre_c.ASSERT_NOT):
        return _expand(rest, prefix, length)  # zero-width: no characters consumed
    else:
        return {prefix}
    if len(out) > _MAX_HEADS:
        raise _Unbounded
    return out


def _class_chars(items: Iterable) -> list[str] | None:
    """The lower-case characters of a small ``[...]`` class, or None if it is not one."""
    chars: set[str] = set()
    for op, av in items:
        if op is sre_c.LITERAL:
            chars.add(chr(av).lower())
        elif op is sre_c.RANGE and av[1] - av[0] < 12:
            chars.update(chr(c).lower() for c in range(av[0], av[1] + 1))
        else:
            return None
    return sorted(chars) if len(chars) <= 12 else None


class CueScanner:
    """Finds the same matches as ``regex.finditer`` but tries the regex only where one of
    its literal heads starts a word.

    Given ``parts`` (the alternatives of ``regex``, in order, each a regex of its own),
    a candidate start tries only the parts whose heads begin there, in their order: the
    first that matches is the one the alternation would have chosen, since no other part
    can match where none of its heads starts."""

    def __init__(self, regex: re.Pattern[str], parts: tuple[re.Pattern[str], ...] = ()) -> None:
        self.regex = regex
        self.parts = parts
        self.automaton: ahocorasick.Automaton | None = None
        try:
            values = _owned_heads(parts)
        except ValueError:
            self.parts = ()  # a part without heads: prefilter the whole regex instead
            try:
                values = {h: (h, ()) for h in cue_heads(regex.pattern, regex.flags)}
            except ValueError:
                return  # no prefilter: a plain finditer
        auto = ahocorasick.Automaton()
        for h, value in values.items():
            auto.add_word(h, value)
        auto.make_automaton()
        self.automaton = auto

    def scan(
        self, text: str, lowered: str, start: int, end: int, endpos: int | None = None
    ) -> list[re.Match[str]]:
        """Matches starting in ``text[start:end]`` (each may run on to ``endpos``, by
        default the end of the text); ``lowered`` is ``text.lower()``."""
        stop = len(text) if endpos is None else endpos
        if self.automaton is None or len(lowered) != len(text):
            return [m for m in self.regex.finditer(text, start, stop) if m.start() < end]
        starts: dict[int, tuple[int, ...]] = {}  # start -> the parts to try, in order
        # a cue that starts near ``end`` may have its head run past it
        reach = min(stop, end + HEAD_LEN - 1)
        for last, (head, owners) in self.automaton.iter(lowered, start, reach):
            s = last - len(head) + 1
            if s >= end:
                continue
            if s == 0 or not (lowered[s - 1].isalnum() or lowered[s - 1] == "_"):
                prev = starts.get(s)
                # several heads can start at one place ("clo", "clos"): try all their parts
                starts[s] = owners if prev is None else tuple(sorted({*prev, *owners}))
        found = []
        pos = start
        parts = self.parts
        match = self.regex.match
        for s in sorted(starts):
            if s < pos:
                continue
            if parts:
                m = None
                for i in starts[s]:
                    m = parts[i].match(text, s, stop)
                    if m:
                        break
            else:
                m = match(text, s, stop)
            if m:
                found.append(m)
                pos = max(m.end(), s + 1)
        return found


def _owned_heads(parts: tuple[re.Pattern[str], ...]) -> dict[str, tuple[str, tuple[int, ...]]]:
    """Each head of ``parts`` -> (head, the indexes of the parts it can start); raises
    ValueError when a part has no literal heads or there are no parts."""
    if not parts:
        raise ValueError("no parts")
    owners: dict[str, list[int]] = {}
    for i, part in enumerate(parts):
        for h in cue_heads(part.pattern, part.flags):
            owners.setdefault(h, []).append(i)
    return {h: (h, tuple(ix)) for h, ix in owners.items()}


_SCANNERS: dict[tuple[str, int, int], CueScanner] = {}


def scanner_for(regex: re.Pattern[str], parts: tuple[re.Pattern[str], ...] = ()) -> CueScanner:
    """The scanner of a compiled lexicon regex (and of its alternatives), built once."""
    key = (regex.pattern, regex.flags, len(parts))
    if key not in _SCANNERS:
        _SCANNERS[key] = CueScanner(regex, parts)
    return _SCANNERS[key]
