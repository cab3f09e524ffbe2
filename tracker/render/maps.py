"""Folium maps without any CDN: Leaflet comes from the local assets directory, the
place data is embedded as escaped JSON and drawn by ``static/tracker-map.js``.

Folium's own popups and tooltips are not used: they paste text into a JS template
literal unescaped. Nor is branca's ``Element(html)``: it compiles its argument as a
Jinja template, so a headline holding ``{{ ... }}`` would run on the server. Page
fragments go in through ``_Raw`` instead. Folium is imported inside the functions.
"""

from __future__ import annotations

import base64
import hashlib
import re
from functools import lru_cache
from typing import Any

from tracker.render.safety import json_for_script

TILES = {
    "url": "https://tile.openstreetmap.org/{z}/{x}/{y}.png",
    "attribution": '&copy; <a href="https://www.openstreetmap.org/copyright">'
    "OpenStreetMap</a> contributors",
    "maxZoom": 19,
}
TILE_ORIGIN = "https://tile.openstreetmap.org"
_FOLIUM_CHARSET = '<meta http-equiv="content-type" content="text/html; charset=UTF-8" />'
# Inline scripts of a finished page (json_for_script keeps "</script>" out of the data).
_INLINE_SCRIPT = re.compile(r"<script>(.*?)</script>", re.DOTALL)
# Local files replacing folium's CDN links; the page needs nothing else.
PAGE_JS = ("leaflet.js", "basemap.js", "tracker-map.js")
PAGE_CSS = ("leaflet.css", "tracker.css")


@lru_cache(maxsize=1)
def _folium_classes() -> tuple[Any, Any, Any]:
    """The map, data-layer and raw-fragment element classes (built once: each class
    compiles its Jinja template when defined)."""
    import folium
    from branca.element import Element, MacroElement
    from jinja2 import Template

    class OfflineMap(folium.Map):
        default_js: list[tuple[str, str]] = []
        default_css: list[tuple[str, str]] = []

    class PlaceLayers(MacroElement):
        _template = Template(
            "{% macro script(this, kwargs) %}"
            "TrackerMap.draw({{ this._parent.get_name() }}, {{ this.payload }});"
            "{% endmacro %}"
        )

        def __init__(self, payload: str) -> None:
            super().__init__()
            self._name = "PlaceLayers"
            self.payload = payload

    class Raw(Element):
        """A fragment of finished markup, output as it is (never compiled as a template)."""

        def __init__(self, markup: str) -> None:
            super().__init__()
            self.markup = markup

        def render(self, **kwargs: Any) -> str:
            return self.markup

    return OfflineMap, PlaceLayers, Raw


def _renumber(element: Any, counter: list[int]) -> None:
    """Give every element a sequential id instead of folium's random one, so the same
    input renders the same bytes (and unchanged pages are not rewritten)."""
    element._id = f"{counter[0]:04d}"
    counter[0] += 1
    for child in list(element._children.values()):
        _renumber(child, counter)


# Placeholders in the folium skeleton; filled in one pass, so filled-in text is never
# searched for placeholders again.
_SLOTS = ("@@TRACKER_TITLE@@", "@@TRACKER_HEAD@@", "@@TRACKER_BODY@@", "@@TRACKER_DATA@@")
_SLOT_RE = re.compile("|".join(re.escape(s) for s in _SLOTS))


@lru_cache(maxsize=4)
def _skeleton(asset_prefix: str) -> str:
    """The folium page with placeholders, built once per asset prefix: rendering a
    folium figure per place would dominate the render time."""
    from branca.element import Figure

    offline_map, place_layers, raw = _folium_classes()
    figure = Figure(title=_SLOTS[0])
    fmap = offline_map(location=[30.0, 40.0], zoom_start=4, tiles=None, control_scale=True)
    fmap.default_js = [(name, asset_prefix + "assets/" + name) for name in PAGE_JS]
    fmap.default_css = [(name, asset_prefix + "assets/" + name) for name in PAGE_CSS]
    figure.add_child(fmap)
    place_layers(_SLOTS[3]).add_to(fmap)
    figure.header.add_child(raw(_SLOTS[1]), name="tracker_head")
    figure.html.add_child(raw(_SLOTS[2]), name="tracker_body")
    _renumber(figure, [0])
    html = figure.render().replace("<html>", '<html lang="en">', 1)
    # the charset first of all (folium puts it after the title); CSP follows it per page
    html = html.replace(_FOLIUM_CHARSET, "", 1)
    html = html.replace("<head>", '<head>\n<meta charset="utf-8">', 1)
    if any(html.count(slot) != 1 for slot in _SLOTS):
        raise RuntimeError("folium page template changed: placeholders not found once each")
    return html


def render_map_page(
    *,
    title: str,
    head_html: str,
    body_html: str,
    data: dict[str, Any],
    asset_prefix: str,
    tiles: bool,
) -> str:
    """A complete HTML page: ``title``/``head_html``/``body_html`` (already escaped)
    around a Leaflet map that draws ``data`` (places, legend) with local scripts only."""
    payload = json_for_script(dict(data, tiles=TILES if tiles else None))
    values = dict(zip(_SLOTS, (title, head_html, body_html, payload), strict=True))
    html = _SLOT_RE.sub(lambda m: values[m.group(0)], _skeleton(asset_prefix))
    charset = '<meta charset="utf-8">'
    return html.replace(charset, charset + "\n" + _csp_meta(html, tiles), 1)


def _csp_meta(html: str, tiles: bool) -> str:
    """A Content-Security-Policy that lets only our own files and this page's own
    inline scripts (by hash) run: a second wall behind the escaping, should an
    injected script or event handler ever slip through; and no request may leave."""
    hashes = " ".join(
        "'sha256-" + base64.b64encode(hashlib.sha256(m.group(1).encode()).digest()).decode() + "'"
        for m in _INLINE_SCRIPT.finditer(html)
    )
    images = "'self' data:" + (" " + TILE_ORIGIN if tiles else "")
    policy = (
        f"default-src 'none'; script-src 'self' {hashes}; style-src 'self' 'unsafe-inline'; "
        f"img-src {images}; connect-src 'none'; base-uri 'none'; form-action 'none'"
    )
    return f'<meta http-equiv="Content-Security-Policy" content="{policy}">'
