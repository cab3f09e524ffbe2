"""A guess at a text's language from its script, for texts that do not say.

Feeds and input records usually declare a language; when they do not, the script of
the letters is a good enough guess to choose a claim lexicon (a Cyrillic text read with
English cues finds nothing).
"""

from __future__ import annotations

from collections import Counter

from tracker.extract.text import script_of

_LANGUAGE_OF_SCRIPT = {"Latin": "en", "Greek": "el", "Cyrillic": "ru", "Armenian": "hy",
                       "Hebrew": "he", "Arabic": "ar", "Georgian": "ka"}
_UKRAINIAN_LETTERS = frozenset("іїєґІЇЄҐ")
SAMPLE_CHARS = 2000


def guess_language(text: str) -> str:
    """The language most likely meant by ``text``'s letters ("en" when unsure)."""
    sample = text[:SAMPLE_CHARS]
    counts: Counter[str] = Counter()
    for ch in sample:
        if ch.isalpha():
            counts[script_of(ch)] += 1  # the folding module's one table of scripts
    if not counts:
        return "en"
    script = counts.most_common(1)[0][0]
    if script == "Cyrillic" and any(ch in _UKRAINIAN_LETTERS for ch in sample):
        return "uk"
    return _LANGUAGE_OF_SCRIPT.get(script, "en")
