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
OWN_FILES = ("tracker-map.js", "tracker.css")
# Kept here rather than as a data file, so that no packaging rule can leave it out.
LEAFLET_LICENSE = """\
Leaflet {version}, https://leafletjs.com (shipped from the xstatic-leaflet Python package)

BSD 2-Clause License

Copyright (c) 2010-2022, Vladimir Agafonkin
Copyright (c) 2010-2011, CloudMade
All rights reserved.

Redistribution and use in source and binary forms, with or without
modification, are permitted provided that the following conditions are met:

1. Redistributions of source code must retain the above copyright notice, this
   list of conditions and the following disclaimer.

2. Redistributions in binary form must reproduce the above copyright notice,
   this list of conditions and the following disclaimer in the documentation
   and/or other materials provided with the distribution.

THIS SOFTWARE IS PROVIDED BY THE COPYRIGHT HOLDERS AND CONTRIBUTORS "AS IS"
AND ANY EXPRESS OR IMPLIED WARRANTIES, INCLUDING, BUT NOT LIMITED TO, THE
IMPLIED WARRANTIES OF MERCHANTABILITY AND FITNESS FOR A PARTICULAR PURPOSE ARE
DISCLAIMED. IN NO EVENT SHALL THE COPYRIGHT HOLDER OR CONTRIBUTORS BE LIABLE
FOR ANY DIRECT, INDIRECT, INCIDENTAL, SPECIAL, EXEMPLARY, OR CONSEQUENTIAL
DAMAGES (INCLUDING, BUT NOT LIMITED TO, PROCUREMENT OF SUBSTITUTE GOODS OR
SERVICES; LOSS OF USE, DATA, OR PROFITS; OR BUSINESS INTERRUPTION) HOWEVER
CAUSED AND ON ANY THEORY OF LIABILITY, WHETHER IN CONTRACT, STRICT LIABILITY,
OR TORT (INCLUDING NEGLIGENCE OR OTHERWISE) ARISING IN ANY WAY OUT OF THE USE
OF THIS SOFTWARE, EVEN IF ADVISED OF THE POSSIBILITY OF SUCH DAMAGE.
"""


def asset_files(basemap: dict[str, Any]) -> dict[str, bytes]:
    """Relative path under the output dir -> content, for every asset the pages load."""
    import xstatic.pkg.leaflet as leaflet

    files: dict[str, bytes] = {}
    base = Path(leaflet.BASE_DIR)
    for src, name in LEAFLET_FILES:
        files[f"assets/{name}"] = (base / src).read_bytes()
    for name in OWN_FILES:
        files[f"assets/{name}"] = (STATIC / name).read_bytes()
    licence = LEAFLET_LICENSE.format(version=leaflet.VERSION)
    files["assets/LICENSE-leaflet.txt"] = licence.encode("utf-8")
    script = "window.TRACKER_BASEMAP = " + json_for_script(basemap) + ";\n"
    files["assets/basemap.js"] = script.encode("utf-8")
    return files
