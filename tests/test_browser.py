"""The rendered pages in a real browser (Debian's headless chromium via Playwright):
nothing leaves the machine, every place is drawn and clickable, payloads stay inert."""

from __future__ import annotations

import base64
import shutil
import threading
from collections.abc import Iterator
from functools import partial
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest

from tests.render_support import NOW, XSS_PAYLOADS, XSS_URLS, sample_data, sample_gazetteer
from tracker.render import render_site

pytestmark = pytest.mark.browser

CHROMIUM = "/usr/bin/chromium"
FLAGS = [
    "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
    "--disable-background-networking", "--disable-component-update", "--disable-sync",
]
TRACKED = ["hill-region", "north-corridor", "quiet-road", "river-crossing", "twin-ports"]

if shutil.which(CHROMIUM) is None:  # pragma: no cover - the test scripts install it
    pytest.skip("Debian's chromium is not installed", allow_module_level=True)


@pytest.fixture(scope="module")
def browser() -> Iterator:
    from playwright.sync_api import sync_playwright

    with sync_playwright() as pw:
        chromium = pw.chromium.launch(executable_path=CHROMIUM, args=FLAGS, headless=True)
        yield chromium
        chromium.close()


class Visit:
    """One page load with every request, console message and page error recorded."""

    def __init__(self, browser, site: Path, *, allow_tiles: bool = False) -> None:
        self.context = browser.new_context(viewport={"width": 1200, "height": 800})
        self.requests: list[str] = []
        self.errors: list[str] = []
        self.site = site
        self.context.route("**/*", partial(self._route, allow_tiles))
        self.page = self.context.new_page()
        self.page.on("request", lambda r: self.requests.append(r.url))
        self.page.on("console", lambda m: m.type == "error" and self.errors.append(m.text))
        self.page.on("pageerror", lambda e: self.errors.append(str(e)))

    @staticmethod
    def _route(allow_tiles: bool, route) -> None:
        url = route.request.url
        if url.startswith(("file://", "http://127.0.0.1")):
            route.continue_()
        else:
            route.abort()  # recorded by the request listener; never reaches the network

    def open(self, url: str) -> Visit:
        self.page.goto(url)
        self.page.wait_for_function("() => window.TrackerMap && window.TrackerMap.current")
        return self

    def outside_requests(self) -> list[str]:
        local = ("file://", "http://127.0.0.1", "data:")
        return [u for u in self.requests if not u.startswith(local)]

    def close(self) -> None:
        self.context.close()


@pytest.fixture
def visit(browser):
    visits: list[Visit] = []

    def make(site: Path, **kw) -> Visit:
        visits.append(Visit(browser, site, **kw))
        return visits[-1]

    yield make
    for v in visits:
        v.close()


def build(out: Path, *, payloads=(), urls=(), tiles=False) -> Path:
    statuses, changes, observations = sample_data(payloads, urls)
    render_site(out, sample_gazetteer(), statuses, changes, observations, NOW, tiles=tiles)
    return out


def colour_count(browser, png: bytes) -> int:
    """Distinct colours in a screenshot, counted by the browser itself (no image library)."""
    page = browser.new_page()
    try:
        return page.evaluate(
            """async (src) => {
                const img = new Image();
                img.src = src;
                await img.decode();
                const c = document.createElement('canvas');
                c.width = img.width; c.height = img.height;
                const g = c.getContext('2d');
                g.drawImage(img, 0, 0);
                const d = g.getImageData(0, 0, c.width, c.height).data;
                const seen = new Set();
                for (let i = 0; i < d.length; i += 16) {
                    seen.add((d[i] << 16) | (d[i + 1] << 8) | d[i + 2]);
                }
                return seen.size;
            }""",
            "data:image/png;base64," + base64.b64encode(png).decode(),
        )
    finally:
        page.close()


def test_index_works_offline_and_draws_every_place(tmp_path, browser, visit):
    site = build(tmp_path)
    v = visit(site).open((site / "index.html").as_uri())
    page = v.page
    assert page.evaluate("Object.keys(TrackerMap.current.layers).sort()") == TRACKED
    drawn = page.evaluate(
        "Object.values(TrackerMap.current.layers).filter(d => TrackerMap.current.map"
        ".hasLayer(d.group)).length"
    )
    assert drawn == len(TRACKED)
    in_dom = page.evaluate(
        "[...new Set([...document.querySelectorAll('.leaflet-overlay-pane [data-place-id]')]"
        ".map(n => n.getAttribute('data-place-id')))].sort()"
    )
    assert in_dom == TRACKED
    grey = page.locator('.leaflet-overlay-pane [data-place-id="quiet-road"]').first
    assert grey.get_attribute("stroke") == "#8c8c8c"
    dashed = page.locator('.leaflet-overlay-pane [data-place-id="river-crossing"]').first
    assert dashed.get_attribute("stroke-dasharray") == "8 6"  # patrolled
    assert page.locator(".tr-legend").inner_text().count("\n") >= 6
    assert colour_count(browser, page.screenshot()) > 20
    assert v.errors == []
    assert v.outside_requests() == []
    assert len(v.requests) >= 5  # page, leaflet, basemap, script, CSS: all local


def test_clicking_a_place_opens_its_popup(tmp_path, browser, visit):
    site = build(tmp_path)
    page = visit(site).open((site / "index.html").as_uri()).page
    page.locator('.leaflet-overlay-pane [data-place-id="river-crossing"]').first.click()
    popup = page.locator(".leaflet-popup-content")
    popup.wait_for()
    text = popup.inner_text()
    assert "River Crossing" in text and "restricted" in text and "patrolled" in text
    assert "Crossing open only to aid trucks" in text
    assert popup.locator("a.tr-more").get_attribute("href") == "place/river-crossing.html"
    page.locator('[data-open-place="north-corridor"]').click()  # the list beside the map
    page.wait_for_function(
        "() => document.querySelector('.leaflet-popup-content .tr-name')?.textContent"
        " === 'North Corridor'"
    )
    corridor = page.locator(".leaflet-popup-content").inner_text()
    assert "Contested claims" in corridor and "Ministry A" in corridor and "Militia B" in corridor


def test_kind_filter_hides_and_shows_layers(tmp_path, browser, visit):
    site = build(tmp_path)
    page = visit(site).open((site / "index.html").as_uri()).page
    shown = "TrackerMap.current.map.hasLayer(TrackerMap.current.layers['north-corridor'].group)"
    page.locator('input[data-kind="corridor"]').uncheck()
    assert page.evaluate(shown) is False
    page.locator('input[data-kind="corridor"]').check()
    assert page.evaluate(shown) is True
    page.locator("select.tr-region").select_option("BB")
    assert page.evaluate(
        "Object.keys(TrackerMap.current.layers).filter(id => TrackerMap.current.map"
        ".hasLayer(TrackerMap.current.layers[id].group)).sort()"
    ) == ["north-corridor", "river-crossing"]


def test_place_page_shows_map_parts_claims_and_timeline(tmp_path, browser, visit):
    site = build(tmp_path)
    v = visit(site).open((site / "place" / "north-corridor.html").as_uri())
    page = v.page
    assert page.evaluate("Object.keys(TrackerMap.current.layers)") == ["north-corridor"]
    assert page.evaluate("Object.keys(TrackerMap.current.parts).sort()") == [
        "north-bridge", "north-checkpoint"]
    assert page.locator(".tr-col h3").all_inner_texts() == ["Ministry A", "Militia B"]
    box = page.locator("svg.tr-timeline").bounding_box()
    assert box and box["width"] > 300
    zoom = page.evaluate("TrackerMap.current.map.getZoom()")
    assert zoom >= 7  # zoomed on the corridor, not the world
    assert colour_count(browser, page.screenshot()) > 20
    assert v.errors == []
    assert v.outside_requests() == []


def test_payloads_in_headlines_claimants_outlets_and_urls_execute_nothing(
    tmp_path, browser, visit
):
    site = build(tmp_path, payloads=XSS_PAYLOADS, urls=XSS_URLS)
    pages = [site / "index.html", *sorted((site / "place").glob("*.html"))]
    for path in pages:
        v = visit(site).open(path.as_uri())
        page = v.page
        for pid in page.evaluate("Object.keys(TrackerMap.current.layers)"):
            page.evaluate(f"TrackerMap.current.open({pid!r})")  # build every popup
            popup = page.locator(f'.leaflet-popup-content [data-place-id="{pid}"]')
            popup.wait_for()
            for link in popup.locator("a").all():
                if not (link.get_attribute("href") or "").startswith("http"):
                    continue
                link.click(modifiers=["Alt"])  # would run a javascript: URL
        page.mouse.move(600, 400)
        for selector in ["a", "area", "[href]"]:
            hrefs = page.eval_on_selector_all(selector, "ns => ns.map(n => n.getAttribute('href'))")
            assert not [h for h in hrefs if h and h.strip().lower().startswith(
                ("javascript:", "data:"))], path
        assert page.evaluate("typeof window.__pwned") == "undefined", path
        assert page.locator("img:not(.leaflet-tile)").count() == 0, path
        assert v.errors == [], path
        assert v.outside_requests() == [], path
    index = visit(site).open(pages[0].as_uri()).page
    index.evaluate("TrackerMap.current.open('north-corridor')")
    # the payload is shown, as text
    popup = index.locator('.leaflet-popup-content [data-place-id="north-corridor"]')
    assert XSS_PAYLOADS[0] in popup.inner_text()


def test_tiles_are_the_only_outside_request_when_enabled(tmp_path, browser, visit):
    site = build(tmp_path, tiles=True)
    v = visit(site).open((site / "index.html").as_uri())
    v.page.wait_for_function("() => document.querySelectorAll('img.leaflet-tile').length > 0")
    outside = v.outside_requests()
    assert outside and all(u.startswith("https://tile.openstreetmap.org/") for u in outside)
    # blocked tiles leave the map readable: the basemap and the places are still drawn
    assert v.page.locator(".leaflet-overlay-pane path").count() >= len(TRACKED) + 2


class QuietHandler(SimpleHTTPRequestHandler):
    def log_message(self, format, *args):  # noqa: A002 - the base class's signature
        pass


def test_site_served_over_http_from_127_0_0_1(tmp_path, browser, visit):
    site = build(tmp_path)
    handler = partial(QuietHandler, directory=str(site))
    server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        base = f"http://127.0.0.1:{server.server_address[1]}"
        v = visit(site).open(f"{base}/index.html")
        assert sorted(v.page.evaluate("Object.keys(TrackerMap.current.layers)")) == TRACKED
        v.page.locator('[data-open-place="hill-region"]').click()  # opens the popup
        v.page.locator('.leaflet-popup-content [data-place-id="hill-region"] a.tr-more').click()
        v.page.wait_for_url("**/place/hill-region.html")
        v.page.wait_for_function("() => window.TrackerMap && window.TrackerMap.current")
        assert v.page.evaluate("Object.keys(TrackerMap.current.layers)") == ["hill-region"]
        assert v.errors == []
        assert v.outside_requests() == []
    finally:
        server.shutdown()
        server.server_close()


def test_content_security_policy_stops_markup_that_slipped_past_escaping(tmp_path, visit):
    site = build(tmp_path)
    page = site / "place" / "hill-region.html"
    html = page.read_text()
    assert "Content-Security-Policy" in html
    smuggled = ('<img src="data:," onerror="window.__pwned=1">'
                "<script>window.__pwned=2</script>"
                '<a id="x" href="javascript:window.__pwned=3">x</a>')
    page.write_text(html.replace('<main class="tr-main">', '<main class="tr-main">' + smuggled))
    v = visit(site).open(page.as_uri())
    v.page.locator("#x").click()
    assert v.page.evaluate("typeof window.__pwned") == "undefined"
    assert any("Content Security Policy" in e for e in v.errors)
    assert v.page.evaluate("Object.keys(TrackerMap.current.layers)") == ["hill-region"]


def test_place_without_geometry_breaks_nothing(tmp_path, visit):
    from tracker.models import Place

    gaz = sample_gazetteer()
    gaz.places.append(Place("lost-pass", "Lost Pass", "road", countries=("AA",)))
    statuses, changes, observations = sample_data()
    render_site(tmp_path, gaz, statuses, changes, observations, NOW, tiles=False)
    for path in (tmp_path / "index.html", tmp_path / "place" / "lost-pass.html"):
        v = visit(tmp_path).open(path.as_uri())
        assert "lost-pass" in v.page.evaluate("Object.keys(TrackerMap.current.layers)")
        assert v.page.evaluate("TrackerMap.current.open('lost-pass')") is False
        assert v.errors == [], path
    index = visit(tmp_path).open((tmp_path / "index.html").as_uri())
    index.page.locator('[data-open-place="lost-pass"]').click()  # falls back to the page
    index.page.wait_for_url("**/place/lost-pass.html")


def test_the_map_opens_on_the_places_with_reports(tmp_path, visit):
    """Twin Ports and Quiet Road have no news: the first view fits the three places that
    do, and widens to every place only when none has a status."""
    def view(site: Path) -> dict:
        page = visit(site).open((site / "index.html").as_uri()).page
        return page.evaluate("""() => {
            const b = TrackerMap.current.map.getBounds();
            return {ports: b.contains([38.0, 41.0]), road: b.contains([41.0, 42.2]),
                    crossing: b.contains([39.4, 45.6]), hills: b.contains([38.5, 43.5]),
                    corridor: b.contains([40.2, 44.5])};
        }""")

    reported = view(build(tmp_path / "with-news"))
    assert reported["crossing"] and reported["hills"] and reported["corridor"]
    assert not (reported["ports"] and reported["road"])
    quiet = tmp_path / "no-news"
    render_site(quiet, sample_gazetteer(), [], [], [], NOW, tiles=False)
    assert all(view(quiet).values())
