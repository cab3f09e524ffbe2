"""Find place mentions in text: one Aho-Corasick pass over folded text, then context rules
(tables in geocode_rules.toml) for what each name stands for, then spatial links to tracked
places (precomputed in the catalogue, so no shapely here).
"""

from __future__ import annotations

import gc
import hashlib
import os
import pickle
import re
import tomllib
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

import ahocorasick

from tracker.extract.text import FOLD_VERSION, fold, fold_alias, has_case, is_word_char, script_of
from tracker.gazetteer import CATALOGUE_FILE, Gazetteer
from tracker.models import Mention

RULES_FILE = Path(__file__).with_name("geocode_rules.toml")
# Roles of a mention; only "place" mentions count as places named in a text.
ROLES = ("place", "country", "government", "capital", "dateline", "person")
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
_SENTENCE_END = re.compile(r"[.!?]\s")
_RECORDS_VERSION = 2
# Azerbaijani and Turkish add case endings to names; folded (ı -> i, ə -> e, ü -> u).
_SUFFIXING = frozenset({"az", "tr"})
_SUFFIXES = frozenset({"nde", "nda", "nden", "ndan", "nin", "nun", "ni", "na", "ne", "nu", "de",
                       "da", "den", "dan", "te", "ta", "ten", "tan", "e", "a", "i", "u", "in",
                       "un", "ya", "ye", "yi", "yu", "yla", "yle", "la", "le", "dir", "dur"})
_WORD_TAIL = re.compile(r"\w{1,5}\b")  # bump when the automaton's payload changes


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
    ):
        rules[key] = frozenset(w.casefold() for w in rules[key])
    return rules


@dataclass(frozen=True)
class _Hit:
    start: int  # folded offsets
    end: int
    index: int  # record index
    lang: str
    canonical: bool  # the alias is the place's canonical name
    dashed: bool = False  # the alias joins names with a dash ("Stepanakert-Goris road")


class Geocoder:
    """Finds mentions of gazetteer places in text."""

    def __init__(self, gazetteer: Gazetteer) -> None:
        self.gazetteer = gazetteer
        self.records = gazetteer.records
        self.rules = load_rules()
        self._automaton = _automaton_for(gazetteer)
        self._index_of = {r["id"]: i for i, r in enumerate(self.records)}

    # --- the pass -----------------------------------------------------------------------
    def find_mentions(self, text: str) -> list[Mention]:
        """Every place mention in ``text``, sorted by start (offsets into ``text``)."""
        if not text:
            return []
        folded = fold(text)
        hits = self._hits(folded.text)
        kept = _resolve_overlaps(hits, self._compound_ok)
        mentions = []
        for hit in kept:
            start, end = folded.span(hit.start, hit.end)
            rec = self.records[hit.index]
            if not self._case_ok(rec, text[start:end], hit):
                continue
            mentions.append(self._mention(text, start, end, rec, hit))
        mentions = self._route_mentions(text, mentions)
        mentions.extend(self._anchored(folded.text, text, mentions))
        mentions.sort(key=lambda m: (m.start, -m.end))
        return mentions

    def _hits(self, ft: str) -> list[_Hit]:
        out = []
        n = len(ft)
        for end, (klen, index, lang, canonical, dashed) in self._automaton.iter(ft):
            start = end - klen + 1
            if start > 0 and is_word_char(ft[start - 1]):
                continue
            stop = end + 1
            if stop < n and is_word_char(ft[stop]):
                if lang not in _SUFFIXING:
                    continue
                tail = _WORD_TAIL.match(ft, stop)
                if tail is None or tail.group() not in _SUFFIXES:
                    continue
                stop = tail.end()  # "Laçın dəhlizində": the case ending belongs to the name
            out.append(_Hit(start, stop, index, lang, canonical, dashed))
        return out

    def _compound_ok(self, outer: _Hit, inner: _Hit) -> bool:
        """Keep a town named inside a route alias ("Stepanakert-Goris road" names Goris)
        unless the alias is the route's own canonical name ("Goris–Kapan road")."""
        o, i = self.records[outer.index], self.records[inner.index]
        return (
            outer.dashed
            and bool(o.get("tracked"))
            and o["kind"] in ("road", "corridor")
            and not outer.canonical
            and not i.get("tracked")
            and i["kind"] in ("town", "city")
            and not i["id"].startswith(_GENERATED)
        )

    def _case_ok(self, rec: dict[str, Any], matched: str, hit: _Hit) -> bool:
        """Generated names and countries must be capitalised ("turkey", "nice" are words);
        very short aliases must match in capitals (NKR, UK)."""
        letters = [c for c in matched if c.isalpha()]
        if not has_case(matched) or not letters:
            return True
        if len(letters) <= 3 and not matched.isupper():
            return False
        if rec["id"].startswith(_GENERATED):
            return matched[0].isupper()
        return True

    # --- one mention ---------------------------------------------------------------------
    def _mention(self, text: str, start: int, end: int, rec: dict[str, Any], hit: _Hit) -> Mention:
        rules = self.rules
        role = "place"
        flags = rec.get("flags", ())
        before = _words_before(text, start, 3)
        after = _words_after(text, end, 2)
        if rec["kind"] == "country":
            rec, role = self._country_sense(text, start, rec)
        if _is_dateline(text, start, end):
            role = "dateline"
        elif "capital" in flags:
            gov = (after[:1] and after[0] in rules["government_after"]) or _ends_with_any(
                before, rules["government_before"]
            )
            role = "government" if gov else "capital"
        elif "person_name" in flags and self._is_person(text, end, before):
            role = "person"
        elif not rec.get("tracked") and role == "place":
            rec = self._reinterpret(text, start, end, rec, before)
        script = script_of(text[start:end])
        link, km = self._link(rec)
        return Mention(
            place_id=rec["id"],
            name=rec["name"],
            kind=rec["kind"],
            text=text[start:end],
            start=start,
            end=end,
            tracked=bool(rec.get("tracked")),
            script=script,
            language=hit.lang or _LANG_OF_SCRIPT.get(script, ""),
            linked_to=link,
            distance_km=km,
            role=role,
        )

    def _country_sense(self, text: str, start: int, rec: dict[str, Any]) -> tuple[dict, str]:
        for sense in self.rules.get("country_sense", []):
            if sense["country"] != rec["id"]:
                continue
            window = text[max(0, start - sense["window"]) : start + sense["window"]].casefold()
            if any(cue in window for cue in sense["cues"]) and sense["place"] in self._index_of:
                return self.records[self._index_of[sense["place"]]], "place"
        return rec, "country"

    def _is_person(self, text: str, end: int, before: list[str]) -> bool:
        if before and before[-1] in self.rules["person_before"]:
            return True
        m = re.match(r"\s+([A-ZА-ЯЁ][\w'-]+)", text[end : end + 40])
        return (
            bool(m)
            and m.group(1).casefold() not in self.rules["place_after"]
            and not (self._starts_place(m.group(1)))
        )

    def _starts_place(self, word: str) -> bool:
        return any(True for _ in self._automaton.iter(fold_alias(word)))

    def _reinterpret(
        self, text: str, start: int, end: int, rec: dict[str, Any], before: list[str]
    ) -> dict[str, Any]:
        """A town that stands for the tracked crossing or port at it."""
        links = [
            (self.records[self._index_of[pid]], km)
            for pid, km in rec.get("links", [])
            if pid in self._index_of
        ]
        crossings = [r for r, km in links if r["kind"] == "crossing" and km <= 10]
        if crossings and _ends_with_any(before, self.rules["crossing_before"]):
            return crossings[0]
        ports = [r for r, km in links if r["kind"] == "port" and km <= 12]
        if ports and self._near_port_word(text, start, end):
            return ports[0]
        return rec

    def _near_port_word(self, text: str, start: int, end: int) -> bool:
        w = self.rules["port_window"]
        lo, hi = max(0, start - w), min(len(text), end + w)
        left = _SENTENCE_END.split(text[lo:start])[-1]
        right = _SENTENCE_END.split(text[end:hi])[0]
        words = set(re.findall(r"\w+", (left + " " + right).casefold()))
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
            if m.tracked or m.role != "place":
                continue
            before = _words_before(text, m.start, 3)
            prev = mentions[i - 1] if i else None
            ends: list[Mention] = []
            if (
                prev
                and not prev.tracked
                and re.fullmatch(r"\s+(to|and)\s+", text[prev.end : m.start])
            ):
                lead = _words_before(text, prev.start, 3)
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
        rec = self.records[self._index_of[m.place_id]]
        return {
            pid: km
            for pid, km in rec.get("links", [])
            if pid in self._index_of
            and km <= 3.0
            and self.records[self._index_of[pid]]["kind"] in ("road", "corridor")
        }

    def _anchored(self, ft: str, text: str, mentions: list[Mention]) -> list[Mention]:
        """A generic phrase ("humanitarian corridor") in a text that names its anchor town."""
        named = {m.place_id for m in mentions}
        out = []
        for rule in self.rules.get("anchored", []):
            if rule["anchor"] not in named or rule["place"] in named:
                continue
            pos = ft.find(fold_alias(rule["phrase"]))
            if pos < 0 or rule["place"] not in self._index_of:
                continue
            start = text.casefold().find(rule["phrase"].casefold())
            if start < 0:
                continue
            rec = self.records[self._index_of[rule["place"]]]
            named.add(rule["place"])
            out.append(
                Mention(
                    place_id=rec["id"],
                    name=rec["name"],
                    kind=rec["kind"],
                    text=text[start : start + len(rule["phrase"])],
                    start=start,
                    end=start + len(rule["phrase"]),
                    tracked=True,
                    role="place",
                    language="en",
                )
            )
        return out


def place_mentions(mentions: list[Mention]) -> list[Mention]:
    """Only the mentions that name a place (not countries, capitals, datelines or people)."""
    return [m for m in mentions if m.role in PLACE_ROLES]


# --- helpers ------------------------------------------------------------------------------
def _resolve_overlaps(hits: list[_Hit], compound_ok: Any) -> list[_Hit]:
    """Longest match wins; a shorter one inside it survives only if ``compound_ok``."""
    hits = sorted(hits, key=lambda h: (-(h.end - h.start), h.start))
    kept: list[_Hit] = []
    for h in hits:
        clash = [k for k in kept if h.start < k.end and k.start < h.end]
        if not clash or all(
            k.start <= h.start and h.end <= k.end and compound_ok(k, h) for k in clash
        ):
            kept.append(h)
    kept.sort(key=lambda h: h.start)
    return kept


def _words_before(text: str, start: int, n: int) -> list[str]:
    return re.findall(r"[\w’']+", text[max(0, start - 60) : start].casefold())[-n:]


def _words_after(text: str, end: int, n: int) -> list[str]:
    tail = text[end : end + 40].casefold()
    m = re.match(r"(['’]s)\b", tail)
    words = re.findall(r"[\w’']+", tail)
    return ([m.group(1)] if m else []) + words[:n]


def _ends_with_any(words: list[str], phrases: frozenset[str]) -> bool:
    joined = " ".join(words)
    return any(joined == p or joined.endswith(" " + p) for p in phrases)


def _is_dateline(text: str, start: int, end: int) -> bool:
    """An all-capitals place name at the start of the text or a line, then , ( or a dash."""
    line_start = text.rfind("\n", 0, start) + 1
    if text[line_start:start].strip(" \t\"'«") or not has_case(text[start:end]):
        return False
    if not text[start:end].isupper():
        return False
    return re.match(r"\s*[,(—–-]", text[end : end + 4]) is not None


_CACHE: dict[tuple[str, int], Any] = {}


def _automaton_for(gazetteer: Gazetteer) -> Any:
    """The Aho-Corasick automaton of every folded alias: kept in memory per gazetteer and
    pickled in the user's cache directory per catalogue file and folding version."""
    key = (str(gazetteer.root), id(gazetteer.records))
    auto = _CACHE.get(key)
    if auto is not None:
        return auto
    cache_file = _cache_file(gazetteer)
    gc_was_enabled = gc.isenabled()
    gc.disable()  # many small objects: the cyclic GC only slows this down
    try:
        auto = _read_cached(cache_file)
        if auto is None:
            auto = _build_automaton(gazetteer.records)
            _write_cached(cache_file, auto)
    finally:
        if gc_was_enabled:
            gc.enable()
    _CACHE.clear()
    _CACHE[key] = auto
    return auto


def _build_automaton(records: list[dict[str, Any]]) -> Any:
    auto = ahocorasick.Automaton()
    for index, rec in enumerate(records):
        canonical = fold_alias(rec["name"])
        for lang, alias in rec["aliases"]:
            folded = fold_alias(alias)
            if folded and folded not in auto:
                dashed = any(d in alias for d in "-–—")
                auto.add_word(folded, (len(folded), index, lang, folded == canonical, dashed))
    auto.make_automaton()
    return auto


def _cache_file(gazetteer: Gazetteer) -> Path | None:
    catalogue = gazetteer.root / CATALOGUE_FILE
    try:
        st = catalogue.stat()
    except OSError:
        return None
    base = os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache")
    ident = f"{catalogue.resolve()}|{st.st_mtime_ns}|{st.st_size}|{FOLD_VERSION}|{_RECORDS_VERSION}"
    digest = hashlib.sha256(ident.encode()).hexdigest()[:20]
    return Path(base) / "corridor-tracker" / f"automaton-{digest}.pickle"


def _read_cached(path: Path | None) -> Any:
    if path is None or not path.exists():
        return None
    try:
        with path.open("rb") as fh:
            return pickle.load(fh)
    except Exception:  # a damaged or foreign cache file is rebuilt, never trusted
        return None


def _write_cached(path: Path | None, auto: Any) -> None:
    if path is None:
        return
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp = path.with_suffix(f".{os.getpid()}.tmp")
        with tmp.open("wb") as fh:
            pickle.dump(auto, fh, protocol=pickle.HIGHEST_PROTOCOL)
        tmp.replace(path)
    except OSError:
        pass  # no writable cache: build each time
