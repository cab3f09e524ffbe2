"""Shared names: one name that several tracked places answer to ("Friendship Bridge": the
bridges at Narva, Termez, Nong Khai, Dandong, Ruse, Ciudad del Este, ...). The catalogue
gives the name to one holder with a ``shared`` entry (scripts/build_geodata.py); a mention of
it is made with role "shared" and resolved here, once the text's other mentions are known:
the candidate nearest a place the text names, else the one whose countries the text names
most, else the entry's default, else none (the mention is left out).

Mixed into ``tracker.extract.geocode.Geocoder``; runs only when such a name was matched.
"""

from __future__ import annotations

from typing import Any

from tracker.extract.context_words import sentence_words
from tracker.extract.text import fold_alias, word_view
from tracker.gazetteer import haversine_km
from tracker.models import Mention

SHARED_ROLE = "shared"  # a mention not yet resolved; never leaves the geocoder


class SharedNames:
    """Resolution of shared names, mixed into Geocoder."""

    rules: dict[str, Any]
    records: list[dict[str, Any]]
    _index_of: dict[str, int]
    _plan: Any
    _shared_views: dict[str, dict[str, Any]]  # per holder id: its entries by word view

    def _shared_entry(self, rec: dict[str, Any], matched: str) -> dict[str, Any] | None:
        """The ``shared`` entry of holder ``rec`` that ``matched`` names, or None (the holder's
        own names are not shared)."""
        table = rec.get("shared")
        if not table:
            return None
        entries = self._shared_views.get(rec["id"])
        if entries is None:  # keyed like the automaton: "Mont-Blanc" is "Mont Blanc"
            entries = self._shared_views[rec["id"]] = {
                word_view(k): v for k, v in table.items()
            }
        return entries.get(word_view(fold_alias(matched)))

    def _resolve_shared(self, text: str, mentions: list[Mention]) -> list[Mention]:
        """Each "shared" mention replaced by the candidate the text points to, or dropped."""
        out = []
        for m in mentions:
            if m.role != SHARED_ROLE:
                out.append(m)
                continue
            rec = self.records[self._index_of[m.place_id]]
            entry = self._shared_entry(rec, m.text)
            pick = self._shared_pick(text, m, entry, mentions) if entry else None
            if pick is not None:
                out.append(_as_place(m, self._plan(self._index_of[pick]).fields))
        return out

    def _shared_pick(
        self, text: str, m: Mention, entry: dict[str, Any], mentions: list[Mention]
    ) -> str | None:
        candidates = [c for c in entry["places"] if c in self._index_of]
        words = entry.get("words") or {}
        if words:  # a candidate that asks for a word of its own in the sentence
            sentence = sentence_words(text, m.start, m.end)
            candidates = [
                c for c in candidates if c not in words or not sentence.isdisjoint(words[c])
            ]
        if not candidates:
            return None
        context = [o for o in mentions if o.role != SHARED_ROLE]
        named = {
            code
            for o in context
            if o.kind == "country"
            for code in self.records[self._index_of[o.place_id]].get("countries", ())
        }
        pick = self._nearest_candidate(candidates, context) or _by_countries(
            [self.records[self._index_of[c]] for c in candidates], named
        )
        if pick is None and entry.get("default") in candidates:
            pick = entry["default"]
        if pick is None and len(candidates) == 1 and candidates[0] in words:
            pick = candidates[0]  # its own words are there: "lorries diverted to the Mont Blanc"
        return pick

    def _nearest_candidate(self, candidates: list[str], context: list[Mention]) -> str | None:
        """The candidate nearest a (non-country) place the text names, within ``near_km``."""
        limit = self.rules["shared_names"]["near_km"]
        best: tuple[float, str] | None = None
        for o in context:
            if o.kind == "country":
                continue  # a country's label point says little: its code counts instead
            if o.place_id in candidates:
                return o.place_id  # named outright elsewhere in the text
            place = self.records[self._index_of[o.place_id]]
            if place.get("lon") is None:
                continue
            for c in candidates:
                cand = self.records[self._index_of[c]]
                km = haversine_km(place["lon"], place["lat"], cand["lon"], cand["lat"])
                if km <= limit and (best is None or km < best[0]):
                    best = (km, c)
        return best[1] if best else None


def _by_countries(candidates: list[dict[str, Any]], named: set[str]) -> str | None:
    """The candidate sharing the most countries with those named, if one alone does."""
    if not named:
        return None
    scores = sorted(
        ((len(named.intersection(c.get("countries", ()))), c["id"]) for c in candidates),
        reverse=True,
    )
    if not scores or scores[0][0] == 0 or (len(scores) > 1 and scores[1][0] == scores[0][0]):
        return None
    return scores[0][1]


def _as_place(m: Mention, fields: dict[str, Any]) -> Mention:
    """``m`` as a mention of the place whose Mention fields are ``fields``."""
    values = {
        **fields,
        "text": m.text,
        "start": m.start,
        "end": m.end,
        "script": m.script,
        "language": m.language,
        "role": "place",
    }
    return Mention(**values)
