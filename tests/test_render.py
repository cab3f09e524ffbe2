"""Render unit tests: files written, offline pages, escaping, exports, atomic writes."""

from __future__ import annotations

import csv
import io
import json
import os
import re
from dataclasses import replace
from datetime import timedelta
from html.parser import HTMLParser
from pathlib import Path
from xml.etree import ElementTree as ET

import pytest

from tests.render_support import NOW, XSS_PAYLOADS, XSS_URLS, sample_data, sample_gazetteer
from tracker.models import Place, StatusChange
from tracker.render import RenderResult, RenderWriteError, render_site
from tracker.render.atomic import write_if_changed
from tracker.render.exports import change_id
from tracker.render.safety import csv_cell, json_for_script, safe_filename, safe_link
from tracker.render.timeline import timeline_svg

ATOM = "{http://www.w3.org/2005/Atom}"
TRACKED = ("hill-region", "north-corridor", "quiet-road", "river-crossing", "twin-ports")


def render(out: Path, payloads=(), urls=(), **kw) -> RenderResult:
    statuses, changes, observations = sample_data(payloads, urls)
    return render_site(out, sample_gazetteer(), statuses, changes, observations, NOW,
                       tiles=kw.pop("tiles", False), **kw)


class Tags(HTMLParser):
    """Every start tag with its attributes, and the text of inline scripts."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.tags: list[tuple[str, dict[str, str | None]]] = []
        self.scripts: list[str] = []
        self._in_script = False

    def handle_starttag(self, tag, attrs):
        self.tags.append((tag, dict(attrs)))
        self._in_script = tag == "script"
        if self._in_script:
            self.scripts.append("")

    def handle_endtag(self, tag):
        self._in_script = False

    def handle_data(self, data):
        if self._in_script:
            self.scripts[-1] += data


def parse(path: Path) -> Tags:
    tags = Tags()
    tags.feed(path.read_text(encoding="utf-8"))
    return tags


def map_data(path: Path) -> dict:
    """The JSON handed to TrackerMap.draw in a page."""
    text = path.read_text(encoding="utf-8")
    start = text.index("TrackerMap.draw(")
    start = text.index("{", start)
    end = text.index(");", text.rindex("}", start, text.index("</script>", start)))
    return json.loads(text[start:end])


# -- the site -------------------------------------------------------------------------------
def test_render_writes_every_page_feed_and_export(tmp_path):
    result = render(tmp_path)
    expected = {"index.html", "status.geojson", "status.csv", "changes.atom",
                "assets/leaflet.js", "assets/leaflet.css", "assets/LICENSE-leaflet.txt",
                "assets/tracker-map.js", "assets/tracker.css", "assets/basemap.js"}
    expected |= {f"place/{pid}.html" for pid in TRACKED} | {f"feeds/{pid}.atom" for pid in TRACKED}
    written = {p.relative_to(tmp_path).as_posix() for p in result.written}
    assert expected <= written
    assert result.unchanged == 0
    assert not list(tmp_path.rglob("*.tmp"))
    licence = (tmp_path / "assets" / "LICENSE-leaflet.txt").read_text()
    assert "BSD 2-Clause" in licence and "Leaflet 1." in licence


def test_index_draws_every_tracked_place_and_unknown_is_grey(tmp_path):
    render(tmp_path)
    data = map_data(tmp_path / "index.html")
    props = {f["properties"]["id"]: f["properties"] for f in data["places"]["features"]}
    assert sorted(props) == list(TRACKED)
    assert props["quiet-road"]["status"] == "unknown"
    assert props["quiet-road"]["color"] == "#8c8c8c"
    assert props["river-crossing"]["patrolled"] is True
    assert props["north-corridor"]["contest"] == [["blocked", ["Ministry A"]],
                                                 ["open", ["Militia B"]]]
    geometry = {f["properties"]["id"]: f["geometry"]["type"]
                for f in data["places"]["features"]}
    assert geometry == {"hill-region": "Polygon", "north-corridor": "LineString",
                        "quiet-road": "LineString", "river-crossing": "Point",
                        "twin-ports": "MultiPoint"}
    html = (tmp_path / "index.html").read_text()
    assert "2024-05-20 12:00 UTC" in html  # the "as of" time
    assert 'type="application/atom+xml"' in html and 'href="changes.atom"' in html


def test_place_page_shows_contested_claims_side_by_side_and_parts(tmp_path):
    render(tmp_path)
    page = tmp_path / "place" / "north-corridor.html"
    html = page.read_text()
    columns = re.findall(r'<div class="tr-col">\s*<h3>([^<]*)</h3>', html)
    assert columns == ["Ministry A", "Militia B"]
    assert "<svg" in html and "tr-timeline" in html
    assert 'href="../feeds/north-corridor.atom"' in html
    data = map_data(page)
    assert data["focus"] == "north-corridor"
    parts = [f["properties"]["id"] for f in data["places"]["features"]
             if f["properties"].get("role") == "part"]
    assert parts == ["north-bridge", "north-checkpoint"]
    quiet = (tmp_path / "place" / "quiet-road.html").read_text()
    assert "No claim about this place has been recorded." in quiet


def test_pages_load_nothing_from_the_network(tmp_path):
    render(tmp_path)
    for page in [tmp_path / "index.html", *(tmp_path / "place").iterdir()]:
        tags = parse(page)
        for tag, attrs in tags.tags:
            for name in ("src", "href"):
                value = attrs.get(name)
                if value is None or (tag == "a" and name == "href"):
                    continue  # plain links are followed only on click
                assert "://" not in value and not value.startswith("//"), (page, tag, value)
                assert (page.parent / value).resolve().is_file(), value
        assert "cdn" not in page.read_text().lower()


def test_tiles_are_the_only_outside_url_when_enabled(tmp_path):
    render(tmp_path / "off")
    assert map_data(tmp_path / "off" / "index.html")["tiles"] is None
    render(tmp_path / "on", tiles=True)
    page = tmp_path / "on" / "index.html"
    assert map_data(page)["tiles"]["url"] == "https://tile.openstreetmap.org/{z}/{x}/{y}.png"
    code = "".join(parse(page).scripts).split("TrackerMap.draw(", 1)[0]
    assert "://" not in code  # folium adds no URL of its own


def test_second_render_rewrites_nothing_and_one_change_rewrites_only_its_pages(tmp_path):
    statuses, changes, observations = sample_data()
    gaz = sample_gazetteer()
    render_site(tmp_path, gaz, statuses, changes, observations, NOW, tiles=False)
    again = render_site(tmp_path, gaz, statuses, changes, observations, NOW, tiles=False)
    assert again.written == []
    new = StatusChange("river-crossing", NOW - timedelta(hours=1), "restricted", "closed",
                       claimant="Border Service", evidence_url="https://news.example.test/x",
                       title="Crossing shut for the night")
    statuses = [replace(s, status="closed", since=new.at) if s.place_id == "river-crossing"
                else s for s in statuses]
    later = NOW + timedelta(minutes=5)
    result = render_site(tmp_path, gaz, statuses, [*changes, new], observations, later,
                         tiles=False)
    written = {p.relative_to(tmp_path).as_posix() for p in result.written}
    assert written == {"index.html", "status.geojson", "status.csv", "changes.atom",
                       "place/river-crossing.html", "feeds/river-crossing.atom"}


def test_untracked_place_pages_are_pruned(tmp_path):
    render(tmp_path)
    gaz = sample_gazetteer()
    gaz.places = [p for p in gaz.places if p.id != "quiet-road"]
    statuses, changes, observations = sample_data()
    result = render_site(tmp_path, gaz, statuses, changes, observations, NOW, tiles=False)
    assert [p.name for p in result.removed] == ["quiet-road.atom", "quiet-road.html"]
    assert not (tmp_path / "place" / "quiet-road.html").exists()
    assert (tmp_path / "assets" / "leaflet.js").exists()


def test_odd_place_ids_get_safe_file_names(tmp_path):
    gaz = sample_gazetteer()
    odd = Place("../../etc/passwd", "Odd <Road>", "road", lon=42.0, lat=40.0)
    gaz.places.append(odd)
    gaz.geometries[odd.id] = {"type": "Point", "coordinates": [42.0, 40.0]}
    statuses, changes, observations = sample_data()
    render_site(tmp_path, gaz, statuses, changes, observations, NOW, tiles=False)
    name = safe_filename(odd.id)
    assert "/" not in name and not name.startswith(".")
    assert (tmp_path / "place" / f"{name}.html").is_file()
    assert all(tmp_path in p.resolve().parents for p in tmp_path.rglob("*"))
    assert "Odd &lt;Road&gt;" in (tmp_path / "place" / f"{name}.html").read_text()


# -- injection ------------------------------------------------------------------------------
def test_hostile_strings_never_become_markup_or_script(tmp_path):
    render(tmp_path, payloads=XSS_PAYLOADS, urls=XSS_URLS)
    pages = [tmp_path / "index.html", *(tmp_path / "place").iterdir()]
    for page in pages:
        tags = parse(page)
        for tag, attrs in tags.tags:
            assert tag not in ("img", "svg", "iframe", "object") or (
                tag == "svg" and attrs.get("class") == "tr-timeline"), (page, tag, attrs)
            assert not [a for a in attrs if a.startswith("on")], (page, tag, attrs)
            href = attrs.get("href") or ""
            assert not href.lower().startswith(("javascript:", "data:")), href
            assert '"' not in href
        for script in tags.scripts:
            assert "__pwned" not in script or "TrackerMap.draw(" in script
            assert "<" not in script.split("TrackerMap.draw(", 1)[-1], page
    index = tmp_path / "index.html"
    # the JSON still carries the text exactly, for the map script to show as text
    props = [f["properties"] for f in map_data(index)["places"]["features"]]
    corridor = next(p for p in props if p["id"] == "north-corridor")
    assert corridor["claimants"] == [XSS_PAYLOADS[0], XSS_PAYLOADS[1]]
    assert all(p["evidence"]["url"] == "" for p in props)  # no http(s) URL survived
    assert "&lt;script&gt;window.__pwned=1&lt;/script&gt;" in index.read_text()
    # no server-side template injection: the Jinja-looking headline stays literal
    assert "{{ 7*7 }}{% if true %}template-ran{% endif %}" in index.read_text()
    assert "template-ran" not in index.read_text().replace("template-ran{%", "")


def test_hostile_strings_in_exports_stay_data(tmp_path):
    render(tmp_path, payloads=XSS_PAYLOADS, urls=XSS_URLS)
    feed = ET.parse(tmp_path / "changes.atom").getroot()
    for link in feed.iter(f"{ATOM}link"):
        assert not link.get("href", "").lower().startswith(("javascript:", "data:"))
    contents = [c.text for c in feed.iter(f"{ATOM}content")]
    assert any(XSS_PAYLOADS[0] in c for c in contents)  # kept as escaped text
    rows = list(csv.DictReader(io.StringIO((tmp_path / "status.csv").read_text())))
    assert all(not row["evidence_title"].startswith(("=", "+", "-", "@")) for row in rows)


@pytest.mark.parametrize(
    ("url", "expected"),
    [
        ("https://a.example/x?y=1", "https://a.example/x?y=1"),
        ("HTTP://a.example/", "HTTP://a.example/"),
        ("javascript:alert(1)", None),
        (" javascript:alert(1)", None),
        ("java\tscript:alert(1)", None),
        ("data:text/html,x", None),
        ("//a.example/x", None),
        ("https://a.example/\"onmouseover=x", None),
        ("https:///nohost", None),
        ("", None),
    ],
)
def test_safe_link_allows_only_absolute_http_urls(url, expected):
    assert safe_link(url) == expected


def test_json_for_script_cannot_close_the_script_element():
    text = json_for_script({"a": "</script><!--<script>\u2028\u2029&"})
    assert "<" not in text and ">" not in text and "&" not in text
    assert "\u2028" not in text and "\u2029" not in text
    assert json.loads(text) == {"a": "</script><!--<script>\u2028\u2029&"}


def test_csv_cell_defuses_formulas():
    assert csv_cell("=HYPERLINK(\"x\")") == "'=HYPERLINK(\"x\")"
    assert csv_cell("@SUM(A1)") == "'@SUM(A1)"
    assert csv_cell("Ministry A") == "Ministry A"
    assert csv_cell("bad\x00char") == "badchar"


# -- exports --------------------------------------------------------------------------------
def test_status_geojson_follows_rfc7946(tmp_path):
    render(tmp_path)
    doc = json.loads((tmp_path / "status.geojson").read_text())
    assert doc["type"] == "FeatureCollection" and "crs" not in doc
    props = {f["properties"]["id"]: f["properties"] for f in doc["features"]}
    assert sorted(props) == list(TRACKED)
    required = {"id", "name", "kind", "status", "since", "contested", "claimants", "sources",
                "updated"}
    assert all(required <= set(p) for p in props.values())
    corridor = props["north-corridor"]
    assert corridor["contested"] is True
    assert corridor["sources"] == ["https://news.example.test/0"]
    assert props["quiet-road"]["status"] == "unknown" and props["quiet-road"]["since"] is None
    point = next(f for f in doc["features"] if f["id"] == "river-crossing")["geometry"]
    assert point == {"type": "Point", "coordinates": [45.6, 39.4]}  # lon, lat order


def test_atom_feeds_have_permanent_unique_ids(tmp_path):
    render(tmp_path)
    first = (tmp_path / "changes.atom").read_bytes()
    feed = ET.fromstring(first)
    entries = feed.findall(f"{ATOM}entry")
    ids = [e.findtext(f"{ATOM}id") for e in entries]
    assert len(ids) == 4 and len(set(ids)) == 4
    assert all(i.startswith("urn:uuid:") for i in ids)
    updated = [e.findtext(f"{ATOM}updated") for e in entries]
    assert updated == sorted(updated, reverse=True)
    assert feed.findtext(f"{ATOM}updated") == updated[0]
    place = ET.parse(tmp_path / "feeds" / "north-corridor.atom").getroot()
    place_ids = {e.findtext(f"{ATOM}id") for e in place.findall(f"{ATOM}entry")}
    assert len(place_ids) == 2 and place_ids <= set(ids)
    empty = ET.parse(tmp_path / "feeds" / "quiet-road.atom").getroot()
    assert empty.findall(f"{ATOM}entry") == [] and empty.findtext(f"{ATOM}id")
    _, changes, _ = sample_data()
    assert change_id(changes[0]) == change_id(replace(changes[0]))


def test_status_csv_has_one_row_per_tracked_place(tmp_path):
    render(tmp_path)
    rows = list(csv.DictReader(io.StringIO((tmp_path / "status.csv").read_text())))
    assert [r["id"] for r in rows] == list(TRACKED)
    crossing = next(r for r in rows if r["id"] == "river-crossing")
    assert (crossing["status"], crossing["patrolled"]) == ("restricted", "true")


# -- timeline -------------------------------------------------------------------------------
def test_timeline_is_valid_svg_with_one_segment_per_change():
    _, changes, _ = sample_data(payloads=("<b>&",))
    corridor = sorted((c for c in changes if c.place_id == "north-corridor"), key=lambda c: c.at)
    svg = ET.fromstring(timeline_svg(corridor, NOW))
    rects = svg.findall("{http://www.w3.org/2000/svg}rect")
    assert [r.get("fill") for r in rects] == ["#1a9850", "#d73027"]
    titles = [t.text for t in svg.iter("{http://www.w3.org/2000/svg}title")]
    assert any("(<b>&)" in t for t in titles)  # escaped in the markup, intact as text
    assert ET.fromstring(timeline_svg([], None)).get("aria-label")


# -- atomic writes --------------------------------------------------------------------------
def test_write_if_changed_skips_identical_content_and_keeps_mtime(tmp_path):
    path = tmp_path / "a" / "page.html"
    assert write_if_changed(path, b"one") is True
    os.utime(path, (1_000_000, 1_000_000))
    assert write_if_changed(path, b"one") is False
    assert path.stat().st_mtime == 1_000_000
    assert write_if_changed(path, b"two") is True
    assert path.read_bytes() == b"two"
    assert path.stat().st_mode & 0o777 == 0o644
    assert sorted(p.name for p in path.parent.iterdir()) == ["page.html"]


def test_write_failure_is_a_clear_error_and_leaves_no_temp_file(tmp_path):
    (tmp_path / "blocker").write_text("a file where a directory should be")
    with pytest.raises(RenderWriteError, match="blocker"):
        write_if_changed(tmp_path / "blocker" / "page.html", b"x")
    (tmp_path / "page.html").mkdir()
    (tmp_path / "page.html" / "keep").write_text("x")
    with pytest.raises(RenderWriteError, match="page.html"):
        write_if_changed(tmp_path / "page.html", b"new")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["blocker", "page.html"]


# -- skipping unchanged places --------------------------------------------------------------
def test_damaged_page_is_rendered_again_even_with_unchanged_inputs(tmp_path):
    render(tmp_path)
    page = tmp_path / "place" / "hill-region.html"
    good = page.read_bytes()
    page.write_bytes(good[: len(good) // 2])  # e.g. a disk that filled up under another tool
    result = render(tmp_path)
    assert [p.relative_to(tmp_path).as_posix() for p in result.written] == [
        "place/hill-region.html"]
    assert page.read_bytes() == good


def test_render_settings_and_a_broken_state_file_force_a_full_render(tmp_path):
    render(tmp_path)
    with_tiles = render(tmp_path, tiles=True)
    written = {p.relative_to(tmp_path).as_posix() for p in with_tiles.written}
    assert {f"place/{pid}.html" for pid in TRACKED} <= written
    (tmp_path / ".render-state.json").write_text("{not json")
    again = render(tmp_path, tiles=True)
    assert again.written == []  # everything re-rendered, to the same bytes
    assert json.loads((tmp_path / ".render-state.json").read_text())


# -- `tracker render` -----------------------------------------------------------------------
def test_cli_render_writes_the_site_from_a_real_store(tmp_path, capsys):
    from tracker.cli import main
    from tracker.models import PlaceStatus
    from tracker.store import open_store

    db = str(tmp_path / "t.db")
    change = StatusChange("lachin-corridor", NOW, None, "blocked", claimant="Ministry A",
                          evidence_url="https://news.example.test/c", title="<b>Road shut</b>")
    with open_store(db, create=True) as store:
        store.save_derivation(
            "lachin-corridor",
            PlaceStatus("lachin-corridor", "blocked", NOW, claimants=("Ministry A",),
                        evidence_url="https://news.example.test/c", evidence_title="Road shut",
                        updated=NOW),
            [change],
        )
    out = tmp_path / "maps"
    assert main(["render", "--db", db, "--out", str(out), "--no-tiles"]) == 0
    assert "open " + str(out / "index.html") in capsys.readouterr().out
    props = {f["properties"]["id"]: f["properties"]
             for f in json.loads((out / "status.geojson").read_text())["features"]}
    assert props["lachin-corridor"]["status"] == "blocked"
    assert len(props) > 50 and {p["status"] for p in props.values()} == {"blocked", "unknown"}
    page = (out / "place" / "lachin-corridor.html").read_text()
    assert "&lt;b&gt;Road shut&lt;/b&gt;" in page
    assert main(["render", "--db", db, "--out", str(out), "--no-tiles"]) == 0
    second = capsys.readouterr().out
    # at most index.html, whose "as of" time moves when the clock passed a second
    assert second.startswith(("wrote 0 files", "wrote 1 files")), second


def test_cli_render_without_a_database_is_one_clear_error(tmp_path, capsys):
    from tracker.cli import main

    code = main(["render", "--db", str(tmp_path / "missing.db"), "--out", str(tmp_path / "m")])
    assert code != 0
    err = capsys.readouterr().err
    assert err.startswith("tracker: error:") and err.count("\n") == 1
    assert not (tmp_path / "m").exists()


def test_place_without_geometry_is_listed_and_exported_but_not_drawn(tmp_path):
    gaz = sample_gazetteer()
    gaz.places.append(Place("lost-pass", "Lost Pass", "road", countries=("AA",)))
    statuses, changes, observations = sample_data()
    render_site(tmp_path, gaz, statuses, changes, observations, NOW, tiles=False)
    assert 'data-open-place="lost-pass"' in (tmp_path / "index.html").read_text()
    feature = next(f for f in json.loads((tmp_path / "status.geojson").read_text())["features"]
                   if f["id"] == "lost-pass")
    assert feature["geometry"] is None  # allowed by RFC 7946 (an unlocated feature)
    assert (tmp_path / "place" / "lost-pass.html").is_file()


def test_timeline_of_a_flapping_place_stays_small():
    start = NOW - timedelta(days=100)
    flaps = [StatusChange("x", start + timedelta(minutes=10 * k), None,
                          ("open", "closed")[k % 2]) for k in range(5000)]
    svg = timeline_svg(flaps, NOW)
    rects = ET.fromstring(svg).findall("{http://www.w3.org/2000/svg}rect")
    assert 100 < len(rects) <= 760
    assert len(svg) < 200_000
    assert rects[-1].get("fill") == "#67001f"  # the last change (closed) ends the strip


def test_timeline_marks_patrolled_periods_with_a_band():
    start = NOW - timedelta(days=10)
    changes = [StatusChange("x", start, None, "open"),
               StatusChange("x", start + timedelta(days=5), "open", "open", patrolled=True)]
    rects = ET.fromstring(timeline_svg(changes, NOW)).findall("{http://www.w3.org/2000/svg}rect")
    bands = [r for r in rects if r.get("height") == "6"]
    assert len(bands) == 1 and bands[0].get("fill") == "#4575b4"
    assert float(bands[0].get("x")) > 300  # the second half only


def test_importing_the_renderer_loads_no_heavy_library():
    import subprocess
    import sys

    code = ("import sys, tracker.render, tracker.cli.site; "
            "print(sorted(m for m in ('folium', 'branca', 'jinja2', 'shapely', 'geopandas') "
            "if m in sys.modules))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         check=True).stdout
    assert out.strip() == "[]"
