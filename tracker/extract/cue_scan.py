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
import sys
from collections.abc import Callable, Iterable, Iterator

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
        for h, value in values.items():
            auto.add_word(h, value)
        auto.make_automaton()
        self.automaton = auto

    def scan(
        self, text: str, lowered: str, start: int, end: int, endpos: int | None = None
    ) -> list[re.Match[str]]:
        """Matches starting in ``text[start:end]`` (each may run on to ``endpos``, by
        default the end of the text); ``lowered`` is ``text.lower()``."""
        return list(self._matches(text, lowered, start, end, endpos))

    def search(
        self, text: str, lowered: str, start: int, end: int, endpos: int | None = None
    ) -> re.Match[str] | None:
        """The first match of ``scan``: ``regex.search(text, start, endpos)`` when the
        match starts before ``end``."""
        return next(self._matches(text, lowered, start, end, endpos), None)

    def _matches(
        self, text: str, lowered: str, start: int, end: int, endpos: int | None
    ) -> Iterator[re.Match[str]]:
        stop = len(text) if endpos is None else endpos
        if self.automaton is None or len(lowered) != len(text):
            yield from (m for m in self.regex.finditer(text, start, stop) if m.start() < end)
            return
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
        pos = start
        for s in sorted(starts):
            if s < pos:
                continue
            match, on_lowered = self._joined(starts[s])  # () without parts: the whole regex
            m = match(lowered if on_lowered else text, s, stop)
            if m:
                yield m
                pos = max(m.end(), s + 1)


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
        for last, head in self.automaton.iter(span):
            s = last - len(head) + 1
            # the span's first character counts as a word start: a sliced span may
            # start inside a word, and the regex sees no word before it
            if s == 0 or not (span[s - 1].isalnum() or span[s - 1] == "_"):
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
    for w in words:
        auto.add_word(w, w)
    auto.make_automaton()
    return GatedPattern(regex, auto)
