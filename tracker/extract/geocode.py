"""Find place mentions in text: one Aho-Corasick pass over folded text, then context rules
(tables in geocode_rules.toml) for what each name stands for, then spatial links to tracked
places (precomputed in the catalogue, so no shapely here).
"""

from __future__ import annotations

import dataclasses
import re
import tomllib
from functools import cache
from pathlib import Path
from typing import Any, NamedTuple

from tracker.extract.automaton import automatons_for
from tracker.extract.context_words import (
    POSSESSIVE,
    SENTENCE_END,
    WORDS,
    ends_with_any,
    find_words,
    sentence_bounds,
    sentence_words,
    words_after,
    words_after_pair,
    words_before,
)
from tracker.extract.geocode_hits import (
    edge_span,
    pyahocorasick_matches,
    resolve_overlaps,
    settle,
)
from tracker.extract.geocode_lists import ListRules
from tracker.extract.geocode_quick import QUICK_FIELDS, QuickMentions, quick_mention
from tracker.extract.geocode_shared import SHARED_ROLE, SharedNames
from tracker.extract.text import (
    Folded,
    ascii_view,
    fold,
    fold_alias,
    has_case,
    script_of,
    word_view,
)
from tracker.gazetteer import Gazetteer
from tracker.models import Mention

RULES_FILE = Path(__file__).with_name("geocode_rules.toml")
# Roles of a mention; only "place" mentions count as places named in a text.
ROLES = ("place", "country", "government", "capital", "dateline", "person", "club")
PLACE_ROLES = frozenset({"place"})
# How far a context place may lie from a tracked place of each kind to be linked to it.
LINK_MAX_KM = {
    "crossing": 10.0,
    "bridge": 5.0,
    "road": 3.0,
    "corridor": 3.0,
    "port": 10.0,
    "strait": 10.0,
    "canal": 5.0,
    "tunnel": 5.0,
    "sea lane": 0.0,
    "region": 0.0,
}
_GENERATED = ("gn-", "sea-", "area-", "country-")
_LANG_OF_SCRIPT = {
    "Armenian": "hy",
    "Hebrew": "he",
    "Georgian": "ka",
    "Arabic": "ar",
    "Cyrillic": "ru",
    "Greek": "el",
}
# Endings only adjectives take (Russian, Ukrainian): a noun name never ends so in any case.
_ADJECTIVE_END = re.compile(
    r"(?:ий|ый|ая|яя|ое|ее|ые|ие|ых|их|ым|им|ого|его|ому|ему|ыми|ими|ую|юю|ій|ої|ські|ський)$",
    re.IGNORECASE,
)
_CYRILLIC = re.compile(r"[\u0400-\u04ff]")
_NEXT_NAME = re.compile(r"\s+([A-ZА-ЯЁ][\w'-]+)")
_LINKING = re.compile(r"\s+(to|and)\s+")
_ROUTE_LEAD = re.compile(r"(?:^|\W)(?:to|towards|and)\W*$", re.IGNORECASE)
_DATELINE_TAIL = re.compile(r"\s*[,(—–-]")
_ROUTE_WORD = re.compile(r"\b(?:route|road|highway)\b", re.IGNORECASE)
# A capitalised word right before a name: a given name ("MP Ben Coutts") when it is no
# place and none of the rules' `given_name_unless` words ("In Coutts", "North Busia").
_GIVEN_NAME = re.compile(r"(?:^|(?<=[\w,\s]))([A-Z][a-z]+) $")


@cache
def load_rules(path: Path = RULES_FILE) -> dict[str, Any]:
    """The rule tables, read once."""
    with path.open("rb") as fh:
        rules = tomllib.load(fh)
    for key in (
        "government_after",
        "government_before",
        "person_before",
        "place_after",
        "crossing_before",
        "port_words",
        "route_words",
        "route_from_before",
        "government_nouns",
        "government_links",
        "namesake_before",
        "namesake_after",
        "government_after_unless_before",
        "port_unless_before",
        "government_right_after",
        "given_name_unless",
        "government_said_in",
    ):
        rules[key] = frozenset(w.casefold() for w in rules[key])
    rules["coordinated_heads"] = _coordinated_heads(rules["coordinated"])
    kind_at = rules["kind_at"]
    kind_at["pattern"] = re.compile(
        r"\b(?:"
        + "|".join(r"\s+".join(map(re.escape, h.split())) for h in kind_at["heads"])
        + r")\s+(?:"
        + "|".join(map(re.escape, kind_at["links"]))
        + r")\s+",
        re.IGNORECASE,
    )
    # The pass reports these words (see automatons_for): only then do the rules look.
    groups = rules["border_groups"]
    groups["keys"] = [word_view(fold_alias(p)) for p in groups["phrases"]]
    groups["sentence_words"] = frozenset(groups["sentence_words"])
    person = rules["person_apposition"]
    person["pattern"] = re.compile(
        r",\s+(?:the|a|an)\s+(?:[\w-]+\s+){0,2}(?:"
        + "|".join(re.escape(w) for w in person["words"])
        + r")\b",
        re.IGNORECASE,
    )
    person["unless_before"] = frozenset(person["unless_before"])
    namesake = rules["namesake_sentence"]
    namesake["words"] = frozenset(namesake["words"])
    namesake["unless_before"] = frozenset(namesake["unless_before"])
    person["age"] = re.compile(person["age_pattern"])
    club = rules["sports_club"]
    club["before"] = frozenset(club["before"])
    club["after"] = frozenset(club["after"])
    # Sport words are reported by the same pass too: the club rule runs only after one.
    club["markers"] = frozenset(club["before"] | club["after"])
    # Each list rule runs only after its own marker: a plural kind word ("crossings") for
    # the coordinated rule; a singular one then a link word ("crossing at", checked in the
    # folded view) for the kind-at rule. Singular kind words are in most crossing names.
    rules["plural_markers"] = frozenset(h.split()[-1] for h in rules["coordinated"])
    kind_at["markers"] = frozenset(h.split()[-1] for h in kind_at["heads"])
    kind_at["ahead"] = re.compile(
        " *(?:" + "|".join(re.escape(fold_alias(w)) for w in kind_at["links"]) + ") "
    )
    rules["markers"] = tuple(
        sorted(
            {h.split()[-1] for h in rules["coordinated"]}
            | {h.split()[-1] for h in kind_at["heads"]}
            | club["markers"]
        )
    )
    for rule in rules.get("anchored", []):  # one phrase / anchor, or lists of them
        rule["phrases"] = _as_list(rule.get("phrases", rule.get("phrase")))
        rule["keys"] = [word_view(fold_alias(p)) for p in rule["phrases"]]  # folded once
        rule["anchors"] = frozenset(_as_list(rule.get("anchors", rule.get("anchor"))))
        rule["context"] = frozenset(w.casefold() for w in rule.get("context", []))
        rule["unless"] = frozenset(rule.get("unless", []))
    return rules


def _as_list(value: Any) -> list[str]:
    return [value] if isinstance(value, str) else list(value or [])


def _coordinated_heads(table: dict[str, list[str]]) -> re.Pattern[str]:
    """The plural kind words of the coordinated rule, longest first, as one pattern."""
    heads = sorted(table, key=len, reverse=True)
    return re.compile(
        r"\b(" + "|".join(r"\s+".join(map(re.escape, h.split())) for h in heads) + r")\b",
        re.IGNORECASE,
    )


class _Hit(NamedTuple):
    start: int  # folded offsets
    end: int
    index: int  # record index
    lang: str
    canonical: bool  # the alias is the place's canonical name
    dashed: bool = False  # the alias joins names with a dash ("Stepanakert-Goris road")


class _Plan(NamedTuple):
    """What a record's mentions need, worked out once per record (most need nothing)."""

    plain: bool  # no flags, no country sense, no crossing or port to stand for: no rules
    quick: bool  # plain, and a Mention can be made by filling its __dict__ (see _new_mention)
    generated: bool  # from the bulk sources: must be capitalised
    route_links: dict[str, float]  # roads / corridors it lies on, for "the road from A to B"
    anchor: bool  # an anchored rule's anchor ("humanitarian corridor" near Mariupol)
    several: bool  # a rule over several mentions (route or anchored) may start here
    crossings: tuple[dict[str, Any], ...]  # tracked crossings a town may stand for
    ports: tuple[dict[str, Any], ...]  # tracked ports a town may stand for
    governs: bool  # a capital or region: may stand for its government ("Gaza's ministry")
    namesake: dict[str, Any] | None  # the tracked crossing named after this town
    noun_only: bool  # its Cyrillic names are nouns: an adjective ending is another word
    fields: dict[str, Any]  # the Mention fields every mention of it shares


class Geocoder(QuickMentions, ListRules, SharedNames):
    """Finds mentions of gazetteer places in text."""

    def __init__(self, gazetteer: Gazetteer) -> None:
        self.gazetteer = gazetteer
        self.records = gazetteer.records
        self.rules = load_rules()
        # All names, and the names in ASCII only: ASCII text can match no other name, and the
        # smaller automaton (on daachorse when installed) runs 2-3x faster over a text.
        self._automaton, self._ascii_automaton = automatons_for(gazetteer, self.rules["markers"])
        self._ascii_find = self._ascii_automaton.find_matches
        self._ascii_payloads = self._ascii_automaton.payloads
        # Per key of the ASCII automaton: its row for quick mentions (see _key_row).
        self._key_rows: list[tuple | int | bool | None] = [None] * len(self._ascii_payloads)
        self._index_of = {r["id"]: i for i, r in enumerate(self.records)}
        # Per record index, filled on first sight: its _Plan, and its row (see _row).
        self._plans: list[_Plan | None] = [None] * len(self.records)
        self._rows: list[tuple | None] = [None] * len(self.records)
        self._anchors = frozenset().union(*(r["anchors"] for r in self.rules.get("anchored", [])))
        self._shared_views: dict[str, dict[str, Any]] = {}

    # --- the pass -----------------------------------------------------------------------
    def find_mentions(self, text: str) -> list[Mention]:
        """Every place mention in ``text``, sorted by start (offsets into ``text``)."""
        if not text:
            return []
        data = ascii_view(text)  # ASCII text (folded offsets are text offsets)
        if data is not None:
            folded = None
        else:
            folded = fold(text)
            if folded.offsets is None and folded.runs is None and folded.view.isascii():
                # Folded char for char, as English with a dash or a curly quote is: the
                # ASCII automaton serves.
                data = folded.view.encode("ascii")
        matches = None
        if data is not None:
            matches = self._ascii_find(data)
            mentions = self._quick_mentions(text, matches)
            if mentions is not None:
                return mentions
            if folded is None:
                folded = Folded(None, text, view_bytes=data)
        hits, kept, disjoint, (listed, kind, sport) = self._hits(folded, matches)
        if not hits:  # route and anchored mentions need a named place too
            found = self._coordinated(text, []) if listed else []
            return self._kind_at(text, found) if kind else found
        if kept is None:  # overlaps the quick resolution leaves to the full rule
            kept = resolve_overlaps(hits, self._compound_ok)
        span = None if folded.offsets is None and folded.runs is None else folded.span
        mentions = []
        several = False
        comma = False  # a name right before a comma: an apposition may make it a person
        country = False  # a country named: a border group may follow
        shared = False  # a name several places answer to: resolved once all are known
        rows = self._rows
        for start, end, index, lang, _, _ in kept:
            if span:
                start, end = span(start, end)
            matched = text[start:end]
            # One small tuple per place: what follows touches little memory that the pass
            # has not (a place's plan and its Mention fields are cold in a varied stream).
            quick, joins, pid, name, pkind, tracked, link, km = rows[index] or self._row(index)
            if quick and len(matched) > 3 and matched.istitle() and matched.isascii() and (
                matched.isalpha()
            ):
                # By far the most frequent hit: a capitalised plain name, made right here.
                # (Names of 3 letters or fewer must be in capitals, see _case_ok.)
                mention = quick_mention(
                    pid, name, pkind, tracked, link, km, matched, start, end, lang
                )
            else:
                simple = matched.isascii() and matched.isalpha() and len(matched) > 3
                plan = self._plans[index]
                mention = self._one_mention(text, start, end, matched, index, lang, plan, simple)
                if mention is None:
                    continue
                country = country or mention.kind == "country"
                shared = shared or mention.role == SHARED_ROLE
            mentions.append(mention)
            several = several or joins
            comma = comma or text.startswith(",", end)
        if shared:
            mentions = self._resolve_shared(text, mentions)
        # The rules on several mentions run only when a mention can start one.
        if several:
            mentions = self._route_mentions(text, mentions)
            mentions.extend(self._route_from(text, mentions))
            mentions.extend(self._anchored(folded, text, mentions))
        if several or not disjoint:
            mentions.sort(key=lambda m: (m.start, -m.end))
        before = mentions
        if listed:  # a plural kind word ("crossings")
            mentions = self._coordinated(text, mentions)
        if kind:  # a singular one then a link ("crossing at")
            mentions = self._kind_at(text, mentions)
        # The last two rules change nothing without a country named or a name right before
        # a comma, which is cheaper to know than scanning the text (the rules above may add
        # any mention: then they run; the list rules return their input when they add none).
        if several or mentions is not before:
            country = comma = True
        if country and " border" in folded.view:
            mentions = self._border_group(folded, text, mentions)
        if comma and ", " in text:
            mentions = self._appositions(text, mentions)
        if sport:
            mentions = self._sports_clubs(text, mentions)
        return mentions

    def _one_mention(
        self,
        text: str,
        start: int,
        end: int,
        matched: str,
        index: int,
        lang: str,
        plan: _Plan,
        simple: bool,
    ) -> Mention | None:
        """The mention of one hit, or None when its case or ending says it is another word.
        ``simple``: ``matched`` is one ASCII word of four letters or more."""
        if simple:
            # No letters to count: only a generated name must be capitalised.
            if plan.generated and not matched[0].isupper():
                return None
        elif not _case_ok(plan, matched):
            return None
        elif plan.noun_only and not matched.isascii() and _ADJECTIVE_END.search(matched):
            return None  # "Украинские" (Ukrainian) is not the town Украинск
        if not plan.plain and self._modifier(text, end, index):
            return None  # "the Danube ports": a name used as a modifier of a port word
        if plan.plain:  # only a dateline can change what a plain name stands for
            dateline = matched.isupper() and _is_dateline(text, start, end)
            role = "dateline" if dateline else "place"
            return _new_mention(start, end, matched, plan, lang, role)
        return self._mention(text, start, end, matched, index, lang)

    def _hits(
        self, folded: Folded, matches: list[tuple] | None = None
    ) -> tuple[list[tuple], list[tuple] | None, bool, tuple[bool, bool, bool]]:
        """Whole-word matches in folded text: the automaton's keys are padded with spaces
        (``Folded.view``), so the boundary check runs in C; only suffixing languages check
        a tail here. Hits are plain tuples in the field order of ``_Hit`` (cheaper to make).
        Returns every hit; the hits that survive their overlaps when nesting settles them
        (see ``settle``), else None; whether no hits overlap; which marker words were seen:
        (a plural kind word, "crossings"; a singular one before a link, "crossing at"; a
        sport word, "striker")."""
        out = []
        sport = kind = marked = False
        kept: list[tuple] | None = out  # the same list while no hits overlap
        covering: set[int] = set()  # starts of kept hits that dropped hits inside them
        last = 0
        disjoint = True
        # Matches are (view start, view end, key): key is the payload itself (pyahocorasick)
        # or its index in ``payloads`` (daachorse, on the ASCII view as bytes).
        payloads = self._ascii_payloads
        if matches is not None:  # the ASCII automaton's, found already
            pass
        elif folded.view_bytes is not None:
            matches = self._ascii_find(folded.view_bytes)
        elif folded.view.isascii():
            matches = self._ascii_find(folded.view.encode("ascii"))
        else:
            matches, payloads = pyahocorasick_matches(self._automaton, folded.view), None
        for start, end, key in matches:
            klen, index, lang, canonical, dashed, edges = payloads[key] if payloads else key
            # word_view adds one leading space: view index i is folded index i - 1, so the
            # name after the key's leading space starts at folded index ``start``.
            if edges is None:  # most names: the key is the whole name, closed at both ends
                stop = end - 2
            elif index < 0:  # a marker, not a name: a kind word or a sport word
                rules = self.rules  # looked up here: most texts hold no marker
                if edges in rules["sports_club"]["markers"]:
                    sport = True
                if edges in rules["plural_markers"]:
                    marked = True
                kind_at = rules["kind_at"]
                if (
                    not kind
                    and edges in kind_at["markers"]
                    and kind_at["ahead"].match(folded.view, end - 1)
                ):
                    kind = True
                continue
            else:
                span = edge_span(folded.text, start, end - 1, edges)
                if span is None:
                    continue
                start, stop = span
            hit = (start, stop, index, lang, canonical, dashed)
            out.append(hit)
            if start < last:
                if disjoint:  # the first overlap: from here on the kept hits are apart
                    disjoint = False
                    kept = out[:-1]
                if kept is not None and not settle(kept, covering, hit, self._compound_ok):
                    kept = None
            elif not disjoint and kept is not None:
                kept.append(hit)
            last = stop  # a suffix widens a hit: later hits must still start after it
        return out, kept, disjoint, (marked, kind, sport)

    def _plan(self, index: int) -> _Plan:
        """The plan of record ``index``, worked out on its first mention."""
        plan = self._plans[index]
        if plan is not None:
            return plan
        rec = self.records[index]
        links = [
            (self.records[self._index_of[pid]], km)
            for pid, km in rec.get("links", [])
            if pid in self._index_of
        ]
        tracked = bool(rec.get("tracked"))
        crossings = (
            () if tracked else tuple(r for r, km in links if r["kind"] == "crossing" and km <= 10)
        )
        ports = () if tracked else tuple(r for r, km in links if r["kind"] == "port" and km <= 12)
        link, km = self._link(rec)
        route_links = {
            r["id"]: km for r, km in links if km <= 3.0 and r["kind"] in ("road", "corridor")
        }
        flags = rec.get("flags", ())
        governs = "capital" in flags or rec["kind"] == "region"
        namesake = rec.get("namesake")
        namesake = self.records[self._index_of[namesake]] if namesake in self._index_of else None
        plain = not (flags or rec["kind"] == "country" or crossings or ports or governs or namesake)
        several = bool(route_links) or rec["id"] in self._anchors
        plan = self._plans[index] = _Plan(
            plain=plain,
            quick=plain and _FAST_MENTION and QUICK_FIELDS,
            generated=rec["id"].startswith(_GENERATED),
            route_links=route_links,
            anchor=rec["id"] in self._anchors,
            several=several,
            crossings=crossings,
            ports=ports,
            governs=governs,
            namesake=namesake,
            noun_only=_noun_only(rec),
            fields={
                **_MENTION_DEFAULTS,
                "place_id": rec["id"],
                "name": rec["name"],
                "kind": rec["kind"],
                "tracked": tracked,
                "linked_to": link,
                "distance_km": km,
            },
        )
        return plan

    def _compound_ok(self, outer: tuple, inner: tuple) -> bool:
        """Keep a town named inside a route alias ("Stepanakert-Goris road" names Goris)
        unless the alias is the route's own canonical name ("Goris–Kapan road")."""
        if not outer[5]:  # dashed: the test that fails first, before any unpacking
            return False
        outer, inner = _Hit._make(outer), _Hit._make(inner)
        o, i = self.records[outer.index], self.records[inner.index]
        return (
            bool(o.get("tracked"))
            and o["kind"] in ("road", "corridor")
            and not outer.canonical
            and not i.get("tracked")
            and i["kind"] in ("town", "city")
            and not i["id"].startswith(_GENERATED)
        )

    # --- one mention ---------------------------------------------------------------------
    def _mention(
        self, text: str, start: int, end: int, matched: str, index: int, lang: str
    ) -> Mention:
        """A mention whose role or place depends on the words around it."""
        rules = self.rules
        rec = self.records[index]
        plan = self._plan(index)
        role = "place"
        flags = rec.get("flags", ())
        if "shared" in flags and self._shared_entry(rec, matched) is not None:
            return _new_mention(start, end, matched, plan, lang, SHARED_ROLE)
        seen: dict[str, list[str]] = {}  # words around the name, read once (see below)
        if rec["kind"] == "country":
            rec, role = self._country_sense(text, start, rec)
            plan = self._plan(self._index_of[rec["id"]])
        if matched.isupper() and _is_dateline(text, start, end):
            role = "dateline"
        elif "seat" in flags:  # "the Kremlin", "the White House": always the government
            role = "government"
        elif plan.governs and self._government_phrase(text, start, end, flags, seen):
            role = "government"
        elif "capital" in flags:
            # The words around the name, if the test above read them already.
            after = seen.get("after2") or words_after(text, end, 2)
            before = seen.get("before3") or words_before(text, start, 3)
            gov = ends_with_any(before, rules["government_before"]) or (
                bool(after[:1])
                and after[0] in rules["government_after"]
                and not (before and before[-1] in rules["government_after_unless_before"])
            )
            role = "government" if gov else "capital"
        elif "person_name" in flags and self._is_person(
            text, start, end, words_before(text, start, 3)
        ):
            role = "person"
        elif role == "place" and (plan.crossings or plan.ports or plan.namesake):
            rec = self._reinterpret(text, start, end, rec, plan)
        if rec is not self.records[index]:
            plan = self._plan(self._index_of[rec["id"]])
        return _new_mention(start, end, matched, plan, lang, role)

    def _modifier(self, text: str, end: int, index: int) -> bool:
        if "modifier" not in self.records[index].get("flags", ()):
            return False
        after = words_after(text, end, 1)
        return bool(after) and after[-1] in self.rules["port_words"]

    def _government_phrase(
        self, text: str, start: int, end: int, flags: Any, seen: dict[str, list[str]]
    ) -> bool:
        """ "Gaza's interior ministry" (a capital or region), "officials in Pristina" (a
        capital only: "authorities in Crimea" still name Crimea as a place). The words read
        around a capital are left in ``seen`` ("before3", "after2") for the capital rule."""
        rules = self.rules
        if ends_with_any(words_before(text, start, 2), rules["government_said_in"]):
            return True  # "сообщили в Курской области": the region's authorities said
        if "capital" in flags:
            before = seen["before3"] = words_before(text, start, 3)
            if (
                len(before) >= 2
                and before[-1] in rules["government_links"]
                and before[-2] in rules["government_nouns"]
            ):
                return True
        if not POSSESSIVE.match(text, end, end + 2):
            # "Gilgit-Baltistan officials said": a government noun right after the name
            nxt, seen["after2"] = words_after_pair(text, end)
            return bool(nxt) and nxt[0] in rules["government_right_after"]
        sentence_end = SENTENCE_END.search(text, end, end + 60)
        after = WORDS.findall(text[end + 2 : sentence_end.start() if sentence_end else end + 60])
        n = rules["government_between_max"] + 1
        return any(w.casefold() in rules["government_nouns"] for w in after[:n])

    def _country_sense(self, text: str, start: int, rec: dict[str, Any]) -> tuple[dict, str]:
        for sense in self.rules.get("country_sense", []):
            if sense["country"] != rec["id"]:
                continue
            window = text[max(0, start - sense["window"]) : start + sense["window"]].casefold()
            if any(cue in window for cue in sense["cues"]) and sense["place"] in self._index_of:
                return self.records[self._index_of[sense["place"]]], "place"
        return rec, "country"

    def _is_person(self, text: str, start: int, end: int, before: list[str]) -> bool:
        if before and before[-1] in self.rules["person_before"]:
            return True
        given = _GIVEN_NAME.search(text, max(0, start - 40), start)
        if (
            given
            and given.group(1).casefold() not in self.rules["given_name_unless"]
            and not self._starts_place(given.group(1))
        ):
            return True  # "Ben Coutts said": a capitalised word inside a sentence, no place
        m = _NEXT_NAME.match(text[end : end + 40])
        return (
            bool(m)
            and m.group(1).casefold() not in self.rules["place_after"]
            and not (self._starts_place(m.group(1)))
        )

    def _starts_place(self, word: str) -> bool:
        return any(True for _ in self._automaton.iter(word_view(fold_alias(word))))

    def _reinterpret(
        self, text: str, start: int, end: int, rec: dict[str, Any], plan: _Plan
    ) -> dict[str, Any]:
        """A town that stands for the tracked crossing or port at it."""
        if plan.namesake and (
            ends_with_any(words_before(text, start, 3), self.rules["namesake_before"])
            or ends_with_any(words_after(text, end, 2)[:1], self.rules["namesake_after"])
        ):
            return plan.namesake  # "through Rafah", "the Rafah terminal"
        if plan.namesake and self._namesake_by_sentence(text, start, end):
            return plan.namesake  # "queues reached Busia": traffic words, no "in" before it
        if plan.crossings and ends_with_any(
            words_before(text, start, 3), self.rules["crossing_before"]
        ):
            return plan.crossings[0]
        if plan.ports and self._near_port_word(text, start, end):
            before = words_before(text, start, 1)
            if not (before and before[0] in self.rules["port_unless_before"]):
                return plan.ports[0]
        return rec

    def _namesake_by_sentence(self, text: str, start: int, end: int) -> bool:
        """A crossing or traffic word in the sentence of a town named after its crossing, and
        no preposition of place before the town ("clashes in Moyale" stay in the town)."""
        rule = self.rules["namesake_sentence"]
        before = words_before(text, start, 1)
        if before and before[-1] in rule["unless_before"]:
            return False
        return not sentence_words(text, start, end).isdisjoint(rule["words"])

    def _near_port_word(self, text: str, start: int, end: int) -> bool:
        w = self.rules["port_window"]
        lo, hi = max(0, start - w), min(len(text), end + w)
        left = SENTENCE_END.split(text[lo:start])[-1]
        right = SENTENCE_END.split(text[end:hi])[0]
        words = set(WORDS.findall((left + " " + right).casefold()))
        return not words.isdisjoint(self.rules["port_words"])

    def _link(self, rec: dict[str, Any]) -> tuple[str | None, float | None]:
        if rec.get("tracked"):
            return (rec["part_of"], 0.0) if rec.get("part_of") else (None, None)
        best: tuple[str | None, float | None] = (None, None)
        for pid, km in rec.get("links", []):
            target = self.records[self._index_of[pid]] if pid in self._index_of else None
            if target is None:
                continue
            if km <= LINK_MAX_KM.get(target["kind"], 2.0):
                if target["kind"] != "region":
                    return pid, km
                best = best if best[0] else (pid, km)
        return best

    # --- mentions made of several names ---------------------------------------------------
    def _route_mentions(self, text: str, mentions: list[Mention]) -> list[Mention]:
        """ "the road from A to B" / "road between A and B" / "road to B" -> the tracked road
        or corridor that the named towns lie on."""
        out = list(mentions)
        words = self.rules["route_words"]
        for i, m in enumerate(mentions):
            # A route needs "to", "towards" or "and" right before a town that lies on one.
            if (
                m.tracked
                or m.role != "place"
                or not _ROUTE_LEAD.search(text[max(0, m.start - 16) : m.start])
            ):
                continue
            if not self._route_links(m):
                continue
            before = words_before(text, m.start, 3)
            prev = mentions[i - 1] if i else None
            ends: list[Mention] = []
            if prev and not prev.tracked and _LINKING.fullmatch(text, prev.end, m.start):
                lead = words_before(text, prev.start, 3)
                if (
                    len(lead) >= 2
                    and lead[-1] in ("from", "between")
                    and (lead[-2] in words or (len(lead) >= 3 and lead[-3] in words))
                ):
                    ends = [prev, m]
            if (
                not ends
                and len(before) >= 2
                and before[-1] in ("to", "towards")
                and (before[-2] in words or (len(before) >= 3 and before[-3] in words))
            ):
                ends = [m]
            if not ends:
                continue
            common = set.intersection(*[set(self._route_links(e)) for e in ends])
            if common:
                pid = min(common, key=lambda p: self._route_links(ends[0])[p])
                rec = self.records[self._index_of[pid]]
                s = ends[0].start
                out.append(
                    Mention(
                        place_id=pid,
                        name=rec["name"],
                        kind=rec["kind"],
                        text=text[s : m.end],
                        start=s,
                        end=m.end,
                        tracked=True,
                        script=m.script,
                        language=m.language,
                        role="place",
                    )
                )
        return out

    def _route_links(self, m: Mention) -> dict[str, float]:
        return self._plan(self._index_of[m.place_id]).route_links

    def _anchored(self, folded: Folded, text: str, mentions: list[Mention]) -> list[Mention]:
        """A generic phrase ("humanitarian corridor", "ports blocked") that stands for a
        tracked place in a text naming one of its anchors, with a context word in the
        phrase's sentence when the rule asks for one."""
        named = {m.place_id for m in mentions}
        taken = [(m.start, m.end) for m in mentions]
        out = []
        for rule in self.rules.get("anchored", []):
            if named.isdisjoint(rule["anchors"]) or rule["place"] in named:
                continue
            if not named.isdisjoint(rule["unless"]) or rule["place"] not in self._index_of:
                continue
            for key in rule["keys"]:
                span = find_words(folded, key)
                if span is None or any(s < span[1] and span[0] < e for s, e in taken):
                    continue
                if rule["context"] and rule["context"].isdisjoint(sentence_words(text, *span)):
                    continue
                named.add(rule["place"])
                out.append(self._phrase_mention(text, span, rule["place"]))
                break
        return out

    def _route_from(self, text: str, mentions: list[Mention]) -> list[Mention]:
        """ "drove in from Aghdam ... on a route": a route word in the sentence of a town
        named after "from" / "via" that lies on exactly one tracked road -> that road."""
        named = {m.place_id for m in mentions}
        out: list[Mention] = []
        for m in mentions:
            if m.tracked or m.role != "place":
                continue
            links = self._route_links(m)
            if len(links) != 1 or next(iter(links)) in named:
                continue
            before = words_before(text, m.start, 1)
            if not before or before[-1] not in self.rules["route_from_before"]:
                continue
            lo, hi = sentence_bounds(text, m.start, m.end)
            for word in _ROUTE_WORD.finditer(text, lo, hi):
                if any(k.start < word.end() and word.start() < k.end for k in mentions):
                    continue  # part of a named place ("Lachin route")
                if text[max(0, word.start() - 3) : word.start()].casefold() == "en ":
                    continue  # "en route" is not a route
                pid = next(iter(links))
                named.add(pid)
                out.append(self._phrase_mention(text, (word.start(), word.end()), pid))
                break
        return out

    def _phrase_mention(self, text: str, span: tuple[int, int], pid: str) -> Mention:
        rec = self.records[self._index_of[pid]]
        start, end = span
        return Mention(
            place_id=rec["id"],
            name=rec["name"],
            kind=rec["kind"],
            text=text[start:end],
            start=start,
            end=end,
            tracked=True,
            role="place",
            language="en",
        )


def place_mentions(mentions: list[Mention]) -> list[Mention]:
    """Only the mentions that name a place (not countries, capitals, datelines or people)."""
    return [m for m in mentions if m.role in PLACE_ROLES]


# --- helpers ------------------------------------------------------------------------------
def _noun_only(rec: dict[str, Any]) -> bool:
    """True when the place has Cyrillic names and none ends like an adjective."""
    names = [a for _, a in rec["aliases"] if _CYRILLIC.search(a)]
    return bool(names) and not any(_ADJECTIVE_END.search(n.split()[-1]) for n in names)


def _case_ok(plan: _Plan, matched: str) -> bool:
    """Generated names and countries must be capitalised ("turkey", "nice" are words);
    very short aliases must match in capitals (NKR, UK)."""
    if not (matched.isascii() or has_case(matched)):
        return True
    # Only a short match or one with other characters can have three letters or fewer.
    if len(matched) > 8:
        letters = 4
    elif matched.isalpha():
        letters = len(matched)
    else:
        letters = sum(map(str.isalpha, matched))
    if not letters:
        return True
    if letters <= 3 and not matched.isupper():
        return False
    if plan.generated:
        return matched[0].isupper()
    return True


_MENTION_DEFAULTS = {
    f.name: f.default for f in dataclasses.fields(Mention) if f.default is not dataclasses.MISSING
}
# Mention is a frozen dataclass whose __init__ costs more than the rest of a plain mention;
# filling __dict__ directly gives an equal object, valid while Mention has no __slots__ and
# no __post_init__ (checked here, else the constructor is used).
_FAST_MENTION = "__slots__" not in vars(Mention) and not hasattr(Mention, "__post_init__")
_new_object = object.__new__
_set_attribute = object.__setattr__


def _new_mention(start: int, end: int, matched: str, plan: _Plan, lang: str, role: str) -> Mention:
    """A mention of the place of ``plan`` as ``matched`` at [start, end)."""
    fields = plan.fields.copy()  # script "Latin" and role "place" by default
    fields["text"] = matched
    fields["start"] = start
    fields["end"] = end
    if matched.isascii():
        fields["language"] = lang
    else:
        script = fields["script"] = script_of(matched)
        fields["language"] = lang or _LANG_OF_SCRIPT.get(script, "")
    if role != "place":
        fields["role"] = role
    if not _FAST_MENTION:
        return Mention(**fields)
    mention = _new_object(Mention)
    _set_attribute(mention, "__dict__", fields)
    return mention


def _is_dateline(text: str, start: int, end: int) -> bool:
    """An all-capitals place name at the start of the text or a line, then , ( or a dash."""
    line_start = text.rfind("\n", 0, start) + 1
    if text[line_start:start].strip(" \t\"'«") or not has_case(text[start:end]):
        return False
    if not text[start:end].isupper():
        return False
    return _DATELINE_TAIL.match(text, end, end + 4) is not None
