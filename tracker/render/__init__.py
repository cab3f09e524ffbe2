"""The map site: static pages that work offline, plus GeoJSON, Atom and CSV exports.

``render_site`` writes into ``out_dir``::

    index.html              every tracked place on one map, legend, latest changes
    place/<id>.html         one page per tracked place
    feeds/<id>.atom         one Atom feed per tracked place
    changes.atom            all changes
    status.geojson, status.csv
    assets/                 Leaflet (with licence), our script and CSS, the basemap

Every file is written atomically and only when its content changed.
"""

from __future__ import annotations

from collections.abc import Sequence, Set
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

from tracker.models import Observation, PlaceStatus, StatusChange
from tracker.render.atomic import RenderWriteError, write_if_changed
from tracker.render.views import GazetteerLike, PlaceData

__all__ = ["RenderResult", "RenderWriteError", "render_site"]

# Generated files in these directories are pruned when their place is no longer tracked.
_PRUNED = (("place", ".html"), ("feeds", ".atom"))


@dataclass(frozen=True)
class RenderResult:
    """What a render did: files (re)written, files left untouched, stale pages removed."""

    written: list[Path]
    unchanged: int
    removed: list[Path] = field(default_factory=list)


def render_site(
    out_dir: Path,
    gazetteer: GazetteerLike,
    statuses: Sequence[PlaceStatus],
    changes: Sequence[StatusChange],
    observations: Sequence[Observation],
    now: datetime,
    *,
    tiles: bool = True,
) -> RenderResult:
    """Render the whole site into ``out_dir``. ``tiles=False`` leaves out the online
    OpenStreetMap layer, so the pages make no network request at all."""
    from tracker.render.assets import asset_files
    from tracker.render.cache import STATE_FILE, dump_state, load_state
    from tracker.render.exports import atom_feed, status_csv, status_geojson
    from tracker.render.pages import render_index
    from tracker.render.views import gather

    out_dir = Path(out_dir)
    if out_dir.exists() and not out_dir.is_dir():
        # Say so up front instead of "cannot read <file>/assets/leaflet.js: Not a directory".
        raise RenderWriteError(f"cannot write the site into {out_dir}: it is not a directory")
    places = sorted(gazetteer.tracked(), key=lambda p: p.id)
    data = gather(places, statuses, changes, observations)
    names = {pid: item.place.name for pid, item in data.items()}
    tracked_changes = [c for c in changes if c.place_id in data]
    files: dict[str, bytes] = asset_files(gazetteer.basemap())
    files["index.html"] = render_index(gazetteer, data, tracked_changes, now, tiles=tiles).encode()
    files["status.geojson"] = status_geojson(gazetteer, data)
    files["status.csv"] = status_csv(data)
    files["changes.atom"] = atom_feed(
        title="Corridor Tracker: status changes",
        feed_key="all",
        self_href="changes.atom",
        page_href="index.html",
        changes=tracked_changes,
        names=names,
        pages={pid: f"place/{item.page}.html" for pid, item in data.items()},
    )
    state = load_state(out_dir)
    place_files, skipped, new_state = _place_files(out_dir, gazetteer, data, state, tiles)
    files.update(place_files)
    written = [out_dir / r for r, body in files.items() if write_if_changed(out_dir / r, body)]
    removed = _prune(out_dir, files.keys() | skipped)
    # written last: a render that failed half-way leaves the old digests, so it is redone
    write_if_changed(out_dir / STATE_FILE, dump_state(new_state))
    return RenderResult(written, len(files) + len(skipped) - len(written), removed)


def _place_files(
    out_dir: Path,
    gazetteer: GazetteerLike,
    data: dict[str, PlaceData],
    state: dict[str, str],
    tiles: bool,
) -> tuple[dict[str, bytes], set[str], dict[str, str]]:
    """Each place's page and feed, except those whose inputs did not change since the
    last render: (files, skipped paths, the new render state)."""
    from tracker.render.cache import entry, input_digest, is_current
    from tracker.render.exports import atom_feed
    from tracker.render.pages import render_place
    from tracker.render.views import PLACE_OBSERVATIONS

    files: dict[str, bytes] = {}
    skipped: set[str] = set()
    new_state: dict[str, str] = {}
    for pid, item in data.items():
        page, feed = f"place/{item.page}.html", f"feeds/{item.page}.atom"
        parts = gazetteer.parts(pid)
        parent = data.get(item.place.part_of or "")
        digest = input_digest(
            tiles, item.place, item.status, item.changes, item.observations[-PLACE_OBSERVATIONS:],
            parts, gazetteer.feature(pid), [gazetteer.feature(p.id) for p in parts],
            parent.place.name if parent else None,
        )
        if is_current(out_dir, state, digest, page, feed):
            skipped |= {page, feed}  # same inputs and the files are intact: not rendered
            new_state[page], new_state[feed] = state[page], state[feed]
            continue
        files[page] = render_place(gazetteer, item, data, tiles=tiles).encode()
        files[feed] = atom_feed(
            title=f"{item.place.name}: status changes",
            feed_key="place:" + pid,
            self_href=f"{item.page}.atom",
            page_href=f"../place/{item.page}.html",
            changes=item.changes,
            names={pid: item.place.name},
            pages={pid: f"../place/{item.page}.html"},
        )
        new_state[page] = entry(digest, files[page])
        new_state[feed] = entry(digest, files[feed])
    return files, skipped, new_state


def _prune(out_dir: Path, files: Set[str]) -> list[Path]:
    """Remove pages and feeds of places that are no longer tracked."""
    removed = []
    for folder, suffix in _PRUNED:
        directory = out_dir / folder
        if not directory.is_dir():
            continue
        for path in directory.iterdir():
            rel = f"{folder}/{path.name}"
            if path.suffix == suffix and path.is_file() and rel not in files:
                path.unlink()
                removed.append(path)
    return sorted(removed)
