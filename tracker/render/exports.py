"""Machine-readable exports beside the pages: status.geojson (RFC 7946), Atom feeds
(all changes, and one per place) and status.csv. Each function returns bytes."""

from __future__ import annotations

import csv
import io
import json
import uuid
from collections.abc import Sequence
from datetime import UTC, datetime
from typing import Any

from tracker.models import StatusChange
from tracker.render.safety import csv_cell, safe_link, xml_text
from tracker.render.views import GazetteerLike, PlaceData, iso, sources_of

ATOM_NS = "http://www.w3.org/2005/Atom"
FEED_ENTRIES = 200  # a feed carries the latest changes; the full log is in the store
EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
# Changes get a permanent id derived from what they are, so a re-render keeps it.
_ID_NAMESPACE = uuid.uuid5(uuid.NAMESPACE_URL, "https://corridor-tracker.invalid/changes")
CSV_COLUMNS = (
    "id", "name", "kind", "countries", "status", "patrolled", "contested", "stale", "since",
    "claimants", "evidence_title", "evidence_outlet", "evidence_url", "evidence_at", "updated",
)


def status_geojson(gazetteer: GazetteerLike, data: dict[str, PlaceData]) -> bytes:
    """A FeatureCollection of every tracked place with its current status."""
    features = []
    for pid in sorted(data):
        item = data[pid]
        st, place = item.status, item.place
        geometry = gazetteer.feature(pid).get("geometry")
        if geometry is None and place.lon is not None and place.lat is not None:
            geometry = {"type": "Point", "coordinates": [place.lon, place.lat]}
        features.append(
            {
                "type": "Feature",
                "id": pid,
                "geometry": geometry,
                "properties": {
                    "id": pid,
                    "name": place.name,
                    "kind": place.kind,
                    "status": st.status,
                    "patrolled": st.patrolled,
                    "since": iso(st.since) or None,
                    "contested": st.contested,
                    "contest": {status: list(who) for status, who in st.contest},
                    "stale": st.stale,
                    "claimants": list(st.claimants),
                    "sources": sources_of(item),
                    "updated": iso(st.updated) or None,
                },
            }
        )
    doc = {"type": "FeatureCollection", "features": features}
    return json.dumps(doc, ensure_ascii=False, separators=(",", ":")).encode("utf-8") + b"\n"


def change_id(change: StatusChange) -> str:
    """The permanent Atom id of a change."""
    key = "|".join(
        (change.place_id, iso(change.at), change.from_status or "", change.to_status,
         change.cause, change.claimant)
    )
    return f"urn:uuid:{uuid.uuid5(_ID_NAMESPACE, key)}"


def _x(text: str | None) -> str:
    """Text fit for XML content or a double-quoted attribute."""
    value = xml_text(text)
    if any(c in value for c in '&<>"'):
        value = (value.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
                 .replace('"', "&quot;"))
    return value


def _entry(change: StatusChange, name: str, page: str | None) -> str:
    """One Atom entry (strings are built by hand: ElementTree is the slow part of a render)."""
    old = change.from_status or "unknown"
    lines = [f"{name} is {change.to_status} (was {old})."]
    if change.claimant:
        lines.append(f"According to {change.claimant}.")
    if change.contested:
        lines.append("The claims are contested.")
    if change.title:
        lines.append(f"Source: {change.title}")
    if change.evidence_url:
        lines.append(change.evidence_url)
    if change.cause != "observations":
        lines.append(f"Cause: {change.cause}.")
    parts = [
        "<entry>",
        f"<id>{change_id(change)}</id>",
        f"<title>{_x(f'{name}: {old} → {change.to_status}')}</title>",
        f"<updated>{iso(change.at)}</updated>",
    ]
    if page:
        parts.append(f'<link rel="alternate" type="text/html" href="{_x(page)}"/>')
    url = safe_link(change.evidence_url)
    if url:
        parts.append(f'<link rel="related" href="{_x(url)}" title="{_x(change.title or url)}"/>')
    parts.append(f'<category term="{_x(change.to_status)}"/>')
    parts.append(f'<content type="text">{_x(chr(10).join(lines))}</content>')
    parts.append("</entry>")
    return "".join(parts)


def atom_feed(
    *,
    title: str,
    feed_key: str,
    self_href: str,
    page_href: str,
    changes: Sequence[StatusChange],
    names: dict[str, str],
    pages: dict[str, str],
) -> bytes:
    """An Atom 1.0 feed of the latest changes, newest first. Hrefs are relative to
    the feed's own location; ``pages`` maps a place id to its page href."""
    latest = sorted(changes, key=lambda c: c.at, reverse=True)[:FEED_ENTRIES]
    head = [
        '<?xml version="1.0" encoding="utf-8"?>',
        f'<feed xmlns="{ATOM_NS}">',
        f"<title>{_x(title)}</title>",
        f"<id>urn:uuid:{uuid.uuid5(_ID_NAMESPACE, 'feed:' + feed_key)}</id>",
        f"<updated>{iso(latest[0].at if latest else EPOCH)}</updated>",
        f'<link rel="self" type="application/atom+xml" href="{_x(self_href)}"/>',
        f'<link rel="alternate" type="text/html" href="{_x(page_href)}"/>',
        "<author><name>Corridor Tracker</name></author>",
        "<generator>Corridor Tracker</generator>",
    ]
    entries = [
        _entry(c, names.get(c.place_id, c.place_id), pages.get(c.place_id)) for c in latest
    ]
    return "\n".join([*head, *entries, "</feed>", ""]).encode("utf-8")


def status_csv(data: dict[str, PlaceData]) -> bytes:
    """One row per tracked place; text cells cannot turn into spreadsheet formulas."""
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(CSV_COLUMNS)
    for pid in sorted(data):
        st, place = data[pid].status, data[pid].place
        row: list[Any] = [
            pid, place.name, place.kind, ";".join(place.countries), st.status,
            st.patrolled, st.contested, st.stale, iso(st.since), ";".join(st.claimants),
            st.evidence_title, st.evidence_outlet, st.evidence_url, iso(st.evidence_at),
            iso(st.updated),
        ]
        writer.writerow([csv_cell(str(v).lower() if isinstance(v, bool) else str(v)) for v in row])
    return out.getvalue().encode("utf-8")
