"""The widened tracked-place catalogue (batch 2): scripts/catalogue/*.toml is consistent, and
the geodata built from it finds the new places in news text. All sentences are synthetic.

The geodata tests read the gazetteer at $TRACKER_GEODATA or the repository's geodata/, which
must have been built from this catalogue (scripts/build_geodata.py)."""

from __future__ import annotations

import tomllib
from pathlib import Path

import pytest

from tracker.extract.geocode import Geocoder
from tracker.extract.text import fold_alias
from tracker.gazetteer import Gazetteer

CATALOGUE = Path(__file__).resolve().parent.parent / "scripts" / "catalogue"


def _entries(name: str, table: str) -> list[dict]:
    return tomllib.loads((CATALOGUE / name).read_text(encoding="utf-8"))[table]


TRACKED = _entries("tracked.toml", "place")
CONTEXT = _entries("context.toml", "context")

# sentence -> the tracked place it must name (one per region and script of the batch)
FINDS = [
    ("Trucks queued at the Salang tunnel for a second night.", "salang-tunnel"),
    ("Avalanches closed the Salang Pass again.", "salang-tunnel"),
    ("Landslides cut the Karakoram Highway near the border.", "karakoram-highway"),
    ("Cargo trains crossed the Hairatan bridge into Afghanistan.", "termez-hairatan-bridge"),
    ("Protesters blocked the Thall-Parachinar road for days.", "thall-parachinar-road"),
    ("Snow shut the Jammu-Srinagar highway overnight.", "jammu-srinagar-highway"),
    ("The Zojila pass reopened after snow clearance.", "zoji-la"),
    ("Coal trucks waited at Zamyn-Uud for customs to reopen.", "zamyn-uud-erenhot-crossing"),
    ("Thailand sealed the Poipet checkpoint after the clash.", "poipet-aranyaprathet-crossing"),
    ("A tanker was escorted through the Lombok Strait.", "lombok-strait"),
    ("Farmers blocked the Brenner motorway with tractors.", "brenner-pass"),
    ("Le tunnel du Mont-Blanc est fermé.", "mont-blanc-tunnel"),
    ("Lorries were banned from the Giurgiu-Ruse bridge.", "giurgiu-ruse-bridge"),
    ("Poland shut the Kukuryki terminal to Belarusian trucks.", "kukuryki-kozlovichi-crossing"),
    ("Пограничники закрыли пункт пропуска Суджа.", "sudzha-crossing"),
    ("Фермери заблокували пункт пропуску Грушів.", "budomierz-hrushiv-crossing"),
    ("Georgian police reopened the Enguri bridge crossing.", "enguri-bridge"),
    ("US troops patrol the area around al-Tanf.", "al-tanf-crossing"),
    ("Rebels cut the M4 highway near Saraqib.", "m4-highway-syria"),
    ("أغلقت السلطات منفذ السلوم.", "salloum-crossing"),
    ("Akçakale Sınır Kapısı insani yardıma açıldı.", "tal-abyad-crossing"),
    ("Iran closed the Shalamcheh crossing to pilgrims.", "shalamcheh-crossing"),
    ("Kenya reopened the Moyale border with Ethiopia.", "moyale-crossing"),
    ("Rwanda closed the Grande Barrière crossing to Goma.", "grande-barriere-crossing"),
    ("Truckers blocked the Ambassador Bridge for six days.", "ambassador-bridge"),
    ("Manifestantes bloquearon la carretera Panamericana.", "pan-american-highway"),
    ("Ecuador restricted entry at the Rumichaca bridge.", "rumichaca-bridge"),
]

# A "Friendship Bridge" is one of many: the town next to it decides which.
FRIENDSHIP = [
    ("The Friendship Bridge at Termez was closed.", "termez-hairatan-bridge"),
    ("The Friendship Bridge in Ciudad del Este was closed.", "friendship-bridge-ciudad-del-este"),
    ("The Friendship Bridge in Nong Khai was closed.", "thai-lao-friendship-bridge"),
    ("The Friendship Bridge at Dandong was closed.", "sino-korean-friendship-bridge"),
]


@pytest.fixture(scope="module")
def gazetteer() -> Gazetteer:
    gaz = Gazetteer.load()
    have = {p.id for p in gaz.tracked()}
    missing = sorted({e["id"] for e in TRACKED} - have)
    assert not missing, (f"{gaz.root} was built from an older catalogue ({len(missing)} tracked "
                         f"places missing, e.g. {missing[0]}): run scripts/build_geodata.py")
    return gaz


@pytest.fixture(scope="module")
def geo(gazetteer: Gazetteer) -> Geocoder:
    return Geocoder(gazetteer)


def test_catalogue_ids_unique_and_parts_known() -> None:
    ids = [e["id"] for e in TRACKED] + [e["id"] for e in CONTEXT]
    assert len(ids) == len(set(ids))
    tracked = {e["id"] for e in TRACKED}
    assert {e["part_of"] for e in TRACKED if e.get("part_of")} <= tracked


def test_curated_aliases_belong_to_one_place() -> None:
    owner: dict[str, str] = {}
    for entry in TRACKED + CONTEXT:
        names = [entry["name"]] + [a for v in (entry.get("aliases") or {}).values() for a in v]
        for alias in names:
            key = fold_alias(alias)
            assert owner.setdefault(key, entry["id"]) == entry["id"], (alias, owner[key])


def test_no_bare_friendship_bridge_alias() -> None:
    """Half a dozen bridges are "the Friendship Bridge": none may own the bare name."""
    bare = {"friendship bridge", "the friendship bridge", "bridge of friendship"}
    for entry in TRACKED:
        for alias in (a for v in entry.get("aliases", {}).values() for a in v):
            assert fold_alias(alias) not in bare, entry["id"]


def test_typed_geometry_is_commented() -> None:
    """Every place of the batch says where a typed coordinate comes from (a comment in the
    TOML names the source); checked on the raw text, as TOML drops comments."""
    text = (CATALOGUE / "tracked.toml").read_text(encoding="utf-8")
    batch = text.split("catalogue widening, batch 2", 1)[1]
    for block in batch.split("[[place]]")[1:]:
        if "geometry = [{point = [" in block or "line = [[" in block:
            assert "# " in block, block.splitlines()[1]


def test_batch_size() -> None:
    text = (CATALOGUE / "tracked.toml").read_text(encoding="utf-8")
    batch = text.split("catalogue widening, batch 2", 1)[1]
    assert batch.count("[[place]]") >= 80


@pytest.mark.parametrize(("text", "place_id"), FINDS + FRIENDSHIP)
def test_new_place_found(geo: Geocoder, text: str, place_id: str) -> None:
    found = [m.place_id for m in geo.find_mentions(text)]
    assert place_id in found, found


def test_crossing_and_its_town_kept_apart(geo: Geocoder, gazetteer: Gazetteer) -> None:
    text = "Turkey closed the Tal Abyad crossing after shelling in Tal Abyad."
    found = [m.place_id for m in geo.find_mentions(text) if m.role != "country"]
    assert found == ["tal-abyad-crossing", "tal-abyad"]
    assert gazetteer.get("tal-abyad-crossing").tracked and not gazetteer.get("tal-abyad").tracked


def test_part_of_links_to_the_highway(gazetteer: Gazetteer) -> None:
    assert gazetteer.get("zoji-la").part_of == "srinagar-leh-highway"
    assert gazetteer.get("khunjerab-pass").part_of == "karakoram-highway"
    assert "zoji-la" in {p.id for p in gazetteer.parts("srinagar-leh-highway")}


def test_town_near_a_new_crossing_links_to_it(gazetteer: Gazetteer) -> None:
    """Spatial linking reaches the new places: Goma lies within a few km of the Grande Barrière."""
    links = dict(gazetteer.links("gn-216281"))
    assert 0 < links["grande-barriere-crossing"] < 5


def test_shared_names_have_one_holder_with_every_candidate() -> None:
    """A name several places answer to ("Friendship Bridge") is built into one holder's
    ``shared`` entry listing every place that declares it, with at most one default."""
    declared: dict[str, set[str]] = {}
    for entry in TRACKED:
        for name in entry.get("shared_names", []):
            declared.setdefault(fold_alias(name), set()).add(entry["id"])
    assert len(declared["friendship bridge"]) >= 6
    built = {key: (rec["id"], shared) for rec in Gazetteer.load().records
             for key, shared in (rec.get("shared") or {}).items()}
    assert set(built) == set(declared)
    for key, (holder, shared) in built.items():
        assert set(shared["places"]) == declared[key]
        assert shared["default"] in (None, *declared[key])
        assert holder == (shared["default"] or shared["places"][0])


def test_namesake_towns_take_their_names_off_the_crossing() -> None:
    """Moyale the town owns "Moyale"; the crossing keeps "Moyale border" and the like."""
    gaz = Gazetteer.load()
    for entry in CONTEXT:
        if not entry.get("namesake"):
            continue
        town, crossing = gaz.record(entry["id"]), gaz.record(entry["namesake"])
        assert town.get("namesake") == entry["namesake"]
        names = {fold_alias(a) for _, a in town["aliases"]}
        assert names.isdisjoint(fold_alias(a) for _, a in crossing["aliases"])
