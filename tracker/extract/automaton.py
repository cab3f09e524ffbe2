"""The Aho-Corasick automatons of the geocoder: every folded alias of the gazetteer as a
whole-word key, built once and pickled in the user's cache directory.

Keys are word views (" name ", see tracker.extract.text.word_view); the payload of a key is
(key length, record index, language, is the canonical name, joins names with a dash, edges),
where edges is None or (open end, leading punctuation, trailing punctuation).

Two automatons: every key (pyahocorasick), and the ASCII keys alone, which are all that ASCII
text can match. The ASCII one runs on daachorse's double-array trie when daachorse is
installed (about twice as fast over a news text as pyahocorasick's trie, whose per-character
steps chase pointers), else on pyahocorasick; both report the same matches in the same order.
"""

from __future__ import annotations

import gc
import hashlib
import os
import pickle
from pathlib import Path
from typing import Any

import ahocorasick

try:
    import daachorse
except ImportError:  # optional: pyahocorasick runs the ASCII keys too, only slower
    daachorse = None

from tracker.extract.text import FOLD_VERSION, fold_alias, word_view
from tracker.gazetteer import CATALOGUE_FILE, Gazetteer

_RECORDS_VERSION = 11  # bump when the keys, the payload or the pickled form change
# Azerbaijani and Turkish add case endings to names: their keys are open at the end.
SUFFIXING = frozenset({"az", "tr"})

# What runs the ASCII keys; part of the cache file's name (a file written with daachorse is
# never read without it).
ENGINE = "daachorse" if daachorse is not None else "pyahocorasick"
_CACHE: dict[tuple[str, int], Any] = {}
CACHE_KEEP = 6


def automatons_for(gazetteer: Gazetteer, markers: tuple[str, ...] = ()) -> tuple[Any, Any]:
    """The Aho-Corasick automatons (all names, ASCII names) of every folded alias: kept in
    memory per gazetteer and pickled in the user's cache directory per catalogue file and
    folding version. ``markers`` are words that are no name but that the same pass reports
    (payload: record index -1, edges the marker itself), e.g. "crossings" for lists."""
    key = (str(gazetteer.root), id(gazetteer.records), markers)
    autos = _CACHE.get(key)
    if autos is not None:
        return autos
    cache_file = _cache_file(gazetteer, markers)
    gc_was_enabled = gc.isenabled()
    gc.disable()  # many small objects: the cyclic GC only slows this down
    try:
        autos = _read_cached(cache_file)
        if not (
            isinstance(autos, tuple)
            and len(autos) == 2
            and isinstance(autos[1], (AsciiMatcher, PlainAsciiMatcher))
        ):  # missing, damaged or of another make: built anew
            autos = _build_automatons(gazetteer.records, markers)
            _write_cached(cache_file, autos)
    finally:
        if gc_was_enabled:
            gc.enable()
    _CACHE.clear()
    _CACHE[key] = autos
    return autos


def _build_automatons(
    records: list[dict[str, Any]], markers: tuple[str, ...] = ()
) -> tuple[Any, Any]:
    """Keys are word views (" name "): a match is a whole-word match. Names in languages that
    add case endings get an open end (" name") and their tail is checked per hit. Edge
    punctuation ("Mariupol'", "U.S.") is left out of the key and taken back in per hit when
    the text has it; a name without it claims the key first."""
    payloads: dict[str, tuple[int, str, bool, bool]] = {}
    for index, rec in enumerate(records):
        canonical = fold_alias(rec["name"])
        for lang, alias in rec["aliases"]:
            folded = fold_alias(alias)
            if folded and folded not in payloads:  # the first place to claim a name keeps it
                dashed = any(d in alias for d in "-–—")
                payloads[folded] = (index, lang, folded == canonical, dashed)
    entries = []
    for folded, (index, lang, canonical, dashed) in payloads.items():
        view = word_view(folded)[1:-1]
        core = view.strip()
        if not core:
            continue
        lead = folded[: len(view) - len(view.lstrip())]
        trail = folded[len(view.rstrip()) :]
        entries.append((bool(lead or trail), core, index, lang, canonical, dashed, lead, trail))
    entries.sort(key=lambda e: e[0])  # stable: exact names first
    keyed: dict[str, tuple] = {}
    for _, core, index, lang, canonical, dashed, lead, trail in entries:
        open_end = lang in SUFFIXING
        key = " " + core if open_end else " " + core + " "
        if key not in keyed:
            edges = (open_end, lead, trail) if open_end or lead or trail else None
            keyed[key] = (len(key), index, lang, canonical, dashed, edges)
    for marker in markers:
        key = word_view(fold_alias(marker))
        keyed.setdefault(key, (len(key), -1, "", False, False, marker))
    # A trie node keeps its children in insertion order and looks a letter up by scanning
    # them, so keys go in with frequent letters first (then the rest by code point): a few
    # per cent faster on Latin text.
    ordered = sorted(keyed, key=_letter_ranks)
    ascii_keys = [k for k in ordered if k.isascii()]
    if daachorse is not None:
        return _pyahocorasick(ordered, keyed), AsciiMatcher(ascii_keys, keyed)
    return _pyahocorasick(ordered, keyed), PlainAsciiMatcher(ascii_keys, keyed)


def _pyahocorasick(keys: list[str], payloads: dict[str, tuple]) -> Any:
    auto = ahocorasick.Automaton()
    for k in keys:
        auto.add_word(k, payloads[k])
    auto.make_automaton()
    return auto


class AsciiMatcher:
    """ASCII keys on daachorse's double-array Aho-Corasick trie. ``find_matches(data)`` gives
    (start, end, key) of every match in ASCII bytes (nested and overlapping ones too), in
    the order of pyahocorasick's ``Automaton.iter``; ``payloads[key]`` is its payload."""

    __slots__ = ("_trie", "find_matches", "payloads")

    def __init__(self, keys: list[str], payloads: dict[str, tuple]) -> None:
        self._setup(
            daachorse.DoubleArrayAhoCorasick([k.encode("ascii") for k in keys]),
            [payloads[k] for k in keys],
        )

    def _setup(self, trie: Any, payloads: list[tuple]) -> None:
        self._trie = trie
        self.find_matches = trie.find_overlapping
        self.payloads = payloads

    def __reduce__(self) -> tuple[Any, tuple[bytes, list[tuple]]]:
        return _restore_matcher, (self._trie.serialize(), self.payloads)


class PlainAsciiMatcher:
    """The ASCII keys on pyahocorasick (daachorse not installed), with AsciiMatcher's
    ``find_matches`` and ``payloads``."""

    __slots__ = ("_automaton", "payloads")

    def __init__(self, keys: list[str], payloads: dict[str, tuple]) -> None:
        self._automaton = _pyahocorasick(keys, {k: (len(k), i) for i, k in enumerate(keys)})
        self.payloads = [payloads[k] for k in keys]

    def find_matches(self, data: bytes) -> list[tuple[int, int, int]]:
        """(start, end, key) of every match in ASCII ``data``."""
        found = self._automaton.iter(data.decode("ascii"))
        return [(end - size + 1, end + 1, key) for end, (size, key) in found]


def _restore_matcher(data: bytes, payloads: list[tuple]) -> AsciiMatcher:
    matcher = AsciiMatcher.__new__(AsciiMatcher)
    matcher._setup(daachorse.DoubleArrayAhoCorasick.deserialize(data), payloads)
    return matcher


_FREQUENT = {c: i for i, c in enumerate(" etaoinshrdlcumwfgypbvkjxqz")}


def _letter_ranks(key: str) -> list[int]:
    return [_FREQUENT.get(c, 100 + ord(c)) for c in key]


def _cache_file(gazetteer: Gazetteer, markers: tuple[str, ...] = ()) -> Path | None:
    catalogue = gazetteer.root / CATALOGUE_FILE
    try:
        st = catalogue.stat()
    except OSError:
        return None
    base = os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache")
    ident = (
        f"{catalogue.resolve()}|{st.st_mtime_ns}|{st.st_size}|{FOLD_VERSION}|{_RECORDS_VERSION}"
        f"|{'|'.join(markers)}|{ENGINE}"
    )
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
        return  # no writable cache: build each time
    _prune_cache(path.parent)


def _prune_cache(folder: Path) -> None:
    """Keep the newest CACHE_KEEP automatons: each geodata copy and version adds one (tests
    add one per temporary geodata folder), and each is some 20 MB."""
    try:
        files = sorted(
            folder.glob("automaton-*.pickle"), key=lambda f: f.stat().st_mtime, reverse=True
        )
        for old in files[CACHE_KEEP:]:
            old.unlink(missing_ok=True)
    except OSError:
        pass  # another process pruned first: nothing lost, a cache is rebuilt when missing
