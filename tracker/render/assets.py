"""The files under ``assets/``: Leaflet from the xstatic-leaflet package with its
licence, our script and stylesheet, and the offline basemap as a script."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from tracker.render.safety import json_for_script

STATIC = Path(__file__).with_name("static")
# (source in xstatic-leaflet's data dir, name under assets/)
LEAFLET_FILES = (
    ("leaflet.js", "leaflet.js"),
    ("leaflet.css", "leaflet.css"),
    ("images/layers.png", "images/layers.png"),
    ("images/layers-2x.png", "images/layers-2x.png"),
    ("images/marker-icon.png", "images/marker-icon.png"),
    ("images/marker-icon-2x.png", "images/marker-icon-2x.png"),
    ("images/marker-shadow.png", "images/marker-shadow.png"),
)
OWN_FILES = ("tracker-map.js", "tracker.css", "LICENSE-leaflet.txt")


def asset_files(basemap: dict[str, Any]) -> dict[str, bytes]:
    """Relative path under the output dir -> content, for every asset the pages load."""
    import xstatic.pkg.leaflet as leaflet

    files: dict[str, bytes] = {}
    base = Path(leaflet.BASE_DIR)
    for src, name in LEAFLET_FILES:
        files[f"assets/{name}"] = (base / src).read_bytes()
    for name in OWN_FILES:
        files[f"assets/{name}"] = (STATIC / name).read_bytes()
    script = "window.TRACKER_BASEMAP = " + json_for_script(basemap) + ";\n"
    files["assets/basemap.js"] = script.encode("utf-8")
    return files
