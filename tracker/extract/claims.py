"""Status claims: who says what about which tracked place, read sentence by sentence.

A claim is a status cue (lexicon data, per language) bound to a tracked place in the
same clause, read through negation, modality, calls, background tense and
attribution. The reader never imports the geocoder: it takes mentions as input.
"""

from __future__ import annotations

import re
from bisect import bisect_left, bisect_right
from collections.abc import Sequence
from datetime import date
from typing import NamedTuple, Protocol

from tracker.extract.claimants import REPORTER, Attributor, party_of
from tracker.extract.cue_scan import CueScanner, GatedPattern, scanner_for
from tracker.extract.cues import Cue, Lexicon, load_lexicon
from tracker.extract.sentences import split_clauses, split_sentences
from tracker.models import Claim, Mention, Place, Status

# Non-tracked mentions whose status is their tracked place's (a bridge or checkpoint on a
# corridor); a town near a corridor does not carry the corridor's status.
LINKABLE_KINDS = frozenset(
    {"bridge", "checkpoint", "crossing", "border_crossing", "tunnel", "pass", "gate", "terminal"}
)
# Mention roles that name a place (not a government, a dateline or a person).
PLACE_ROLES = frozenset({"place", ""})

_WORD = re.compile(r"\w[\w'’-]*")
# Quotes inside a phrase ('assumed "operational control"') must not hide it from a cue;
# replacing them keeps every offset.
_QUOTE_CHARS = '"“”«»„'
_QUOTES_TO_SPACE = str.maketrans({q: " " for q in _QUOTE_CHARS})
_YEAR_CAP = 2100
_DIGIT = re.compile(r"\d")


class PlaceLookup(Protocol):
    """The part of the gazetteer the reader needs."""

    def get(self, place_id: str) -> Place: ...


class _Target(NamedTuple):
    """A span in the text that stands for a tracked place: a mention or an anaphor (a
    tuple: thousands are made per second)."""

    start: int
    end: int
    place_id: str
    name: str
    kind: str
    weight: float
    # Statuses this span can carry ("the Palestinian side": only control of one side is
    # a status of the crossing); empty: any.
    only: frozenset[Status] = frozenset()


def lower_same_length(text: str) -> str:
    """``text.lower()`` with every character in its place. Only "İ" (U+0130) lowers to two
    characters; one in a text ("Kipoi–İpsala") would otherwise shift every offset after it
    and send the cue scanners down their slow path, a full regex scan per call."""
    if "\u0130" in text:
        text = text.replace("\u0130", "I")
    return text.lower()


class ClaimReader:
    """Reads status claims from a text given the place mentions found in it."""

    def __init__(self, gazetteer: PlaceLookup | None = None) -> None:
        self.gazetteer = gazetteer

    def read_claims(
        self,
        text: str,
        mentions: Sequence[Mention],
        *,
        language: str = "en",
        published: date | None = None,
        outlet: str = "",
    ) -> list[Claim]:
        """Every status claim about a tracked place in ``text``, in text order."""
        lex = load_lexicon(language)
        sentences = split_sentences(text, lex.abbreviations)
        targets = self._targets(mentions)
        if not targets:
            return []
        has_quotes = any(q in text for q in _QUOTE_CHARS)
        scanned = text.translate(_QUOTES_TO_SPACE) if has_quotes else text
        lowered = lower_same_length(scanned)
        # Scanners may match on the lower-cased text itself: it must be ``text``'s.
        text_lowered = lower_same_length(text) if has_quotes else lowered
        targets = sorted(
            targets + self._anaphors(text, text_lowered, lex, targets, sentences),
            key=lambda t: t.start,
        )
        scanner = scanner_for(lex.cue_re, lex.cue_parts, caseless=True)
        attributor = Attributor(text, lex, outlet, text_lowered)
        spans = [(t.start, t.end) for t in targets if t.weight >= 1.0]
        target_starts = [t.start for t in targets]
        found: dict[tuple[str, Status, str, bool], Claim] = {}  # by place, status, party
        changes: list[tuple[Claim, int]] = []  # changes of state ("reopened") and where
        cue_at: dict[int, int] = {}  # id(claim) -> offset of its cue
        ti = 0
        for s_start, s_end in sentences:
            # Only a sentence that names a place (or refers back to one) can hold a claim.
            while ti < len(targets) and targets[ti].start < s_start:
                ti += 1
            if ti >= len(targets) or targets[ti].start >= s_end:
                continue
            in_sentence = scanner.scan(scanned, lowered, s_start, s_end)
            if not in_sentence:
                continue
            for c_start, c_end in split_clauses(
                text, s_start, s_end, lex.clause_breaks, lex.clause_break_literals
            ):
                clause_targets = targets[
                    bisect_left(target_starts, c_start) : bisect_left(target_starts, c_end)
                ]
                if not clause_targets:
                    continue
                in_clause = [x for x in in_sentence if c_start <= x.start() < c_end]
                clause_cues = [(x.start(), x.end()) for x in in_clause]
                for m in in_clause:
                    for claim, supersedes in self._read_cue(
                        text,
                        text_lowered,
                        m,
                        lex,
                        clause_targets,
                        (s_start, s_end),
                        (c_start, c_end),
                        spans,
                        attributor,
                        published,
                        clause_cues,
                    ):
                        # One claim per source: "Baku" in a headline and "Azerbaijan's
                        # Foreign Ministry" in the body are one party saying one thing.
                        party = party_of(claim.claimant, lex)
                        key = (claim.place_id, claim.status, party, claim.negated)
                        if key not in found or found[key].confidence < claim.confidence:
                            found[key] = claim
                            cue_at[id(claim)] = m.start()
                        if supersedes:
                            changes.append((claim, m.start()))
        claims = _drop_superseded(list(found.values()), cue_at, changes, lex)
        claims = _drop_open_beside_restricted(claims, lex)
        return sorted(claims, key=lambda c: (c.start, c.place_id, c.status.value))

    # ------------------------------------------------------------------ targets

    def _targets(self, mentions: Sequence[Mention]) -> list[_Target]:
        """The mentions that stand for a tracked place, in text order."""
        targets = []
        for m in mentions:
            if (getattr(m, "role", "place") or "") not in PLACE_ROLES:
                continue
            if m.tracked:
                targets.append(_Target(m.start, m.end, m.place_id, m.name, m.kind, 1.0))
            elif m.linked_to and m.kind in LINKABLE_KINDS:
                place = self._place(m.linked_to)
                name = place.name if place else m.linked_to
                kind = place.kind if place else m.kind
                targets.append(_Target(m.start, m.end, m.linked_to, name, kind, 1.0))
        targets.sort(key=lambda t: t.start)
        return targets

    def _place(self, place_id: str) -> Place | None:
        if self.gazetteer is None:
            return None
        try:
            return self.gazetteer.get(place_id)
        except Exception:  # an unknown link target must not lose the claim of others
            return None

    def _anaphors(
        self,
        text: str,
        lowered: str,
        lex: Lexicon,
        targets: list[_Target],
        sentences: list[tuple[int, int]],
    ) -> list[_Target]:
        """ "the road" -> the last place of a compatible kind; "it" -> the sentence topic."""
        if not targets:
            return []
        refs: list[_Target] = []
        taken = [(t.start, t.end) for t in targets]

        def overlaps(a: int, b: int) -> bool:
            return any(s < b and a < e for s, e in taken)

        if lex.anaphor_re is not None:
            scan = scanner_for(lex.anaphor_re, caseless=True).scan
            for m in scan(text, lowered, targets[0].end, len(text)):
                if overlaps(m.start(), m.end()):
                    continue
                head = m.group("head").lower()
                kinds = lex.anaphor_heads.get(head, frozenset())
                antecedent = next(
                    (t for t in reversed(targets) if t.end <= m.start() and t.kind in kinds),
                    None,
                )
                if antecedent:
                    refs.append(
                        _Target(
                            m.start(),
                            m.end(),
                            antecedent.place_id,
                            antecedent.name,
                            antecedent.kind,
                            0.85,
                            lex.anaphor_statuses.get(head, frozenset()),
                        )
                    )
        if lex.zero_subject is not None:
            refs.extend(
                _zero_subjects(
                    text, lowered, lex.zero_subject, lex, targets, sentences
                )
            )
        probe = lex.pronoun_probe
        if lex.pronoun_re is not None and (probe is None or probe.search(lowered, targets[0].end)):
            scan = scanner_for(lex.pronoun_re, caseless=True).scan
            for m in scan(text, lowered, targets[0].end, len(text)):
                group = "a" if m.group("a") else "b"
                start, end = m.start(group), m.end(group)
                sent_start = next((s for s, e in sentences if s <= start < e), 0)
                # The topic: the first place of this sentence, else the last one before it.
                in_sent = [t for t in targets if sent_start <= t.start < start]
                antecedent = (
                    in_sent[0]
                    if in_sent
                    else next((t for t in reversed(targets + refs) if t.end <= sent_start), None)
                )
                if antecedent:
                    refs.append(
                        _Target(
                            start, end, antecedent.place_id, antecedent.name, antecedent.kind, 0.75
                        )
                    )
        return refs

    # ------------------------------------------------------------------ one cue

    def _read_cue(
        self,
        text: str,
        lowered: str,
        m: re.Match[str],
        lex: Lexicon,
        targets: list[_Target],
        sentence: tuple[int, int],
        clause: tuple[int, int],
        mention_spans: list[tuple[int, int]],
        attributor: Attributor,
        published: date | None,
        clause_cues: list[tuple[int, int]],
    ) -> list[tuple[Claim, bool]]:
        """The claims of one cue, each flagged when it tells a change of state."""
        cue = lex.cue_at(m)
        if cue.status is None:
            return []
        # a span limited to some statuses is no subject for a cue of another status
        usable = [t for t in targets if not t.only or cue.status in t.only]
        bound = _bind(text, m.start(), m.end(), usable, lex, cue.takes_object)
        if not bound:
            return []
        reading = _read_context(
            text, lowered, m, cue, lex, sentence, clause, published, mention_spans, clause_cues
        )
        if reading is None:
            return []
        status, negated, hedge, direct = reading
        supersedes = cue.supersedes and direct and not negated
        claimant = attributor.claimant(sentence[0], sentence[1], m.start())
        claims = []
        for target, gap in bound:
            if target.kind in cue.except_kinds or (target.only and status not in target.only):
                continue
            confidence = cue.weight * hedge * target.weight * max(0.5, 1.0 - 0.03 * gap)
            claims.append(
                (
                    Claim(
                        place_id=target.place_id,
                        name=target.name,
                        status=status,
                        claimant=claimant,
                        negated=negated,
                        evidence=text[sentence[0] : sentence[1]],
                        start=sentence[0],
                        end=sentence[1],
                        confidence=round(min(1.0, confidence), 3),
                    ),
                    supersedes,
                )
            )
        return claims


def _words(text: str) -> list[str]:
    return _WORD.findall(text)


# Places too large to take a status from a cue more than a few words away.
TIGHT_KINDS = {"region": 4, "country": 2, "sea": 4}
# A comma-delimited aside ("the road, Karabakh's only link, is ...") or brackets.
_ASIDE = re.compile(r",[^,;]{0,120}?,|\([^()]{0,160}\)")
_NEW_NP = re.compile(r"\b(?:the|a|an)\s+\w", re.IGNORECASE)
_LIST_JOINT = re.compile(
    r"\s*(?:,\s*)?(?:and|or|as well as|и|или)\s+(?:the\s+)?|\s*,\s*(?:the\s+)?", re.IGNORECASE
)
_AND = re.compile(r"\b(?:and|or|as well as|и|или)\b", re.IGNORECASE)
_PARTICIPLE = re.compile(r"\w+ed")  # one adjective-like word: "besieged", "closed"
_OWN_NP = re.compile(r"\b(?:the|a|an)\s+(?:[\w'’-]+\s+){0,2}$", re.IGNORECASE)
_ATTRIBUTIVE = re.compile(r"\b(?:the|a|an)\s+$", re.IGNORECASE)
_POSSESSIVE = re.compile(r"^['’]s?\b")
# "the X crossing on the Azerbaijan-Russia border is open": a locating phrase right
# after the place belongs to it and starts no new subject.
_LOCATING_PP = re.compile(
    r"^\s*(?:on|at|near|along|over|across|between)\s+the\s+(?:[\w'’-]+\s+){0,3}?"
    r"(?:border|frontier|river|coast|boundary|line)\b",
    re.IGNORECASE,
)
_DISPREFERRED = 3  # extra words charged to the less likely side of a cue


def _bind(
    text: str,
    cue_start: int,
    cue_end: int,
    targets: list[_Target],
    lex: Lexicon,
    takes_object: bool = False,
) -> list[tuple[_Target, int]]:
    """The targets a cue speaks of: the nearest one in its clause (preferring the subject
    of a passive cue and the object of an active one), plus any listed with it."""
    destination = lex.words.get("destination")
    foreign = lex.words.get("foreign_object")
    passive_re = lex.words.get("passive")
    passive = bool(passive_re and passive_re.search(text[max(0, cue_start - 40) : cue_start]))
    # "the besieged enclave": an attributive cue speaks of the noun right after it.
    cue_text = text[cue_start:cue_end]
    attributive = bool(
        _PARTICIPLE.fullmatch(cue_text)
        and _ATTRIBUTIVE.search(text[max(0, cue_start - 6) : cue_start])
    )
    best: tuple[int, int, int] | None = None  # (score, gap, index)
    for i, t in enumerate(targets):
        if attributive and not (t.end > cue_start and t.start - cue_end <= 30):
            continue
        if t.end <= cue_start:
            between = _ASIDE.sub(" ", text[t.end : cue_start])
            # "Gaza remains under a near-total siege": the article of the cue's own noun
            # phrase does not start another subject.
            if (_NEW_NP.search(between) and _NEW_NP.search(_own_np_removed(between))) or (
                _POSSESSIVE.match(text[t.end : t.end + 3])
            ):
                continue  # another noun phrase is the subject of the cue
            if _is_destination(text, t.start, destination, lex):
                continue
            gap = len(_words(between))
            score = gap + (0 if passive else _DISPREFERRED)
            # "Gaza is under a tightening siege": the cue's own modifiers add no distance.
            if t.kind in TIGHT_KINDS and gap > TIGHT_KINDS[t.kind]:
                gap = min(gap, len(_words(_OWN_NP.sub("", between))) + 1)
        elif t.start >= cue_end:
            between = _ASIDE.sub(" ", text[cue_end : t.start])
            # "only ships with food may enter the port": such a cue's own verb takes the
            # place as its object; a "to" after the cue still marks a destination.
            floor = cue_end if takes_object else 0
            if _is_destination(text, t.start, destination, lex, floor=floor):
                continue
            if foreign is not None and foreign.search(between):
                continue
            gap = len(_words(between))
            score = gap + (_DISPREFERRED if passive else 0)
        else:
            gap = score = 0  # the cue is inside the mention ("Lachin border checkpoint")
        if gap > TIGHT_KINDS.get(t.kind, lex.max_gap):
            continue
        # On a tie an active cue takes its object ("... taking control of the X").
        if (
            best is None
            or score < best[0]
            or (score == best[0] and not passive and t.start >= cue_end)
        ):
            best = (score, gap, i)
    if best is None:
        return []
    _, gap, i = best
    chosen = [(targets[i], gap)] + [(targets[j], gap) for j in _listed_with(text, targets, i)]
    seen: set[str] = set()
    unique = []
    for t, g in chosen:
        if t.place_id not in seen:
            seen.add(t.place_id)
            unique.append((t, g))
    return unique


def _own_np_removed(between: str) -> str:
    """The words between a place and a cue without the cue's own article and modifiers,
    nor a locating phrase of the place ("on the ... border")."""
    if "," not in between:
        between = _LOCATING_PP.sub("", between)
    return _OWN_NP.sub("", between)


def _is_destination(
    text: str,
    start: int,
    destination: re.Pattern[str] | None,
    lex: Lexicon,
    floor: int = 0,
) -> bool:
    """True when the place follows "to", "from", "into" (at or after ``floor``): an end
    point, not the subject."""
    if destination is None:
        return False
    before = text[max(0, start - 40) : start]
    m = destination.search(before)
    if not m or max(0, start - 40) + m.start() < floor:
        return False
    head = _words(before[: m.start()])
    return not (head and head[-1].lower() in lex.destination_ok_after)


def _listed_with(text: str, targets: list[_Target], i: int) -> list[int]:
    """Indexes of the targets in the same list as target ``i`` ("A, B and C")."""
    lo = hi = i
    while lo > 0 and _LIST_JOINT.fullmatch(text[targets[lo - 1].end : targets[lo].start]):
        lo -= 1
    while hi + 1 < len(targets) and _LIST_JOINT.fullmatch(
        text[targets[hi].end : targets[hi + 1].start]
    ):
        hi += 1
    # A list ends at its "and"/"or"; commas alone make an apposition
    # ("the corridor, Karabakh's lifeline"), not a list.
    first = lo
    for k in range(lo, hi):
        if _AND.search(text[targets[k].end : targets[k + 1].start]):
            if first <= i <= k + 1:
                return [j for j in range(first, k + 2) if j != i]
            first = k + 1
    return []


def _read_context(
    text: str,
    lowered: str,
    m: re.Match[str],
    cue: Cue,
    lex: Lexicon,
    sentence: tuple[int, int],
    clause: tuple[int, int],
    published: date | None,
    mention_spans: list[tuple[int, int]],
    clause_cues: list[tuple[int, int]],
) -> tuple[Status, bool, float, bool] | None:
    """Status, negation, a confidence factor and whether the cue is read directly (not
    through a call or modality) for a cue in context; None: no claim."""
    w, win = lex.words, lex.windows
    c_start, c_end = clause
    before_clause = text[c_start : m.start()]
    clause_text = text[c_start:c_end]
    status = cue.status
    assert status is not None
    hedge = 1.0

    # The words before the cue, split once: every window below is a suffix of them.
    clause_words = _words(before_clause)
    sentence_words: list[str] | None = None
    joined: dict[tuple[bool, int], str] = {}  # most windows share a length: join once

    def near(key: str, n_key: str, default: int, floor: int = c_start) -> bool:
        nonlocal sentence_words
        pat = w.get(key)
        n = win.get(n_key, default)
        if pat is None or n <= 0:
            return False
        in_clause = floor == c_start
        window = joined.get((in_clause, n))
        if window is None:
            if in_clause:
                words = clause_words
            else:
                if sentence_words is None:
                    sentence_words = _words(text[floor : m.start()])
                words = sentence_words
            window = joined[(in_clause, n)] = " ".join(words[-n:])
        return bool(pat.search(window))

    if near("suppress", "suppress_window", 4):
        return None
    is_noun = bool((nf := w.get("noun_form")) and nf.match(m.group().strip()))
    if near(
        "background_noun", "background_noun_window" if is_noun else "background_verb_window", 4
    ):
        return None
    if (bg := w.get("background")) and _search(bg, text, lowered, c_start, m.start()):
        return None
    if (bl := w.get("background_local")) and bl.search(before_clause, before_clause.rfind(",") + 1):
        return None
    if _background_year(text, lowered, clause, m, clause_cues, w, published):
        return None

    presupposed = cue.call_status or cue.modal_status
    if presupposed and near("call", "call_window", 14, floor=sentence[0]):
        return (cue.call_status or cue.modal_status), False, 0.8, False  # type: ignore[return-value]
    # "will remain closed until ...": the modality is about how long, not whether.
    persists = bool(
        (ps := w.get("persist")) and ps.search(text, max(c_start, m.start() - 40), m.start())
    )
    # ... unless the state only starts later ("will remain closed from December 1").
    if persists and (fs := w.get("future_start")) and fs.search(text, m.end(), c_end):
        persists = False
    if not cue.modal_ok and not persists:
        hedged = (
            near("modal_noun", "modal_noun_window", 3)
            if is_noun
            else (
                near("modal_verb", "modal_window", 5)
                or _modal_subject(before_clause, w, win.get("modal_noun_verb_window", 2))
            )
        )
        inner = " ".join(_words(m.group())[:-1])  # "peacekeepers shall control"
        if inner and (mv := w.get("modal_verb")) and mv.search(inner):
            hedged = True
        if hedged:
            if cue.modal_status:
                return cue.modal_status, False, 0.75, False
            return None

    negated = near("negation", "negation_window", 3)
    den, den_verb = w.get("denial"), w.get("denial_verb")
    # "denied X, saying Y": Y is the denier's own assertion, outside the denial.
    d_start = c_start
    if ab := w.get("assertion_breaks"):
        for b in ab.finditer(text, c_start, m.start()):
            d_start = b.end()
    # Scope a denial only when the clause has one (most clauses do not).
    if (den and den.search(clause_text)) or (den_verb and den_verb.search(clause_text)):
        j_start, j_end = _conjunct(text, clause, m.start(), w.get("conjunct_breaks"))
        if (den and den.search(text, max(j_start, d_start), j_end)) or (
            den_verb and den_verb.search(text, d_start, j_end)
        ):
            negated = True
            hedge *= 0.9
    # "shut ... after tribal elders staged a sit-in", "militants have closed the strait":
    # a closure caused by a party that obstructs it is a blockage (README conventions).
    if status is Status.CLOSED and _closed_by_party(text, m, c_start, c_end, w):
        status = Status.BLOCKED
    if cue.restrictable and status in (Status.OPEN, Status.CLOSED):
        qual = w.get("qualifier")
        if qual is not None:
            # A qualifier of a superseded state ("after being open only for aid") is not
            # a qualifier of this cue.
            q_end = c_end
            for key in ("background", "background_local"):
                bg_at = _search(bg, text, lowered, c_start, c_end) if (bg := w.get(key)) else None
                if bg_at and bg_at.start() > m.end():
                    q_end = min(q_end, bg_at.start())
            # "denied it was closed, saying one lane was shut": the assertion after the
            # break qualifies nothing before it, and the reverse.
            q_start = d_start
            if (ab := w.get("assertion_breaks")) and (nb := ab.search(text, m.end(), q_end)):
                q_end = nb.start()
            quals = _scan(qual, text, lowered, q_start, q_end)
            if status is Status.OPEN and (qo := w.get("qualifier_open")):
                # "suspended for several hours ... before traffic resumed": a duration
                # after an earlier cue of the clause is that cue's, not this one's.
                earlier = any(e <= m.start() for _, e in clause_cues)
                o_start = max(q_start, m.start()) if earlier else q_start
                quals += _scan(qo, text, lowered, o_start, q_end)
            if quals:
                # "X was closed ..., and Y was open only to cars": a qualifier of the next
                # conjunct qualifies only that conjunct.
                j_start, j_end = _conjunct(text, clause, m.start(), w.get("conjunct_breaks"))
                quals = [q for q in quals if j_start <= q.start() < j_end]
            for q in quals:
                if not any(s <= q.start() < e for s, e in mention_spans):
                    status = Status.RESTRICTED
                    break
    return status, negated, hedge, status is cue.status


def _scan(
    pattern: re.Pattern[str] | GatedPattern, text: str, lowered: str, start: int, end: int
) -> list[re.Match[str]]:
    """``pattern.finditer(text, start, end)``, tried only where its literal heads start a
    word (``lowered`` is ``text.lower()``; the patterns start at a word)."""
    scanner = _scanner_of(pattern)
    return scanner.scan(text, lowered, start, end, end)


def _scanner_of(pattern: re.Pattern[str] | GatedPattern) -> CueScanner:
    if isinstance(pattern, GatedPattern):
        return pattern.scanner()
    return scanner_for(pattern, caseless=True)


def _search(
    pattern: re.Pattern[str] | GatedPattern, text: str, lowered: str, start: int, end: int
) -> re.Match[str] | None:
    """The first match of ``_scan``: ``pattern.search(text[start:end])`` for a span that
    starts after a non-word character (a clause), in text offsets."""
    scanner = _scanner_of(pattern)
    return scanner.search(text, lowered, start, end, end)


def _modal_subject(before: str, w: dict[str, re.Pattern[str]], n: int) -> bool:
    """True when a modal noun stands in the last ``n`` words before a verb cue
    ("a planned corridor failed"); a comma ends that subject ("a bomb threat, before")."""
    pat = w.get("modal_noun")
    if pat is None or n <= 0:
        return False
    tail = before[-20 * n :]  # n words fit in it; no need to split the whole clause
    return bool(pat.search(" ".join(_words(tail[tail.rfind(",") + 1 :])[-n:])))


def _closed_by_party(
    text: str, m: re.Match[str], c_start: int, c_end: int, w: dict[str, re.Pattern[str]]
) -> bool:
    """True when the clause names an obstructing party as the agent or cause of a
    closure cue: before it as its subject, or after it in a cause phrase."""
    agent, cause = w.get("blocking_agent"), w.get("blocking_cause")
    if agent is not None and agent.search(text[max(c_start, m.start() - 60) : m.start()]):
        return True
    return bool(cause is not None and cause.match(text, m.end(), min(c_end, m.end() + 120)))


def _conjunct(
    text: str, clause: tuple[int, int], at: int, breaks: re.Pattern[str] | None
) -> tuple[int, int]:
    """The coordinated part of a clause ("A and that B") that holds position ``at``."""
    start, end = clause
    if breaks is None:
        return start, end
    for b in breaks.finditer(text, *clause):
        if b.end() <= at:
            start = b.end()
        elif b.start() >= at:
            return start, b.start()
    return start, end


def _background_year(
    text: str,
    lowered: str,
    clause: tuple[int, int],
    m: re.Match[str],
    clause_cues: list[tuple[int, int]],
    w: dict[str, re.Pattern[str]],
    published: date | None,
) -> bool:
    """A past year told in the clause ("closed in 2021") dates the cue nearest to it,
    unless words like "still" keep that state current."""
    pat = w.get("background_year")
    # The year is read as a number (group 1), so a clause without a digit has none.
    if pat is None or not _DIGIT.search(text, *clause):
        return False
    ongoing = w.get("ongoing")
    for ym in _scan(pat, text, lowered, *clause):
        year = int(ym.group(1))
        if year >= _YEAR_CAP or (published is not None and year >= published.year):
            continue
        nearest = min(clause_cues, key=lambda c: min(abs(c[0] - ym.end()), abs(ym.start() - c[1])))
        if nearest != (m.start(), m.end()):
            continue
        lo, hi = sorted((ym.start(), m.start()))
        if ongoing is not None and ongoing.search(text, lo, hi):
            continue
        return True
    return False


def _zero_subjects(
    text: str,
    lowered: str,
    pattern: re.Pattern[str],
    lex: Lexicon,
    targets: list[_Target],
    sentences: list[tuple[int, int]],
) -> list[_Target]:
    """ "Traffic resumed at noon.": a sentence without a place that opens with a traffic
    word speaks of the last place of the sentence right before it; so does a place-less
    conjunct (", and traffic has since resumed") of the last place before it."""
    refs: list[_Target] = []
    conjunct_lead = lex.words.get("zero_subject_lead")
    hits = scanner_for(pattern, caseless=True).scan(text, lowered, targets[0].end, len(text))
    seen: set[int] = set()
    for hit in hits:  # usually none: only sentences with a traffic word are split
        k = bisect_right(sentences, (hit.start(), len(text))) - 1
        if k < 0 or k in seen:
            continue
        seen.add(k)
        s_start, s_end = sentences[k]
        # the places the sentence can point back to: its own and those of the one before
        floor = sentences[k - 1][0] if k else s_start
        breaks, literals = lex.clause_breaks, lex.clause_break_literals
        for start, end in split_clauses(text, s_start, s_end, breaks, literals):
            if any(start <= t.start < end for t in targets):
                if conjunct_lead is not None:
                    refs.extend(
                        _zero_conjuncts(
                            text, pattern, conjunct_lead, lex, targets, s_start, start, end
                        )
                    )
                continue
            lead = len(text[start:end]) - len(text[start:end].lstrip())
            m = pattern.match(text, start + lead, end)
            before = [t for t in targets if floor <= t.start < start] if m else []
            if m and before:
                t = before[-1]
                refs.append(_Target(m.start(), m.end(), t.place_id, t.name, t.kind, 0.7))
    return refs


def _zero_conjuncts(
    text: str,
    pattern: re.Pattern[str],
    lead: re.Pattern[str] | GatedPattern,
    lex: Lexicon,
    targets: list[_Target],
    s_start: int,
    start: int,
    end: int,
) -> list[_Target]:
    """ "X was shut after a fire, and traffic has since resumed": each conjunct of a clause
    that names no place and opens with a traffic word speaks of the last place before it
    in the sentence (the subject of a far earlier conjunct, out of a cue's reach)."""
    refs: list[_Target] = []
    dest = lex.words.get("destination")
    leads = list(lead.finditer(text, start, end))
    for k, ld in enumerate(leads):
        stop = leads[k + 1].start() if k + 1 < len(leads) else end
        if any(ld.end() <= t.start < stop for t in targets):
            continue
        m = pattern.match(text, ld.end(), stop)
        if m is None:
            continue
        # an end point ("trucks heading for X") is not what the traffic word stands for
        t = next(
            (
                t
                for t in reversed(targets)
                if s_start <= t.start < ld.start() and not _is_destination(text, t.start, dest, lex)
            ),
            None,
        )
        if t is not None:
            refs.append(_Target(m.start(), m.end(), t.place_id, t.name, t.kind, 0.7))
    return refs


def _drop_open_beside_restricted(claims: list[Claim], lex: Lexicon) -> list[Claim]:
    """One party saying a place is restricted and, in the same article, that traffic
    passes ("open only to aid trucks: a convoy crossed") says it is partly open: the
    restricted claim is the whole of it."""
    restricted = {(c.place_id, party_of(c.claimant, lex)) for c in claims
                  if c.status is Status.RESTRICTED and not c.negated}
    return [c for c in claims
            if not (c.status is Status.OPEN and not c.negated
                    and (c.place_id, party_of(c.claimant, lex)) in restricted)]


def _drop_superseded(
    claims: list[Claim],
    cue_at: dict[int, int],
    changes: list[tuple[Claim, int]],
    lex: Lexicon,
) -> list[Claim]:
    """Drop the claims a later change of state replaces ("closed ... Traffic resumed"):
    same place, other status, said earlier by the same party or replaced in the outlet's
    own voice."""
    if not changes:
        return claims
    kept = []
    for c in claims:
        replaced = any(
            ch.place_id == c.place_id
            and ch.status is not c.status
            and not c.negated
            and at > cue_at.get(id(c), c.start)
            and (ch.claimant == REPORTER or party_of(ch.claimant, lex) == party_of(c.claimant, lex))
            for ch, at in changes
        )
        if not replaced:
            kept.append(c)
    return kept
