"""Claim reading, one table per phenomenon. Sentences are synthetic (written for these
tests); each row: text, expected {(place name, status)} and, where it matters, claimant
and negation."""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path

import pytest

from tests.claims_support import AliasFinder, PlaceTable
from tracker.errors import InputError
from tracker.evaluate import claimants_agree
from tracker.extract.claims import ClaimReader
from tracker.models import Claim, Status

READER = ClaimReader(PlaceTable())
FINDER = AliasFinder()


def read(text: str, language: str = "en", published: date | None = date(2024, 5, 1)) -> list[Claim]:
    return READER.read_claims(
        text, FINDER.find_mentions(text), language=language, published=published
    )


def pairs(text: str, **kw) -> set[tuple[str, str]]:
    return {(c.name, c.status.value) for c in read(text, **kw)}


BASIC = [
    ("Protesters have blocked the Lachin corridor since Monday.", {("Lachin Corridor", "blocked")}),
    ("The Torkham crossing reopened on Tuesday morning.", {("Torkham crossing", "open")}),
    (
        "Georgia closed the Upper Lars checkpoint because of heavy snow.",
        {("Upper Lars crossing", "closed")},
    ),
    (
        "Russian peacekeepers patrol the Lachin corridor around the clock.",
        {("Lachin Corridor", "patrolled")},
    ),
    (
        "The Kerch bridge is closed to trucks until further notice.",
        {("Kerch Bridge", "restricted")},
    ),
    (
        "Traffic on the Georgian Military Road is moving normally again.",
        {("Georgian Military Road", "open")},
    ),
    (
        "Several shipping lines have suspended transits through the Strait of Hormuz.",
        {("Strait of Hormuz", "restricted")},
    ),
    (
        "The Hakari bridge is shut because of the blockade by activists.",
        {("Hakari Bridge", "blocked")},
    ),
    (
        "The Rafah crossing was opened for four hours for wounded civilians.",
        {("Rafah crossing", "restricted")},
    ),
    ("Vessels resumed transits through the Suez Canal after the storm.", {("Suez Canal", "open")}),
]

ATTRIBUTION = [
    ("Baku says that the Lachin road is open to all traffic.", "Lachin Corridor", "open", "Baku"),
    (
        "According to the ICRC, the Lachin corridor remains blocked.",
        "Lachin Corridor",
        "blocked",
        "ICRC",
    ),
    (
        "The Torkham crossing has been closed since dawn, Pakistan's Interior Ministry said.",
        "Torkham crossing",
        "closed",
        "Pakistani Interior Ministry",
    ),
    (
        "Armenia's Foreign Ministry said the Lachin corridor is blocked.",
        "Lachin Corridor",
        "blocked",
        "Armenian Foreign Ministry",
    ),
    ("The Kerch bridge was closed on Monday.", "Kerch Bridge", "closed", "reporter"),
    (
        "State television quoted a navy commander as saying the Strait of Hormuz is under full "
        "control of the navy.",
        "Strait of Hormuz",
        "patrolled",
        "navy commander",
    ),
]

NEGATION = [
    (
        "Officials insisted the Upper Lars checkpoint has not been closed.",
        "Upper Lars crossing",
        "closed",
        True,
    ),
    (
        "Baku called reports of a blockade of the Lachin corridor groundless.",
        "Lachin Corridor",
        "blocked",
        True,
    ),
    ("The Lachin corridor is blocked, local residents said.", "Lachin Corridor", "blocked", False),
]

NO_CLAIM = [
    # modality, threats, attempts, conditions
    "Protesters threatened to block the Torkham crossing on Friday.",
    "The Lachin corridor could be closed if tensions rise.",
    "Demonstrators tried to block the Rafah crossing but were dispersed.",
    "The government plans to open a second lane on the Kerch bridge next year.",
    "Under the deal, peacekeepers shall control the Lachin corridor.",
    # background tense
    "The Upper Lars checkpoint was closed in 2021 during a dispute.",
    # distractors
    "Senators blocked a bill on funding for the Suez Canal authority.",
    "Ministers held a closed-door meeting about the Georgian Military Road.",
    "Soldiers opened fire near the Rafah crossing.",
    # no status at all
    "The Lachin corridor is the only road between Armenia and Karabakh.",
]

TENSE = [
    (
        "The Rafah crossing reopened on Sunday after being closed for a week.",
        {("Rafah crossing", "open")},
    ),
    ("The blockade of the Lachin corridor was lifted on Friday.", {("Lachin Corridor", "open")}),
    (
        "The Torkham crossing was closed in 2019 and has stayed open since 2020.",
        {("Torkham crossing", "open")},
    ),
]

CALLS = [
    ("The EU urged Baku to unblock the Lachin corridor.", {("Lachin Corridor", "blocked")}),
    (
        "Moscow expects that the Lachin corridor will soon be unblocked.",
        {("Lachin Corridor", "blocked")},
    ),
    ("The government plans to reopen the Kerch bridge next year.", {("Kerch Bridge", "closed")}),
    (
        "Mediators called on both sides to let traffic resume on the Lachin road.",
        {("Lachin Corridor", "blocked")},
    ),
]

COREFERENCE = [
    (
        "Activists camped on the Lachin corridor overnight. By morning the road was blocked.",
        {("Lachin Corridor", "blocked")},
    ),
    (
        "Officials inspected the Kerch bridge on Monday. The bridge reopened at noon.",
        {("Kerch Bridge", "open")},
    ),
    (
        "The Torkham crossing handles most trade with Pakistan. Trucks pass through it again.",
        {("Torkham crossing", "open")},
    ),
    (
        "The Hakari bridge matters to nearby villages, yet now it is closed.",
        {("Hakari Bridge", "closed")},
    ),
]

SEVERAL = [
    (
        "Russian peacekeepers are stationed along the Lachin corridor, which protesters have "
        "blocked since December.",
        {("Lachin Corridor", "patrolled"), ("Lachin Corridor", "blocked")},
    ),
    (
        "Operations restarted at Odesa and Chornomorsk on Monday.",
        {("Port of Odesa", "open"), ("Port of Chornomorsk", "open")},
    ),
    (
        "Baku says the Lachin road is open. Yerevan says the Lachin corridor is blocked.",
        {("Lachin Corridor", "open"), ("Lachin Corridor", "blocked")},
    ),
    (
        "The Kerch bridge reopened, while the Upper Lars checkpoint stayed closed.",
        {("Kerch Bridge", "open"), ("Upper Lars crossing", "closed")},
    ),
]

PLACES = [
    # a corridor's checkpoint carries the corridor's status; a town does not
    (
        "Azerbaijan installed a checkpoint at the Kornidzor checkpoint area.",
        {("Lachin Corridor", "patrolled")},
    ),
    ("Buses from Goris were blocked by protesters.", set()),
    # the place after "to" / "into" is a destination, not the subject
    ("Convoys to Gaza have been blocked for days.", set()),
    # "Upper Lars checkpoint" is the crossing's own name, not a sign of control
    ("Cars are moving again through the Upper Lars checkpoint.", {("Upper Lars crossing", "open")}),
]


@pytest.mark.parametrize("text, expected", BASIC)
def test_status_cues(text, expected):
    assert pairs(text) == expected


@pytest.mark.parametrize("text, place, status, claimant", ATTRIBUTION)
def test_attribution(text, place, status, claimant):
    claims = [c for c in read(text) if c.name == place and c.status.value == status]
    assert [c.claimant for c in claims] == [claimant]


@pytest.mark.parametrize("text, place, status, negated", NEGATION)
def test_negation(text, place, status, negated):
    claims = [c for c in read(text) if c.name == place and c.status.value == status]
    assert claims and all(c.negated is negated for c in claims)


@pytest.mark.parametrize("text", NO_CLAIM)
def test_no_claim(text):
    assert read(text) == []


@pytest.mark.parametrize("text, expected", TENSE)
def test_tense(text, expected):
    assert pairs(text) == expected


@pytest.mark.parametrize("text, expected", CALLS)
def test_calls_presuppose_the_current_state(text, expected):
    claims = read(text)
    assert {(c.name, c.status.value) for c in claims} == expected
    assert not any(c.negated for c in claims)


@pytest.mark.parametrize("text, expected", COREFERENCE)
def test_coreference(text, expected):
    assert pairs(text) == expected


@pytest.mark.parametrize("text, expected", SEVERAL)
def test_several_claims(text, expected):
    assert pairs(text) == expected


@pytest.mark.parametrize("text, expected", PLACES)
def test_which_place(text, expected):
    assert pairs(text) == expected


def test_disagreement_keeps_each_claimant():
    text = "Baku says the Lachin road is open. Yerevan says the Lachin corridor is blocked."
    got = {(c.status, c.claimant) for c in read(text)}
    assert got == {(Status.OPEN, "Baku"), (Status.BLOCKED, "Yerevan")}


def test_evidence_is_the_sentence_with_offsets():
    text = "Heavy rain fell. The Torkham crossing closed at noon. Talks went on."
    (claim,) = read(text)
    assert text[claim.start : claim.end] == claim.evidence == "The Torkham crossing closed at noon."
    assert 0 < claim.confidence <= 1


def test_background_year_depends_on_publication_date():
    text = "The Kerch bridge was closed in 2024 for repairs."
    assert pairs(text, published=date(2026, 1, 1)) == set()
    assert pairs(text, published=date(2024, 6, 1)) == {("Kerch Bridge", "closed")}


def test_no_mentions_no_claims():
    assert READER.read_claims("The road is blocked.", []) == []


def test_unknown_language_is_a_clear_error():
    with pytest.raises(InputError, match="no claim lexicon for language 'xx'"):
        READER.read_claims("text", [], language="xx")


def test_language_tags_are_normalised():
    text = "Protesters blocked the Lachin corridor."
    assert pairs(text, language="en-GB") == {("Lachin Corridor", "blocked")}


# Permission granted to one category of traffic only is a restriction.
PERMISSION = [
    (
        "Only buses of the UN and of the Red Cross are allowed through the Rafah crossing.",
        {("Rafah crossing", "restricted")},
    ),
    (
        "Only medical convoys may cross the Torkham crossing this week.",
        {("Torkham crossing", "restricted")},
    ),
    ("The Kerch bridge is open only to passenger cars.", {("Kerch Bridge", "restricted")}),
    (
        "Since Friday only residents with permits have been permitted to use the Georgian "
        "Military Road.",
        {("Georgian Military Road", "restricted")},
    ),
    (
        "Lorries were allowed through the Upper Lars checkpoint on Monday.",
        {("Upper Lars crossing", "open")},
    ),
]


@pytest.mark.parametrize("text, expected", PERMISSION)
def test_permission_for_some_is_restricted(text, expected):
    assert pairs(text) == expected


# A denial predicate negates its own conjunct only; a denial verb also what follows it.
DENIAL_SCOPE = [
    (
        "The Georgian government said the Upper Lars checkpoint is still closed and that "
        "claims of free movement there are lies.",
        {("closed", False), ("open", True)},
    ),
    (
        "Tehran denied that the Strait of Hormuz was blocked and that ships were stopped.",
        {("blocked", True)},
    ),
    ("Kyiv called reports that the Kerch bridge reopened fake.", {("open", True)}),
]


@pytest.mark.parametrize("text, expected", DENIAL_SCOPE)
def test_denial_scope(text, expected):
    claims = read(text)
    assert {(c.status.value, c.negated) for c in claims} == expected
    assert len({c.claimant for c in claims}) == 1


# One party under two names (a capital and a ministry) is one source per article.
PARTIES = [
    (
        "Baku says the Lachin road is open. Azerbaijan's Foreign Ministry said on Monday that "
        "the Lachin corridor is open to all traffic.",
        1,
    ),
    (
        "Moscow says the Kerch bridge is closed. The Russian Foreign Ministry said the Kerch "
        "bridge was closed overnight.",
        1,
    ),
    # activists are not the government, even when they share its country
    (
        "Baku says the Lachin road is open. Azerbaijani activists said the Lachin corridor is "
        "open.",
        2,
    ),
]


@pytest.mark.parametrize("text, n", PARTIES)
def test_one_claim_per_party(text, n):
    claims = read(text)
    assert len({(c.status, c.negated) for c in claims}) == 1
    assert len(claims) == n


def test_party_table_maps_capitals_and_state_organs():
    from tracker.extract.claimants import party_of
    from tracker.extract.cues import load_lexicon

    lex = load_lexicon("en")
    assert party_of("Baku", lex) == party_of("Azerbaijani Foreign Ministry", lex)
    assert party_of("Azerbaijani activists", lex) == "Azerbaijani activists"
    assert party_of("ICRC", lex) == "ICRC"


RESUMED_OBSTRUCTION = [
    (
        "Farmers on Monday resumed their blockade of the Rafah crossing.",
        {("Rafah crossing", "blocked")},
    ),
    ("Truckers renewed the sit-in on the Torkham crossing.", {("Torkham crossing", "blocked")}),
    ("Traffic resumed on the Kerch bridge at dawn.", {("Kerch Bridge", "open")}),
]


@pytest.mark.parametrize("text, expected", RESUMED_OBSTRUCTION)
def test_resuming_an_obstruction_is_not_reopening(text, expected):
    assert pairs(text) == expected


def test_cue_scanner_finds_what_the_plain_regex_finds():
    from tracker.extract.cue_scan import scanner_for
    from tracker.extract.cues import load_lexicon

    text = (
        "Protesters blocked the road; later it reopened. Only aid trucks are allowed through, "
        "officials said, while the checkpoint stayed closed-door? No: closed to cars. Blockade!"
    )
    for lang in ("en", "ru"):
        lex = load_lexicon(lang)
        for regex in (lex.cue_re, lex.speech_re):
            plain = [(m.start(), m.end()) for m in regex.finditer(text)]
            fast = scanner_for(regex).scan(text, text.lower(), 0, len(text))
            assert [(m.start(), m.end()) for m in fast] == plain


def test_cue_scanner_tries_only_the_cues_whose_heads_start_there():
    """Per-cue matching picks the cue the whole alternation picks, at the same places."""
    from tracker.extract.cue_scan import CueScanner
    from tracker.extract.cues import load_lexicon

    text = (
        "Officials said the crossing was reopened for aid only, then closed again; traffic "
        "resumed at noon but the road remains blocked and partially closed. Перекрыт мост, "
        "движение возобновлено. Protesters blockaded it behind closed doors, no restrictions."
    )
    for lang in ("en", "ru"):
        lex = load_lexicon(lang)
        whole = CueScanner(lex.cue_re)
        split = CueScanner(lex.cue_re, lex.cue_parts)
        assert split.parts and whole.automaton is not None
        for start in range(0, len(text), 7):
            end = min(len(text), start + 90)
            want = [
                (m.start(), m.end(), m.lastgroup)
                for m in whole.scan(text, text.lower(), start, end)
            ]
            got = [
                (m.start(), m.end(), m.lastgroup)
                for m in split.scan(text, text.lower(), start, end)
            ]
            assert got == want
        assert any(lex.cue_at(m).status for m in split.scan(text, text.lower(), 0, len(text)))


# ---------------------------------------------------------------- shipping, weather, categories
GENERAL = [
    # carriers avoiding or suspending a sea lane restrict it; attacks alone do not
    (
        "Two big tanker operators are avoiding the Strait of Hormuz this week.",
        {("Strait of Hormuz", "restricted")},
    ),
    ("Gunboats harassed a freighter in the Strait of Hormuz overnight.", set()),
    (
        "Frigates are escorting tankers through the Strait of Hormuz.",
        {("Strait of Hormuz", "patrolled")},
    ),
    ("Tankers continue to sail through the Strait of Hormuz.", {("Strait of Hormuz", "open")}),
    ("Navigation in the Suez Canal was not disrupted by the grounding.", {("Suez Canal", "open")}),
    ("Container ships left the Odesa port on Friday.", {("Port of Odesa", "open")}),
    # weather closes; a party blocks; an authority closing after clashes closes
    (
        "Avalanches blocked the Georgian Military Road overnight.",
        {("Georgian Military Road", "closed")},
    ),
    ("Islamabad sealed the Torkham crossing after a gunfight.", {("Torkham crossing", "closed")}),
    ("The Rafah crossing was shut by Israeli airstrikes.", {("Rafah crossing", "blocked")}),
    # categories: only some traffic may pass
    ("The Torkham crossing is open for pedestrians only.", {("Torkham crossing", "restricted")}),
    (
        "Upper Lars reopened to cars, but lorries remain barred.",
        {("Upper Lars crossing", "restricted")},
    ),
    ("The Kerch bridge is open in one direction only.", {("Kerch Bridge", "restricted")}),
    (
        "Georgia closed the Upper Lars checkpoint to all vehicles.",
        {("Upper Lars crossing", "closed")},
    ),
    (
        "Pakistan cut the number of trucks crossing at Torkham to fifty a day.",
        {("Torkham crossing", "restricted")},
    ),
    # persistence and intention
    (
        "The Torkham crossing will remain closed until further notice.",
        {("Torkham crossing", "closed")},
    ),
    ("Iran has no intention of closing the Strait of Hormuz.", set()),
    # distractors
    ("Egypt opened a debate on tolls for the Suez Canal.", set()),
    ("Congestion built up as trucks queued for miles at Torkham.", set()),
]


@pytest.mark.parametrize("text, expected", GENERAL)
def test_general_phrasings(text, expected):
    assert pairs(text) == expected


SUPERSEDED = [
    # a later change of state replaces the earlier one, in the outlet's voice or the source's
    (
        "The Kerch bridge was closed for three hours on Sunday. Traffic resumed in the afternoon.",
        {("Kerch Bridge", "open")},
    ),
    (
        "The Torkham crossing was opened briefly for aid and was shut again in the evening.",
        {("Torkham crossing", "closed")},
    ),
    ("Truckers called off their protest at Torkham on Monday.", {("Torkham crossing", "open")}),
    # different parties keep their own claims
    (
        "Kabul says the Torkham crossing is closed. Islamabad said it reopened Torkham on Monday.",
        {("Torkham crossing", "closed"), ("Torkham crossing", "open")},
    ),
    # a clause without a place whose subject is traffic refers back
    (
        "Drills were held near the Strait of Hormuz, but shipping continued normally.",
        {("Strait of Hormuz", "open")},
    ),
]


@pytest.mark.parametrize("text, expected", SUPERSEDED)
def test_superseded_and_referring_back(text, expected):
    assert pairs(text) == expected


CLAIMANTS = [
    (
        "Ahmad Shah, a spokesman for the Afghan border police, said the Torkham crossing "
        "was closed.",
        "Afghan border police spokesman Ahmad Shah",
    ),
    (
        "The Torkham crossing is closed, said Ali Raza, a customs official at the terminal.",
        "terminal customs official Ali Raza",
    ),
    (
        "Pakistan's interior ministry spoke of clashes. The Torkham crossing is closed, the "
        "ministry said.",
        "Pakistani interior ministry",
    ),
    ("Islamabad dismissed Afghan claims that Torkham was blocked.", "Islamabad"),
    ("AP, citing the port authority, reported that the Odesa port was open.", "port authority"),
    ("A senior Iranian naval officer said the Strait of Hormuz was open.", "Iranian naval officer"),
    # round 4: the place a speaker is at, a bracketed abbreviation, "who speaks for",
    # "drawing on information from"
    (
        "Customs officials at the Torkham crossing said the border was shut.",
        "Customs officials",
    ),
    (
        "The Border Security Directorate (BSD) said the Torkham crossing was closed.",
        "Border Security Directorate",
    ),
    (
        "Sara Khan, who speaks for the Red Crescent, said the Rafah crossing was closed.",
        "Red Crescent spokesperson Sara Khan",
    ),
    (
        "The outlet, drawing on information from the port authority, reported that the Odesa "
        "port was open.",
        "port authority",
    ),
]


def test_claimants_agree_ignores_plurals():
    assert claimants_agree("Houthis", "Houthi forces")
    assert not claimants_agree("Houthis", "Yemeni government")


@pytest.mark.parametrize("text, claimant", CLAIMANTS)
def test_claimant_normalisation(text, claimant):
    assert {c.claimant for c in read(text)} == {claimant}


def test_denier_goes_on_to_assert():
    claims = {
        (c.status.value, c.negated)
        for c in read(
            "Denmark denied that the Suez Canal was closed, saying only one lane was shut."
        )
    }
    assert claims == {("closed", True), ("restricted", False)}


# Rules added after the blind batches (tests/fixtures/claims/blind.jsonl), each with
# new wording: the reader must hold them on sentences it was not tuned on.
GENERAL = [
    # the place entered or reached is a destination; the crossing passed through is
    # the subject
    (
        "About 90 lorries entered Gaza through the Rafah crossing on Monday.",
        {("Rafah crossing", "open")},
    ),
    ("Aid convoys reached northern Gaza on Friday.", set()),
    # the article of the cue's own noun phrase does not start another subject
    (
        "Karabakh remains under a total blockade, the ombudsman said.",
        {("Nagorno-Karabakh", "blocked")},
    ),
    # a corridor that failed to open is kept shut by the fighting; resumed shelling is
    # not resumed traffic
    (
        "Again the Rafah crossing failed to open as shelling resumed nearby.",
        {("Rafah crossing", "blocked")},
    ),
    ("Shelling resumed near the Rafah crossing overnight.", set()),
    # a closure caused or carried out by an obstructing party is a blockage ...
    (
        "The Torkham crossing has been shut since Friday because of a sit-in by traders.",
        {("Torkham crossing", "blocked")},
    ),
    (
        "Militants have closed the Georgian Military Road near the tunnel.",
        {("Georgian Military Road", "blocked")},
    ),
    # ... a closure by the state that runs the crossing stays closed
    (
        "Pakistan closed the Torkham crossing after clashes between border forces.",
        {("Torkham crossing", "closed")},
    ),
    # capturing a named place puts it under control; seizing a ship does not
    ("Rebel fighters captured the Rafah crossing on Tuesday.", {("Rafah crossing", "patrolled")}),
    ("Gunmen seized a truck near the Rafah crossing.", set()),
    (
        "Ships continue to use the Strait of Hormuz despite the threats.",
        {("Strait of Hormuz", "open")},
    ),
    ("Traffic on the Kerch bridge was suspended overnight.", {("Kerch Bridge", "closed")}),
    ("The Lachin road is passable for civilian cars, Baku said.", {("Lachin Corridor", "open")}),
    # a state that starts later is not current; one that lasts until later is
    ("The Upper Lars checkpoint will remain closed from Monday for repairs.", set()),
    (
        "The Upper Lars checkpoint will remain closed until Monday.",
        {("Upper Lars crossing", "closed")},
    ),
    # "no restrictions" is not a denied restriction
    ("Trucks are crossing Upper Lars with no restrictions.", {("Upper Lars crossing", "open")}),
    ("Lawmakers blocked the opposition's bid to rename the Lachin road.", set()),
    ("Farmers cleared the tractors that had blocked the Torkham crossing.", set()),
    # shut to trade is partial; reopened for trade is open
    (
        "Pakistan has kept the Torkham crossing shut to trade for a month.",
        {("Torkham crossing", "restricted")},
    ),
    ("China reopened the Torkham crossing for trade on Monday.", {("Torkham crossing", "open")}),
    # round 3: a ban on one category of traveller is partial
    (
        "Entry via the Torkham crossing is still banned for tourists, officials said.",
        {("Torkham crossing", "restricted")},
    ),
    # a force holding one side of a crossing patrols it; one side open is not the
    # crossing's status
    (
        "The Rafah crossing stayed shut, but soldiers controlling the Egyptian side "
        "turned back a convoy.",
        {("Rafah crossing", "closed"), ("Rafah crossing", "patrolled")},
    ),
    (
        "Officials said the Rafah crossing was shut, but trucks were moving on the Egyptian side.",
        {("Rafah crossing", "closed")},
    ),
    # shut lanes of one kind of vehicle: partial (working, but partly: restricted alone)
    (
        "Customs said the Upper Lars checkpoint was working, although the cargo lanes "
        "were shut for repairs.",
        {("Upper Lars crossing", "restricted")},
    ),
    # a closed court case is no closure of a place named after it
    ("A judge closed the case of a smuggler arrested near the Torkham crossing.", set()),
    # a when-clause shares the past year of its sentence
    (
        "The Torkham crossing, closed in 2019 when rebels overran Jalalabad, now sees heavy trade.",
        set(),
    ),
    ("Officials said lorries were crossing the Kerch bridge as usual.", {("Kerch Bridge", "open")}),
    # round 4: a background phrase ends at its comma; a noun "threat" is a cause, not
    # modality; "reopening it" refers back
    (
        "After a five-day closure, the Torkham crossing reopened on Monday.",
        {("Torkham crossing", "open")},
    ),
    (
        "Police shut the Torkham crossing after a bomb threat, before reopening it at noon.",
        {("Torkham crossing", "open")},
    ),
    # a state closing its border after an attack closes it; militants closing it block it
    (
        "Pakistan shut the Torkham crossing after militants attacked a police post.",
        {("Torkham crossing", "closed")},
    ),
    ("Crowds of pilgrims streamed through the Torkham crossing.", {("Torkham crossing", "open")}),
    ("Airstrikes put the Rafah crossing out of service.", {("Rafah crossing", "blocked")}),
    (
        "Egyptian officials now admit only the wounded through the Rafah crossing.",
        {("Rafah crossing", "restricted")},
    ),
    (
        "Troops cut the Georgian Military Road near the pass.",
        {("Georgian Military Road", "blocked")},
    ),
    (
        "Iran said it would keep the Strait of Hormuz closed to Western tankers.",
        {("Strait of Hormuz", "restricted")},
    ),
    ("Soldiers remain along the Lachin road, officials said.", {("Lachin Corridor", "patrolled")}),
    # a qualifier of the next conjunct qualifies only that conjunct
    (
        "Customs closed the Upper Lars crossing for the night, and the Kerch bridge was open "
        "only to cars.",
        {("Upper Lars crossing", "closed"), ("Kerch Bridge", "restricted")},
    ),
    (
        "Police closed the pedestrian lanes at the Upper Lars crossing.",
        {("Upper Lars crossing", "restricted")},
    ),
    # round 5 (restricted / blocked): the cue's own modifiers add no distance to a region
    (
        "Gaza has been under a crippling blockade for weeks.",
        {("Gaza Strip", "blocked")},
    ),
    # a locating phrase after the place ("on the ... border") starts no new subject
    (
        "Torkham on the Afghan-Pakistani border is open only to pedestrians.",
        {("Torkham crossing", "restricted")},
    ),
    # permits, hyphenated names, escorted convoys, reduced schedules: partial access
    (
        "The Rafah crossing is open to drivers with transit permits, officials said.",
        {("Rafah crossing", "restricted")},
    ),
    (
        "Armenia closed the Goris-Kapan road to cars.",
        {("Goris–Kapan road", "restricted")},
    ),
    ("Trucks use the Kerch bridge only in escorted convoys.", {("Kerch Bridge", "restricted")}),
    (
        "The Upper Lars crossing works on a reduced schedule.",
        {("Upper Lars crossing", "restricted")},
    ),
    # turning back all traffic, mines, barriers parked across: obstruction
    (
        "Troops on the Georgian Military Road turned back all trucks.",
        {("Georgian Military Road", "blocked")},
    ),
    (
        "Retreating forces mined the access roads to the Hakari bridge.",
        {("Hakari Bridge", "blocked")},
    ),
    ("Soldiers parked tankers across the Kerch bridge.", {("Kerch Bridge", "blocked")}),
    # a consequence participle restates the main verb: no extra closure
    (
        "Farmers blocked the Rafah crossing, halting all traffic.",
        {("Rafah crossing", "blocked")},
    ),
    # round 6: "the route" also refers back to a bridge or crossing
    (
        "Inspectors toured the Kerch bridge on Monday. Moscow said the route was closed "
        "until further notice.",
        {("Kerch Bridge", "closed")},
    ),
    (
        "Buses waited near the Torkham crossing at dawn. Pakistani officials said the route "
        "was closed for repairs.",
        {("Torkham crossing", "closed")},
    ),
    # any nationality adjective can name one side of the last crossing
    (
        "The Torkham crossing was shut on Monday, while Afghan troops hold the Afghan side.",
        {("Torkham crossing", "closed"), ("Torkham crossing", "patrolled")},
    ),
    # traffic "moved" / ferries "ran normally" are open
    ("Cargo traffic moved freely over the Kerch bridge on Sunday.", {("Kerch Bridge", "open")}),
    (
        "Ferries ran normally through the Strait of Hormuz on Friday.",
        {("Strait of Hormuz", "open")},
    ),
    # "the first since X closed it": the closure is background
    (
        "A food convoy reached Stepanakert through the Lachin corridor, the first since the "
        "army closed the road in March.",
        {("Lachin Corridor", "open")},
    ),
    # round 7 (blind batches b901-b1125): partial access told by hours, numbers, lanes,
    # capacity and categories of traffic
    (
        "Officials shortened the operating hours of the Rafah crossing this week.",
        {("Rafah crossing", "restricted")},
    ),
    (
        "Lorries on the Georgian Military Road are now limited to 300 a day.",
        {("Georgian Military Road", "restricted")},
    ),
    (
        "The Torkham crossing now operates from 7 a.m. to 7 p.m., officials said.",
        {("Torkham crossing", "restricted")},
    ),
    (
        "Only three of the ten lanes at Upper Lars were open on Monday.",
        {("Upper Lars crossing", "restricted")},
    ),
    ("The port of Odesa is working at half capacity.", {("Port of Odesa", "restricted")}),
    (
        "Cargo traffic over the Kerch bridge is running at about 40 percent of normal levels.",
        {("Kerch Bridge", "restricted")},
    ),
    ("The Hakari bridge operated in a limited mode on Sunday.", {("Hakari Bridge", "restricted")}),
    ("Access to the Rafah crossing is limited to aid workers.", {("Rafah crossing", "restricted")}),
    (
        "Israel allowed 50 trucks a day into Gaza through the Rafah crossing.",
        {("Rafah crossing", "restricted")},
    ),
    (
        "Traffic on the Georgian Military Road was reduced to a single lane.",
        {("Georgian Military Road", "restricted")},
    ),
    ("The Lachin corridor is open on weekdays only.", {("Lachin Corridor", "restricted")}),
    (
        "The Strait of Hormuz was closed to tanker traffic overnight.",
        {("Strait of Hormuz", "restricted")},
    ),
    ("The Suez Canal reopened to small craft on Monday.", {("Suez Canal", "restricted")}),
    ("Night crossings at Torkham have been suspended.", {("Torkham crossing", "restricted")}),
    (
        "Barges moved through the Suez Canal only during daylight on Monday.",
        {("Suez Canal", "restricted")},
    ),
    # ferry, bus and rail services suspended: one category of traffic
    (
        "Passenger ferry services across the Strait of Hormuz were cancelled on Tuesday.",
        {("Strait of Hormuz", "restricted")},
    ),
    (
        "The operator suspended ferry crossings over the Suez Canal.",
        {("Suez Canal", "restricted")},
    ),
    # "but only for ..." keeps the qualifier in the clause of its cue
    (
        "The Upper Lars checkpoint is functioning, but only for cars, officials said.",
        {("Upper Lars crossing", "restricted")},
    ),
    # a motion verb of a permission cue takes the place as its object
    ("Only ambulances may enter the Rafah crossing.", {("Rafah crossing", "restricted")}),
    (
        "Heavy trucks are barred from the Georgian Military Road until spring.",
        {("Georgian Military Road", "restricted")},
    ),
    # throughput numbers: traffic passes; "barely" a number is a restriction
    ("The Torkham crossing now handles about 1,500 trucks a day.", {("Torkham crossing", "open")}),
    ("The Torkham crossing clears barely 100 trucks a day.", {("Torkham crossing", "restricted")}),
    # a halt told with its duration, then traffic resumed: open, not restricted
    (
        "Shipping in the Strait of Hormuz was halted for six hours on Monday, before "
        "navigation resumed.",
        {("Strait of Hormuz", "open")},
    ),
    (
        "The Rafah crossing opened for two hours on Monday before closing again.",
        {("Rafah crossing", "closed")},
    ),
    # "and denied that any restrictions ...": its own conjunct; "any" after a denial
    # does not hedge
    (
        "Officials said the Kerch bridge was operating normally and denied that any "
        "restrictions were in place.",
        {("Kerch Bridge", "open"), ("Kerch Bridge", "restricted")},
    ),
    # nothing passes: shut
    (
        "Nobody has been allowed to cross at Upper Lars since Friday.",
        {("Upper Lars crossing", "closed")},
    ),
    (
        "Neither buses nor lorries have crossed the Upper Lars checkpoint since Monday.",
        {("Upper Lars crossing", "closed")},
    ),
    # obstruction by a party: sealed off by troops, surrounded, passage refused
    (
        "The Lachin corridor has been sealed off by Azerbaijani troops.",
        {("Lachin Corridor", "blocked")},
    ),
    ("Farmers have surrounded the Rafah crossing with tractors.", {("Rafah crossing", "blocked")}),
    (
        "Convoys waited at the Lachin corridor as soldiers refused to let them through.",
        {("Lachin Corridor", "blocked")},
    ),
    # escorts and watch by warships
    (
        "Tankers are being escorted through the Strait of Hormuz by frigates.",
        {("Strait of Hormuz", "patrolled")},
    ),
    (
        "Tankers crossed the Strait of Hormuz under the watch of US warships.",
        {("Strait of Hormuz", "open"), ("Strait of Hormuz", "patrolled")},
    ),
    # an event that opens is no traffic status
    ("The Suez Canal film festival opened on Friday.", set()),
]


@pytest.mark.parametrize("text, expected", GENERAL)
def test_rules_from_blind_batches(text, expected):
    assert pairs(text) == expected


# Rules of round 8 (places2 fixture and blind batch 12): closures to one category with
# long place names or lists, escorts and guards, forces deployed to a place, obstruction
# by stopping or turning back every vehicle, plans in talks, partial resumption. Each row
# fails on the round-7 lexicon.
ROUND8 = [
    (
        "Egypt kept the Rafah crossing closed to commercial goods.",
        {("Rafah crossing", "restricted")},
    ),
    (
        "Pakistan closed the Torkham crossing to Afghan traders on Monday.",
        {("Torkham crossing", "restricted")},
    ),
    (
        "Armenia closed the Goris-Kapan road and the Hakari bridge to Iranian-registered lorries.",
        {("Goris–Kapan road", "restricted"), ("Hakari Bridge", "restricted")},
    ),
    (
        "Tourist vehicles are barred from the Georgian Military Road after 5 pm.",
        {("Georgian Military Road", "restricted")},
    ),
    ("The Kerch bridge remains closed to passenger trains.", {("Kerch Bridge", "restricted")}),
    ("The Rafah crossing is used only by aid agencies.", {("Rafah crossing", "restricted")}),
    (
        "The Hakari bridge is guarded day and night by Russian troops.",
        {("Hakari Bridge", "patrolled")},
    ),
    (
        "Buses now cross the Lachin corridor under police escort.",
        {("Lachin Corridor", "open"), ("Lachin Corridor", "patrolled")},
    ),
    ("Iran deployed warships to the Strait of Hormuz.", {("Strait of Hormuz", "patrolled")}),
    (
        "Navy ships are escorting ferries across the Strait of Hormuz.",
        {("Strait of Hormuz", "patrolled")},
    ),
    (
        "Troops patrol the Torkham crossing in armoured vehicles since militants moved "
        "into the area.",
        {("Torkham crossing", "patrolled")},
    ),
    ("Protesters cut the Goris-Kapan road on Sunday.", {("Goris–Kapan road", "blocked")}),
    ("Police stopped all trucks at the Kerch bridge on Friday.", {("Kerch Bridge", "blocked")}),
    ("Border guards turned back every tanker at Torkham.", {("Torkham crossing", "blocked")}),
    ("Farmers parked tractors across the Hakari bridge.", {("Hakari Bridge", "blocked")}),
    ("Ships can no longer use the Suez Canal.", {("Suez Canal", "closed")}),
    (
        "Trade through the Torkham crossing remains suspended, and talks on reopening it "
        "have not started.",
        {("Torkham crossing", "closed")},
    ),
    (
        "Shipping through the Strait of Hormuz continued despite the drone strikes.",
        {("Strait of Hormuz", "open")},
    ),
    (
        "Trains are running again through the Kerch bridge on one track.",
        {("Kerch Bridge", "restricted")},
    ),
]


@pytest.mark.parametrize("text, expected", ROUND8)
def test_rules_of_round_8(text, expected):
    assert pairs(text) == expected


# Round 9 (blind batch 13): each row fails on the round-8 lexicon.
ROUND9 = [
    (
        "Residents said people were crossing freely over the Hakari bridge on Tuesday.",
        {("Hakari Bridge", "open")},
    ),
    (
        "The Rafah crossing was effectively shut after gunmen stormed the customs hall.",
        {("Rafah crossing", "blocked")},
    ),
    (
        "Pakistani troops have held the Torkham border post since March.",
        {("Torkham crossing", "patrolled")},
    ),
    ("Extra police were deployed to the Kerch bridge on Friday.", {("Kerch Bridge", "patrolled")}),
    (
        "Pakistan halted fruit exports through Torkham on Monday.",
        {("Torkham crossing", "restricted")},
    ),
    (
        "Georgia restored normal traffic on the Georgian Military Road on Sunday.",
        {("Georgian Military Road", "open")},
    ),
    (
        "The Rafah crossing was closed for an hour on Monday before it reopened.",
        {("Rafah crossing", "open")},
    ),
    (
        "The operator cancelled all sailings from Odesa on Sunday.",
        {("Port of Odesa", "restricted")},
    ),
    (
        "The Goris-Kapan road was reopened for one-way traffic on Monday.",
        {("Goris–Kapan road", "restricted")},
    ),
    (
        "The Kerch bridge operator, a state firm, has closed several accounts held by contractors.",
        set(),
    ),
    ("Officials said the future of the Lachin road was closed to debate.", set()),
    ("A film about the Suez Canal opened the Cairo film festival on Thursday.", set()),
    ("Iran could blockade the Strait of Hormuz in a war, analysts said.", set()),
    ("A blockade of the Strait of Hormuz could begin within days, analysts said.", set()),
]


@pytest.mark.parametrize("text, expected", ROUND9)
def test_rules_of_round_9(text, expected):
    assert pairs(text) == expected


# Round 11 (blind batch 14): each row fails on the round-9 lexicon.
ROUND11 = [
    (
        "The Rafah crossing, closed since Friday, was repaired on Monday, allowing cars to "
        "cross again.",
        {("Rafah crossing", "open")},
    ),
    (
        "The Rafah crossing had been closed since Friday, and cars began crossing again on Monday.",
        {("Rafah crossing", "open")},
    ),
    ("The Lachin corridor remains suspended, officials said.", {("Lachin Corridor", "closed")}),
    (
        "Officials said the Rafah crossing was still impassable after an airstrike hit the road.",
        {("Rafah crossing", "blocked")},
    ),
    (
        "Ships are transiting the Suez Canal only in daylight hours after a buoy was damaged.",
        {("Suez Canal", "restricted")},
    ),
    (
        "UN OCHA said the Rafah crossing has been closed since Monday and that 140 trucks "
        "loaded with flour are waiting nearby.",
        {("Rafah crossing", "closed")},
    ),
    (
        "The Rafah crossing remains shut, with troops of the army's 8th division deployed "
        "around it.",
        {("Rafah crossing", "closed"), ("Rafah crossing", "patrolled")},
    ),
    ("Shares in the operator of the Kerch bridge closed 2% higher on Thursday.", set()),
]


@pytest.mark.parametrize("text, expected", ROUND11)
def test_rules_of_round_11(text, expected):
    assert pairs(text) == expected


# Guards of round 11's rules: what they must leave alone.
ROUND11_GUARDS = [
    ("Talks on the Lachin corridor remain suspended.", set()),
    ("Talks on reopening the Lachin corridor remain suspended.", {("Lachin Corridor", "closed")}),
    ("Ferry services to Odesa remain suspended.", {("Port of Odesa", "restricted")}),
    ("The Kerch bridge closed to trucks at 6 pm on Friday.", {("Kerch Bridge", "restricted")}),
]


@pytest.mark.parametrize("text, expected", ROUND11_GUARDS)
def test_round_11_guards(text, expected):
    assert pairs(text) == expected


# A place-less conjunct far after its clause's place (", and traffic has since resumed")
# speaks of that place; a change of state in it replaces the earlier status. Each row
# fails on the round-11 reader.
ZERO_CONJUNCTS = [
    (
        "Georgia closed the Upper Lars checkpoint on Monday after a landslide buried the "
        "approach road near the village, and traffic has since resumed.",
        {("Upper Lars crossing", "open")},
    ),
    (
        "Pakistani officials shut the Torkham crossing on Tuesday after guards on both sides "
        "exchanged fire near the gate, adding that operations resumed on Friday.",
        {("Torkham crossing", "open")},
    ),
    (
        "Russian authorities closed the Kerch bridge early on Saturday after an air-raid "
        "alert sounded in the area, but cars were crossing again by noon.",
        {("Kerch Bridge", "open")},
    ),
    (
        "Egyptian officials said the Rafah crossing had been closed for most of the week after "
        "shelling nearby on Sunday, and that trucks were crossing again on Thursday.",
        {("Rafah crossing", "open")},
    ),
]


@pytest.mark.parametrize("text, expected", ZERO_CONJUNCTS)
def test_zero_subject_conjuncts(text, expected):
    assert pairs(text) == expected


# What the conjunct rule must leave alone: a conjunct naming its own place, a traffic word
# without a status, and traffic bound for a place that is only its destination.
ZERO_CONJUNCT_GUARDS = [
    (
        "Activists blocked the Hakari bridge on Monday morning after a dispute over the "
        "tolls, and traffic on the Goris-Kapan road was reopened by noon.",
        {("Hakari Bridge", "blocked"), ("Goris–Kapan road", "open")},
    ),
    (
        "Protesters have blocked the Lachin corridor since Monday in a dispute over mining "
        "rights, and cars queued for hours in the heat.",
        {("Lachin Corridor", "blocked")},
    ),
]


@pytest.mark.parametrize("text, expected", ZERO_CONJUNCT_GUARDS)
def test_zero_subject_conjunct_guards(text, expected):
    assert pairs(text) == expected


def test_blind_batches_are_well_formed():
    rows = [
        json.loads(line)
        for line in (Path(__file__).parent / "fixtures/claims/blind.jsonl").read_text().splitlines()
    ]
    assert len(rows) >= 75 and len({r["id"] for r in rows}) == len(rows)
    for r in rows:
        assert {lab["place"] for lab in r["labels"]} <= set(r["places_mentioned"]), r["id"]
        assert all(lab["status"] in {s.value for s in Status} for lab in r["labels"]), r["id"]


def test_traffic_passing_beside_a_restriction_is_the_restriction():
    # "open only to aid trucks: a convoy crossed" is one partly-open state, not open too.
    from tracker.extract.geocode import Geocoder
    from tracker.gazetteer import Gazetteer

    gazetteer = Gazetteer.load()
    geocoder, reader = Geocoder(gazetteer), ClaimReader(gazetteer)
    text = (
        "The Kerem Shalom crossing is open only to aid trucks, and 40 trucks carrying "
        "flour crossed on Monday."
    )
    claims = reader.read_claims(text, geocoder.find_mentions(text))
    assert {(c.place_id, c.status.value) for c in claims} == {
        ("kerem-shalom-crossing", "restricted")
    }
