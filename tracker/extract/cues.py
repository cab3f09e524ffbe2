"""Claim lexicons: load a language's cue table (``lexicon/<lang>.toml``) and compile it.

A language is data: its status cues, modality and negation words, anaphora heads and
claimant patterns. Adding a language means adding one TOML file.
"""

from __future__ import annotations

import re
import tomllib
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path

from tracker.errors import InputError
from tracker.extract.cue_scan import GatedPattern, gated
from tracker.extract.pattern_facts import first_char_gated, required_literals
from tracker.models import Status

LEXICON_DIR = Path(__file__).parent / "lexicon"
FLAGS = re.IGNORECASE | re.UNICODE


@dataclass(frozen=True)
class Cue:
    """One status cue of a lexicon: what it asserts and how modality changes it."""

    index: int
    pattern: str
    status: Status | None  # None: a distractor that only consumes its words
    form: str = "verb"
    weight: float = 0.7
    modal_status: Status | None = None
    call_status: Status | None = None
    modal_ok: bool = False
    except_kinds: frozenset[str] = frozenset()
    restrictable: bool = False
    supersedes: bool = False  # a change of state replaces earlier claims of the place
    # The cue ends in a motion verb whose object is the place it is about ("only ships
    # with food may enter the port"), not a destination.
    takes_object: bool = False


@dataclass(frozen=True)
class Lexicon:
    """A compiled claim lexicon for one language."""

    language: str
    cues: tuple[Cue, ...]
    cue_re: re.Pattern[str]  # one alternation, group ``c<index>`` per cue
    abbreviations: frozenset[str]
    clause_breaks: re.Pattern[str]
    words: dict[str, re.Pattern[str] | GatedPattern]
    windows: dict[str, int]
    max_gap: int
    anaphor_re: re.Pattern[str] | None
    anaphor_heads: dict[str, frozenset[str]]
    pronouns: frozenset[str]
    pronoun_re: re.Pattern[str] | None
    destination_ok_after: frozenset[str]
    speech_re: re.Pattern[str]
    according_re: re.Pattern[str]
    quoted_re: re.Pattern[str] | None
    claimant_nouns: frozenset[str]
    connectors: frozenset[str]
    determiners: frozenset[str]
    claimant_pronouns: frozenset[str]
    self_reference: re.Pattern[str] | None
    roles: re.Pattern[str] | None
    time_phrase: re.Pattern[str] | None
    verb_adverbs: frozenset[str]
    demonyms: dict[str, str] = field(default_factory=dict)
    # Every written form of a country ("the uk", "uk") -> its adjective, for O(1) lookup.
    demonym_forms: dict[str, str] = field(default_factory=dict)
    # Claimant -> the party it speaks for ("baku" -> "Azerbaijani government").
    parties: dict[str, str] = field(default_factory=dict)
    adjectives: frozenset[str] = frozenset()  # the demonym adjectives ("Armenian")
    state_organs: re.Pattern[str] | None = None
    zero_subject: re.Pattern[str] | None = None  # "Traffic resumed." -> the last place
    speech_as_noun: re.Pattern[str] | None = None
    speech_nouns: frozenset[str] = frozenset()
    apposition_before: re.Pattern[str] | None = None
    apposition_after: re.Pattern[str] | None = None
    role_org_split: re.Pattern[str] | None = None
    title_words: frozenset[str] = frozenset()
    generic_claimants: frozenset[str] = frozenset()
    generic_any: frozenset[str] = frozenset()
    # One regex per cue, same group name as in ``cue_re``: the scanner tries only the
    # cues whose literal heads start at a position (see cue_scan).
    cue_parts: tuple[re.Pattern[str], ...] = ()
    # Any of ``pronouns`` as a word of the lower-cased text (case-sensitive): the pronoun
    # patterns capture one, so a text without any needs no pronoun scan.
    pronoun_probe: re.Pattern[str] | None = None
    # Anaphor head -> the only statuses it can carry (empty: any).
    anaphor_statuses: dict[str, frozenset[Status]] = field(default_factory=dict)
    # Prepositions that put a claimant in an oblique case ("в пограничном управлении"),
    # the nominative of the organisation nouns after them, and per gender the adjective
    # endings to restore (see claimants.nominative).
    oblique_preps: frozenset[str] = frozenset()
    nominative_nouns: dict[str, str] = field(default_factory=dict)
    adjective_endings: dict[str, tuple[tuple[str, str], ...]] = field(default_factory=dict)
    # Locative prepositions that may follow a speaker ("officials at the crossing said").
    speaker_locatives: frozenset[str] = frozenset()
    # Strings every clause break contains (None: not known): a sentence without any is
    # one clause (see pattern_facts.required_literals).
    clause_break_literals: tuple[str, ...] | None = None

    def cue_at(self, match: re.Match[str]) -> Cue:
        """The cue whose group matched."""
        return self.cues[int(match.lastgroup[1:])]  # type: ignore[index]


def available_languages() -> list[str]:
    """Languages that have a lexicon file."""
    return sorted(p.stem for p in LEXICON_DIR.glob("*.toml"))


@lru_cache(maxsize=1)
def _languages() -> frozenset[str]:
    return frozenset(available_languages())


def has_lexicon(language: str | None) -> bool:
    """True when ``language`` (``en-GB``, ``ru``, ...) has a cue table; the shipped tables are
    listed once, not per article."""
    return normalise_language(language) in _languages()


def normalise_language(language: str | None) -> str:
    """``en-GB`` -> ``en``; empty -> ``en``."""
    return (language or "en").strip().lower().replace("_", "-").split("-")[0] or "en"


@lru_cache(maxsize=16)
def load_lexicon(language: str = "en") -> Lexicon:
    """The compiled lexicon of ``language``; raises InputError when there is none."""
    lang = normalise_language(language)
    path = LEXICON_DIR / f"{lang}.toml"
    if not path.is_file():
        raise InputError(
            f"no claim lexicon for language {language!r} "
            f"(available: {', '.join(available_languages())})"
        )
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
        return _compile(lang, data)
    except (tomllib.TOMLDecodeError, re.error, KeyError, ValueError) as exc:
        raise InputError(f"claim lexicon {path.name} is invalid: {exc}") from exc


def flexible_spaces(pattern: str) -> str:
    """Let each literal space of a pattern (outside ``[...]``) match any run of spaces."""
    out, in_class, escaped = [], False, False
    for ch in pattern:
        if escaped:
            out.append(ch)
            escaped = False
        elif ch == "\\":
            out.append(ch)
            escaped = True
        elif ch == "[":
            in_class = True
            out.append(ch)
        elif ch == "]":
            in_class = False
            out.append(ch)
        elif ch == " " and not in_class:
            out.append(r"\s+")
        else:
            out.append(ch)
    return "".join(out)


def _status(value: str | None) -> Status | None:
    return Status(value) if value else None


def _compile(lang: str, data: dict) -> Lexicon:
    cues = []
    for i, raw in enumerate(data["cue"]):
        pattern = flexible_spaces(raw["re"])
        re.compile(pattern, FLAGS)  # fail early, naming the bad pattern
        cues.append(
            Cue(
                index=i,
                pattern=pattern,
                status=_status(raw.get("status")),
                form=raw.get("form", "verb"),
                weight=float(raw.get("weight", 0.7)),
                modal_status=_status(raw.get("modal_status")),
                call_status=_status(raw.get("call_status")),
                modal_ok=bool(raw.get("modal_ok", False)),
                except_kinds=frozenset(raw.get("except_kinds", ())),
                restrictable=bool(raw.get("restrictable", False)),
                supersedes=bool(raw.get("supersedes", False)),
                takes_object=bool(raw.get("takes_object", False)),
            )
        )
    # Cues start at a word boundary; one pass finds them all, earlier entries win ties.
    parts = [f"(?P<c{c.index}>{c.pattern})" for c in cues]
    cue_re = re.compile(r"(?<!\w)(?:" + "|".join(parts) + ")", FLAGS)
    words_raw = data.get("words", {})
    # Behind a head check: most of these run on every cue, and most spans hold none.
    words = {k: gated(re.compile(v, FLAGS)) for k, v in words_raw.items() if isinstance(v, str)}
    windows = {k: int(v) for k, v in words_raw.items() if isinstance(v, int)}
    ana = data.get("anaphora", {})
    heads = {h.lower(): frozenset(kinds) for h, kinds in ana.get("heads", {}).items()}
    anaphor_re = None
    if heads:
        # Lower case: the scanner then matches it case-sensitively on lower-cased text.
        dets = "|".join(re.escape(d.lower()) for d in ana.get("determiners", []))
        modifiers = list(ana.get("modifiers", []))
        if ana.get("demonym_modifiers"):
            # "the Syrian side", "the Chinese side": any nationality adjective.
            modifiers += data.get("attribution", {}).get("demonyms", {}).values()
        lowered = {m.lower() for m in modifiers}
        mods = "|".join(re.escape(m) for m in sorted(lowered, key=len, reverse=True))
        head_alt = "|".join(re.escape(h) for h in sorted(heads, key=len, reverse=True))
        det_part = f"(?:{dets})\\s+" if dets else ""
        mod_part = f"(?:(?:{mods})\\s+){{0,2}}" if mods else ""
        anaphor_re = re.compile(rf"(?<!\w){det_part}{mod_part}(?P<head>{head_alt})(?!\w)", FLAGS)
    att = data.get("attribution", {})
    return Lexicon(
        language=lang,
        cues=tuple(cues),
        cue_re=cue_re,
        abbreviations=frozenset(a.lower() for a in data.get("abbreviations", ())),
        clause_breaks=first_char_gated(re.compile(data.get("clause_breaks", ";"), FLAGS)),
        words=words,
        windows=windows,
        max_gap=int(words_raw.get("max_gap", 12)),
        anaphor_re=anaphor_re,
        anaphor_heads=heads,
        pronouns=frozenset(p.lower() for p in ana.get("pronouns", ())),
        pronoun_re=re.compile(ana["pronoun_patterns"], FLAGS)
        if ana.get("pronoun_patterns")
        else None,
        destination_ok_after=frozenset(w.lower() for w in ana.get("destination_ok_after", ())),
        speech_re=re.compile(att["speech_verbs"], FLAGS),
        according_re=re.compile(att["according_to"], FLAGS),
        quoted_re=re.compile(att["quoted_as"], FLAGS) if att.get("quoted_as") else None,
        claimant_nouns=frozenset(w.lower() for w in att.get("claimant_nouns", ())),
        connectors=frozenset(w.lower() for w in att.get("connectors", ())),
        determiners=frozenset(w.lower() for w in att.get("determiners", ())),
        claimant_pronouns=frozenset(w.lower() for w in att.get("pronouns", ())),
        self_reference=re.compile(att["self_reference"], FLAGS)
        if att.get("self_reference")
        else None,
        roles=re.compile(att["roles"], FLAGS) if att.get("roles") else None,
        time_phrase=re.compile(att["time_phrase"], FLAGS) if att.get("time_phrase") else None,
        verb_adverbs=frozenset(w.lower() for w in att.get("verb_adverbs", ())),
        demonyms={k.lower(): v for k, v in att.get("demonyms", {}).items()},
        demonym_forms=_demonym_forms(att.get("demonyms", {})),
        parties={k.lower(): v for k, v in att.get("parties", {}).items()},
        adjectives=frozenset(att.get("demonyms", {}).values()),
        state_organs=re.compile(att["state_organs"]["re"], FLAGS)
        if att.get("state_organs", {}).get("re")
        else None,
        zero_subject=re.compile(ana["zero_subject"], FLAGS) if ana.get("zero_subject") else None,
        speech_as_noun=_optional(att, "speech_as_noun"),
        speech_nouns=_lowered(att, "speech_nouns"),
        apposition_before=_optional(att, "apposition_before"),
        apposition_after=_optional(att, "apposition_after"),
        role_org_split=_optional(att, "role_org_split"),
        title_words=_lowered(att, "title_words"),
        generic_claimants=_lowered(att, "generic_claimants"),
        generic_any=_lowered(att, "generic_any"),
        cue_parts=tuple(re.compile(rf"(?<!\w)(?:{p})", FLAGS) for p in parts),
        pronoun_probe=_word_probe(ana.get("pronouns", ())),
        anaphor_statuses={
            h.lower(): frozenset(Status(v) for v in values)
            for h, values in ana.get("head_statuses", {}).items()
        },
        oblique_preps=_lowered(att.get("nominative", {}), "prepositions"),
        nominative_nouns={
            k.lower(): v for k, v in att.get("nominative", {}).get("nouns", {}).items()
        },
        adjective_endings={
            gender: tuple((a, b) for a, b in pairs)
            for gender, pairs in att.get("nominative", {}).get("adjectives", {}).items()
        },
        speaker_locatives=_lowered(att, "speaker_locatives"),
        clause_break_literals=required_literals(re.compile(data.get("clause_breaks", ";"), FLAGS)),
    )


def _demonym_forms(demonyms: dict[str, str]) -> dict[str, str]:
    forms: dict[str, str] = {}
    for country, adjective in demonyms.items():
        low = country.lower()
        # The first table entry wins, as a scan in table order would.
        forms.setdefault(low, adjective)
        forms.setdefault(low.removeprefix("the "), adjective)
    return forms


def _word_probe(words: list[str]) -> re.Pattern[str] | None:
    """Any of ``words`` as a word of the lower-cased text. Each word leads its
    alternative (its lookbehind follows it), so the engine can jump to the words'
    first letters instead of trying every position: 20x faster for one word."""
    if not words:
        return None
    ordered = sorted({w.lower() for w in words}, key=len, reverse=True)
    alt = "|".join(f"{re.escape(w)}(?<!\\w{re.escape(w)})" for w in ordered)
    return re.compile(rf"(?:{alt})(?!\w)", re.UNICODE)


def _optional(table: dict, key: str) -> re.Pattern[str] | None:
    return re.compile(table[key], FLAGS) if table.get(key) else None


def _lowered(table: dict, key: str) -> frozenset[str]:
    return frozenset(w.lower() for w in table.get(key, ()))
