"""Rebuild geodata/ from the shared Natural Earth / GeoNames folder and scripts/catalogue/.

    python scripts/build_geodata.py [SHARED_GEODATA] [--out geodata]

Writes tracked.geojson (tracked places with geometry), context.geojson (curated context
areas), catalogue.json (every place, tracked and context, with aliases and precomputed
spatial links, no geometry: what `Gazetteer.load` reads) and basemap.geojson (simplified
country outlines), then validates the result.
"""

from __future__ import annotations

import argparse
import csv
import difflib
import json
import math
import sys
import tomllib
from pathlib import Path
from typing import Any

from shapely import STRtree
from shapely.geometry import LineString, MultiPoint, Point, box, mapping, shape
from shapely.ops import linemerge, nearest_points, unary_union

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from tracker.errors import GeodataError  # noqa: E402
from tracker.extract.text import fold_alias, has_case, script_of  # noqa: E402
from tracker.gazetteer import (  # noqa: E402
    TRACKED_CATALOGUE_FILE,
    TRACKED_INDEX_FILE,
    tracked_catalogue,
    tracked_index,
    validate_geodata,
)

CATALOGUE = ROOT / "scripts" / "catalogue"
# Generated populated places kept: tier A (focus countries, all names) from this population,
# tier B (neighbours) from this population, tier W (world, >= 100k) all.
MIN_POPULATION = {"A": 3000, "B": 15000, "W": 0}
GENERATED_SCRIPTS = {"Latin", "Cyrillic", "Armenian", "Arabic", "Hebrew", "Georgian"}
SCRIPT_QUOTA = {"Latin": 5, "Cyrillic": 3, "Armenian": 2, "Arabic": 2, "Hebrew": 2, "Georgian": 1}
DEFAULT_SOURCE = "GeoNames (CC BY 4.0)"
ALL_NAMES_POPULATION = 1_000_000  # cities this big keep all their alternate names
SHORT_ALTERNATE = 5  # letters: see alternate_ok
# A GeoNames place named "<town> Fort|Airport|..." is a facility: the bare town name it lists
# as an alternate ("El Geneina" of El Geneina Fort) belongs to the town itself.
FACILITY_WORDS = ("fort", "airport", "airbase", "air base", "barracks", "camp", "station")
LINK_KM = 12.0  # context places this close to a tracked line or point get a link
COUNTRY_NAME_FIELDS = ("name_en", "name", "name_long", "admin", "name_ru", "name_uk", "name_ar",
                       "name_he", "name_fa", "name_tr", "name_pl", "name_de", "name_fr", "name_es")
FIELD_LANG = {"name_ru": "ru", "name_uk": "uk", "name_ar": "ar", "name_he": "he", "name_fa": "fa",
              "name_tr": "tr", "name_pl": "pl", "name_de": "de", "name_fr": "fr", "name_es": "es"}


def haversine_km(lon1: float, lat1: float, lon2: float, lat2: float) -> float:
    """Great-circle distance in km."""
    p1, p2 = math.radians(lat1), math.radians(lat2)
    dp, dl = p2 - p1, math.radians(lon2 - lon1)
    a = math.sin(dp / 2) ** 2 + math.cos(p1) * math.cos(p2) * math.sin(dl / 2) ** 2
    return 6371.0088 * 2 * math.asin(math.sqrt(a))


class Shared:
    """The shared source files, read once."""

    def __init__(self, folder: Path) -> None:
        if not (folder / "places.csv").exists():
            raise GeodataError(f"{folder}: not a shared geodata folder (no places.csv)")

        def features(name: str) -> list[dict[str, Any]]:
            return json.loads((folder / name).read_text(encoding="utf-8"))["features"]

        self.roads = features("roads.geojson")
        self.focus = {f["properties"]["adm0_a3"]: shape(f["geometry"])
                      for f in features("countries_10m_focus.geojson")}
        self.countries = features("countries.geojson")
        self.disputed = {f["properties"]["brk_name"]: f for f in features("disputed.geojson")}
        self.marine: dict[str, list[dict[str, Any]]] = {}
        for f in features("marine.geojson"):
            name = " ".join((f["properties"].get("name") or "").split())
            if name:
                self.marine.setdefault(name, []).append(f)
        self.ports = {f["properties"]["name"]: f for f in features("ports.geojson")}
        with (folder / "places.csv").open(encoding="utf-8") as fh:
            self.places = list(csv.DictReader(fh))
        self.by_gn = {int(r["geonameid"]): r for r in self.places}

    def area(self, ref: str) -> Any:
        """A country (adm0_a3, 1:10m) or a disputed area ("disputed:Name") as a geometry."""
        if ref.startswith("disputed:"):
            return shape(self.disputed[ref.split(":", 1)[1]]["geometry"])
        if ref not in self.focus:
            raise GeodataError(f"unknown area {ref!r}")
        return self.focus[ref]

    def waypoint(self, wp: Any) -> tuple[float, float]:
        if isinstance(wp, int):
            row = self.by_gn[wp]
            return float(row["lon"]), float(row["lat"])
        lon, lat = wp
        return float(lon), float(lat)


def resolve_geometry(spec: list[dict[str, Any]], shared: Shared, done: dict[str, Any],
                     pid: str) -> tuple[Any, str, list[str]]:
    """(geometry, precision, sources) of one catalogue geometry spec."""
    parts, precision, sources = [], "source", []
    for part in spec:
        if "roads" in part:
            lines = [shape(shared.roads[i]["geometry"]) for i in part["roads"]]
            parts.append(linemerge(unary_union(lines)))
            sources.append("Natural Earth roads (naturalearthtiles, ODbL)")
        elif "crossing" in part:
            roads = unary_union([shape(shared.roads[i]["geometry"]) for i in part["crossing"]])
            a, b = (shared.area(x) for x in part["between"])
            # Where the roads leave area a next to area b (their 1:10m edges differ a little).
            hits = roads.intersection(a.boundary.buffer(0.0005)).intersection(b.buffer(0.01))
            if hits.is_empty:
                raise GeodataError(
                    f"{pid}: roads {part['crossing']} do not cross {part['between']}")
            parts.append(hits.centroid)
            sources.append("Natural Earth roads x 1:10m borders")
        elif "border" in part:
            a, b = (shared.area(x) for x in part["border"])
            line = a.boundary.intersection(b.buffer(0.003))
            parts.append(linemerge(line) if line.geom_type == "MultiLineString" else line)
            sources.append("Natural Earth 1:10m borders")
        elif "area" in part:  # a country cut to a box: an exclave such as Kaliningrad
            parts.append(shared.area(part["area"]).intersection(box(*part["clip"])))
            sources.append("Natural Earth 1:10m admin-0 (clipped)")
        elif "disputed" in part:
            parts.append(shape(shared.disputed[part["disputed"]]["geometry"]))
            sources.append("Natural Earth disputed areas")
        elif "marine" in part:
            parts.append(unary_union([shape(f["geometry"]) for f in shared.marine[part["marine"]]]))
            sources.append("Natural Earth marine areas")
        elif "port" in part:
            parts.append(shape(shared.ports[part["port"]]["geometry"]))
            sources.append("Natural Earth ports")
        elif "line" in part:
            parts.append(LineString([shared.waypoint(w) for w in part["line"]]))
            precision = "approximate"
            sources.append("waypoints (GeoNames towns / known coordinates)")
        elif "point" in part:
            parts.append(Point(shared.waypoint(part["point"])))
            precision = "approximate"
            sources.append("GeoNames" if isinstance(part["point"], int) else "known coordinates")
        elif "group" in part:
            parts.append(MultiPoint([done[g].representative_point() for g in part["group"]]))
            precision = "approximate"
            sources.append("points of its members")
        else:
            raise GeodataError(f"{pid}: unknown geometry part {part}")
    geom = parts[0] if len(parts) == 1 else unary_union(parts)
    if geom.geom_type == "MultiLineString":
        geom = linemerge(geom)
    return geom, precision, sorted(set(sources))


def representative(geom: Any) -> tuple[float, float]:
    """A point on the geometry (middle of a line) as (lon, lat)."""
    if geom.geom_type in ("LineString", "MultiLineString"):
        merged = geom if geom.geom_type == "LineString" else max(geom.geoms, key=lambda g: g.length)
        pt = merged.interpolate(0.5, normalized=True)
    elif geom.geom_type in ("Polygon", "MultiPolygon"):
        pt = geom.representative_point()
    else:
        pt = geom.centroid if geom.geom_type == "MultiPoint" else geom
    return round(pt.x, 5), round(pt.y, 5)


def alias_pairs(entry: dict[str, Any], kind_words: dict[str, list[str]] | None = None
                ) -> list[list[str]]:
    """[language, alias] pairs of a catalogue entry, the canonical name first. An entry with
    ``bare_names`` (a crossing that IS its village: Margara, Jarinje) also gets each alias
    with the kind word taken off ("КПП Маргара" -> "Маргара"), in every language."""
    pairs = [["en", entry["name"]]]
    for lang, names in (entry.get("aliases") or {}).items():
        pairs.extend([lang, n] for n in names)
    if entry.get("bare_names") and kind_words:
        pairs.extend([lang, bare] for lang, alias in list(pairs)
                     if (bare := strip_kind_words(alias, kind_words.get(lang, []))))
    return dedupe_pairs(pairs)


def strip_kind_words(alias: str, words: list[str]) -> str:
    """``alias`` without a leading or trailing kind word ("crossing", "КПП"), or ""."""
    folded = fold_alias(alias)
    for word in sorted(words, key=len, reverse=True):
        w = fold_alias(word)
        if folded.endswith(" " + w):
            bare = alias.strip()[: len(alias.strip()) - len(word)].strip(" -–")
        elif folded.startswith(w + " "):
            bare = alias.strip()[len(word):].strip(" -–")
        else:
            continue
        return bare if len(bare) >= 4 and fold_alias(bare) != folded else ""
    return ""


def dedupe_pairs(pairs: list[list[str]]) -> list[list[str]]:
    seen, out = set(), []
    for lang, alias in pairs:
        # The alias as written first, then without apostrophes (a list, not a set: the
        # build must write the same bytes every time).
        for variant in dict.fromkeys((alias, alias.replace("’", "").replace("'", ""))):
            key = fold_alias(variant)
            if key and key not in seen:
                seen.add(key)
                out.append([lang, variant])
    return out


def rounded(geom: Any, ndigits: int = 5) -> dict[str, Any]:
    """GeoJSON geometry with coordinates rounded (RFC 7946 suggests ~6 digits at most)."""
    def walk(c: Any) -> Any:
        if isinstance(c, (int, float)):
            return round(c, ndigits)
        return [walk(x) for x in c]
    g = mapping(geom)
    if g["type"] == "GeometryCollection":
        raise GeodataError("geometry collections are not written")
    return {"type": g["type"], "coordinates": walk(g["coordinates"])}


def generated_alias_ok(alias: str, common: set[str]) -> bool:
    """Keep a GeoNames alternate name? (proper names in known scripts, no common words or
    nationality adjectives: "Kazakh" is an alternate name of Petropavl)."""
    alias = alias.strip()
    if len(alias) < 3 or any(ch.isdigit() for ch in alias) or "(" in alias:
        return False
    script = script_of(alias)
    if script not in GENERATED_SCRIPTS:
        return False
    if has_case(alias) and not alias[0].isupper():
        return False
    if alias.isupper() and len(alias) <= 5:
        return False  # airport and other codes (MSC is Mesa's): acronyms in news are not towns
    return fold_alias(alias) not in common and len(alias.split()) <= 5


def build(shared_dir: Path, out: Path) -> dict[str, int]:
    """Build every output file into ``out``; returns counts."""
    shared = Shared(shared_dir)
    tracked_cfg = tomllib.loads((CATALOGUE / "tracked.toml").read_text(encoding="utf-8"))["place"]
    context_cfg = tomllib.loads((CATALOGUE / "context.toml").read_text(encoding="utf-8"))["context"]
    lexicon = tomllib.loads((CATALOGUE / "lexicon.toml").read_text(encoding="utf-8"))
    common = {fold_alias(w) for w in lexicon["common_words"]}
    common |= {fold_alias(w) for w in lexicon["demonyms"]}
    kind_words = lexicon.get("kind_words", {})

    records: list[dict[str, Any]] = []
    geoms: dict[str, Any] = {}
    features: list[dict[str, Any]] = []
    for entry in tracked_cfg:
        geom, precision, sources = resolve_geometry(entry["geometry"], shared, geoms, entry["id"])
        geoms[entry["id"]] = geom
        lon, lat = representative(geom)
        rec = {"id": entry["id"], "name": entry["name"], "kind": entry["kind"], "tracked": True,
               "aliases": alias_pairs(entry, kind_words),
               "countries": entry.get("countries", []),
               "part_of": entry.get("part_of"), "lon": lon, "lat": lat,
               "geometry_precision": precision, "source": "; ".join(sources),
               "flags": entry.get("flags", []), "links": [], "priority": 0}
        if any("group" in part for part in entry["geometry"]):
            rec["flags"] = [*rec["flags"], "group"]
        records.append(rec)
        features.append(feature_of(rec, geom))

    context_features = []
    taken_gn: set[int] = set()
    for entry in context_cfg:
        if "gn" in entry:
            row = shared.by_gn[entry["gn"]]
            taken_gn.add(entry["gn"])
            geom, precision, sources = (Point(float(row["lon"]), float(row["lat"])), "source",
                                        ["GeoNames"])
        else:
            geom, precision, sources = resolve_geometry(entry["geometry"], shared, geoms,
                                                        entry["id"])
        lon, lat = representative(geom)
        rec = {"id": entry["id"], "name": entry["name"], "kind": entry["kind"], "tracked": False,
               "aliases": alias_pairs(entry), "countries": entry.get("countries", []),
               "part_of": None, "lon": lon, "lat": lat, "geometry_precision": precision,
               "source": "; ".join(sources), "flags": entry.get("flags", []), "links": [],
               "priority": 1}
        records.append(rec)
        if geom.geom_type != "Point":
            simple = geom.simplify(0.002, preserve_topology=True)
            context_features.append(feature_of(rec, simple, ndigits=4))
            geoms[entry["id"]] = geom
        else:
            geoms[entry["id"]] = geom

    town_namesakes(records, context_cfg)
    shared_names(records, tracked_cfg)
    records.extend(generated_countries(shared, lexicon, common))
    records.extend(generated_areas(shared, common))
    records.extend(generated_places(shared, lexicon, common, taken_gn))
    resolve_alias_collisions(records)
    link_context(records, geoms)
    bboxes = country_bboxes(shared)

    out.mkdir(parents=True, exist_ok=True)
    write_json(out / "tracked.geojson", {"type": "FeatureCollection", "features": features})
    write_json(out / "context.geojson", {"type": "FeatureCollection", "features": context_features})
    counts = {"tracked": len(tracked_cfg), "places": len(records),
              "aliases": sum(len(r["aliases"]) for r in records)}
    catalogue = {"format": 1, "default_source": DEFAULT_SOURCE, "country_bboxes": bboxes,
                 "places": [compact(r) for r in records]}
    write_json(out / "catalogue.json", catalogue, indent=None)
    write_json(out / TRACKED_CATALOGUE_FILE, tracked_catalogue(catalogue), indent=None)
    write_json(out / TRACKED_INDEX_FILE, tracked_index(catalogue), indent=None)
    write_json(out / "basemap.geojson", basemap(shared), indent=None)
    (out / "PLACES.md").write_text(places_table(features), encoding="utf-8")
    validate_geodata(out)
    return counts


def places_table(features: list[dict[str, Any]]) -> str:
    """A Markdown list of the tracked places, for people choosing what to watch."""
    rows = sorted(features, key=lambda f: (f["properties"]["kind"],
                                           f["properties"]["name"].casefold()))
    lines = ["# Tracked places", "",
             f"{len(rows)} places, generated by `scripts/build_geodata.py` from "
             "`scripts/catalogue/tracked.toml`. `tracker status --all` shows their status.", "",
             "| id | name | kind | countries | part of | geometry | other names |",
             "| --- | --- | --- | --- | --- | --- | --- |"]
    for f in rows:
        p = f["properties"]
        others = [a for names in p["aliases"].values() for a in names if a != p["name"]]
        shown = ", ".join(others[:4]) + (f" (+{len(others) - 4})" if len(others) > 4 else "")
        cells = [f"`{f['id']}`", p["name"], p["kind"], " ".join(p["countries"]),
                 p.get("part_of") or "", p["geometry_precision"], shown]
        lines.append("| " + " | ".join(c.replace("|", "/") for c in cells) + " |")
    return "\n".join(lines) + "\n"


def feature_of(rec: dict[str, Any], geom: Any, ndigits: int = 5) -> dict[str, Any]:
    props = {k: rec[k] for k in ("name", "kind", "countries", "part_of", "geometry_precision",
                                 "source")}
    by_lang: dict[str, list[str]] = {}
    for lang, alias in rec["aliases"]:
        by_lang.setdefault(lang, []).append(alias)
    props["aliases"] = by_lang
    props["tracked"] = rec["tracked"]
    return {"type": "Feature", "id": rec["id"], "properties": props,
            "geometry": rounded(geom, ndigits)}


def generated_countries(shared: Shared, lexicon: dict[str, Any],
                        common: set[str]) -> list[dict[str, Any]]:
    out = []
    extra = lexicon.get("country_aliases", {})
    for f in shared.countries:
        p = f["properties"]
        iso2 = p.get("iso_a2_eh") if p.get("iso_a2_eh") not in (None, "-99") else p.get("iso_a2")
        if not iso2 or iso2 == "-99":
            iso2 = p["adm0_a3"][:2]
        pairs = []
        for field in COUNTRY_NAME_FIELDS:
            if p.get(field):
                pairs.append([FIELD_LANG.get(field, "en"), p[field]])
        pairs.extend(["", a] for a in extra.get(iso2, []))
        out.append({"id": f"country-{p['adm0_a3'].lower()}", "name": p.get("name_en") or p["name"],
                    "kind": "country", "tracked": False, "aliases": dedupe_pairs(pairs),
                    "countries": [iso2], "part_of": None,
                    "lon": round(p["label_x"], 5), "lat": round(p["label_y"], 5),
                    "geometry_precision": "source", "source": "Natural Earth admin-0 1:50m",
                    "flags": [], "links": [], "priority": 2})
    return out


def generated_areas(shared: Shared, common: set[str]) -> list[dict[str, Any]]:
    """Seas, straits, gulfs (marine) and disputed areas as context places."""
    out = []
    for name, feats in shared.marine.items():
        pretty = name.title() if name.isupper() else name
        pt = unary_union([shape(f["geometry"]) for f in feats]).representative_point()
        out.append({"id": "sea-" + slug(pretty), "name": pretty,
                    "kind": feats[0]["properties"].get("featurecla", "sea").lower(),
                    "tracked": False, "aliases": dedupe_pairs([["en", pretty]]), "countries": [],
                    "part_of": None, "lon": round(pt.x, 5), "lat": round(pt.y, 5),
                    "geometry_precision": "source", "source": "Natural Earth marine areas",
                    "flags": [], "links": [], "priority": 3})
    for name, f in shared.disputed.items():
        if fold_alias(name) in common:
            continue
        pt = shape(f["geometry"]).representative_point()
        out.append({"id": "area-" + slug(name), "name": name, "kind": "region", "tracked": False,
                    "aliases": dedupe_pairs([["en", name]]), "countries": [],
                    "part_of": None, "lon": round(pt.x, 5), "lat": round(pt.y, 5),
                    "geometry_precision": "source", "source": "Natural Earth disputed areas",
                    "flags": [], "links": [], "priority": 3})
    return out


def generated_places(shared: Shared, lexicon: dict[str, Any], common: set[str],
                     taken: set[int]) -> list[dict[str, Any]]:
    capitals = set(lexicon["capitals"])
    facility_towns = {fold_alias(bare) for row in shared.places
                      if (bare := facility_town(row["name"]))}
    out = []
    for row in shared.places:
        gn = int(row["geonameid"])
        pop = int(row["population"] or 0)
        if gn in taken or pop < MIN_POPULATION.get(row["tier"], 10**9):
            continue
        is_capital = f"{row['country_code']}:{row['name']}" in capitals
        names = [row["name"]] + [a for a in row["alternate_names"].split("|")
                                 if a and alternate_ok(a, row["name"], pop, row["tier"])]
        if facility_town(row["name"]):  # the fort keeps only the names that say "fort"
            names = [n for n in names if facility_town(n)]
        # GeoNames lists alternates alphabetically, so a quota keeps arbitrary ones (Kyiv's
        # first were "Chijv", "Civ"): big cities, the most reported, keep every spelling.
        kept = [n for n in names if generated_alias_ok(n, common)]
        if pop < ALL_NAMES_POPULATION:
            picked = pick_aliases(kept)
            # ...and a town keeps the name its namesake facility lists for it.
            kept = picked + [n for n in kept if fold_alias(n) in facility_towns
                             and n not in picked]
        if not kept:
            continue
        kind = "city" if pop >= 100000 else "town"
        out.append({"id": f"gn-{gn}", "name": row["name"], "kind": kind,
                    "tracked": False, "aliases": dedupe_pairs([["", n] for n in kept]),
                    "countries": [row["country_code"]], "part_of": None,
                    "lon": float(row["lon"]), "lat": float(row["lat"]),
                    "geometry_precision": "source", "source": DEFAULT_SOURCE,
                    "flags": ["capital"] if is_capital else [], "links": [],
                    "priority": 4, "population": pop})
    return out


def alternate_ok(alias: str, name: str, pop: int, tier: str) -> bool:
    """A short Latin alternate name (5 letters or fewer) of a minor place outside the focus
    countries is a near-spelling that mostly names something else ("Saba" for Saaba): kept
    only for big cities (Kiev for Kyiv), focus countries, or when it is the name itself."""
    if script_of(alias) != "Latin" or sum(map(str.isalpha, alias)) > SHORT_ALTERNATE:
        return True
    return pop >= 1_000_000 or tier == "A" or fold_alias(alias) == fold_alias(name)


def facility_town(name: str) -> str:
    """The town a facility's name is made of ("El Geneina Fort" -> "El Geneina"), or ""."""
    folded = fold_alias(name)
    for word in FACILITY_WORDS:
        if folded.endswith(" " + word) and len(folded) > len(word) + 3:
            return name[: len(name) - len(word)].strip(" -")
    return ""


def pick_aliases(names: list[str]) -> list[str]:
    """At most a few spellings per script: the name first, then the alternates closest to it
    (GeoNames lists them alphabetically, so Izmayil's first were "Antifila", "Hacidar"; its
    near-spelling "Izmail" is the one the news uses)."""
    per_script: dict[str, int] = {}
    out = []
    main = fold_alias(names[0]) if names else ""
    ranked = names[:1] + sorted(
        names[1:], key=lambda n: -difflib.SequenceMatcher(None, main, fold_alias(n)).ratio())
    for n in ranked:
        script = script_of(n)
        if per_script.get(script, 0) < SCRIPT_QUOTA.get(script, 1):
            per_script[script] = per_script.get(script, 0) + 1
            out.append(n)
    return out


def compact(rec: dict[str, Any]) -> dict[str, Any]:
    """Drop empty and default fields (the loader fills them in) to keep the file small."""
    rec.pop("priority", None)
    rec.pop("population", None)
    return {k: v for k, v in rec.items()
            if v not in (None, [], False, "") and not (k == "source" and v == DEFAULT_SOURCE)}


def resolve_alias_collisions(records: list[dict[str, Any]]) -> None:
    """Give each folded alias to one place: curated first, then countries, areas, and the
    most populous town; a generated place whose own name is the alias beats one where it is
    only an alternate."""
    def rank(rec: dict[str, Any], key: str) -> tuple[int, int, int]:
        own = 0 if fold_alias(rec["name"]) == key else 1
        return (rec["priority"], own, -rec.get("population", 0))

    owner: dict[str, dict[str, Any]] = {}
    for rec in records:
        for _lang, alias in rec["aliases"]:
            key = fold_alias(alias)
            cur = owner.get(key)
            if cur is None or (cur is not rec and rank(rec, key) < rank(cur, key)):
                owner[key] = rec
    for rec in records:
        if rec["priority"] <= 1:
            continue  # curated aliases are checked by validate_geodata, never dropped
        rec["aliases"] = [[lang, a] for lang, a in rec["aliases"]
                          if owner[fold_alias(a)] is rec]
    records[:] = [r for r in records if r["aliases"]]


def town_namesakes(records: list[dict[str, Any]], context_cfg: list[dict[str, Any]]) -> None:
    """A curated town with ``namesake = "<crossing id>"`` (Moyale, Poipet) is the town; its
    names are taken off the crossing (a ``bare_names`` crossing gets them too), so "clashes in
    Moyale" names the town and only the geocoder's namesake rules ("queued at Moyale") make
    it the crossing."""
    by_id = {r["id"]: r for r in records}
    for entry in context_cfg:
        target = entry.get("namesake")
        if not target:
            continue
        if target not in by_id or not by_id[target]["tracked"]:
            raise GeodataError(f"context place {entry['id']}: namesake {target!r} is not a "
                               "tracked place")
        town = by_id[entry["id"]]
        names = {fold_alias(a) for _, a in town["aliases"]}
        crossing = by_id[target]
        crossing["aliases"] = [[lang, a] for lang, a in crossing["aliases"]
                               if fold_alias(a) not in names]
        town["namesake"] = target


def shared_names(records: list[dict[str, Any]], tracked_cfg: list[dict[str, Any]]) -> None:
    """Names that several tracked places answer to (``shared_names``: "Friendship Bridge").
    Each name becomes an alias of one holder (the ``shared_default`` place, else the first in
    catalogue order) with a ``shared`` entry: its candidates, the default, and per candidate
    the words one of which its sentence must hold (``shared_words``). The geocoder resolves a
    mention of the name from the other places of the text (tracker.extract.geocode_shared)."""
    by_id = {r["id"]: r for r in records}
    groups: dict[str, dict[str, Any]] = {}
    for entry in tracked_cfg:
        for name in entry.get("shared_names", []):
            group = groups.setdefault(fold_alias(name), {"name": name, "places": [],
                                                          "default": None, "words": {}})
            if entry["id"] not in group["places"]:
                group["places"].append(entry["id"])
            if entry.get("shared_default"):
                if group["default"] not in (None, entry["id"]):
                    raise GeodataError(f"shared name {name!r}: two defaults")
                group["default"] = entry["id"]
            if entry.get("shared_words"):
                group["words"][entry["id"]] = sorted({w.casefold() for w in entry["shared_words"]})
    for key, group in groups.items():
        holder = by_id[group["default"] or group["places"][0]]
        holder["aliases"] = [[lang, a] for lang, a in holder["aliases"] if fold_alias(a) != key]
        holder["aliases"].append(["en", group["name"]])
        holder.setdefault("shared", {})[key] = {"places": group["places"],
                                               "default": group["default"],
                                               "words": group["words"]}
        if "shared" not in holder["flags"]:
            holder["flags"] = [*holder["flags"], "shared"]


# Words that, taken off a tracked place's name, leave the town it is named after.
NAMED_AFTER_WORDS = ["crossing", "border crossing", "checkpoint", "border checkpoint",
                     "crossing point", "bridge", "port of", "port", "pass", "tunnel"]


def link_context(records: list[dict[str, Any]], geoms: dict[str, Any]) -> None:
    """Precompute, for each non-tracked place, the tracked places within LINK_KM."""
    # Groups (e.g. "Ukrainian Black Sea ports") are never what a single town stands for.
    tracked = [r for r in records if r["tracked"] and r["kind"] not in ("region",)
               and "group" not in r["flags"]]
    tree_geoms = [geoms[r["id"]] for r in tracked]
    kind_of = {r["id"]: r["kind"] for r in tracked}
    tree = STRtree(tree_geoms)
    regions = [(r["id"], geoms[r["id"]]) for r in records if r["tracked"] and r["kind"] == "region"]
    for rec in records:
        if rec["tracked"] or rec["kind"] in ("country", "sea", "ocean", "region"):
            continue
        pt = Point(rec["lon"], rec["lat"])
        deg = LINK_KM / 111.0 / max(math.cos(math.radians(rec["lat"])), 0.2)
        links = []
        for i in tree.query(pt.buffer(deg)):
            near = nearest_points(tree_geoms[i], pt)[0]
            km = haversine_km(pt.x, pt.y, near.x, near.y)
            if km <= LINK_KM:
                links.append([tracked[i]["id"], round(km, 2)])
        # A crossing, bridge or port named after the town alone ("Rafah" -> the Rafah
        # crossing) is what the town's name stands for in the news, before a nearer road.
        town = fold_alias(rec["name"])
        named = {t["id"] for t in tracked
                 if fold_alias(strip_kind_words(t["name"], NAMED_AFTER_WORDS)) == town}
        links.sort(key=lambda x: (x[0] not in named, x[1]))
        # A crossing named after the town: "through Rafah" may mean it (tracker.extract.geocode).
        crossing = [pid for pid, _ in links if pid in named and kind_of[pid] == "crossing"]
        if crossing and not rec.get("namesake"):  # a curated namesake (town_namesakes) stays
            rec["namesake"] = crossing[0]
        # The regions holding it come after its nearest lines and points, never instead.
        rec["links"] = links[:6] + [[rid, 0.0] for rid, geom in regions if geom.contains(pt)]


def country_bboxes(shared: Shared) -> dict[str, list[float]]:
    out: dict[str, list[float]] = {}
    for f in shared.countries:
        p = f["properties"]
        for code in sorted({p.get("iso_a2_eh"), p.get("iso_a2")} - {None, "-99"}):
            out[code] = [round(v, 3) for v in shape(f["geometry"]).bounds]
    return out


def basemap(shared: Shared) -> dict[str, Any]:
    feats = []
    for f in shared.countries:
        g = shape(f["geometry"]).simplify(0.08, preserve_topology=True)
        if g.is_empty or g.area < 0.02:
            continue
        feats.append({"type": "Feature", "properties": {"name": f["properties"]["name"],
                      "iso_a3": f["properties"]["adm0_a3"]}, "geometry": rounded(g, 2)})
    return {"type": "FeatureCollection", "features": feats}


def slug(name: str) -> str:
    return "-".join("".join(c if c.isalnum() else " " for c in fold_alias(name)).split())


def write_json(path: Path, obj: Any, indent: int | None = 1) -> None:
    tmp = path.with_suffix(path.suffix + ".tmp")
    with tmp.open("w", encoding="utf-8") as fh:
        json.dump(obj, fh, ensure_ascii=False, indent=indent, separators=(",", ":"))
        fh.write("\n")
    tmp.replace(path)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("shared", nargs="?", type=Path, default=ROOT.parent / "shared" / "geodata",
                        help="the shared geodata folder (default: ../shared/geodata)")
    parser.add_argument("--out", type=Path, default=ROOT / "geodata", help="output folder")
    args = parser.parse_args(argv)
    try:
        counts = build(args.shared, args.out)
    except GeodataError as exc:
        print(f"build_geodata: error: {exc}", file=sys.stderr)
        return 1
    print(json.dumps(counts))
    return 0


if __name__ == "__main__":
    sys.exit(main())
