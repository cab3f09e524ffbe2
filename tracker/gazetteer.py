"""The one reader of geodata/: tracked places and the context gazetteer.

``Gazetteer.load`` reads only the compiled ``catalogue.json`` (no shapely, no geometry), so
`tracker status` can look places up fast; geometries are read lazily from the GeoJSON files.
``validate_geodata`` checks everything (CRS, geometry validity, coordinate ranges and swaps,
duplicate ids and aliases) and is run by the build script and by ``load(validate=True)``.
"""

from __future__ import annotations

import gc
import json
import math
from collections.abc import Iterable
from pathlib import Path

from tracker.errors import AmbiguousPlaceError, GeodataError, UnknownPlaceError
from tracker.place_index import (
    INDEX_FORMAT,
    TRACKED_INDEX_FILE,
    geodata_root,
    index_rows,
)

# Typing only: `tracker status lachin` looks a place up without the models' dataclasses.
TYPE_CHECKING = False
if TYPE_CHECKING:  # pragma: no cover - typing only
    from typing import Any

    from tracker.models import Place

CATALOGUE_FILE = "catalogue.json"
# The tracked and curated places of catalogue.json alone: all that `tracker status` and
# `tracker history` need, a few KB instead of the full context gazetteer.
TRACKED_CATALOGUE_FILE = "catalogue-tracked.json"
TRACKED_FILE = "tracked.geojson"
CONTEXT_FILE = "context.geojson"
BASEMAP_FILE = "basemap.geojson"
PRECISIONS = ("source", "approximate")
_KIND_WORDS = frozenset({"corridor", "road", "crossing", "bridge", "checkpoint", "border", "gap",
                         "strait", "canal", "route", "port", "pass", "tunnel", "highway"})
_GENERATED_PREFIXES = ("gn-", "sea-", "area-")  # ids of the generated context gazetteer
_CRS84 = {"urn:ogc:def:crs:OGC:1.3:CRS84", "urn:ogc:def:crs:OGC::CRS84", "EPSG:4326",
          "urn:ogc:def:crs:EPSG::4326"}


def default_root() -> Path:
    """$TRACKER_GEODATA, else the repository's geodata/ next to the package."""
    return Path(geodata_root())


def fold_alias(text: str) -> str:
    """Case-, accent- and dash-blind form of a name (see tracker.extract.text)."""
    # Imported on first use: `tracker status` without a PLACE never folds anything.
    from tracker.extract.text import fold_alias as fold

    return fold(text)


def haversine_km(lon1: float, lat1: float, lon2: float, lat2: float) -> float:
    """Great-circle distance in km."""
    p1, p2 = math.radians(lat1), math.radians(lat2)
    dp, dl = p2 - p1, math.radians(lon2 - lon1)
    a = math.sin(dp / 2) ** 2 + math.cos(p1) * math.cos(p2) * math.sin(dl / 2) ** 2
    return 6371.0088 * 2 * math.asin(math.sqrt(min(1.0, a)))


def _read_json(path: Path) -> Any:
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise GeodataError(f"{path}: missing (run scripts/build_geodata.py)") from None
    except (json.JSONDecodeError, UnicodeDecodeError) as exc:
        raise GeodataError(f"{path}: not valid JSON: {exc}") from None


class Gazetteer:
    """Places known to the tracker: tracked ones (statuses) and context ones (location)."""

    def __init__(self, root: Path, records: list[dict[str, Any]],
                 country_bboxes: dict[str, list[float]] | None = None,
                 default_source: str = "") -> None:
        self.root = root
        self.default_source = default_source
        self.records = records
        self.country_bboxes = country_bboxes or {}
        self._by_id = {r["id"]: r for r in records}
        self._places: dict[str, Place] = {}
        self._features: dict[str, dict[str, Any]] | None = None
        self._tree: Any = None
        self._lookup_index: dict[str, list[str]] | None = None
        self._shared_names: dict[str, list[str]] | None = None

    # --- loading -------------------------------------------------------------------------
    @classmethod
    def load(cls, root: Path | None = None, *, validate: bool = False,
             tracked_only: bool = False) -> Gazetteer:
        """Read geodata/ (default: $TRACKER_GEODATA or the repo's); fast, no shapely.

        ``tracked_only`` reads just the tracked and curated places (for the CLI's quick
        paths); the geocoder needs the full gazetteer.
        """
        root = Path(root) if root is not None else default_root()
        if validate:
            validate_geodata(root)
        name = CATALOGUE_FILE
        if tracked_only and (root / TRACKED_CATALOGUE_FILE).is_file():
            name = TRACKED_CATALOGUE_FILE
        # The catalogue is ~100k small objects: the cyclic GC would triple the parse time.
        gc_was_enabled = gc.isenabled()
        gc.disable()
        try:
            data = _read_json(root / name)
        finally:
            if gc_was_enabled:
                gc.enable()
        if not isinstance(data, dict) or not isinstance(data.get("places"), list):
            raise GeodataError(f"{root / name}: no 'places' list")
        gazetteer = cls(root, data["places"], data.get("country_bboxes"),
                        data.get("default_source", ""))
        if isinstance(data.get("lookup"), dict):
            # The tracked catalogue carries its lookup keys folded at build time: folding
            # thousands of aliases would be most of `tracker status lachin`.
            gazetteer._lookup_index = data["lookup"]
        return gazetteer

    def _place(self, rec: dict[str, Any]) -> Place:
        place = self._places.get(rec["id"])
        if place is None:
            from tracker.models import Place

            place = Place(
                id=rec["id"], name=rec["name"], kind=rec["kind"],
                tracked=bool(rec.get("tracked")),
                aliases=tuple((lang, alias) for lang, alias in rec["aliases"]),
                countries=tuple(rec.get("countries") or ()), part_of=rec.get("part_of"),
                lon=rec.get("lon"), lat=rec.get("lat"),
                geometry_precision=rec.get("geometry_precision", "approximate"),
                source=rec.get("source", self.default_source))
            self._places[rec["id"]] = place
        return place

    # --- queries -------------------------------------------------------------------------
    @property
    def places(self) -> list[Place]:
        """Every place, tracked and context."""
        return [self._place(r) for r in self.records]

    def tracked(self) -> list[Place]:
        """Tracked places, sorted by name."""
        return sorted((self._place(r) for r in self.records if r.get("tracked")),
                      key=lambda p: p.name.casefold())

    def get(self, place_id: str) -> Place:
        """The place with this id; UnknownPlaceError if there is none."""
        rec = self._by_id.get(place_id)
        if rec is None:
            raise UnknownPlaceError(place_id, self._suggest(place_id))
        return self._place(rec)

    def record(self, place_id: str) -> dict[str, Any]:
        """The raw catalogue record (aliases, flags, precomputed links) of a place."""
        try:
            return self._by_id[place_id]
        except KeyError:
            raise UnknownPlaceError(place_id, self._suggest(place_id)) from None

    def links(self, place_id: str) -> list[tuple[str, float]]:
        """Tracked places near a context place, nearest first, as (id, km)."""
        return [(pid, km) for pid, km in self.record(place_id).get("links", [])]

    def lookup(self, query: str) -> Place:
        """Find a place by id, name or alias (case and accent blind), or by a unique prefix
        or substring; tracked places win over context places."""
        return self._place(self._by_id[self.lookup_id(query)])

    def lookup_id(self, query: str) -> str:
        """The id ``lookup`` finds (without making a Place)."""
        key = fold_alias(query)
        if not key:
            raise UnknownPlaceError(query)
        if query in self._by_id and self._by_id[query].get("tracked"):
            return query
        shared = self._shared().get(key)
        if shared is not None and len(shared) > 1:
            raise AmbiguousPlaceError(query, [self._by_id[p]["name"] for p in shared
                                              if p in self._by_id])
        index = self._index()
        exact = set(index.get(key) or index.get(key.replace(" ", "-")) or ())
        named = {pid for k, pids in index.items()
                 if k.startswith(key + " ") and k[len(key) + 1:].split(" ")[0] in _KIND_WORDS
                 for pid in pids}
        prefix = {pid for k, pids in index.items() if k.startswith(key) for pid in pids}
        inside = {pid for k, pids in index.items() if key in k for pid in pids}
        # "lachin" is the Lachin Corridor (tracked, named "<key> corridor") before the town;
        # "stepanakert" is the town before the corridor alias "Stepanakert-Goris road".
        for pool, tracked_only in ((exact, True), (named, True), (exact, False), (prefix, True),
                                   (inside, True), (prefix, False), (inside, False)):
            if tracked_only:
                pool = {p for p in pool if self._by_id[p].get("tracked")}
            if pool:
                return self._best(pool)
        raise UnknownPlaceError(query, self._suggest(query))

    def _best(self, ids: Iterable[str]) -> str:
        kind_rank = {"corridor": 0, "road": 1, "crossing": 2, "bridge": 3}
        return min(ids, key=lambda i: (not self._by_id[i].get("tracked"),
                                       kind_rank.get(self._by_id[i]["kind"], 9),
                                       len(self._by_id[i]["name"])))

    def _shared(self) -> dict[str, list[str]]:
        """Names several places answer to ("friendship bridge") -> those places' ids."""
        if self._shared_names is None:
            self._shared_names = {key: entry["places"] for rec in self.records
                                  for key, entry in (rec.get("shared") or {}).items()}
        return self._shared_names

    def _index(self) -> dict[str, list[str]]:
        if self._lookup_index is None:
            self._lookup_index = lookup_keys(self.records)
        return self._lookup_index

    def _suggest(self, query: str) -> list[str]:
        tracked = [r for r in self.records if r.get("tracked")]
        names = {fold_alias(a): r["name"] for r in tracked for _lang, a in r["aliases"]}
        names.update({fold_alias(r["name"]): r["name"] for r in tracked})
        names.update({r["id"]: r["name"] for r in tracked})
        import difflib

        key = fold_alias(query)
        # Close names first; failing those, the least distant ones, so that a typo-free
        # but unknown query still gets somewhere to start from.
        close = (difflib.get_close_matches(key, list(names), n=3, cutoff=0.6)
                 or difflib.get_close_matches(key, list(names), n=3, cutoff=0.3))
        return list(dict.fromkeys(names[c] for c in close))

    def parts(self, place_id: str) -> list[Place]:
        """Places that are part of this one (checkpoints and bridges on a corridor)."""
        self.get(place_id)
        return [self._place(r) for r in self.records if r.get("part_of") == place_id]

    # --- geometry ------------------------------------------------------------------------
    def _feature_index(self) -> dict[str, dict[str, Any]]:
        if self._features is None:
            feats: dict[str, dict[str, Any]] = {}
            for name in (TRACKED_FILE, CONTEXT_FILE):
                path = self.root / name
                if path.exists():
                    for f in _read_json(path).get("features", []):
                        feats[f["id"]] = f
            self._features = feats
        return self._features

    def feature(self, place_id: str) -> dict[str, Any]:
        """The place as a GeoJSON Feature (a Point for context places without a shape)."""
        place = self.get(place_id)
        feat = self._feature_index().get(place_id)
        if feat is not None:
            return feat
        return {"type": "Feature", "id": place.id,
                "properties": {"name": place.name, "kind": place.kind, "tracked": place.tracked,
                               "countries": list(place.countries),
                               "geometry_precision": place.geometry_precision,
                               "source": place.source},
                "geometry": {"type": "Point", "coordinates": [place.lon, place.lat]}}

    def geometry(self, place_id: str) -> Any:
        """The place's shapely geometry (imports shapely)."""
        from shapely.geometry import shape

        return shape(self.feature(place_id)["geometry"])

    def basemap(self) -> dict[str, Any]:
        """Simplified country outlines as a GeoJSON FeatureCollection (map background)."""
        return _read_json(self.root / BASEMAP_FILE)

    def nearest_tracked(self, lon: float, lat: float,
                        max_km: float = 10.0) -> tuple[Place, float] | None:
        """The tracked place nearest to (lon, lat) within ``max_km``, with the distance."""
        from shapely.geometry import Point
        from shapely.ops import nearest_points

        if self._tree is None:
            from shapely import STRtree

            ids = [r["id"] for r in self.records if r.get("tracked")]
            geoms = [self.geometry(i) for i in ids]
            self._tree = (STRtree(geoms), ids, geoms)
        tree, ids, geoms = self._tree
        pt = Point(lon, lat)
        deg = max_km / 111.0 / max(math.cos(math.radians(lat)), 0.05)
        best: tuple[Place, float] | None = None
        for i in tree.query(pt.buffer(deg)):
            near = nearest_points(geoms[i], pt)[0]
            km = haversine_km(lon, lat, near.x, near.y)
            if km <= max_km and (best is None or km < best[1]):
                best = (self.get(ids[i]), round(km, 2))
        return best


# --- validation ------------------------------------------------------------------------------
def lookup_keys(records: list[dict[str, Any]]) -> dict[str, list[str]]:
    """Folded id and alias -> ids, over the tracked and curated places (what
    ``Gazetteer.lookup`` searches: prefix search over 20k towns would be noise)."""
    index: dict[str, list[str]] = {}
    for rec in records:
        if rec["id"].startswith(_GENERATED_PREFIXES):
            continue
        keys = {fold_alias(rec["id"]), fold_alias(rec["id"].replace("-", " "))}
        keys |= {fold_alias(a) for _l, a in rec["aliases"]}
        for k in keys:
            index.setdefault(k, []).append(rec["id"])
    return dict(sorted(index.items()))


def tracked_catalogue(catalogue: dict[str, Any]) -> dict[str, Any]:
    """What TRACKED_CATALOGUE_FILE holds: the tracked and curated places of a catalogue,
    with their lookup keys."""
    places = [r for r in catalogue.get("places", [])
              if not r["id"].startswith(_GENERATED_PREFIXES)]
    return {**catalogue, "places": places, "lookup": lookup_keys(places)}


def tracked_index(catalogue: dict[str, Any]) -> dict[str, Any]:
    """What TRACKED_INDEX_FILE holds: the tracked places' ids, names and kinds."""
    return {"format": INDEX_FORMAT,
            "places": index_rows([r for r in catalogue.get("places", []) if r.get("tracked")])}


def validate_geodata(root: Path | None = None) -> None:
    """Check geodata/ fully; raise GeodataError naming the first bad feature."""
    from shapely.geometry import shape
    from shapely.validation import explain_validity

    root = Path(root) if root is not None else default_root()
    catalogue = _read_json(root / CATALOGUE_FILE)
    subset_path = root / TRACKED_CATALOGUE_FILE
    if subset_path.is_file() and _read_json(subset_path) != tracked_catalogue(catalogue):
        raise GeodataError(f"{subset_path}: out of date with {CATALOGUE_FILE} "
                           "(run scripts/build_geodata.py)")
    index_path = root / TRACKED_INDEX_FILE
    if index_path.is_file() and _read_json(index_path) != tracked_index(catalogue):
        raise GeodataError(f"{index_path}: out of date with {CATALOGUE_FILE} "
                           "(run scripts/build_geodata.py)")
    bboxes = catalogue.get("country_bboxes", {}) if isinstance(catalogue, dict) else {}
    ids: set[str] = set()
    for name in (TRACKED_FILE, CONTEXT_FILE):
        path = root / name
        data = _read_json(path)
        if data.get("type") != "FeatureCollection":
            raise GeodataError(f"{path}: not a GeoJSON FeatureCollection")
        crs = (data.get("crs") or {}).get("properties", {}).get("name")
        if crs is not None and crs not in _CRS84:
            raise GeodataError(f"{path}: CRS {crs} is not WGS84 (EPSG:4326 / CRS84)")
        for n, feat in enumerate(data.get("features", [])):
            fid = feat.get("id") or (feat.get("properties") or {}).get("id")
            label = f"{path.name}: feature {fid or f'#{n}'}"
            if not fid:
                raise GeodataError(f"{label}: no id")
            if fid in ids:
                raise GeodataError(f"{label}: duplicate id {fid!r}")
            ids.add(fid)
            props = feat.get("properties") or {}
            for key in ("name", "kind"):
                if not props.get(key):
                    raise GeodataError(f"{label}: no {key}")
            if props.get("geometry_precision") not in PRECISIONS:
                raise GeodataError(f"{label}: geometry_precision must be one of {PRECISIONS}")
            try:
                geom = shape(feat["geometry"])
            except Exception as exc:  # shapely raises several types for bad GeoJSON
                raise GeodataError(f"{label}: bad geometry: {exc}") from None
            if geom.is_empty or not geom.is_valid:
                raise GeodataError(f"{label}: invalid geometry: {explain_validity(geom)}")
            minx, miny, maxx, maxy = geom.bounds
            if not (-180 <= minx <= maxx <= 180 and -90 <= miny <= maxy <= 90):
                raise GeodataError(f"{label}: coordinates out of range {geom.bounds}")
            _check_swapped(label, geom, props.get("countries") or [], bboxes)
    if not isinstance(catalogue, dict) or not isinstance(catalogue.get("places"), list):
        raise GeodataError(f"{root / name}: no 'places' list")
    _check_catalogue(root / CATALOGUE_FILE, catalogue["places"], ids)


def _near_bbox(x: float, y: float, box: list[float], margin: float = 1.0) -> bool:
    return box[0] - margin <= x <= box[2] + margin and box[1] - margin <= y <= box[3] + margin


def _check_swapped(label: str, geom: Any, countries: list[str],
                   bboxes: dict[str, list[float]]) -> None:
    boxes = [bboxes[c] for c in countries if c in bboxes]
    if not boxes:
        return
    pt = geom.representative_point()
    if any(_near_bbox(pt.x, pt.y, b, margin=3.0) for b in boxes):
        return
    if any(_near_bbox(pt.y, pt.x, b) for b in boxes):
        raise GeodataError(f"{label}: coordinates look swapped (lat, lon): {pt.x:.4f}, {pt.y:.4f}")
    raise GeodataError(f"{label}: lies outside its countries {countries}: {pt.x:.4f}, {pt.y:.4f}")


def _check_catalogue(path: Path, places: list[dict[str, Any]], feature_ids: set[str]) -> None:
    seen: dict[str, str] = {}
    owners: dict[str, str] = {}
    for rec in places:
        pid = rec.get("id")
        label = f"{path.name}: place {pid}"
        if not pid or not rec.get("name") or not rec.get("kind"):
            raise GeodataError(f"{label}: needs id, name and kind")
        if pid in seen:
            raise GeodataError(f"{label}: duplicate id")
        seen[pid] = rec["name"]
        if rec.get("tracked") and pid not in feature_ids:
            raise GeodataError(f"{label}: tracked but has no geometry in {TRACKED_FILE}")
        lon, lat = rec.get("lon"), rec.get("lat")
        if not (isinstance(lon, (int, float)) and isinstance(lat, (int, float))
                and -180 <= lon <= 180 and -90 <= lat <= 90):
            raise GeodataError(f"{label}: bad representative point {lon}, {lat}")
        for _lang, alias in rec.get("aliases", []):
            key = fold_alias(alias)
            other = owners.setdefault(key, pid)
            if other != pid:
                raise GeodataError(f"{label}: alias {alias!r} also belongs to {other}")
    for rec in places:
        if rec.get("part_of") and rec["part_of"] not in seen:
            raise GeodataError(f"{path.name}: place {rec['id']}: part_of unknown place "
                               f"{rec['part_of']!r}")
