"""A tiny in-memory gazetteer and a sample world for the render tests (unit and browser).

Synthetic places and headlines only; the XSS payloads each try to set window.__pwned.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

from tracker.models import Observation, Place, PlaceStatus, Status, StatusChange

NOW = datetime(2024, 5, 20, 12, 0, tzinfo=UTC)

XSS_PAYLOADS = (
    "<script>window.__pwned=1</script>",
    '<img src=x onerror="window.__pwned=2">',
    "`${window.__pwned=3}`",
    "${window.__pwned=4}",
    "</script><script>window.__pwned=5</script>",
    '"><svg onload="window.__pwned=6">',
    "\u2028</script>\u2029<script>window.__pwned=7</script>",
    "'-alert(window.__pwned=8)-'",
    "{{ 7*7 }}{% if true %}template-ran{% endif %}",
)
XSS_URLS = (
    "javascript:window.__pwned=9",
    "JaVaScRiPt:window.__pwned=10",
    'https://example.test/"onmouseover="window.__pwned=11',
    "data:text/html,<script>window.__pwned=12</script>",
)


@dataclass
class FakeGazetteer:
    """Same methods as tracker.gazetteer.Gazetteer, backed by dicts."""

    places: list[Place]
    geometries: dict[str, dict[str, Any]]
    countries: list[dict[str, Any]] = field(default_factory=list)

    def tracked(self) -> list[Place]:
        return [p for p in self.places if p.tracked]

    def get(self, place_id: str) -> Place:
        return next(p for p in self.places if p.id == place_id)

    def parts(self, place_id: str) -> list[Place]:
        return [p for p in self.places if p.part_of == place_id]

    def feature(self, place_id: str) -> dict[str, Any]:
        place = self.get(place_id)
        return {
            "type": "Feature",
            "id": place_id,
            "geometry": self.geometries.get(place_id),
            "properties": {"id": place_id, "name": place.name, "kind": place.kind},
        }

    def basemap(self) -> dict[str, Any]:
        return {"type": "FeatureCollection", "features": self.countries}


def _square(lon: float, lat: float, size: float) -> dict[str, Any]:
    ring = [[lon, lat], [lon + size, lat], [lon + size, lat + size], [lon, lat + size], [lon, lat]]
    return {"type": "Polygon", "coordinates": [ring]}


def sample_gazetteer() -> FakeGazetteer:
    """Five tracked places (corridor, crossing, region, and a road and two-point port
    with no news) + the corridor's parts, one of them drawn as a MultiPoint."""
    places = [
        Place("north-corridor", "North Corridor", "corridor", countries=("AA", "BB"),
              lon=44.5, lat=40.2),
        Place("river-crossing", "River Crossing", "crossing", countries=("BB",),
              lon=45.6, lat=39.4),
        Place("hill-region", "Hill Region", "region", countries=("AA",), lon=43.5, lat=38.5),
        Place("quiet-road", "Quiet Road", "road", countries=("AA",), lon=42.2, lat=41.0),
        Place("twin-ports", "Twin Ports", "port", countries=("AA",), lon=41.0, lat=38.0),
        Place("north-bridge", "North Bridge", "bridge", tracked=False, countries=("AA",),
              part_of="north-corridor", lon=44.0, lat=40.0),
        Place("north-checkpoint", "North Checkpoint", "checkpoint", tracked=False,
              countries=("BB",), part_of="north-corridor", lon=45.0, lat=40.4),
    ]
    geometries = {
        "north-corridor": {"type": "LineString",
                           "coordinates": [[43.5, 39.8], [44.5, 40.2], [45.5, 40.6]]},
        "river-crossing": {"type": "Point", "coordinates": [45.6, 39.4]},
        "hill-region": _square(43.0, 38.0, 1.0),
        "quiet-road": {"type": "LineString", "coordinates": [[41.8, 40.8], [42.6, 41.2]]},
        "twin-ports": {"type": "MultiPoint", "coordinates": [[40.8, 37.8], [41.2, 38.2]]},
        "north-bridge": {"type": "Point", "coordinates": [44.0, 40.0]},
        "north-checkpoint": {"type": "MultiPoint", "coordinates": [[45.0, 40.4], [45.1, 40.5]]},
    }
    countries = [
        {"type": "Feature", "properties": {"name": "Country A"},
         "geometry": _square(40.0, 37.0, 5.0)},
        {"type": "Feature", "properties": {"name": "Country B"},
         "geometry": _square(45.0, 38.0, 4.0)},
    ]
    return FakeGazetteer(places, geometries, countries)


def sample_data(
    payloads: tuple[str, ...] = (), urls: tuple[str, ...] = ()
) -> tuple[list[PlaceStatus], list[StatusChange], list[Observation]]:
    """Statuses (contested, patrolled, stale; the quiet road has none), changes and
    observations; headlines, claimants and outlets carry ``payloads`` when given."""
    bad = list(payloads) or ["plain"]
    bad_urls = list(urls) or ["https://news.example.test/a"]

    def text(i: int, normal: str) -> str:
        return bad[i % len(bad)] if payloads else normal

    def url(i: int) -> str:
        return bad_urls[i % len(bad_urls)] if urls else f"https://news.example.test/{i}"

    t0 = NOW - timedelta(days=30)
    statuses = [
        PlaceStatus(
            "north-corridor", "blocked", t0 + timedelta(days=10), contested=True,
            claimants=(text(0, "Ministry A"), text(1, "Militia B")),
            contest=(("blocked", (text(0, "Ministry A"),)), ("open", (text(1, "Militia B"),))),
            evidence_url=url(0), evidence_title=text(2, "Convoys halted at the north bridge"),
            evidence_outlet=text(3, "Daily Example"), evidence_at=t0 + timedelta(days=10),
            evidence_text=text(4, "Trucks were turned back at dawn"), updated=NOW,
        ),
        PlaceStatus(
            "river-crossing", "restricted", t0 + timedelta(days=5), patrolled=True,
            claimants=(text(5, "Border Service"),), evidence_url=url(1),
            evidence_title=text(6, "Crossing open only to aid trucks"),
            evidence_outlet=text(7, "Example Wire"), evidence_at=t0 + timedelta(days=5),
            updated=NOW,
        ),
        PlaceStatus("hill-region", "open", t0, stale=True, claimants=("Observers",),
                    evidence_url=url(2), evidence_title="Roads in the hills reopen",
                    evidence_outlet="Example Post", evidence_at=t0, updated=NOW),
    ]
    changes = [
        StatusChange("hill-region", t0, None, "open", claimant="Observers",
                     evidence_url=url(2), title="Roads in the hills reopen"),
        StatusChange("river-crossing", t0 + timedelta(days=5), None, "restricted",
                     claimant=text(5, "Border Service"), evidence_url=url(1),
                     title=text(6, "Crossing open only to aid trucks")),
        StatusChange("north-corridor", t0 + timedelta(days=2), None, "open",
                     claimant=text(1, "Militia B"), evidence_url=url(3),
                     title=text(8, "Traffic flows on the north corridor")),
        StatusChange("north-corridor", t0 + timedelta(days=10), "open", "blocked",
                     claimant=text(0, "Ministry A"), evidence_url=url(0),
                     title=text(2, "Convoys halted at the north bridge"), contested=True),
    ]
    observations = [
        Observation("north-corridor", Status.BLOCKED, text(0, "Ministry A"), False,
                    text(4, "Trucks were turned back at dawn"), 0.9, t0 + timedelta(days=10),
                    url(0), title=text(2, "Convoys halted at the north bridge"),
                    outlet=text(3, "Daily Example"), id=1),
        Observation("north-corridor", Status.OPEN, text(1, "Militia B"), False,
                    text(5, "The road is open to all"), 0.8, t0 + timedelta(days=11),
                    url(3), title=text(6, "Militia says corridor open"),
                    outlet=text(7, "Example Wire"), id=2),
        Observation("river-crossing", Status.RESTRICTED, text(5, "Border Service"), False,
                    "only aid trucks pass", 0.9, t0 + timedelta(days=5), url(1),
                    title=text(6, "Crossing open only to aid trucks"), outlet="Example Wire",
                    id=3),
    ]
    return statuses, changes, observations
