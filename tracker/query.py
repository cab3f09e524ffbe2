"""Read models for the CLI and the site: statuses, histories and the claims behind them.

These functions return models and never print. Heavy libraries are never imported here:
``tracker status`` goes through this module.
"""

from __future__ import annotations

from dataclasses import dataclass

from tracker.models import Observation, Override, PlaceStatus, StatusChange
from tracker.store.base import Store


@dataclass(frozen=True)
class ClaimantClaims:
    """The claims one claimant made about a place, oldest first."""

    claimant: str
    claims: tuple[Observation, ...]


def status_of(store: Store, place_id: str) -> PlaceStatus:
    """The current status of one place (``unknown`` when nothing is recorded)."""
    return store.status(place_id) or PlaceStatus(place_id=place_id, status="unknown", since=None)


def all_statuses(store: Store, place_ids: list[str] | None = None) -> list[PlaceStatus]:
    """The current status of the given places (default: every place with a record)."""
    known = {s.place_id: s for s in store.statuses()}
    if place_ids is None:
        return list(known.values())
    return [known.get(p) or PlaceStatus(place_id=p, status="unknown", since=None)
            for p in place_ids]


def history(store: Store, place_id: str) -> list[StatusChange]:
    """The change log of one place, oldest first: observations, overrides, contests, staleness."""
    return store.changes(place_id)


def overrides_of(store: Store, place_id: str) -> list[Override]:
    """Every analyst override of one place, oldest first (ended ones included)."""
    return store.overrides(place_id)


def claims_for(store: Store, place_id: str) -> list[ClaimantClaims]:
    """The claims behind the current status, grouped by claimant.

    That is the observations behind the latest change the news made, and every
    observation since; a place without such a change shows all its observations.
    """
    observations = store.observations(place_id)
    # Only changes the news made: stale markers, contest ends and overrides cite no claims.
    changes = [c for c in store.changes(place_id) if c.cause == "observations"]
    if changes:
        last = changes[-1]
        causes = set(last.observation_ids)
        observations = [o for o in observations if o.id in causes or o.observed_at >= last.at]
    groups: dict[str, list[Observation]] = {}
    for o in observations:
        groups.setdefault(o.speaker, []).append(o)
    return [ClaimantClaims(k, tuple(v)) for k, v in sorted(groups.items(),
                                                           key=lambda kv: kv[0].casefold())]

