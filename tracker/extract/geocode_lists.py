"""The geocoder's rules on lists of names and on phrases ("the Erez and Zikim crossings",
"the ports of Izmail and Reni", "crossing points on its border with Russia").

Mixed into ``tracker.extract.geocode.Geocoder``; kept apart so each file stays readable.
"""

from __future__ import annotations

import dataclasses
import re
from typing import Any

from tracker.extract.context_words import (
    find_words,
    sentence_words,
    words_after,
    words_before,
)
from tracker.extract.text import (
    Folded,
    fold,
    upper_class,
)
from tracker.models import Mention


class ListRules:
    """The rules on lists of names and on phrases, mixed into Geocoder."""

    rules: dict[str, Any]
    records: list[dict[str, Any]]
    _index_of: dict[str, int]
    _hits: Any
    _phrase_mention: Any

    def _coordinated(self, text: str, mentions: list[Mention]) -> list[Mention]:
        """ "the Erez and Zikim crossings", "the ports of Izmail and Reni": each listed name
        with the singular kind word, when that names a place, replaces what the name alone
        matched."""
        table = self.rules["coordinated"]
        found: list[Mention] = []
        for head in self.rules["coordinated_heads"].finditer(text):
            key = " ".join(head.group(1).casefold().split())
            spans = _list_before(text, head.start())
            if not spans:
                link = _LIST_LINK.match(text, head.end())
                spans = _list_at(text, link.end()) if link else []
            for start, end in spans:
                m = self._listed_mention(text, start, end, table[key])
                if m is not None:
                    found.append(m)
        return _replace_overlapped(mentions, found)

    def _kind_at(self, text: str, mentions: list[Mention]) -> list[Mention]:
        """ "the border crossing at Dajabón": the tracked place a pattern makes of the name
        after a kind word and a link, replacing what the name alone matched (if anything)."""
        rule = self.rules["kind_at"]
        found: list[Mention] = []
        for head in rule["pattern"].finditer(text):
            name = _LIST_ITEM.match(text, head.end())
            # A name already found is left to the rules of its own ("the bridge in
            # Mitrovica" names the town; "the crossing at Rafah" is the namesake rule's).
            if name is None or any(m.start < name.end() and name.start() < m.end for m in mentions):
                continue
            m = self._listed_mention(text, name.start(), name.end(), rule["patterns"])
            if m is None:  # "at Dajabón on Monday": try the first word alone too
                first = re.match(r"\S+", text[name.start() : name.end()])
                end = name.start() + first.end() if first else name.end()
                m = self._listed_mention(text, name.start(), end, rule["patterns"])
            if m is not None:
                found.append(m)
        return _replace_overlapped(mentions, found)

    def _listed_mention(
        self, text: str, start: int, end: int, patterns: list[str]
    ) -> Mention | None:
        """The place ``pattern`` makes of the name at [start, end), dropping leading words
        ("The Erez" -> "Erez") until one is found."""
        end = start + len(text[start:end].rstrip("."))  # "... and Reni." ends a sentence
        words = list(re.finditer(r"\S+", text[start:end]))
        for w in words:
            name = text[start + w.start() : end]
            for pattern in patterns:
                index = self._whole_alias(pattern.format(name))
                if index is not None:
                    rec = self.records[index]
                    return self._phrase_mention(text, (start + w.start(), end), rec["id"])
        return None

    def _whole_alias(self, phrase: str) -> int | None:
        """Record index of the place whose alias is exactly ``phrase``, or None."""
        folded = fold(phrase)
        hits, _, _, _ = self._hits(folded)
        size = len(folded.text)
        return next((h[2] for h in hits if h[0] == 0 and h[1] == size), None)

    def _border_group(self, folded: Folded, text: str, mentions: list[Mention]) -> list[Mention]:
        """ "crossing points on its eastern border with Russia" in a text naming Finland: the
        group of tracked crossings on the border of two countries both named."""
        named = {m.place_id for m in mentions}
        countries = {c for m in mentions if m.kind == "country" for c in self._countries(m)}
        if len(countries) < 2:
            return mentions
        rules = self.rules["border_groups"]
        for rec in self._groups():
            if rec["id"] in named or not set(rec["countries"]) <= countries:
                continue
            pair = set(rec["countries"])
            if any(m.tracked and set(self._countries(m)) == pair for m in mentions):
                continue  # its crossings are named one by one
            for key in rules["keys"]:
                span = find_words(folded, key)
                if span is None or any(m.start < span[1] and span[0] < m.end for m in mentions):
                    continue
                if rules["sentence_words"].isdisjoint(sentence_words(text, *span)):
                    continue
                mentions = sorted(
                    [*mentions, self._phrase_mention(text, span, rec["id"])],
                    key=lambda m: (m.start, -m.end),
                )
                break
        return mentions

    def _countries(self, m: Mention) -> list[str]:
        return self.records[self._index_of[m.place_id]].get("countries", [])

    def _groups(self) -> list[dict[str, Any]]:
        groups = getattr(self, "_group_records", None)
        if groups is None:
            groups = self._group_records = [
                r
                for r in self.records
                if r.get("tracked") and "group" in r.get("flags", ()) and len(r["countries"]) == 2
            ]
        return groups

    def _appositions(self, text: str, mentions: list[Mention]) -> list[Mention]:
        """A name then ", the 24-year-old striker" or ", 24," is a person's, unless a
        preposition governs it ("In Rafah, the 24-year-old activist said")."""
        rules = self.rules["person_apposition"]
        ends = {m.end: i for i, m in enumerate(mentions) if m.role == "place" and not m.tracked}
        if not ends:
            return mentions
        starts = [m.start() for m in rules["pattern"].finditer(text)]
        starts += [m.start() for m in rules["age"].finditer(text)]
        for start in starts:
            i = ends.get(start)
            if i is None:
                continue
            m = mentions[i]
            before = words_before(text, m.start, 1)
            if before and before[0] in rules["unless_before"]:
                continue
            mentions[i] = dataclasses.replace(m, role="person")
        return mentions

    def _sports_clubs(self, text: str, mentions: list[Mention]) -> list[Mention]:
        """A name right after or before a sport word ("Dynamo Kyiv", "Qarabag FK", "the
        Qarabag coach") names a club: role "club"."""
        rules = self.rules["sports_club"]
        out = []
        for m in mentions:
            before = words_before(text, m.start, 1)
            after = [w for w in words_after(text, m.end, 2) if w not in ("'s", "’s")][:1]
            if (before and before[0] in rules["before"]) or (after and after[0] in rules["after"]):
                m = dataclasses.replace(m, role="club")
            out.append(m)
        return out


# Names start with any uppercase letter ("Šalčininkai", "İzmail", "Койдула"), not only A-Z.
UPPER = upper_class()  # character class: any uppercase letter
_LIST_NAME = rf"{UPPER}[\w'’.-]*(?:\s+(?:al-|el-|de\s+|la\s+)?{UPPER}[\w'’.-]*){{0,2}}"
_LIST_SEP = r"(?:\s*,\s*(?:and\s+|or\s+)?|\s+(?:and|or|&)\s+)"
_LIST_BEFORE = re.compile(rf"(?:{_LIST_NAME}{_LIST_SEP})*{_LIST_NAME}\s+(?:border\s+)?$")
_LIST_AFTER = re.compile(rf"(?:{_LIST_NAME}{_LIST_SEP})*{_LIST_NAME}")
_LIST_LINK = re.compile(r"\s+(?:of|at|in)\s+")
_LIST_ITEM = re.compile(_LIST_NAME)


def _list_before(text: str, head: int) -> list[tuple[int, int]]:
    """Spans of the names listed right before ``head``."""
    m = _LIST_BEFORE.search(text, max(0, head - 160), head)
    return _items(text, m) if m else []


def _list_at(text: str, start: int) -> list[tuple[int, int]]:
    """Spans of the names listed from ``start``."""
    m = _LIST_AFTER.match(text, start)
    return _items(text, m) if m else []


def _items(text: str, m: re.Match[str]) -> list[tuple[int, int]]:
    return [(i.start(), i.end()) for i in _LIST_ITEM.finditer(text, m.start(), m.end())]


def _replace_overlapped(mentions: list[Mention], found: list[Mention]) -> list[Mention]:
    """``mentions`` with ``found`` in place of whatever they overlap, sorted by start
    (``mentions`` itself, unchanged, when nothing was found)."""
    if not found:
        return mentions
    kept = [m for m in mentions if not any(f.start < m.end and m.start < f.end for f in found)]
    return sorted(kept + found, key=lambda m: (m.start, -m.end))
