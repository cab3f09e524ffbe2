"""Who asserts a claim: the outlet itself ("reporter") or the source it attributes the
claim to, found from the reporting verbs and "according to" phrases of a sentence."""

from __future__ import annotations

import re

from tracker.extract.cue_scan import scanner_for
from tracker.extract.cues import Lexicon

REPORTER = "reporter"
UNNAMED = "unnamed source"

_TRAILING_POSSESSIVE = re.compile(r"['’]s?$")
_POSSESSIVE_SEPS = ("'s ", "’s ", "' ", "’ ")
_TOKEN = re.compile(r"[\w'’.&-]+|[^\w\s]")
_RELATIVE = re.compile(r",\s+(?:who|which|whose)\b[^,]*,\s*$", re.IGNORECASE)
_FORWARD_END = re.compile(r"[,;:.!?()\"“”]|\s(?:that|who|which|as|and said)\s", re.UNICODE)
# "the Public Security Directorate (PSD) said": the abbreviation in brackets is no word
# of the speaker's phrase.
_TRAILING_BRACKETS = re.compile(r"\s*\([^()]{1,40}\)\s*$")
# "X, who speaks for the ICRC's office, said": the relative clause names X's organisation.
_SPEAKS_FOR = re.compile(
    r",\s+who\s+(?:speaks|spoke|speak)\s+(?:for|on behalf of)\s+([^,]+),", re.IGNORECASE
)


def speaker_before(text: str, start: int, end: int, lex: Lexicon) -> str:
    """The noun phrase that ends right before ``end`` (a reporting verb's subject), or ""."""
    segment = text[start:end]
    if segment.rstrip().endswith(")"):
        segment = _TRAILING_BRACKETS.sub("", segment)
    tokens = _TOKEN.findall(segment)
    while tokens and tokens[-1].lower() in lex.verb_adverbs:
        tokens.pop()
    picked: list[str] = []
    skip_to = -1
    for i in range(len(tokens) - 1, -1, -1):
        if i > skip_to >= 0:
            continue
        tok = tokens[i]
        low = tok.lower()
        if low in lex.determiners:
            # "Pakistani officials at the Taftan crossing said": the speaker stands
            # before the place it is at.
            if (
                picked
                and i >= 2
                and tokens[i - 1].lower() in lex.speaker_locatives
                and (tokens[i - 2].lower().rstrip("s") in lex.claimant_nouns)
            ):
                picked = []
                skip_to = i - 2
                continue
            break
        if (
            tok[:1].isupper()
            or low in lex.claimant_nouns
            or low.endswith(("'s", "’s", "s'", "s’"))
            or (low in lex.connectors and picked)
            or (low.rstrip("s").rstrip("'’") in lex.claimant_nouns)
        ):
            picked.append(tok)
            if len(picked) >= 9:
                break
            continue
        break
    while picked and picked[-1].lower() in lex.connectors:
        picked.pop()
    return " ".join(reversed(picked))


def speaker_after(text: str, start: int, end: int) -> str:
    """The phrase that starts at ``start`` (after "according to", "said"), up to a comma."""
    m = _FORWARD_END.search(text, start, end)
    stop = m.start() if m else end
    words = text[start:stop].split()
    return " ".join(words[:9])


_NORMALISED: dict[tuple[str, str, str], str] = {}
_NORMALISED_MAX = 8192  # sources repeat across articles ("officials", "the ministry")


def normalise_claimant(raw: str, lex: Lexicon, outlet: str = "") -> str:
    """A short canonical form: "Armenia's Foreign Ministry" -> "Armenian Foreign Ministry"."""
    key = (lex.language, raw, outlet)
    name = _NORMALISED.get(key)
    if name is None:
        if len(_NORMALISED) >= _NORMALISED_MAX:
            _NORMALISED.clear()
        name = _NORMALISED[key] = _normalise(raw, lex, outlet)
    return name


def nominative(words: list[str], lex: Lexicon) -> list[str]:
    """Words of a claimant after an oblique preposition, back in the nominative:
    "пограничном управлении" -> "пограничное управление" (first known noun and the
    adjectives before it; later words are its complements and keep their case)."""
    for at, word in enumerate(words):
        noun = lex.nominative_nouns.get(word.lower())
        if noun is None:
            continue
        last = noun[-1:].lower()
        gender = "neuter" if last in "ое" else "feminine" if last in "ая" else "masculine"
        endings = lex.adjective_endings.get(gender, ())
        out = list(words)
        out[at] = noun if word[:1].islower() else noun[:1].upper() + noun[1:]
        for j in range(at - 1, -1, -1):
            low = out[j].lower()
            ending = next(((a, b) for a, b in endings if low.endswith(a)), None)
            if ending is None:
                break
            out[j] = out[j][: len(out[j]) - len(ending[0])] + ending[1]
        return out
    return words


def _normalise(raw: str, lex: Lexicon, outlet: str) -> str:
    name = raw.strip().strip("\"'“”‘’«»").strip(" ,.;:")
    if not name:
        return ""
    words = name.split()
    oblique = False
    while words and (words[0].lower() in lex.determiners or words[0].lower() in lex.title_words):
        oblique = oblique or words[0].lower() in lex.oblique_preps
        words.pop(0)
    if oblique:
        words = nominative(words, lex)
    name = " ".join(words)
    if lex.time_phrase is not None:
        name = lex.time_phrase.sub("", name).strip()
    if lex.roles is not None:
        name = lex.roles.sub("", name).strip()
    name = name.split(", ")[0].strip()
    low = name.lower()
    if not name or (lex.self_reference is not None and lex.self_reference.match(low)):
        return REPORTER
    if outlet and low == outlet.strip().lower():
        return REPORTER
    if low in lex.claimant_pronouns:
        return ""
    forms = lex.demonym_forms
    if low in forms:
        return f"{forms[low]} government"
    for sep in _POSSESSIVE_SEPS:
        at = low.find(sep)
        if at > 0 and low[:at] in forms:
            return f"{forms[low[:at]]} {name[at + len(sep) :]}"
    return _TRAILING_POSSESSIVE.sub("", name)


def party_of(claimant: str, lex: Lexicon) -> str:
    """The party a claimant speaks for: "Baku" and "Azerbaijani Foreign Ministry" are both
    the "Azerbaijani government"; any other claimant is its own party."""
    low = claimant.lower()
    if low in lex.parties:
        return lex.parties[low]
    adjective, _, organ = claimant.partition(" ")
    if (
        organ
        and lex.state_organs is not None
        and adjective in lex.adjectives
        and lex.state_organs.match(organ)
    ):
        return f"{adjective} government"
    return claimant


class Attributor:
    """Finds the claimant of a cue inside its sentence; remembers the last named speaker
    so that "he said" in a later sentence points back to it."""

    def __init__(self, text: str, lex: Lexicon, outlet: str = "", lowered: str = "") -> None:
        self.text = text
        self.lowered = lowered or text.lower()
        self.lex = lex
        self.outlet = outlet
        self.last_named = ""
        self.named: list[str] = []  # every named claimant so far, in text order
        self._sent_start = 0
        self._cache: dict[tuple[int, int], tuple[str, list[re.Match[str]]]] = {}
        self._quoted = scanner_for(lex.quoted_re) if lex.quoted_re is not None else None
        self._speech = scanner_for(lex.speech_re, caseless=True)
        self._according = scanner_for(lex.according_re, caseless=True)

    def _sentence(self, start: int, end: int) -> tuple[str, list[re.Match[str]]]:
        """The "quoted Y as saying" speaker and the reporting verbs of a sentence, once."""
        key = (start, end)
        if key not in self._cache:
            q = (
                self._quoted.search(self.text, self.lowered, start, end, end)
                if self._quoted is not None
                else None
            )
            verbs = self._speech.scan(self.text, self.lowered, start, end, end)
            quoted = next((g for g in q.groups() if g), "") if q else ""
            self._cache[key] = (quoted, verbs)
        return self._cache[key]

    def claimant(self, sent_start: int, sent_end: int, cue_start: int) -> str:
        """The claimant of the cue at ``cue_start``: "reporter" or a normalised source."""
        text = self.text
        self._sent_start = sent_start
        quoted, verbs = self._sentence(sent_start, sent_end)
        if quoted:
            return self._named(quoted)
        before = [v for v in verbs if v.end() <= cue_start and not self._noun_use(v)]
        for verb in reversed(before):
            who = self._subject(sent_start, verb)
            if who:
                return who
        after = [v for v in verbs if v.start() >= cue_start]
        for verb in after:
            who = self._subject(cue_start, verb) or self._speaker_after(verb.end(), sent_end)
            if who:
                return who
        acc = self._according.search(text, self.lowered, sent_start, sent_end, sent_end)
        if acc:
            who = self._named(speaker_after(text, acc.end(), sent_end))
            if who:
                return who
        return REPORTER

    def _noun_use(self, verb: re.Match[str]) -> bool:
        """True for a reporting word used as a noun ("rejected Taliban claims that")."""
        lex = self.lex
        if lex.speech_as_noun is None or verb.group().lower() not in lex.speech_nouns:
            return False
        subject = speaker_before(self.text, max(0, verb.start() - 80), verb.start(), lex)
        before = self.text[max(0, verb.start() - 80) : verb.start() - len(subject)]
        return bool(lex.speech_as_noun.search(before.rstrip() + " "))

    def _speaker_after(self, start: int, end: int) -> str:
        """The speaker named after a reporting verb, with its apposition if any."""
        raw = speaker_after(self.text, start, end)
        app = self.lex.apposition_after
        if raw and app is not None:
            at = self.text.find(raw, start, end)
            m = app.search(self.text[at + len(raw) : end]) if at >= 0 else None
            if m:
                return self._named(raw, m.group(1))
        return self._named(raw)

    def _subject(self, floor: int, verb: re.Match[str]) -> str:
        raw = speaker_before(self.text, floor, verb.start(), self.lex)
        app = self.lex.apposition_before
        if not raw and app is not None:
            # "Mohammad Khan, a customs official at Torkham, said": skip back to the name.
            m = app.search(self.text, floor, verb.start())
            if m:
                name = speaker_before(self.text, floor, m.start(), self.lex)
                if name:
                    return self._named(name, m.group(1))
        if not raw:
            # "X, who speaks for Y, said": skip the relative clause back to X.
            rel = _RELATIVE.search(self.text, floor, verb.start())
            if rel:
                raw = speaker_before(self.text, floor, rel.start(), self.lex)
                org = _SPEAKS_FOR.match(self.text, rel.start(), verb.start())
                if raw and org:
                    return self._named(raw, f"spokesperson for {org.group(1)}")
        if not raw:
            prefix = self.text[floor : verb.start()].rstrip().lower()
            pronoun = prefix.rsplit(None, 1)[-1] if prefix.split() else ""
            if pronoun in self.lex.claimant_pronouns:
                return self.last_named or UNNAMED
            return ""
        return self._named(raw)

    def _named(self, raw: str, apposition: str = "") -> str:
        lex = self.lex
        name = normalise_claimant(raw, lex, self.outlet)
        if apposition and name and name != REPORTER:
            name = self._with_role(name, apposition)
        low = name.lower()
        if low in lex.generic_any and self.named:
            return self.named[-1]
        if low in lex.generic_claimants:
            head = low.split()[-1]
            pool = self.named or self._earlier_speakers()
            earlier = next((n for n in reversed(pool) if head in n.lower().split()), "")
            if earlier:
                return earlier
        if name and name != REPORTER:
            self.last_named = name
            self.named.append(name)
        return name

    def _earlier_speakers(self) -> list[str]:
        """Named speakers of the sentences before the current one (only read when a
        generic claimant needs its antecedent, which is rare)."""
        lex, found = self.lex, []
        end = self._sent_start
        for verb in scanner_for(lex.speech_re, caseless=True).scan(
            self.text, self.lowered, 0, end, end
        ):
            raw = speaker_before(self.text, max(0, verb.start() - 120), verb.start(), lex)
            name = normalise_claimant(raw, lex, self.outlet) if raw else ""
            if name and name != REPORTER and name.lower() not in lex.generic_claimants:
                found.append(name)
        return found

    def _with_role(self, name: str, apposition: str) -> str:
        """ "Smith" + "a spokesman for the Red Crescent" -> "Red Crescent spokesman Smith"."""
        lex = self.lex
        role, org = apposition, ""
        if lex.role_org_split is not None:
            parts = lex.role_org_split.split(apposition, maxsplit=1)
            if len(parts) == 2:
                role, org = parts
        role_words = [w for w in role.split() if w.lower() not in lex.title_words]
        org = normalise_claimant(org, lex) if org else ""
        if org == REPORTER:
            org = ""
        return " ".join(x for x in (org, " ".join(role_words), name) if x)
