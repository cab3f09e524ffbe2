"""Quick mentions: the geocoder's path for the names that need no rule over several names,
made straight from the ASCII automaton's matches (most texts take only this path).

Mixed into ``tracker.extract.geocode.Geocoder``; kept apart so each file stays readable.
"""

from __future__ import annotations

import dataclasses
from typing import Any

from tracker.models import Mention

# quick_mention fills a Mention's fields one by one; valid while these are Mention's fields
# (else the geocoder makes no quick mention: see _Plan.quick in tracker.extract.geocode).
QUICK_FIELDS = tuple(f.name for f in dataclasses.fields(Mention)) == (
    "place_id",
    "name",
    "kind",
    "text",
    "start",
    "end",
    "tracked",
    "script",
    "language",
    "linked_to",
    "distance_km",
    "role",
)
_new_object = object.__new__


def quick_mention(
    pid: str,
    name: str,
    kind: str,
    tracked: bool,
    link: str | None,
    km: float | None,
    matched: str,
    start: int,
    end: int,
    lang: str,
) -> Mention:
    """The Mention of a plain place named as ``matched`` (Latin script, role "place")."""
    # Filled in field order through the new object's own __dict__: it then keeps the class's
    # shared keys (a third the size of a dict of its own, and faster to make than either
    # that or the frozen dataclass's __init__; an equal object).
    mention = _new_object(Mention)
    fields = mention.__dict__
    fields["place_id"] = pid
    fields["name"] = name
    fields["kind"] = kind
    fields["text"] = matched
    fields["start"] = start
    fields["end"] = end
    fields["tracked"] = tracked
    fields["script"] = "Latin"
    fields["language"] = lang
    fields["linked_to"] = link
    fields["distance_km"] = km
    fields["role"] = "place"
    return mention


class QuickMentions:
    """The quick path, mixed into Geocoder."""

    _ascii_payloads: list[tuple]
    _key_rows: list[tuple | int | bool | None]
    _rows: list[tuple | None]
    _plans: list[Any]
    _plan: Any
    _one_mention: Any
    _appositions: Any
    _resolve_shared: Any

    def _quick_mentions(self, text: str, matches: list[tuple]) -> list[Mention] | None:
        """The mentions of ASCII ``text`` made straight from the ASCII automaton's matches,
        one at a time, when no rule over several names can apply (see ``_key_row``) and no
        two matches overlap; else None, and the full path takes the same matches over. Most
        texts end here: nothing else to do but the apposition rule."""
        if len(matches) > 4:
            # A longer text often names a tracked place with a town inside ("Lachin
            # corridor"): look for an overlap before making anything, cheaper than undoing.
            last = 0
            for start, end, _ in matches:
                if start < last:
                    return None
                last = end - 2
        rows = self._key_rows
        mentions: list[Mention | None] = []
        slow = None  # [(position, key, row, start, end, matched)]: made if no match overlaps
        last = 0
        comma = False
        for start, end, key in matches:
            # One small tuple per key: little memory to read that the pass has not touched
            # (after other work, a place's data is cold: this is most of the time spent here).
            row = rows[key]
            if row is None:
                row = self._key_row(key)
            if row is False or start < last:
                return None
            end -= 2  # the key's spaces (see _hits)
            last = end
            matched = text[start:end]
            # A capitalised plain name (of 4 letters or more: a short name must be in
            # capitals, see _case_ok): made right here.
            if row.__class__ is tuple and len(matched) > 3 and matched.istitle() and (
                matched.isalpha() and matched.isascii()
            ):
                pid, name, pkind, tracked, lang, link, km, _ = row
                mention = quick_mention(pid, name, pkind, tracked, link, km, matched, start, end,
                                        lang)
            else:  # its own case and context rules decide: after the loop (no full path then)
                slow = slow or []
                slow.append((len(mentions), key, row, start, end, matched))
                mention = None
            mentions.append(mention)
            comma = comma or text.startswith(",", end)
        if slow:
            comma = False
            for position, key, row, start, end, matched in slow:
                index = row if row.__class__ is int else row[-1]
                mentions[position] = self._one_mention(
                    text,
                    start,
                    end,
                    matched,
                    index,
                    self._ascii_payloads[key][2],
                    self._plans[index],
                    matched.isascii() and matched.isalpha() and len(matched) > 3,
                )
            mentions = [m for m in mentions if m is not None]
            if any(m.role == "shared" for m in mentions):  # see tracker.extract.geocode_shared
                mentions = self._resolve_shared(text, mentions)
            comma = any(text.startswith(",", m.end) for m in mentions)
        if comma and ", " in text:
            return self._appositions(text, mentions)
        return mentions

    def _key_row(self, key: int) -> tuple | int | bool:
        """How ``_quick_mentions`` makes the mentions of the ASCII automaton's ``key``, worked
        out on first sight: (place_id, name, kind, tracked, language, linked_to, distance_km,
        record index) for a plain place, quick when the text is a capitalised word; the
        record index of a place with rules of its own (case, role, the crossing a town stands
        for); False for a marker, an open or punctuated key, a country (a border group may
        follow) or a place where a route or anchored rule over several names may start."""
        _, index, lang, _, _, edges = self._ascii_payloads[key]
        row: tuple | int | bool = False
        if edges is None and index >= 0:
            quick, joins, pid, name, pkind, tracked, link, km = self._rows[index] or self._row(
                index
            )
            if not joins and pkind != "country":
                row = (pid, name, pkind, tracked, lang, link, km, index) if quick else index
        self._key_rows[key] = row
        return row

    def _row(self, index: int) -> tuple:
        """(quick, several, place_id, name, kind, tracked, linked_to, distance_km) of record
        ``index``: what the pass needs of a place, in one tuple (see find_mentions)."""
        plan = self._plan(index)
        f = plan.fields
        row = self._rows[index] = (
            plan.quick,
            plan.several,
            f["place_id"],
            f["name"],
            f["kind"],
            f["tracked"],
            f["linked_to"],
            f["distance_km"],
        )
        return row

