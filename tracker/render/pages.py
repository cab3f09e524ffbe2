"""The HTML pages: the index (every tracked place on one map) and one page per place.
Templates autoescape; the map data goes through ``json_for_script``."""

from __future__ import annotations

from datetime import datetime
from functools import lru_cache
from pathlib import Path
from typing import Any

from markupsafe import Markup, escape

from tracker.render.maps import render_map_page
from tracker.render.safety import safe_link
from tracker.render.timeline import timeline_svg
from tracker.render.views import (
    PLACE_OBSERVATIONS,
    RECENT_CHANGES,
    STATUS_STYLE,
    GazetteerLike,
    PlaceData,
    change_row,
    claims_by_claimant,
    iso,
    popup_properties,
)

TEMPLATES = Path(__file__).with_name("templates")
PLACE_CHANGES = 200  # longest change log printed on a place page

INDEX_CSS = (
    ".tr-side{position:absolute;top:0;bottom:0;left:0;width:min(380px,42vw);overflow:auto;"
    "box-sizing:border-box;padding:0 14px 14px}"
    ".folium-map{position:absolute!important;top:0;bottom:0;right:0;"
    "left:min(380px,42vw)!important;width:auto!important;height:auto!important}"
)
PLACE_CSS = (
    "html,body{height:auto!important}body{display:flex;flex-direction:column}"
    ".tr-top{order:0;padding:0 16px}.folium-map{order:1;flex:none;"
    "height:55vh!important;min-height:320px}.tr-main{order:2;padding:0 16px 24px}"
)


@lru_cache(maxsize=1)
def _env() -> Any:
    from jinja2 import Environment, FileSystemLoader, StrictUndefined

    return Environment(
        loader=FileSystemLoader(TEMPLATES),
        autoescape=True,
        undefined=StrictUndefined,
        keep_trailing_newline=True,
    )


def _legend() -> list[list[str]]:
    return [[status, color, label] for status, (color, label) in STATUS_STYLE.items()]


def _feature(gazetteer: GazetteerLike, item: PlaceData, props: dict[str, Any]) -> dict[str, Any]:
    """The place's GeoJSON feature with our properties (the gazetteer's are dropped)."""
    feature = gazetteer.feature(item.place.id)
    geometry = feature.get("geometry")
    place = item.place
    if geometry is None and place.lon is not None and place.lat is not None:
        geometry = {"type": "Point", "coordinates": [place.lon, place.lat]}
    return {"type": "Feature", "geometry": geometry, "properties": props}


def _head(feed_title: str, feed_href: str, css: str) -> str:
    return _env().get_template("head.html").render(
        feed_title=feed_title, feed_href=feed_href, layout_css=Markup(css)
    )


def render_index(
    gazetteer: GazetteerLike,
    data: dict[str, PlaceData],
    changes: list[Any],
    now: datetime,
    *,
    tiles: bool,
) -> str:
    """The overview page: all tracked places, legend, filters, latest changes."""
    # places with no news first, so the ones with a status are drawn on top of them
    items = sorted(data.values(), key=lambda i: (i.status.status != "unknown", i.place.id))
    props = [popup_properties(item, "place/") for item in items]
    features = [_feature(gazetteer, item, p) for item, p in zip(items, props, strict=True)]
    names = {pid: item.place.name for pid, item in data.items()}
    latest = sorted(changes, key=lambda c: c.at, reverse=True)[:RECENT_CHANGES]
    regions = sorted({c for item in data.values() for c in item.place.countries})
    body = _env().get_template("index.html").render(
        now_iso=iso(now),
        now_text=f"{now:%Y-%m-%d %H:%M} UTC",
        places=sorted(props, key=lambda p: (p["status"] == "unknown", p["name"].casefold())),
        changes=[change_row(c, names, "place/") for c in latest],
    )
    payload = {
        "places": {"type": "FeatureCollection", "features": features},
        "legend": _legend(),
        "filters": True,
        "regions": regions,
        "maxZoom": 8,
    }
    return render_map_page(
        title=str(escape("Corridor Tracker: status as of " + f"{now:%Y-%m-%d %H:%M} UTC")),
        head_html=_head("Corridor Tracker: all changes", "changes.atom", INDEX_CSS),
        body_html=body,
        data=payload,
        asset_prefix="",
        tiles=tiles,
    )


def _claim_row(obs: Any) -> dict[str, Any]:
    url = safe_link(obs.article_url)
    return {
        "at": iso(obs.observed_at),
        "claimant": obs.speaker,
        "status": obs.status.value,
        "negated": obs.negated,
        "title": obs.title,
        "url": url,
        "raw_url": "" if url else obs.article_url,
        "outlet": obs.outlet,
        "evidence": obs.evidence,
    }


def render_place(
    gazetteer: GazetteerLike,
    item: PlaceData,
    data: dict[str, PlaceData],
    *,
    tiles: bool,
) -> str:
    """One place: map zoomed on it with its parts, claims side by side, timeline, log.
    Depends only on this place's data, so other places' news never rewrites it."""
    place = item.place
    props = popup_properties(item, "")
    features = [_feature(gazetteer, item, props)]
    parts = gazetteer.parts(place.id)
    for part in parts:
        part_props = {"id": part.id, "name": part.name, "kind": part.kind, "role": "part",
                      "status": "unknown", "color": "#ffffff", "countries": list(part.countries)}
        feature = _feature(gazetteer, PlaceData(part, item.status, ""), part_props)
        if feature["geometry"] is not None:
            features.append(feature)
    parent = data.get(place.part_of) if place.part_of else None
    names = {place.id: place.name}
    log = [change_row(c, names, "") for c in reversed(item.changes[-PLACE_CHANGES:])]
    end = max(
        (t for t in (item.status.updated, item.status.evidence_at, item.status.since) if t),
        default=None,
    )
    body = _env().get_template("place.html").render(
        place=place,
        page=item.page,
        p=props,
        status=item.status,
        part_of={"name": parent.place.name, "page": parent.page + ".html"} if parent else None,
        columns=claims_by_claimant(item) if item.status.contested else [],
        timeline=Markup(timeline_svg(item.changes, end)),
        parts=parts,
        claims=[_claim_row(o) for o in reversed(item.observations[-PLACE_OBSERVATIONS:])],
        changes=log,
        changes_omitted=max(0, len(item.changes) - PLACE_CHANGES),
    )
    payload = {
        "places": {"type": "FeatureCollection", "features": features},
        "legend": _legend(),
        "filters": False,
        "focus": place.id,
        "maxZoom": 10,
    }
    return render_map_page(
        title=str(escape(f"{place.name}: {item.status.status} | Corridor Tracker")),
        head_html=_head(f"{place.name}: changes", f"../feeds/{item.page}.atom", PLACE_CSS),
        body_html=body,
        data=payload,
        asset_prefix="../",
        tiles=tiles,
    )
