"""Gazetteer: loading the committed geodata, lookups, and validation of bad files."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from tracker.errors import GeodataError, UnknownPlaceError
from tracker.gazetteer import (
    TRACKED_CATALOGUE_FILE,
    Gazetteer,
    default_root,
    tracked_catalogue,
    validate_geodata,
)

REQUIRED = ["lachin-corridor", "hakari-bridge", "kornidzor-checkpoint", "nagorno-karabakh",
            "rafah-crossing", "kerem-shalom-crossing", "allenby-bridge", "upper-lars-crossing",
            "zangezur-corridor", "suwalki-gap", "strait-of-hormuz", "black-sea-grain-corridor",
            "aghdam-stepanakert-road", "dorohusk-yahodyn-crossing", "bab-al-hawa-crossing",
            "kerch-bridge", "torkham-crossing", "suez-canal", "bab-el-mandeb"]


@pytest.fixture(scope="module")
def gaz() -> Gazetteer:
    return Gazetteer.load()


def test_committed_geodata_is_valid() -> None:
    validate_geodata(default_root())


def test_tracked_places(gaz: Gazetteer) -> None:
    ids = {p.id for p in gaz.tracked()}
    assert set(REQUIRED) <= ids
    assert len(ids) >= 130
    names = [p.name for p in gaz.tracked()]
    assert names == sorted(names, key=str.casefold)
    assert gaz.get("lachin-corridor").name == "Lachin Corridor"
    assert gaz.get("kornidzor-checkpoint").part_of == "lachin-corridor"
    assert {p.id for p in gaz.parts("lachin-corridor")} == {"hakari-bridge", "kornidzor-checkpoint"}


def test_load_does_not_import_shapely() -> None:
    code = ("import sys; from tracker.gazetteer import Gazetteer; g = Gazetteer.load(); "
            "g.lookup('lachin'); print('shapely' in sys.modules)")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False"


@pytest.mark.parametrize(("query", "expected"), [
    ("lachin", "lachin-corridor"),
    ("LACHIN CORRIDOR", "lachin-corridor"),
    ("Laçın dəhlizi", "lachin-corridor"),
    ("Лачинский коридор", "lachin-corridor"),
    ("king hussein bridge", "allenby-bridge"),
    ("kerem", "kerem-shalom-crossing"),
    ("suwałki gap", "suwalki-gap"),
    ("stepanakert", "stepanakert"),
])
def test_lookup(gaz: Gazetteer, query: str, expected: str) -> None:
    assert gaz.lookup(query).id == expected


def test_unknown_place_suggests(gaz: Gazetteer) -> None:
    with pytest.raises(UnknownPlaceError) as exc:
        gaz.lookup("Lachim Coridor")
    assert "Lachin Corridor" in exc.value.suggestions
    with pytest.raises(UnknownPlaceError):
        gaz.get("no-such-place")


def test_geometry_feature_basemap(gaz: Gazetteer) -> None:
    geom = gaz.geometry("lachin-corridor")
    assert geom.geom_type in ("LineString", "MultiLineString")
    assert gaz.feature("nagorno-karabakh")["geometry"]["type"] in ("Polygon", "MultiPolygon")
    assert gaz.feature("stepanakert")["geometry"]["type"] == "Point"
    base = gaz.basemap()
    assert base["type"] == "FeatureCollection" and len(base["features"]) > 100
    assert (default_root() / "basemap.geojson").stat().st_size < 1_000_000


def test_nearest_tracked(gaz: Gazetteer) -> None:
    place, km = gaz.nearest_tracked(46.5305, 39.5476, max_km=5)  # Kornidzor village
    assert place.id in ("kornidzor-checkpoint", "lachin-corridor") and km < 1
    assert gaz.nearest_tracked(0.0, 0.0, max_km=5) is None


# --- bad files ---------------------------------------------------------------------------
FIXTURE = Path(__file__).parent / "fixtures" / "geodata"


def _copy(tmp_path: Path) -> Path:
    root = tmp_path / "geodata"
    shutil.copytree(FIXTURE, root)
    return root


def _edit(root: Path, mutate) -> None:
    path = root / "tracked.geojson"
    data = json.loads(path.read_text())
    mutate(data)
    path.write_text(json.dumps(data))


def test_fixture_is_valid(tmp_path: Path) -> None:
    root = _copy(tmp_path)
    validate_geodata(root)
    gaz = Gazetteer.load(root, validate=True)
    assert [p.id for p in gaz.tracked()] == ["test-bridge", "test-corridor"]


@pytest.mark.parametrize(("mutate", "message"), [
    (lambda d: d["features"][0]["geometry"].update(
        coordinates=[[[0, 0], [1, 1], [1, 0], [0, 1], [0, 0]]], type="Polygon"),
     "invalid geometry"),
    (lambda d: d["features"][0]["geometry"].update(coordinates=[[46.5, 39.5], [46.6, 95.0]]),
     "out of range"),
    (lambda d: d["features"][1]["geometry"].update(coordinates=[39.55, 46.55]), "swapped"),
    (lambda d: d.update(crs={"type": "name", "properties": {"name": "EPSG:3857"}}), "CRS"),
    (lambda d: d["features"][1].update(id="test-corridor"), "duplicate id"),
])
def test_bad_geodata(tmp_path: Path, mutate, message: str) -> None:
    root = _copy(tmp_path)
    _edit(root, mutate)
    with pytest.raises(GeodataError, match=message) as exc:
        validate_geodata(root)
    assert "test-" in str(exc.value)  # names the feature


def test_duplicate_alias(tmp_path: Path) -> None:
    root = _copy(tmp_path)
    path = root / "catalogue.json"
    data = json.loads(path.read_text())
    data["places"][1]["aliases"].append(["en", "Test Corridor"])
    path.write_text(json.dumps(data))
    with pytest.raises(GeodataError, match="also belongs to"):
        validate_geodata(root)


def test_missing_or_broken_catalogue(tmp_path: Path) -> None:
    with pytest.raises(GeodataError, match="missing"):
        Gazetteer.load(tmp_path)
    (tmp_path / "catalogue.json").write_text("{not json")
    with pytest.raises(GeodataError, match="not valid JSON"):
        Gazetteer.load(tmp_path)


def test_tracked_only_load_serves_the_same_tracked_places() -> None:
    full = Gazetteer.load()
    quick = Gazetteer.load(tracked_only=True)
    assert len(quick.records) < len(full.records) / 10
    assert quick.tracked() == full.tracked()
    assert quick.lookup("Лачинский коридор") == full.lookup("Лачинский коридор")
    with pytest.raises(UnknownPlaceError) as exc:
        quick.lookup("lachn corridor")
    assert "Lachin Corridor" in exc.value.suggestions


def test_tracked_catalogue_must_match_the_full_one(tmp_path: Path) -> None:
    root = _copy(tmp_path)
    catalogue = json.loads((root / "catalogue.json").read_text())
    subset = tracked_catalogue(catalogue)
    (root / TRACKED_CATALOGUE_FILE).write_text(json.dumps(subset))
    validate_geodata(root)
    assert Gazetteer.load(root, tracked_only=True).tracked() == Gazetteer.load(root).tracked()
    subset["places"] = subset["places"][1:]
    (root / TRACKED_CATALOGUE_FILE).write_text(json.dumps(subset))
    with pytest.raises(GeodataError, match="out of date"):
        validate_geodata(root)
