"""Fast cue finding: an Aho-Corasick pass over the literal heads of every cue pattern
picks the few word starts where a cue can begin; the precise cue regex runs only there,
and when the lexicon gives one regex per cue, only the cues whose heads start there.

The heads are derived from the cue regexes themselves, so the lexicon stays the single
source of truth; a pattern whose start is not literal disables the prefilter (the scan
then falls back to the plain regex search, which finds the same matches).
"""

from __future__ import annotations

import re
import sys
from collections.abc import Callable, Iterator

import ahocorasick

try:
    import daachorse
except ImportError:  # optional: pyahocorasick then scans ASCII spans too, only slower
    daachorse = None

from tracker.extract.pattern_facts import HEAD_LEN, cue_heads

_FREQUENT = {c: i for i, c in enumerate(" etaoinshrdlcumwfgypbvkjxqz")}


def _letter_ranks(key: str) -> list[int]:
    return [_FREQUENT.get(c, 100 + ord(c)) for c in key]


class CueScanner:
    """Finds the same matches as ``regex.finditer`` but tries the regex only where one of
    its literal heads starts a word.

    Given ``parts`` (the alternatives of ``regex``, in order, each a regex of its own),
    a candidate start tries only the parts whose heads begin there, in their order: the
    first that matches is the one the alternation would have chosen, since no other part
    can match where none of its heads starts.

    With ``caseless``, a pattern written in lower case only is matched without
    IGNORECASE on ``lowered`` (the matches then index ``lowered``, same offsets): the
    engine skips a literal alternative on its first character only when the match is
    case-sensitive, which makes long word lists several times cheaper to try."""

    def __init__(
        self,
        regex: re.Pattern[str],
        parts: tuple[re.Pattern[str], ...] = (),
        caseless: bool = False,
    ) -> None:
        self.regex = regex
        self.parts = parts
        self.caseless = caseless
        self.automaton: ahocorasick.Automaton | None = None
        # daachorse's search of the ASCII heads and the head cells it reports by index
        self._fast: Callable[[bytes], list[tuple[int, int, int]]] | None = None
        self._fast_cells: list[list] = []
        # owners -> (the match function, whether it reads ``lowered``)
        self._matchers: dict[tuple[int, ...], tuple[Callable[..., re.Match[str] | None], bool]] = {}
        try:
            values = _owned_heads(parts)
        except ValueError:
            self.parts = ()  # a part without heads: prefilter the whole regex instead
            try:
                values = {h: (h, ()) for h in cue_heads(regex.pattern, regex.flags)}
            except ValueError:
                return  # no prefilter: a plain finditer
        auto = ahocorasick.Automaton()
        # Heads with the same owners share one cell [owners, their matcher or None]: the
        # matcher is found there, not by hashing the owners tuple at every candidate.
        cells: dict[tuple[int, ...], list] = {}
        for h in sorted(values, key=_letter_ranks):
            head, owners = values[h]
            auto.add_word(h, (len(head), cells.setdefault(owners, [owners, None])))
        auto.make_automaton()
        self.automaton = auto
        # An ASCII span can hold only the ASCII heads: daachorse's double-array trie finds
        # them faster than pyahocorasick's, whose steps scan a node's children.
        ascii_heads = [h for h in values if h.isascii()]
        self._fast_cells = [cells[values[h][1]] for h in ascii_heads]
        if daachorse is not None and ascii_heads:
            trie = daachorse.DoubleArrayAhoCorasick([h.encode("ascii") for h in ascii_heads])
            self._fast = trie.find_overlapping

    def scan(
        self, text: str, lowered: str, start: int, end: int, endpos: int | None = None
    ) -> list[re.Match[str]]:
        """Matches starting in ``text[start:end]`` (each may run on to ``endpos``, by
        default the end of the text); ``lowered`` is ``text.lower()``."""
        return self._matches(text, lowered, start, end, endpos, False)

    def search(
        self, text: str, lowered: str, start: int, end: int, endpos: int | None = None
    ) -> re.Match[str] | None:
        """The first match of ``scan``: ``regex.search(text, start, endpos)`` when the
        match starts before ``end``."""
        found = self._matches(text, lowered, start, end, endpos, True)
        return found[0] if found else None

    def _matches(
        self, text: str, lowered: str, start: int, end: int, endpos: int | None, first: bool
    ) -> list[re.Match[str]]:
        """The matches of ``scan`` (only the first with ``first``). A plain function, not
        a generator: it runs tens of times per article, most often on no candidate."""
        stop = len(text) if endpos is None else endpos
        auto = self.automaton
        if auto is None or len(lowered) != len(text):
            found = []
            for m in self.regex.finditer(text, start, stop):
                if m.start() >= end:
                    break  # finditer goes left to right: no later match starts before end
                found.append(m)
                if first:
                    break
            return found
        # a cue that starts near ``end`` may have its head run past it
        cands: list[tuple[int, list]] = []  # (start, cell of the parts to try there)
        ordered = True
        last_s = -1
        reach = min(stop, end + HEAD_LEN - 1)
        span = lowered[start:reach] if self._fast is not None else ""
        if span and span.isascii():
            cells = self._fast_cells
            for first_at, _, k in self._fast(span.encode("ascii")):  # type: ignore[misc]
                s = start + first_at
                if s >= end or (s and (lowered[s - 1].isalnum() or lowered[s - 1] == "_")):
                    continue
                if s <= last_s:
                    ordered = False
                last_s = s
                cands.append((s, cells[k]))
        else:
            for last, (size, cell) in auto.iter(lowered, start, reach):
                s = last - size + 1
                if s >= end or (s and (lowered[s - 1].isalnum() or lowered[s - 1] == "_")):
                    continue
                if s <= last_s:
                    ordered = False
                last_s = s
                cands.append((s, cell))
        if not cands:
            return []
        if not ordered:
            cands = self._merged(cands)
        found = []
        pos = start
        for s, cell in cands:
            if s < pos:
                continue
            match, on_lowered = cell[1] or self._fill(cell)
            m = match(lowered if on_lowered else text, s, stop)
            if m:
                if first:
                    return [m]
                found.append(m)
                pos = max(m.end(), s + 1)
        return found

    def _merged(self, cands: list[tuple[int, list]]) -> list[tuple[int, list]]:
        """Candidates in start order, one per start: several heads can start at one place
        ("clo", "clos"), and then all their parts are tried, in their order (the automaton
        reports heads by their end, not their start)."""
        merged: dict[int, set[int]] = {}
        for s, cell in cands:
            merged.setdefault(s, set()).update(cell[0])
        out = []
        for s in sorted(merged):
            owners = tuple(sorted(merged[s]))
            out.append((s, [owners, self._joined(owners)]))
        return out

    def _fill(self, cell: list) -> tuple[Callable[..., re.Match[str] | None], bool]:
        """The matcher of a head cell, made on first use."""
        cell[1] = self._joined(cell[0])
        return cell[1]

    def _joined(
        self, owners: tuple[int, ...]
    ) -> tuple[Callable[..., re.Match[str] | None], bool]:
        """The ``match`` of one alternation of the parts ``owners`` (``()``: the whole
        regex), in their order, and whether it reads ``lowered``: the first alternative
        that matches wins, as it would trying them one by one, but in one call (most
        candidate starts match none of them)."""
        joined = self._matchers.get(owners)
        if joined is None:
            if not owners:
                regex = self.regex
            elif len(owners) == 1:
                regex = self.parts[owners[0]]
            else:
                alternation = "|".join(self.parts[i].pattern for i in owners)
                regex = re.compile(f"(?:{alternation})", self.parts[owners[0]].flags)
            low = _case_sensitive(regex) if self.caseless else None
            joined = self._matchers[owners] = (low.match, True) if low else (regex.match, False)
        return joined


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


# Named groups are the only upper case a lower-case pattern may hold; quotes are left
# out because the cue scan reads a text whose quotes became spaces.
_GROUP_SYNTAX = re.compile(r"\(\?P[<=]")
_QUOTES = frozenset('"“”«»„')


def _case_sensitive(regex: re.Pattern[str]) -> re.Pattern[str] | None:
    """``regex`` without IGNORECASE when that matches the same on lower-cased text: its
    pattern has no upper-case letter (no ``\\W``, ``\\S``, ``[A-Z]``, ``(?-i:``) and no
    quote; None otherwise."""
    if not regex.flags & re.IGNORECASE:
        return None
    bare = _GROUP_SYNTAX.sub("", regex.pattern)
    if bare != bare.lower() or any(q in bare for q in _QUOTES):
        return None
    return re.compile(regex.pattern, regex.flags & ~re.IGNORECASE)


_SCANNERS: dict[tuple[str, int, int, bool], CueScanner] = {}


def scanner_for(
    regex: re.Pattern[str], parts: tuple[re.Pattern[str], ...] = (), caseless: bool = False
) -> CueScanner:
    """The scanner of a compiled lexicon regex (and of its alternatives), built once;
    ``caseless``: its matches may index the lower-cased text (see CueScanner)."""
    key = (regex.pattern, regex.flags, len(parts), caseless)
    if key not in _SCANNERS:
        _SCANNERS[key] = CueScanner(regex, parts, caseless)
    return _SCANNERS[key]


_TOKEN_CHARS = re.compile(r"[\w'’-]*")


class GatedPattern:
    """A compiled regex behind a check of its literal heads: ``search`` and ``finditer``
    run the regex only when a head starts a word of the span they search.

    Python's regex engine tries a leading alternation at every position of the span
    (several microseconds for a clause); the Aho-Corasick check rejects most spans in C.
    Heads are cut at their first space or sign, so a span that joins words with single
    spaces (a word window) is checked the same way as the text it came from."""

    __slots__ = ("_lower_case", "_scanner", "automaton", "flags", "match", "pattern", "regex")

    def __init__(self, regex: re.Pattern[str], automaton: ahocorasick.Automaton) -> None:
        self.regex = regex
        self.pattern = regex.pattern
        self.flags = regex.flags
        self.match = regex.match
        self.automaton = automaton
        self._scanner: CueScanner | None = None
        self._lower_case = _case_sensitive(regex)

    def may_match(self, string: str, pos: int = 0, endpos: int | None = None) -> bool:
        """False when no match can start in ``string[pos:endpos]``."""
        return self._lowered_hit(string[pos:endpos].lower())

    def _lowered_hit(self, span: str) -> bool:
        for last, size in self.automaton.iter(span):
            s = last - size
            # the span's first character counts as a word start: a sliced span may
            # start inside a word, and the regex sees no word before it
            if s < 0 or not (span[s].isalnum() or span[s] == "_"):
                return True
        return False

    def search(self, string: str, pos: int = 0, endpos: int = sys.maxsize) -> re.Match[str] | None:
        """``regex.search``, skipped when no head occurs. A search of a whole string may
        run case-sensitively on its lower-cased copy: the match then has the same offsets
        but lower-case text (callers read where it is, not what it says)."""
        if pos == 0 and endpos >= len(string):
            span = string.lower()
            if not self._lowered_hit(span):
                return None
            if self._lower_case is not None and len(span) == len(string):
                return self._lower_case.search(span)
            return self.regex.search(string)
        if not self.may_match(string, pos, endpos):
            return None
        return self.regex.search(string, pos, endpos)

    def finditer(
        self, string: str, pos: int = 0, endpos: int = sys.maxsize
    ) -> Iterator[re.Match[str]]:
        """``regex.finditer``, empty when no head occurs."""
        if not self.may_match(string, pos, endpos):
            return iter(())
        return self.regex.finditer(string, pos, endpos)

    def scanner(self) -> CueScanner:
        """The caseless scanner of the regex, for whole clauses of a text whose lower-cased
        copy is at hand (fewer tries than a span check followed by a search)."""
        if self._scanner is None:
            self._scanner = scanner_for(self.regex, caseless=True)
        return self._scanner


def gated(regex: re.Pattern[str]) -> re.Pattern[str] | GatedPattern:
    """``regex`` behind a head check, or ``regex`` itself when its matches may start with
    something other than a word (a class, a sign, any character)."""
    try:
        heads = cue_heads(regex.pattern, regex.flags)
    except ValueError:
        return regex
    words = {_TOKEN_CHARS.match(h).group() for h in heads}  # type: ignore[union-attr]
    if "" in words or any(not w[0].isalnum() for w in words):
        return regex
    auto = ahocorasick.Automaton()
    for w in sorted(words, key=_letter_ranks):
        auto.add_word(w, len(w))  # the value: where a hit starts, counted from its end
    auto.make_automaton()
    return GatedPattern(regex, auto)
