"""View models: plain dicts built from the stored models, the only data the pages,
maps and exports see. Untrusted strings stay raw here; escaping happens at output."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Protocol

from tracker.models import Observation, Place, PlaceStatus, StatusChange
from tracker.render.safety import safe_filename, safe_link

# status -> (colour, legend label). Order is the legend order.
STATUS_STYLE: dict[str, tuple[str, str]] = {
    "open": ("#1a9850", "Open"),
    "restricted": ("#fdae61", "Restricted"),
    "blocked": ("#d73027", "Blocked"),
    "closed": ("#67001f", "Closed"),
    "patrolled": ("#4575b4", "Patrolled (access unknown)"),
    "unknown": ("#8c8c8c", "Unknown"),
}
RECENT_CHANGES = 50  # latest changes listed on the index page
PLACE_OBSERVATIONS = 30  # claims listed on a place page


class GazetteerLike(Protocol):
    """The part of ``tracker.gazetteer.Gazetteer`` the renderer uses."""

    def tracked(self) -> list[Place]: ...
    def parts(self, place_id: str) -> list[Place]: ...
    def feature(self, place_id: str) -> dict[str, Any]: ...
    def basemap(self) -> dict[str, Any]: ...


def iso(dt: datetime | None) -> str:
    """ISO 8601 with seconds, or "" for no time."""
    return dt.isoformat(timespec="seconds") if dt else ""


def status_color(status: str) -> str:
    """The map colour of a status (grey for anything unknown)."""
    return STATUS_STYLE.get(status, STATUS_STYLE["unknown"])[0]


@dataclass
class PlaceData:
    """Everything known about one tracked place, gathered once per render."""

    place: Place
    status: PlaceStatus
    page: str  # file name of the place page and feed, without extension
    changes: list[StatusChange] = field(default_factory=list)  # oldest first
    observations: list[Observation] = field(default_factory=list)  # oldest first


def gather(
    places: Iterable[Place],
    statuses: Sequence[PlaceStatus],
    changes: Sequence[StatusChange],
    observations: Sequence[Observation],
) -> dict[str, PlaceData]:
    """Group statuses, changes and observations by tracked place (unknown when unseen)."""
    by_status = {s.place_id: s for s in statuses}
    data: dict[str, PlaceData] = {}
    for place in places:
        status = by_status.get(place.id) or PlaceStatus(place.id, "unknown", None)
        data[place.id] = PlaceData(place, status, safe_filename(place.id))
    grouped: dict[str, list[Any]] = defaultdict(list)
    for change in changes:
        grouped[change.place_id].append(change)
    for place_id, items in grouped.items():
        if place_id in data:
            data[place_id].changes = sorted(items, key=lambda c: c.at)
    grouped = defaultdict(list)
    for obs in observations:
        grouped[obs.place_id].append(obs)
    for place_id, items in grouped.items():
        if place_id in data:
            data[place_id].observations = sorted(items, key=lambda o: o.observed_at)
    return data


def sources_of(item: PlaceData) -> list[str]:
    """Article URLs behind the current status: its evidence and agreeing claims."""
    urls: list[str] = []
    if item.status.evidence_url:
        urls.append(item.status.evidence_url)
    for obs in reversed(item.observations):
        if obs.status.value == item.status.status and not obs.negated and obs.article_url:
            urls.append(obs.article_url)
    return list(dict.fromkeys(urls))[:20]


def claims_by_claimant(item: PlaceData) -> list[dict[str, Any]]:
    """Contested claims side by side: one column per claimant with its latest word."""
    latest: dict[str, Observation] = {}
    for obs in item.observations:
        latest[obs.speaker] = obs
    columns = []
    for status, claimants in item.status.contest:
        for claimant in claimants:
            obs = latest.get(claimant)
            columns.append(
                {
                    "claimant": claimant,
                    "status": status,
                    "color": status_color(status),
                    "title": obs.title if obs else "",
                    "url": safe_link(obs.article_url) if obs else None,
                    "raw_url": obs.article_url if obs else "",
                    "outlet": obs.outlet if obs else "",
                    "at": iso(obs.observed_at) if obs else "",
                    "evidence": obs.evidence if obs else "",
                }
            )
    return columns


def popup_properties(item: PlaceData, page_prefix: str) -> dict[str, Any]:
    """Feature properties the map script turns into a popup (as text, never as HTML)."""
    st = item.status
    place = item.place
    return {
        "id": place.id,
        "name": place.name,
        "kind": place.kind,
        "countries": list(place.countries),
        "status": st.status,
        "color": status_color(st.status),
        "patrolled": st.patrolled,
        "contested": st.contested,
        "stale": st.stale,
        "since": iso(st.since),
        "claimants": list(st.claimants),
        "contest": [[status, list(claimants)] for status, claimants in st.contest],
        "evidence": {
            "title": st.evidence_title,
            "url": safe_link(st.evidence_url) or "",
            "raw_url": "" if safe_link(st.evidence_url) else st.evidence_url,
            "outlet": st.evidence_outlet,
            "at": iso(st.evidence_at),
        },
        "override": bool(st.override),
        "page": f"{page_prefix}{item.page}.html",
    }


def change_row(change: StatusChange, names: dict[str, str], page_prefix: str) -> dict[str, Any]:
    """One line of a change log."""
    return {
        "place_id": change.place_id,
        "name": names.get(change.place_id, change.place_id),
        "page": f"{page_prefix}{safe_filename(change.place_id)}.html",
        "at": iso(change.at),
        "from": change.from_status or "unknown",
        "to": change.to_status,
        "to_color": status_color(change.to_status),
        "claimant": change.claimant,
        "title": change.title,
        "url": safe_link(change.evidence_url),
        "raw_url": change.evidence_url,
        "contested": change.contested,
        "cause": change.cause,
    }
