"""The derivation rules (tracker.status.derive): pure, table-driven, fixed times."""

from __future__ import annotations

import random
from dataclasses import replace
from datetime import UTC, datetime, timedelta

import pytest

from tracker.models import DerivationRules, Observation, Override, Status
from tracker.status import derive

T0 = datetime(2024, 3, 1, 8, 0, tzinfo=UTC)
RULES = DerivationRules(corroboration=2, authorities=("Border Service",), flap_window_hours=6,
                        stale_after_days=14, contest_window_days=7, min_confidence=0.5)
PLACE = "pass-x"


def h(hours: float) -> datetime:
    return T0 + timedelta(hours=hours)


_ids = iter(range(1, 10**6))


def ob(hours: float, status: str, outlet: str, claimant: str = "reporter", *,
       negated: bool = False, confidence: float = 0.9, place: str = PLACE) -> Observation:
    return Observation(
        place_id=place, status=Status(status), claimant=claimant, negated=negated,
        evidence=f"{claimant} on {status}", confidence=confidence, observed_at=h(hours),
        article_url=f"https://{outlet.lower().replace(' ', '')}.example/{hours}",
        title=f"{outlet} report", outlet=outlet, id=next(_ids))


def run(observations, overrides=(), now_hours: float = 48, rules=RULES):
    return derive(PLACE, observations, list(overrides), h(now_hours), rules)


def trail(result) -> list[tuple[str | None, str]]:
    return [(c.from_status, c.to_status) for c in result.changes]


# -- corroboration ----------------------------------------------------------------------
CORROBORATION = [
    ("one outlet is not enough, even for a first status",
     [ob(1, "blocked", "Alpha")], "unknown"),
    ("two outlets corroborate", [ob(1, "blocked", "Alpha"), ob(2, "blocked", "Beta")], "blocked"),
    ("one outlet twice is one voice",
     [ob(1, "blocked", "Alpha"), ob(2, "blocked", "Alpha")], "unknown"),
    ("one named claimant quoted by two outlets is one voice",
     [ob(1, "closed", "Alpha", "Ministry of Roads"), ob(2, "closed", "Beta", "Ministry of Roads")],
     "unknown"),
    ("a named claimant and an outlet are two voices",
     [ob(1, "closed", "Alpha", "Ministry of Roads"), ob(2, "closed", "Beta")], "closed"),
    ("an authority alone is enough", [ob(1, "closed", "Alpha", "Border Service")], "closed"),
    ("claims below the confidence floor do not count",
     [ob(1, "blocked", "Alpha"), ob(2, "blocked", "Beta", confidence=0.2)], "unknown"),
    ("claims outside the window do not add up",
     [ob(1, "blocked", "Alpha"), ob(1 + 24 * 8, "blocked", "Beta")], "unknown"),
    ("negated claims never establish a status",
     [ob(1, "closed", "Alpha", negated=True), ob(2, "closed", "Beta", negated=True)], "unknown"),
    ("a denial counts against the claim",
     [ob(1, "closed", "Alpha"), ob(2, "closed", "Beta"), ob(1.5, "closed", "Gamma", negated=True)],
     "unknown"),
    ("an authority's denial outweighs",
     [ob(1, "closed", "Alpha", "Border Service", negated=True), ob(2, "closed", "Beta")],
     "unknown"),
]


@pytest.mark.parametrize(("observations", "expected"),
                         [c[1:] for c in CORROBORATION], ids=[c[0] for c in CORROBORATION])
def test_corroboration(observations, expected):
    assert run(observations, now_hours=24 * 9).status.status == expected


def test_first_change_names_its_voices_and_evidence():
    a, b = ob(1, "blocked", "Alpha"), ob(2, "blocked", "Beta", "Interior Ministry")
    result = run([a, b])
    (change,) = result.changes
    assert (change.at, change.from_status, change.to_status) == (h(2), None, "blocked")
    assert change.claimant == "Alpha, Interior Ministry"
    assert change.observation_ids == (a.id, b.id)
    assert change.evidence_url == b.article_url
    assert result.status.since == h(2)
    assert result.status.claimants == ("Alpha", "Interior Ministry")


def test_change_sequence_and_since():
    obs = [ob(1, "patrolled", "Alpha"), ob(2, "patrolled", "Beta"),
           ob(30, "blocked", "Alpha"), ob(31, "blocked", "Gamma"),
           ob(60, "restricted", "Beta"), ob(61, "restricted", "Delta"),
           ob(90, "open", "Alpha"), ob(92, "open", "Gamma")]
    result = run(obs, now_hours=100)
    assert trail(result) == [(None, "patrolled"), ("patrolled", "blocked"),
                             ("blocked", "restricted"), ("restricted", "open")]
    assert result.status.status == "open" and result.status.patrolled
    assert result.status.since == h(92)
    assert not result.status.contested  # a succession of statuses is not a contest


# -- status model: patrolled holds together with an access status ----------------------
def test_patrolled_layer_holds_with_access_status():
    obs = [ob(1, "blocked", "Alpha"), ob(2, "blocked", "Beta"),
           ob(3, "patrolled", "Alpha"), ob(4, "patrolled", "Gamma")]
    result = run(obs)
    assert result.status.status == "blocked" and result.status.patrolled
    last = result.changes[-1]
    assert (last.from_status, last.to_status, last.patrolled) == ("blocked", "blocked", True)


def test_patrol_ends_on_corroborated_denials():
    obs = [ob(1, "patrolled", "Alpha"), ob(2, "patrolled", "Beta"),
           ob(10, "patrolled", "Alpha", negated=True), ob(11, "patrolled", "Gamma", negated=True)]
    result = run(obs)
    assert result.status.status == "unknown" and not result.status.patrolled
    assert trail(result) == [(None, "patrolled"), ("patrolled", "unknown")]


# -- flap suppression --------------------------------------------------------------------
def _flap(revert_at: float):
    return [ob(1, "blocked", "Alpha"), ob(2, "blocked", "Beta"),
            ob(10, "open", "Gamma"), ob(11, "open", "Delta"),
            ob(revert_at, "blocked", "Alpha")]


def test_quick_reversal_needs_fresh_corroboration():
    # Beta's old "blocked" is still in the window, but a reversal within 6 h needs new voices.
    assert run(_flap(13)).status.status == "open"


def test_later_reversal_counts_the_window():
    assert run(_flap(20)).status.status == "blocked"


def test_quick_reversal_with_two_fresh_voices_goes_through():
    obs = [*_flap(13), ob(14, "blocked", "Beta")]
    assert run(obs).status.status == "blocked"


# -- contested ----------------------------------------------------------------------------
def test_contested_keeps_both_sides_and_expires():
    obs = [ob(1, "blocked", "Alpha"), ob(2, "blocked", "Beta"),
           ob(5, "open", "Gamma", "Government of Eastland"),
           ob(6, "blocked", "Delta", "Government of Westland")]
    result = run(obs, now_hours=24)
    status = result.status
    assert status.status == "blocked" and status.contested
    assert dict(status.contest) == {"blocked": ("Alpha", "Beta", "Government of Westland"),
                                    "open": ("Government of Eastland",)}
    contest = [c for c in result.changes if c.cause == "contest"]
    assert [(c.at, c.contested) for c in contest] == [(h(5), True)]
    # Seven days after the dissent, nothing contradicts any more.
    later = run(obs, now_hours=24 * 10)
    assert not later.status.contested
    ends = [c for c in later.changes if c.cause == "contest" and not c.contested]
    assert [c.at for c in ends] == [h(5) + timedelta(days=7)]


def test_a_single_outlet_dissenting_is_not_a_contest():
    obs = [ob(1, "blocked", "Alpha"), ob(2, "blocked", "Beta"), ob(5, "open", "Gamma")]
    assert not run(obs).status.contested


def test_a_denial_by_a_party_contests_the_status():
    obs = [ob(1, "closed", "Alpha"), ob(2, "closed", "Beta"),
           ob(5, "closed", "Gamma", "Ministry of Transport", negated=True)]
    status = run(obs).status
    assert status.contested and ("not closed", ("Ministry of Transport",)) in status.contest


# -- stale --------------------------------------------------------------------------------
def test_stale_after_silence_and_cleared_by_confirmation():
    obs = [ob(1, "closed", "Alpha"), ob(2, "closed", "Beta")]
    result = run(obs, now_hours=24 * 20)
    assert result.status.stale
    stale = result.changes[-1]
    assert (stale.cause, stale.at, stale.stale, stale.to_status) == (
        "stale", h(2) + timedelta(days=14), True, "closed")
    refreshed = run([*obs, ob(24 * 18, "closed", "Gamma")], now_hours=24 * 20)
    assert not refreshed.status.stale
    assert refreshed.changes[-1].at == h(24 * 18) and not refreshed.changes[-1].stale


def test_not_stale_before_the_deadline():
    obs = [ob(1, "closed", "Alpha"), ob(2, "closed", "Beta")]
    assert not run(obs, now_hours=2 + 24 * 14 - 1).status.stale


# -- overrides ----------------------------------------------------------------------------
def _override(start: float, until: float | None = None, ended: float | None = None,
              status: str = "closed") -> Override:
    return Override(place_id=PLACE, status=Status(status), analyst="analyst1",
                    note="checked by phone", start=h(start),
                    until=h(until) if until is not None else None,
                    ended_at=h(ended) if ended is not None else None,
                    source_url="https://example.org/note", id=1)


def test_override_wins_until_it_expires():
    obs = [ob(1, "open", "Alpha"), ob(2, "open", "Beta"), ob(12, "open", "Gamma")]
    during = run(obs, [_override(10, until=20)], now_hours=15)
    assert during.status.status == "closed" and during.status.override is not None
    assert during.status.since == h(10)
    after = run(obs, [_override(10, until=20)], now_hours=30)
    assert after.status.status == "open" and after.status.override is None
    assert [(c.at, c.to_status, c.cause) for c in after.changes] == [
        (h(2), "open", "observations"), (h(10), "closed", "override"),
        (h(20), "open", "override")]
    assert after.changes[1].claimant == "analyst1"
    assert after.changes[2].claimant == "analyst1"
    # Back to the derived status, which has held since its corroboration, not since the unset.
    assert after.status.since == h(2)


def test_status_since_after_an_override_ends_is_when_the_news_changed():
    obs = [ob(1, "open", "Alpha"), ob(2, "open", "Beta"),
           ob(12, "blocked", "Gamma"), ob(13, "blocked", "Delta")]
    result = run(obs, [_override(10, ended=15, status="open")], now_hours=30)
    assert result.status.status == "blocked" and result.status.since == h(13)


def test_ended_override_and_news_during_it():
    obs = [ob(1, "open", "Alpha"), ob(2, "open", "Beta"),
           ob(12, "blocked", "Gamma"), ob(13, "blocked", "Delta")]
    result = run(obs, [_override(10, ended=15, status="open")], now_hours=30)
    # The news moved on under the override: once it ends, the derived status shows.
    assert [(c.at, c.to_status, c.cause) for c in result.changes] == [
        (h(2), "open", "observations"), (h(15), "blocked", "override")]


def test_patrolled_override_keeps_access_status():
    obs = [ob(1, "blocked", "Alpha"), ob(2, "blocked", "Beta")]
    status = run(obs, [_override(5, status="patrolled")]).status
    assert status.status == "blocked" and status.patrolled


# -- purity -------------------------------------------------------------------------------
def test_derive_is_deterministic_and_order_free():
    obs = [ob(1, "patrolled", "Alpha"), ob(2, "patrolled", "Beta"), ob(3, "blocked", "Alpha"),
           ob(4, "blocked", "Gamma", "Government of Westland"),
           ob(30, "open", "Delta", "Government of Eastland"), ob(31, "open", "Beta")]
    first = run(obs, now_hours=24 * 30)
    shuffled = obs[:]
    random.Random(7).shuffle(shuffled)
    assert run(shuffled, now_hours=24 * 30) == first


def test_future_and_foreign_observations_are_ignored():
    obs = [ob(1, "closed", "Alpha"), ob(2, "closed", "Beta", place="elsewhere"),
           ob(100, "closed", "Gamma")]
    assert run(obs, now_hours=50).status.status == "unknown"


def test_incremental_replay_gives_the_same_log_as_one_replay():
    obs = [ob(1, "blocked", "Alpha"), ob(2, "blocked", "Beta"), ob(40, "open", "Gamma"),
           ob(41, "open", "Delta", "Government of Eastland"),
           ob(45, "blocked", "Epsilon", "Government of Westland")]
    full = run(obs, now_hours=24 * 40).changes
    seen = []
    for i in range(1, len(obs) + 1):  # each cycle sees the observations so far
        for c in run(obs[:i], now_hours=obs[i - 1].observed_at.timestamp() / 3600
                     - T0.timestamp() / 3600).changes:
            if c not in seen:
                seen.append(c)
    assert all(c in seen for c in full if c.at <= obs[-1].observed_at)


def test_one_article_quoting_two_officials_is_one_report():
    a = ob(1, "open", "Alpha", "Foreign Ministry of Eastland")
    b = replace(ob(1, "open", "Alpha", "President of Eastland"), article_url=a.article_url)
    blocked = [ob(0.5, "blocked", "Beta"), ob(0.6, "blocked", "Gamma")]
    status = run([*blocked, a, b]).status
    assert status.status == "blocked" and status.contested


# -- review: when time alone changes the status next ---------------------------------------
def test_review_is_the_stale_deadline_then_nothing():
    obs = [ob(1, "closed", "Alpha"), ob(2, "closed", "Beta")]
    assert run(obs, now_hours=10).status.review_at == h(2) + timedelta(days=14)
    # Once stale, only news can change it.
    assert run(obs, now_hours=24 * 20).status.review_at is None
    assert run([], now_hours=10).status.review_at is None


def test_review_is_the_end_of_a_contest():
    obs = [ob(1, "blocked", "Alpha"), ob(2, "blocked", "Beta"),
           ob(5, "open", "Gamma", "Government of Eastland")]
    status = run(obs, now_hours=24).status
    assert status.contested and status.review_at == h(1) + timedelta(days=7)


def test_review_is_the_end_of_an_override_or_a_claim_dated_later():
    obs = [ob(1, "open", "Alpha"), ob(2, "open", "Beta")]
    assert run(obs, [_override(10, until=20)], now_hours=15).status.review_at == h(20)
    future = [*obs, ob(40, "closed", "Gamma")]
    assert run(future, now_hours=30).status.review_at == h(40)


def test_deriving_at_the_review_time_gives_the_change_it_announced():
    obs = [ob(1, "closed", "Alpha"), ob(2, "closed", "Beta")]
    before = run(obs, now_hours=10)
    due = before.status.review_at
    at_due = derive(PLACE, obs, [], due, RULES)
    assert at_due.status.stale and len(at_due.changes) == len(before.changes) + 1
    assert at_due.changes[-1].at == due
