"""Text folding for place matching: case, diacritics, dashes, scripts and light stemming,
with a map back to offsets in the original text.

The same ``fold`` is applied to gazetteer aliases and to news text, so a match in the
folded text is a match of the alias; ``Folded.span`` turns it back into original offsets.
Pure standard library: the CLI's quick paths may import this.
"""

from __future__ import annotations

import re
import unicodedata
from bisect import bisect_right

FOLD_VERSION = 7  # bump on any change to folding: cached automatons depend on it

# Characters whose fold is not "decompose, drop marks, casefold" (or that must stay one char).
_SPECIAL = {
    "й": "й",  # a letter of its own, not и + breve
    "Й": "й",
    "ı": "i",
    "İ": "i",
    "ə": "e",
    "Ə": "e",
    "ß": "ss",
    "ё": "е",
    "Ё": "е",
    "ї": "і",
    "Ї": "і",
    "ʼ": "'",
    "’": "'",
    "‘": "'",
    "`": "'",
    "´": "'",
    "ʻ": "'",
    "ʹ": "'",
    "′": "'",
    "ـ": "",  # Arabic tatweel (stretching), not a letter
    "أ": "ا",
    "إ": "ا",
    "آ": "ا",
    "ٱ": "ا",
    "ى": "ي",
    "ة": "ه",
    "ؤ": "و",
    "ئ": "ي",
    "\u200c": "",
    "\u200d": "",
    "\u200e": "",
    "\u200f": "",
    "\xad": "",
    "ł": "l",
    "Ł": "l",
    "đ": "d",
    "Đ": "d",
    "ø": "o",
    "Ø": "o",
    "æ": "ae",
    "Æ": "ae",
    "և": "եւ",
}
# Dashes and hyphens all fold to a space, so "Nagorno-Karabakh" = "Nagorno Karabakh".
_SPACE_LIKE = set("-‐‑‒–—―−_") | {"\t", "\n", "\r", "\x0b", "\x0c", "\xa0", "\u2009", "\u202f"}


class _FoldTable(dict):
    """Lazily filled ``str.translate`` table; remembers characters that change length."""

    irregular: set[str]

    def __init__(self) -> None:
        super().__init__()
        self.irregular = set()
        self._finder: re.Pattern[str] | None = None

    def __missing__(self, code: int) -> str:
        folded = fold_char(chr(code))
        if len(folded) != 1:
            self.irregular.add(chr(code))
            self._finder = None
        self[code] = folded
        return folded

    def has_irregular(self, text: str) -> bool:
        """True when ``text`` holds a character already seen to change length (one regex
        search: faster than a set test per character)."""
        if not self.irregular:
            return False
        if self._finder is None:
            self._finder = re.compile("[" + "".join(map(re.escape, self.irregular)) + "]")
        return self._finder.search(text) is not None


def fold_char(ch: str) -> str:
    """The folded form of one character (may be empty or several characters)."""
    if ch in _SPECIAL:
        return _SPECIAL[ch]
    if ch in _SPACE_LIKE or ch.isspace():
        return " "
    if ch.isascii():
        return ch.lower()
    out = []
    for part in unicodedata.normalize("NFD", ch).casefold():
        if unicodedata.category(part) == "Mn":
            continue
        out.append(_SPECIAL.get(part, part))
    return "".join(out)


_TABLE = _FoldTable()
# ASCII folds one byte to one byte, so bytes.translate does it at C speed.
_ASCII_FOLD = bytes(ord(fold_char(chr(i))) for i in range(128)) + bytes(range(128, 256))
_ASCII_WORDS = bytes(i if chr(i).isalnum() else 32 for i in range(256))

# Light stemming of inflected scripts: endings are stripped from each word (if a stem of at
# least MIN_STEM letters remains) in both aliases and text, so "Лачинского коридора" and
# "Лачинский коридор" fold alike. Longest endings first.
# Plural endings that are also the end of many names (Карабах, Харьков, Киев) are left out.
_CYRILLIC_ENDINGS = tuple(
    sorted(
        {
            "ого",
            "его",
            "ому",
            "ему",
            "ыми",
            "ими",
            "ой",
            "ей",
            "ий",
            "ый",
            "ая",
            "яя",
            "ое",
            "ее",
            "ые",
            "ие",
            "ых",
            "их",
            "ым",
            "им",
            "ом",
            "ем",
            "ую",
            "юю",
            "ою",
            "ею",
            "ої",
            "ій",
            "а",
            "я",
            "о",
            "е",
            "у",
            "ю",
            "ы",
            "и",
            "і",
            "ь",
            "й",
            "є",
        },
        key=len,
        reverse=True,
    )
)
_ARMENIAN_ENDINGS = tuple(
    sorted(
        {
            "ներից",
            "ներում",
            "ներով",
            "ների",
            "ներն",
            "ներ",
            "ում",
            "ից",
            "ով",
            "ին",
            "ի",
            "ը",
            "ն",
            "ու",
            "ուն",
        },
        key=len,
        reverse=True,
    )
)
_STEM_SCRIPTS = (  # letters of a word (as a character class), endings
    ("\u0400-\u04ff", _CYRILLIC_ENDINGS),
    ("\u0531-\u0556\u0561-\u0587", _ARMENIAN_ENDINGS),
)
MIN_STEM = 4
_STEM_RULES = tuple(
    (re.compile(f"[{letters}]{{4,}}"), endings) for letters, endings in _STEM_SCRIPTS
)
# The same rules as one regex each: a whole word = the shortest stem of MIN_STEM letters or
# more + an ending (longest first), so group 1 ends where the ending is cut.
_STEM_CUTS = tuple(
    re.compile(
        f"(?<![{letters}])([{letters}]{{{MIN_STEM},}}?)"
        f"(?:{'|'.join(map(re.escape, endings))})(?![{letters}])"
    )
    for letters, endings in _STEM_SCRIPTS
)


def _stem_length(word: str, endings: tuple[str, ...]) -> int:
    """Length of ``word`` without its longest ending that leaves MIN_STEM letters."""
    by_length = _ENDINGS_BY_LENGTH.get(endings)
    if by_length is None:
        by_length = _ENDINGS_BY_LENGTH[endings] = _group_by_length(endings)
    n = len(word)
    for size, group in by_length:  # a few set lookups, not one endswith per ending
        if n - size >= MIN_STEM and word[n - size :] in group:
            return n - size
    return n


_ENDINGS_BY_LENGTH: dict[tuple[str, ...], tuple[tuple[int, frozenset[str]], ...]] = {}


def _group_by_length(endings: tuple[str, ...]) -> tuple[tuple[int, frozenset[str]], ...]:
    sizes = sorted({len(e) for e in endings}, reverse=True)
    return tuple((size, frozenset(e for e in endings if len(e) == size)) for size in sizes)


class Folded:
    """Folded text plus the way back to original offsets: ``offsets`` (the original index of
    each folded char), or ``runs`` (folded positions after which the shift grows, for ASCII
    text whose space runs were collapsed), or neither (folded[i] comes from original[i]).
    Read-only by convention: a plain slotted class, as one is made per text folded."""

    __slots__ = ("_text", "original", "offsets", "runs", "_view", "view_bytes")

    def __init__(
        self,
        text: str | None,
        original: str,
        offsets: tuple[int, ...] | None = None,
        runs: tuple[tuple[int, ...], tuple[int, ...]] | None = None,
        view: str | None = None,
        view_bytes: bytes | None = None,
    ) -> None:
        self._text = text  # None: ASCII text folded char for char, made when first asked for
        self.original = original
        self.offsets = offsets
        self.runs = runs  # (positions, shifts)
        self._view = view
        # The word view as ASCII bytes, when the fast ASCII fold made it so (the ASCII
        # automaton reads bytes); else None.
        self.view_bytes = view_bytes

    @property
    def text(self) -> str:
        """The folded text."""
        if self._text is None:
            self._text = self.original.encode("ascii").translate(_ASCII_FOLD).decode("ascii")
        return self._text

    @property
    def view(self) -> str:
        """``word_view`` of the folded text (made once)."""
        if self._view is None:
            if self.view_bytes is not None:
                self._view = self.view_bytes.decode("ascii")
            else:
                self._view = word_view(self.text)
        return self._view

    def span(self, start: int, end: int) -> tuple[int, int]:
        """Original (start, end) of the folded span [start, end), widened to whole words
        where stemming cut an ending off."""
        if self.runs is not None:
            positions, shifts = self.runs
            i = bisect_right(positions, start)
            j = bisect_right(positions, end - 1)
            o_start, o_end = start + (shifts[i - 1] if i else 0), end + (shifts[j - 1] if j else 0)
        elif self.offsets is None:
            return start, end
        else:
            o_start = self.offsets[start]
            o_end = self.offsets[end - 1] + 1
        orig = self.original
        # An ending removed by stemming (or a dropped mark) still belongs to the word.
        while (
            o_end < len(orig)
            and (orig[o_end].isalpha() or unicodedata.category(orig[o_end]) == "Mn")
            and not orig[o_end].isascii()
        ):
            o_end += 1
        return o_start, o_end


_SPACE_RUN = re.compile(" {2,}")
_DOUBLE_SPACE = re.compile("  ")
_DOUBLE_SPACE_BYTES = re.compile(b"  ")
_NON_ASCII_RUN = re.compile(r"([^\x00-\x7f]+)")
_MAX_PARTS = 41  # beyond 20 non-ASCII stretches one Unicode translate is faster


def _collapse_runs(folded: str, text: str) -> Folded:
    """``folded`` (one char per char of ``text``) with its runs of spaces made one, and the
    shifts that undo it."""
    positions: list[int] = []
    shifts: list[int] = []
    removed = 0
    for m in _SPACE_RUN.finditer(folded):
        removed += m.end() - m.start() - 1
        positions.append(m.end() - removed)  # folded index of the first char after the run
        shifts.append(removed)
    return Folded(_SPACE_RUN.sub(" ", folded), text, None, (tuple(positions), tuple(shifts)))


def fold(text: str) -> Folded:
    """Fold ``text`` for matching; offsets map back to ``text``."""
    if text.isascii():  # the fast path: C-level byte translations, view made alongside
        view = ascii_view(text)
        if view is not None:
            # Only the word view is needed to find names: the folded text waits to be asked.
            return Folded(None, text, view_bytes=view)
        return _collapse_runs(text.encode("ascii").translate(_ASCII_FOLD).decode("ascii"), text)
    return _fold_unicode(text)


def ascii_view(text: str) -> bytes | None:
    """``fold(text).view_bytes`` without the Folded: the word view of ASCII text that folds
    char for char (no runs of spaces), as bytes; else None."""
    if not text.isascii():
        return None
    data = text.encode("ascii").translate(_ASCII_FOLD)
    if _DOUBLE_SPACE_BYTES.search(data):  # (twice as fast as `b"  " in data`)
        return None
    return b" %s " % data.translate(_ASCII_WORDS)


def _fold_unicode(text: str) -> Folded:
    """``fold`` of text that is not all ASCII."""
    # Mostly ASCII text (English with a dash or a curly quote): ASCII stretches go through
    # the byte table, only the rest through the (per-character) Unicode table.
    parts = _NON_ASCII_RUN.split(text)
    if len(parts) > _MAX_PARTS:
        folded = text.translate(_TABLE)
        unusual, stemmable = text, folded
    else:
        unusual = "".join(parts[1::2])  # every non-ASCII character: only they fold unusually
        for i in range(0, len(parts), 2):
            parts[i] = parts[i].encode("ascii").translate(_ASCII_FOLD).decode("ascii")
        for i in range(1, len(parts), 2):
            parts[i] = parts[i].translate(_TABLE)
        folded = "".join(parts)
        stemmable = " ".join(parts[1::2])
    same_length = len(folded) == len(text) and not _TABLE.has_irregular(unusual)
    if same_length:
        if any(rx.search(stemmable) for rx, _ in _STEM_RULES):
            return _cut(folded, text)
        if _DOUBLE_SPACE.search(folded):
            return _collapse_runs(folded, text)
        return Folded(folded, text)
    # Some character folds to more or fewer characters (ß, İ, ligatures): char by char.
    chars: list[str] = []
    offsets: list[int] = []
    for i, ch in enumerate(text):
        for f in _TABLE[ord(ch)]:
            if f == " " and chars and chars[-1] == " ":
                continue  # runs of spaces fold to one
            chars.append(f)
            offsets.append(i)
    folded = "".join(chars)
    for rx, endings in _STEM_RULES:
        if not rx.search(folded):
            continue
        keep = [True] * len(folded)
        for m in rx.finditer(folded):
            cut = m.start() + _stem_length(m.group(), endings)
            for j in range(cut, m.end()):
                keep[j] = False
        folded = "".join(c for c, k in zip(folded, keep, strict=True) if k)
        offsets = [o for o, k in zip(offsets, keep, strict=True) if k]
    return Folded(folded, text, tuple(offsets))


def _cut(folded: str, text: str) -> Folded:
    """``folded`` (one char per char of ``text``) with space runs made one and stemmed
    endings cut off, by regex and slices rather than char by char."""
    cuts = [(m.start() + 1, m.end()) for m in _SPACE_RUN.finditer(folded)]
    for rx in _STEM_CUTS:  # words hold no spaces: the same words as after collapsing
        cuts.extend((m.end(1), m.end()) for m in rx.finditer(folded))
    cuts.sort()
    pieces: list[str] = []
    positions: list[int] = []
    shifts: list[int] = []
    pos = removed = 0
    for start, end in cuts:
        pieces.append(folded[pos:start])
        removed += end - start
        positions.append(start - (removed - (end - start)))  # folded index after the cut
        shifts.append(removed)
        pos = end
    pieces.append(folded[pos:])
    return Folded("".join(pieces), text, None, (tuple(positions), tuple(shifts)))


_NON_WORD = re.compile(r"\W")


def word_view(folded: str) -> str:
    """``folded`` with every non-word character as a space and one space at each end, so an
    automaton key " name " matches only whole words (same length: offsets shift by one)."""
    if folded.isascii():
        return " " + folded.encode("ascii").translate(_ASCII_WORDS).decode("ascii") + " "
    return " " + _NON_WORD.sub(" ", folded) + " "


def fold_alias(alias: str) -> str:
    """The folded key of a gazetteer alias (trimmed)."""
    return fold(alias.strip()).text.strip()


_SCRIPT_RANGES = (
    (0x0400, 0x052F, "Cyrillic"),
    (0x0530, 0x058F, "Armenian"),
    (0x0590, 0x05FF, "Hebrew"),
    (0x0600, 0x06FF, "Arabic"),
    (0x0750, 0x077F, "Arabic"),
    (0x10A0, 0x10FF, "Georgian"),
    (0x0370, 0x03FF, "Greek"),
)


def script_of(text: str) -> str:
    """The script of the first letter of ``text`` (Latin, Cyrillic, Armenian, ...)."""
    for ch in text:
        if not ch.isalpha():
            continue
        code = ord(ch)
        for low, high, name in _SCRIPT_RANGES:
            if low <= code <= high:
                return name
        return "Latin" if code < 0x0250 or 0x1E00 <= code <= 0x1EFF else "Other"
    return "Other"


def is_word_char(ch: str) -> bool:
    """True for characters that continue a word (letters, digits, combining marks)."""
    return ch.isalnum() or unicodedata.category(ch) == "Mn"


def has_case(text: str) -> bool:
    """True when the script of ``text`` distinguishes upper and lower case."""
    return script_of(text) in ("Latin", "Cyrillic", "Armenian", "Greek")


def upper_class() -> str:
    """A regex character class of every uppercase letter in the Basic Multilingual Plane
    (``re`` has no ``\\p{Lu}``): list rules accept "Šalčininkai", "İzmail", "Койдула".

    Built on demand (a scan of 65,536 code points): `tracker status lachin` folds the
    query with this module and has no use for it.
    """
    ranges: list[tuple[int, int]] = []
    for code in range(0x10000):
        if chr(code).isupper():
            if ranges and ranges[-1][1] == code - 1:
                ranges[-1] = (ranges[-1][0], code)
            else:
                ranges.append((code, code))
    parts = (
        re.escape(chr(a)) if a == b else f"{re.escape(chr(a))}-{re.escape(chr(b))}"
        for a, b in ranges
    )
    return "[" + "".join(parts) + "]"

