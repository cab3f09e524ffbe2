"""What a regular expression tells about the text it can match, read from Python's regex
parser: the literal heads a match can begin with (for the cue scanners' prefilter), the
characters a match can start with, and literals every match must contain.

Pure standard library; every function gives up (None, or the regex unchanged) on a pattern
it cannot read, so callers fall back to running the plain regex.
"""

from __future__ import annotations

import re
import re._constants as sre_c  # the regex parser: the only way to read a pattern's heads
import re._parser as sre_p
from collections.abc import Iterable

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


# A trie node keeps its children in insertion order and finds a letter by scanning them:
# heads go in with frequent letters first, so that most steps find theirs early (the same
# matches, in the same order; see tracker.extract.automaton).


_CATEGORY_CLASS = {
    sre_c.CATEGORY_SPACE: r"\s",
    sre_c.CATEGORY_NOT_SPACE: r"\S",
    sre_c.CATEGORY_DIGIT: r"\d",
    sre_c.CATEGORY_NOT_DIGIT: r"\D",
    sre_c.CATEGORY_WORD: r"\w",
    sre_c.CATEGORY_NOT_WORD: r"\W",
}


def _first_chars(items: list) -> tuple[list[str], bool] | None:
    """The class items (regex syntax) of every character a match of ``items`` can start
    with, and whether it can match the empty string; None when not known."""
    out: list[str] = []
    for op, av in items:
        if op is sre_c.LITERAL:
            return [*out, re.escape(chr(av))], False
        if op is sre_c.IN:
            for iop, iav in av:
                if iop is sre_c.LITERAL:
                    out.append(re.escape(chr(iav)))
                elif iop is sre_c.RANGE:
                    out.append(f"{re.escape(chr(iav[0]))}-{re.escape(chr(iav[1]))}")
                elif iop is sre_c.CATEGORY and iav in _CATEGORY_CLASS:
                    out.append(_CATEGORY_CLASS[iav])
                else:
                    return None  # a negated class or an unknown item
            return out, False
        if op is sre_c.SUBPATTERN and (av[1] or av[2]):
            return None  # local flags ("(?-i:...)") may make the gate stricter
        if op is sre_c.SUBPATTERN or op is sre_c.BRANCH:
            alternatives = [av[-1]] if op is sre_c.SUBPATTERN else av[1]
            nullable = False
            for alt in alternatives:
                first = _first_chars(list(alt))
                if first is None:
                    return None
                out += first[0]
                nullable = nullable or first[1]
            if not nullable:
                return out, False
        elif op in (sre_c.MAX_REPEAT, sre_c.MIN_REPEAT, sre_c.POSSESSIVE_REPEAT):
            first = _first_chars(list(av[2]))
            if first is None:
                return None
            out += first[0]
            if av[0] > 0 and not first[1]:
                return out, False
        elif op not in (sre_c.AT, sre_c.ASSERT, sre_c.ASSERT_NOT):
            return None  # zero-width items constrain a match but consume nothing
    return out, True


def first_char_gated(regex: re.Pattern[str]) -> re.Pattern[str]:
    """``regex`` behind a lookahead of the characters its matches can start with: the same
    matches, but the engine skips the positions no match can start at (Python's regex
    engine does so by itself only for a literal or a class at the very start)."""
    try:
        first = _first_chars(list(sre_p.parse(regex.pattern, regex.flags)))
    except (re.error, RecursionError):
        return regex
    if first is None or first[1] or not first[0]:
        return regex  # unknown, or the regex can match the empty string
    gate = "".join(dict.fromkeys(first[0]))
    try:
        return re.compile(f"(?=[{gate}])(?:{regex.pattern})", regex.flags)
    except re.error:  # e.g. global inline flags, which must open a pattern
        return regex


# Characters that IGNORECASE matches to an ASCII letter although their lower case is not
# that letter (long s, dotless i, dotted capital I, Kelvin sign): a span holding one is not
# prefiltered by substrings.
_ASCII_FOLDS = "\u017f\u0131\u0130\u212a"


def required_literals(regex: re.Pattern[str]) -> tuple[str, ...] | None:
    """Lower-case strings of which every match of ``regex`` contains at least one, or None
    when that is not known (or a literal has a case that is not plain ASCII)."""
    try:
        found = _required(list(sre_p.parse(regex.pattern, regex.flags)))
    except (re.error, RecursionError):
        return None
    plain = all(lit and (lit.isascii() or lit.lower() == lit.upper()) for lit in found or ())
    if not found or not plain:
        return None
    return tuple(sorted({lit.lower() for lit in found}))


def _required(items: list) -> set[str] | None:
    """The best literal set of a sequence: a literal run, or one item's set."""
    best: set[str] | None = None
    run = ""
    for op, av in [*items, (None, None)]:
        if op is sre_c.LITERAL:
            run += chr(av)
            continue
        if run:
            best = _better(best, {run})
            run = ""
        if op is None:
            break
        best = _better(best, _required_item(op, av))
    return best


def _required_item(op: object, av: object) -> set[str] | None:
    if op is sre_c.IN:
        chars = [chr(i) for o, i in av if o is sre_c.LITERAL]  # type: ignore[union-attr]
        return set(chars) if len(chars) == len(av) else None  # type: ignore[arg-type]
    if op is sre_c.SUBPATTERN:
        return None if av[1] or av[2] else _required(list(av[-1]))  # type: ignore[index]
    if op is sre_c.BRANCH:
        out: set[str] = set()
        for alt in av[1]:  # type: ignore[index]
            sub = _required(list(alt))
            if sub is None:
                return None
            out |= sub
        return out
    if op in (sre_c.MAX_REPEAT, sre_c.MIN_REPEAT, sre_c.POSSESSIVE_REPEAT) and av[0] >= 1:  # type: ignore[index]
        return _required(list(av[2]))  # type: ignore[index]
    return None  # zero-width, a category, any character: nothing required


def _better(a: set[str] | None, b: set[str] | None) -> set[str] | None:
    """The more selective of two literal sets (its shortest literal is longer)."""
    if a is None:
        return b
    if b is None:
        return a
    return b if min(map(len, b)) > min(map(len, a)) else a


def may_contain(span: str, literals: tuple[str, ...] | None) -> bool:
    """False only when ``span`` holds none of ``literals`` (see required_literals)."""
    if literals is None:
        return True
    low = span.lower()
    if len(low) != len(span) or any(c in span for c in _ASCII_FOLDS):
        return True
    return any(lit in low for lit in literals)
