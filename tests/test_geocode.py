"""Geocoder: scripts, inflections, folding offsets, ambiguity, roles and spatial links.
All sentences are synthetic."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

from tracker.extract.geocode import Geocoder, place_mentions
from tracker.extract.geocode_hits import resolve_overlaps
from tracker.extract.text import fold
from tracker.gazetteer import Gazetteer


@pytest.fixture(scope="module")
def geo() -> Geocoder:
    return Geocoder(Gazetteer.load())


def ids(mentions) -> list[str]:
    return [m.place_id for m in mentions]


def test_offsets_point_into_original(geo: Geocoder) -> None:
    text = "Trucks waited at the Kerem Shalom crossing while the Bosphorus stayed busy."
    for m in geo.find_mentions(text):
        assert text[m.start:m.end] == m.text
    assert ids(geo.find_mentions(text)) == ["kerem-shalom-crossing", "bosphorus"]


def test_offsets_under_case_folding() -> None:
    text = "İİ İstanbul"  # İ folds to two code points under casefold; offsets must not shift
    folded = fold(text)
    start = folded.text.index("istanbul")
    assert folded.span(start, start + len("istanbul")) == (3, 11)


def test_istanbul_offsets(geo: Geocoder) -> None:
    text = "Ships left İSTANBUL and then İzmir; later ŞUŞA."
    found = {m.text: m for m in geo.find_mentions(text)}
    assert "İSTANBUL" in found and text[found["İSTANBUL"].start:found["İSTANBUL"].end] == "İSTANBUL"
    assert found["ŞUŞA"].place_id == "shusha"


@pytest.mark.parametrize(("text", "place", "script", "language"), [
    ("Траки стоят у Лачинского коридора.", "lachin-corridor", "Cyrillic", "ru"),
    ("Ситуация в Лачинском коридоре обострилась.", "lachin-corridor", "Cyrillic", "ru"),
    ("Лачинский коридор закрыт.", "lachin-corridor", "Cyrillic", "ru"),
    ("Բեռնատարները կանգնած են Լաչինի միջանցքում։", "lachin-corridor", "Armenian", "hy"),
    ("Laçın dəhlizində vəziyyət sakitdir.", "lachin-corridor", "Latin", "az"),
    ("الشاحنات عند معبر رفح اليوم", "rafah-crossing", "Arabic", "ar"),
    ("המשאיות הגיעו למעבר כרם שלום", "kerem-shalom-crossing", "Hebrew", "he"),
    ("Вантажівки на пункті пропуску Ягодин.", "dorohusk-yahodyn-crossing", "Cyrillic", "uk"),
    ("Kolonne am Nord-Ostsee-Kanal", "kiel-canal", "Latin", "en"),
])
def test_scripts_and_inflections(geo: Geocoder, text: str, place: str, script: str,
                                 language: str) -> None:
    hits = [m for m in geo.find_mentions(text) if m.place_id == place]
    assert hits, text
    assert hits[0].script == script
    assert text[hits[0].start:hits[0].end] == hits[0].text


def test_word_boundaries(geo: Geocoder) -> None:
    assert "rafah" not in ids(geo.find_mentions("The Rafahx group and Gorisville."))
    assert "goris" not in ids(geo.find_mentions("Gorisville"))


def test_lachin_town_corridor_person(geo: Geocoder) -> None:
    m = geo.find_mentions("A convoy used the Lachin corridor.")
    assert ids(m) == ["lachin-corridor"]
    m = geo.find_mentions("Residents of the town of Lachin left.")
    assert ids(m) == ["lachin-town"]
    m = geo.find_mentions("The wrestler Lachin Gurbanov won gold.")
    assert [x.role for x in m] == ["person"]
    assert place_mentions(m) == []


def test_rafah_city_vs_crossing(geo: Geocoder) -> None:
    assert ids(geo.find_mentions("Shelling hit eastern Rafah overnight.")) == ["rafah"]
    assert ids(geo.find_mentions("Aid entered through the Rafah crossing.")) == ["rafah-crossing"]
    assert ids(geo.find_mentions("Queues grew at the crossing at Rafah.")) == ["rafah-crossing"]


def test_georgia_country_vs_state(geo: Geocoder) -> None:
    m = geo.find_mentions("Georgia reopened its border with Armenia.")
    assert m[0].place_id == "country-geo" and m[0].role == "country"
    m = geo.find_mentions("Voters in Atlanta, Georgia, queued for hours.")
    assert "us-georgia" in ids(m)


def test_common_words_are_not_places(geo: Geocoder) -> None:
    text = "Police said reading the March report was nice, and the union agreed."
    assert place_mentions(geo.find_mentions(text)) == []


def test_roles_dateline_government_capital(geo: Geocoder) -> None:
    m = geo.find_mentions("YEREVAN, May 3 — Baku says the road is open; talks were held in Moscow.")
    roles = {x.text: x.role for x in m}
    assert roles == {"YEREVAN": "dateline", "Baku": "government", "Moscow": "capital"}
    m = geo.find_mentions("Shusha, a town in the mountains, hosted a festival.")
    assert m[0].role == "place" and m[0].place_id == "shusha"


def test_spatial_linking(geo: Geocoder) -> None:
    m = {x.place_id: x for x in geo.find_mentions("Residents of Stepanakert and Shusha waited.")}
    assert m["stepanakert"].linked_to == "lachin-corridor"
    assert 0 <= m["shusha"].distance_km < 3
    bridge = geo.find_mentions("The Hakari bridge was shut.")[0]
    assert bridge.linked_to == "lachin-corridor" and bridge.tracked


def test_a_town_links_first_to_the_crossing_named_after_it(geo: Geocoder) -> None:
    # Al-Rashid road passes nearer to the town than the crossing does.
    town = geo.find_mentions("Families fled to Rafah.")[0]
    assert town.place_id == "rafah" and not town.tracked
    assert town.linked_to == "rafah-crossing"


def test_route_between_towns(geo: Geocoder) -> None:
    m = geo.find_mentions("Peacekeepers guarded the road from Lachin to Shusha.")
    assert "lachin-corridor" in ids(m) and "shusha" in ids(m)
    m = geo.find_mentions("Traffic on the Stepanakert-Goris road resumed.")
    assert ids(m) == ["lachin-corridor", "stepanakert", "goris"]
    m = geo.find_mentions("Trucks use the Goris-Kapan road.")
    assert ids(m) == ["goris-kapan-road"]


def test_port_towns(geo: Geocoder) -> None:
    m = geo.find_mentions("Loading resumed at Odesa, Chornomorsk and Pivdennyi, the three ports.")
    assert ids(m) == ["port-of-odesa", "port-of-chornomorsk", "port-of-pivdennyi"]
    assert ids(geo.find_mentions("Odesa was shelled overnight.")) == ["odesa"]


def test_anchored_phrase(geo: Geocoder) -> None:
    m = geo.find_mentions("The humanitarian corridor failed again; Mariupol stayed under fire.")
    assert set(ids(m)) == {"mariupol", "mariupol-humanitarian-corridor"}


def test_empty_text(geo: Geocoder) -> None:
    assert geo.find_mentions("") == []


def _cli(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "tracker", *args], capture_output=True,
                          text=True)


def test_cli_geocode() -> None:
    out = _cli("geocode", "Baku says the Hakari bridge is open.")
    assert out.returncode == 0, out.stderr
    assert "Hakari Bridge" in out.stdout and "lachin-corridor" in out.stdout
    assert "Baku" not in out.stdout
    out = _cli("geocode", "--json", "Baku says the Hakari bridge is open.")
    data = json.loads(out.stdout)
    assert data["tracked"] == ["hakari-bridge", "lachin-corridor"]
    assert data["mentions"][0]["role"] == "place"
    out = _cli("geocode", "   ")
    assert out.returncode == 2 and "empty text" in out.stderr


# --- the fast paths: each must give what the general path gives -----------------------------
def test_space_runs_keep_offsets(geo: Geocoder) -> None:
    text = "Queues  at\n\n   the Nagorno -\tKarabakh line and in  Goris."
    found = {m.place_id: m for m in geo.find_mentions(text)}
    assert {"nagorno-karabakh", "goris"} <= set(found)
    for m in found.values():
        assert text[m.start:m.end] == m.text
    assert found["nagorno-karabakh"].text == "Nagorno -\tKarabakh"


def test_mostly_ascii_text_with_dashes_and_quotes(geo: Geocoder) -> None:
    text = "The Dorohusk–Yahodyn crossing — ‘closed’ — and the “Rafah crossing” too."
    found = {m.place_id: m for m in geo.find_mentions(text)}
    assert {"dorohusk-yahodyn-crossing", "rafah-crossing"} <= set(found)
    for m in found.values():
        assert text[m.start:m.end] == m.text


def test_edge_punctuation_of_a_name_stays_with_it(geo: Geocoder) -> None:
    text = "Talks in the U.S. and then Goris."
    usa = [m for m in geo.find_mentions(text) if m.place_id == "country-usa"]
    assert usa and usa[0].text == "U.S."


def test_ascii_and_full_automaton_agree(geo: Geocoder) -> None:
    # A non-ASCII letter sends a text through the full automaton: same places either way.
    text = "Trucks left Goris for Stepanakert via the Lachin Corridor and the Hakari bridge."
    plain = [(m.place_id, m.start, m.end, m.role) for m in geo.find_mentions(text)]
    marked = [(m.place_id, m.start, m.end, m.role) for m in geo.find_mentions(text + " Ü")]
    assert plain and plain == marked[: len(plain)]


def test_fast_mentions_equal_constructed_ones(geo: Geocoder) -> None:
    import dataclasses

    for m in geo.find_mentions("Convoys reached Goris, then Kapan; YEREVAN, May 3 - calm."):
        fields = {f.name: getattr(m, f.name) for f in dataclasses.fields(m)}
        rebuilt = type(m)(**fields)
        assert rebuilt == m and hash(rebuilt) == hash(m) and repr(rebuilt) == repr(m)


def test_case_endings_only_in_suffixing_languages(geo: Geocoder) -> None:
    assert "lachin-corridor" in ids(geo.find_mentions("Laçın dəhlizindən keçid açıqdır."))
    assert "goris" not in ids(geo.find_mentions("Gorisda nothing"))  # Goris is not an az name


def test_automaton_cache_keeps_only_the_newest(tmp_path) -> None:
    import os

    from tracker.extract import automaton

    folder = tmp_path / "corridor-tracker"
    folder.mkdir()
    for i in range(automaton.CACHE_KEEP + 3):
        old = folder / f"automaton-old{i}.pickle"
        old.write_bytes(b"x")
        os.utime(old, (1_000_000 + i, 1_000_000 + i))
    (folder / "notes.txt").write_text("not a cache file")
    new = folder / "automaton-new.pickle"
    automaton._write_cached(new, ("a", "b"))
    left = sorted(p.name for p in folder.glob("automaton-*.pickle"))
    assert len(left) == automaton.CACHE_KEEP and "automaton-new.pickle" in left
    assert "automaton-old0.pickle" not in left and (folder / "notes.txt").exists()
    assert automaton._read_cached(new) == ("a", "b")


# --- generic phrases that stand for a tracked place (rules in geocode_rules.toml) -------------
def test_generic_sea_corridor_and_ports_need_anchor_and_context(geo: Geocoder) -> None:
    text = ("Ukraine opened a temporary corridor so that cargo ships could leave ports blocked "
            "since the summer, officials in Kyiv said.")
    found = ids(geo.find_mentions(text))
    assert "ukrainian-black-sea-corridor" in found and "ukrainian-black-sea-ports" in found
    for m in geo.find_mentions(text):
        assert text[m.start:m.end] == m.text
    # No anchor (Ukraine), or no maritime word in the sentence: nothing is inferred.
    assert "ukrainian-black-sea-corridor" not in ids(
        geo.find_mentions("A temporary corridor let cargo ships leave the blocked harbour."))
    assert "ukrainian-black-sea-corridor" not in ids(
        geo.find_mentions("Ukraine agreed a temporary corridor for evacuating civilians by bus."))


def test_route_word_with_a_town_on_one_road(geo: Geocoder) -> None:
    text = "A convoy entered from Aghdam on a route the government had proposed."
    road = [m for m in geo.find_mentions(text) if m.place_id == "aghdam-stepanakert-road"]
    assert road and road[0].text == "route"
    # A town on two tracked roads is ambiguous; "en route" is not a route.
    assert not [m for m in geo.find_mentions("Buses came from Stepanakert on a new route.")
                if m.tracked]
    assert "aghdam-stepanakert-road" not in ids(
        geo.find_mentions("Officials travelled from Aghdam en route to Barda."))


# --- nationality adjectives, near names, government stand-ins, bare crossings ------------------
@pytest.mark.parametrize("text", [
    "Kazakh truckers waited for two days.",
    "Украинские порты работают в обычном режиме.",
    "Донецкие власти не комментируют ситуацию.",
    "The Saba news agency ran the statement.",
])
def test_adjectives_and_near_names_are_not_towns(geo: Geocoder, text: str) -> None:
    assert [m for m in geo.find_mentions(text) if m.kind in ("town", "city")] == []


def test_noun_case_endings_still_match(geo: Geocoder) -> None:
    found = geo.find_mentions("Колонна прошла через Донецк и стояла в Москве.")
    assert {m.name for m in found} >= {"Donetsk", "Moscow"}


@pytest.mark.parametrize(("text", "word"), [
    ("Border police took over the crossing, officials in Pristina said.", "Pristina"),
    ("The convoy was searched, Gaza's Hamas-run interior ministry said.", "Gaza"),
    ("Kyiv said the ferry would run again.", "Kyiv"),
    ("The Kremlin said the bridge was safe.", "Kremlin"),
    ("Київ заявив, що порт працює.", "Київ"),
    ("Москва заявила о закрытии.", "Москва"),
])
def test_government_stand_ins(geo: Geocoder, text: str, word: str) -> None:
    roles = {m.text: m.role for m in geo.find_mentions(text)}
    assert roles[word] == "government"


def test_region_named_by_its_authorities_stays_a_place(geo: Geocoder) -> None:
    found = geo.find_mentions("The bridge reopened, the authorities in Crimea said.")
    assert [(m.name, m.role) for m in found] == [("Crimea", "place")]


@pytest.mark.parametrize(("text", "place"), [
    ("Грузовики стоят у Маргары.", "margara-crossing"),
    ("Маргара снова закрыта.", "margara-crossing"),
    ("Trucks queued at Jarinje overnight.", "jarinje-crossing"),
    ("Israel tightened the siege of the Gaza Strip.", "gaza-strip"),
    ("Kaliningrad Oblast was cut off from supplies.", "kaliningrad-oblast"),
    ("Closures across the West Bank continued.", "west-bank"),
    ("Finland shut the Vaalimaa and Nuijamaa crossings.", "nuijamaa-crossing"),
    ("Aid trucks crossed at Al-Yarubiyah crossing.", "al-yarubiyah-crossing"),
    ("Ships waited outside the port of Hodeidah.", "port-of-hodeidah"),
])
def test_newly_tracked_and_bare_crossings(geo: Geocoder, text: str, place: str) -> None:
    hits = [m for m in geo.find_mentions(text) if m.place_id == place]
    assert hits and hits[0].tracked and hits[0].role == "place"


def test_village_without_bare_names_is_not_its_crossing(geo: Geocoder) -> None:
    found = geo.find_mentions("Farmers in Astara sold their harvest.")
    assert [m.place_id for m in found if m.tracked] == []


@pytest.mark.parametrize("text", [
    "Fuel trucks went in through Rafah on Tuesday.",
    "A few patients left via Rafah for Egypt.",
    "Hundreds of lorries were stuck at Rafah overnight.",
    "Egypt kept the Rafah terminal shut.",
])
def test_town_governed_as_its_namesake_crossing(geo: Geocoder, text: str) -> None:
    found = geo.find_mentions(text)
    found = place_mentions(found)
    assert [(m.place_id, m.tracked) for m in found] == [("rafah-crossing", True)]


@pytest.mark.parametrize("text", [
    "Soldiers moved into Rafah at dawn.",
    "The mayor of Rafah appealed for calm.",
])
def test_town_not_governed_stays_the_town(geo: Geocoder, text: str) -> None:
    assert ids(geo.find_mentions(text)) == ["rafah"]


def test_every_town_named_after_a_crossing_can_stand_for_it(geo: Geocoder) -> None:
    towns = [r for r in geo.records if r.get("namesake")]
    assert {"rafah", "gn-7870319"} <= {r["id"] for r in towns}  # Rafah, Huwara
    for rec in towns:
        name = rec["name"]
        found = geo.find_mentions(f"Convoys queued on the road and went through {name} later.")
        hit = [m for m in found if m.text == name]
        assert hit and hit[0].place_id == rec["namesake"], name


@pytest.mark.parametrize(("text", "expected"), [
    ("Officials closed the Erez and Zikim crossings on Friday.",
     ["erez-crossing", "zikim-crossing"]),
    ("The Kerem Shalom and Rafah crossings stayed open.",
     ["kerem-shalom-crossing", "rafah-crossing"]),
    ("Lorries backed up at the Medyka, Korczowa and Dorohusk checkpoints.",
     ["medyka-shehyni-crossing", "korczowa-krakovets-crossing", "dorohusk-yahodyn-crossing"]),
    ("Guards sealed the Zikim, Erez crossings.", ["zikim-crossing", "erez-crossing"]),
    ("Drones targeted the ports of Izmail and Reni.", ["port-of-izmail", "port-of-reni"]),
    ("Grain moved through the Danube ports of Izmail and Reni.",
     ["port-of-izmail", "port-of-reni"]),
])
def test_coordinated_names_share_a_plural_kind_word(geo: Geocoder, text: str,
                                                     expected: list[str]) -> None:
    found = geo.find_mentions(text)
    assert ids(place_mentions(found)) == expected
    assert all(m.tracked and text[m.start:m.end] == m.text for m in found)


def test_a_list_of_towns_before_an_unrelated_plural_is_left_alone(geo: Geocoder) -> None:
    found = geo.find_mentions("Residents of Goris and Kapan crossings the river were warned.")
    assert not any(m.tracked for m in found)


@pytest.mark.parametrize(("text", "place"), [
    ("Queues at Khorgos grew to three days.", "khorgos-crossing"),
    ("Troops strung wire along the river at Eagle Pass.", "eagle-pass-crossing"),
    ("The army sealed the Huwara junction for a week.", "huwara-checkpoint"),
    ("Traders said the Friendship Bridge at Mae Sot was shut.", "myawaddy-mae-sot-bridge"),
    ("The Tarajal border stayed shut to porters.", "tarajal-crossing"),
])
def test_bare_crossing_names(geo: Geocoder, text: str, place: str) -> None:
    found = place_mentions(geo.find_mentions(text))
    assert [(m.place_id, m.tracked) for m in found] == [(place, True)]


def test_border_group_named_by_its_two_countries(geo: Geocoder) -> None:
    text = "Finland will keep every crossing point on its eastern border with Russia shut."
    found = place_mentions(geo.find_mentions(text))
    assert ids(found) == ["finland-russia-border-crossings"]
    assert found[0].text == "crossing point"
    # One country named, or no border in the sentence: no group.
    assert place_mentions(geo.find_mentions("Finland reopened two crossing points.")) == []
    text = "Finland and Russia discussed crossings of reindeer herds."
    assert place_mentions(geo.find_mentions(text)) == []


def test_border_group_not_added_when_its_crossings_are_named(geo: Geocoder) -> None:
    text = "Poland and Ukraine reopened the Medyka crossing on their border."
    assert ids(place_mentions(geo.find_mentions(text))) == ["medyka-shehyni-crossing"]


def test_facility_does_not_take_its_town_name(geo: Geocoder) -> None:
    found = geo.find_mentions("Fighting reached El Geneina again.")
    assert [(m.kind, m.name) for m in found] == [("city", "El Geneina")]
    assert ids(geo.find_mentions("Barges left Izmail at night.")) == ["gn-707308"]


@pytest.mark.parametrize(("text", "role"), [
    ("Lachin, the 24-year-old striker, opened the scoring.", "person"),
    ("Goris, a veteran midfielder, signed for the club.", "person"),
    ("In Goris, the 24-year-old singer gave a concert.", "place"),
    ("Goris, the regional centre, was calm.", "place"),
    ("Lachin, 24, scored twice in the second half.", "person"),
    ("In Lachin, 24, families received new keys.", "place"),
    ("Goris, 1 km further on, was quiet.", "place"),
])
def test_apposition_makes_a_person(geo: Geocoder, text: str, role: str) -> None:
    assert geo.find_mentions(text)[0].role == role


def test_russian_adjectives_that_name_towns_are_words(geo: Geocoder) -> None:
    # "Северный" is a town in GeoNames; "по Северной Осетии" is about North Ossetia.
    text = "КПП закрыт, сообщили в пограничном управлении по Северной Осетии."
    mentions = geo.find_mentions(text)
    assert [m.text for m in mentions] == []


@pytest.mark.parametrize(("text", "name", "role"), [
    ("Qarabag FK won at home on Sunday.", "Nagorno-Karabakh", "club"),
    ("The Qarabag coach praised the defence.", "Nagorno-Karabakh", "club"),
    ("Dynamo Kyiv travel to Lisbon next week.", "Kyiv", "club"),
    ("A Shakhtar Donetsk striker was injured.", "Donetsk", "club"),
    ("Kyiv's striker limped off.", "Kyiv", "club"),
    ("Shelling hit Donetsk overnight, officials said.", "Donetsk", "place"),
    ("The match was played far from Donetsk.", "Donetsk", "place"),
])
def test_sports_clubs_named_after_places(geo: Geocoder, text: str, name: str, role: str) -> None:
    found = [m for m in geo.find_mentions(text) if m.name == name]
    assert [m.role for m in found] == [role]


@pytest.mark.parametrize("text", [
    "Convoys crossed at Goris and Kapan, then reached Stepanakert.",
    "The Erez and Zikim crossings stayed shut while the Lachin corridor reopened.",
    "Traffic on the Goris–Kapan road and at the Medyka–Shehyni crossing was heavy.",
    "Port of Chornomorsk and Pivdennyi resumed loading; Izmail, Reni were calm.",
    "Лачинский коридор открыт, сообщили в Баку. Laçın dəhlizində vəziyyət sakitdir.",
    "  Double  spaces  around Yerevan  and Gyumri,  then -- dashes.",
])
def test_nested_names_resolve_like_the_full_rule(geo: Geocoder, text: str) -> None:
    # The quick overlap resolution in _hits must keep exactly what resolve_overlaps keeps.
    folded = fold(text)
    hits, kept, _, _ = geo._hits(folded)
    if kept is not None:
        assert kept == resolve_overlaps(hits, geo._compound_ok)


@pytest.mark.parametrize(("text", "expected"), [
    # list names may start with any uppercase letter, not only A-Z
    ("Vilnius said it would shut the Šalčininkai and Lavoriškės checkpoints next week.",
     ["salcininkai-crossing", "lavoriskes-crossing"]),
    # "<kind word> at <name>": the tracked crossing, with no town of that name needed
    ("Haitian traders waited at the border crossing at Dajabón for a third morning.",
     ["dajabon-crossing"]),
    ("Lorries idled for hours at the crossing point at Koidula.", ["koidula-crossing"]),
    # Russian names of the Baltic and Finnish crossings, inflected too
    ("Грузовики стоят у пункта пропуска Койдула.", ["koidula-crossing"]),
    ("Очередь на КПП Лаворишкес выросла.", ["lavoriskes-crossing"]),
])
def test_crossings_named_in_lists_and_phrases(geo: Geocoder, text: str,
                                              expected: list[str]) -> None:
    found = [m.place_id for m in place_mentions(geo.find_mentions(text))]
    assert [p for p in found if p in expected] == expected


def test_kind_at_leaves_a_known_town_alone(geo: Geocoder) -> None:
    text = "Police patrolled the bridge in Mitrovica after dark."
    assert "mitrovica" in ids(place_mentions(geo.find_mentions(text)))


def test_port_town_after_a_preposition_is_the_city(geo: Geocoder) -> None:
    text = ("Drones hit port infrastructure in Odesa, while the ports of Odesa and Chornomorsk"
            " kept working.")
    found = ids(place_mentions(geo.find_mentions(text)))
    assert found == ["odesa", "port-of-odesa", "port-of-chornomorsk"]


@pytest.mark.parametrize("text", [
    "Gaza's civil defence said crews pulled survivors from the rubble.",
    "Gaza's police said the market was cleared before noon.",
])
def test_possessive_emergency_services_speak_for_the_government(geo: Geocoder, text: str) -> None:
    (m,) = [m for m in geo.find_mentions(text) if m.place_id == "gaza-strip"]
    assert m.role == "government"


def test_capital_governed_by_a_preposition_is_not_its_government(geo: Geocoder) -> None:
    text = "Shopkeepers in Ramallah said the checkpoint stayed shut."
    (m,) = [m for m in geo.find_mentions(text) if m.name == "Ramallah"]
    assert m.role != "government"


@pytest.mark.parametrize(("text", "pid"), [
    ("Barges waited on the Danube near Izmail.", "danube"),
    ("Militants overran parts of Anbar province.", "anbar"),
    ("Elders in North Waziristan met on Monday.", "north-waziristan"),
    ("Officials in Gilgit-Baltistan reopened the road.", "gilgit-baltistan"),
])
def test_rivers_and_provinces_of_crossing_news(geo: Geocoder, text: str, pid: str) -> None:
    assert pid in ids(geo.find_mentions(text))


def test_region_before_a_government_noun_speaks_for_it(geo: Geocoder) -> None:
    text = "Gilgit-Baltistan officials said the pass would reopen in May."
    (m,) = [m for m in geo.find_mentions(text) if m.place_id == "gilgit-baltistan"]
    assert m.role == "government"


def test_river_as_a_modifier_of_ports_is_no_place(geo: Geocoder) -> None:
    text = "Barges left the Danube ports at dawn."
    assert "danube" not in ids(geo.find_mentions(text))


@pytest.mark.parametrize(("text", "name"), [
    ("Aid reached El Geneina on Friday.", "El Geneina"),
    ("Clashes were reported near Mitrovicë.", "Mitrovica"),
])
def test_english_names_for_transliterated_towns(geo: Geocoder, text: str, name: str) -> None:
    assert name in [m.name for m in geo.find_mentions(text)]


@pytest.mark.parametrize("text", [
    # the kind-at rule waits for a kind word then a link word, in any case and spacing
    "Traders waited at the BORDER CROSSING AT Dajabón.",
    "Traders waited at the border crossing\n  at Dajabón for a third morning.",
    # a plural kind word elsewhere does not stand in for that trigger
    "Both crossings were busy; traders waited at the checkpoint near Dajabón.",
])
def test_kind_at_runs_on_its_own_trigger(geo: Geocoder, text: str) -> None:
    assert "dajabon-crossing" in ids(place_mentions(geo.find_mentions(text)))


def test_kind_word_without_a_link_adds_nothing(geo: Geocoder) -> None:
    text = "Traders waited at the crossing, at Dajabón."
    assert "dajabon-crossing" not in ids(geo.find_mentions(text))


# --- the ASCII automaton's engines and the quick path (speed work must not move results) ----
ENGINE_TEXTS = [
    "Trucks left Goris for Stepanakert via the Lachin Corridor and the Hakari bridge.",
    "Aid entered through the Rafah crossing, officials in Cairo said on Monday.",
    "Traffic on the Stepanakert-Goris road resumed; the Goris-Kapan road stayed shut.",
    "Loading resumed at Odesa, Chornomorsk and Pivdennyi, the three ports.",
    "YEREVAN, May 3 - Convoys reached Bishkek and Breda overnight.",
    "Queues grew at the crossing at Rafah and at the Erez and Kerem Shalom crossings.",
    "Georgia reopened its border with Armenia; Moscow's officials said nothing.",
    "The striker scored twice for Dynamo Kyiv in Lviv.",
    "Drivers waited for hours in Ufa and in UFA, then in Komsomolsk-on-Amur.",
    "  Double  spaces  around Yerevan  and Gyumri,  then -- dashes.",
    "The humanitarian corridor failed again; Mariupol stayed under fire.",
    "Residents of Stepanakert and Shusha waited. Peacekeepers guarded the road from Lachin "
    "to Shusha.",
]


def _full(m) -> tuple:
    import dataclasses

    return dataclasses.astuple(m)


def test_daachorse_matcher_reports_what_pyahocorasick_reports() -> None:
    pytest.importorskip("daachorse")
    from tracker.extract.automaton import AsciiMatcher, PlainAsciiMatcher

    keys = [" san ", " san jose ", " jose ", " new york ", " york ", " yorkshire ", " a b ",
            " b c "]
    payloads = {k: (len(k), i, "", True, False, None) for i, k in enumerate(keys)}
    fast, plain = AsciiMatcher(keys, payloads), PlainAsciiMatcher(keys, payloads)
    for text in (" san jose   new york yorkshire ", " a b c ", " jose san ", "", " xyz "):
        data = text.encode("ascii")
        found = [(s, e, fast.payloads[k]) for s, e, k in fast.find_matches(data)]
        assert found == [(s, e, plain.payloads[k]) for s, e, k in plain.find_matches(data)]
    assert fast.find_matches(b" san jose ") == [(0, 5, 0), (0, 10, 1), (4, 10, 2)]


def test_geocoder_without_daachorse_finds_the_same(geo: Geocoder) -> None:
    # The pyahocorasick fallback for the ASCII keys gives the very same mentions.
    from tracker.extract.automaton import PlainAsciiMatcher

    payload = {k: v for k, v in geo._automaton.items() if k.isascii()}
    plain = Geocoder(geo.gazetteer)
    matcher = PlainAsciiMatcher(sorted(payload), payload)
    plain._ascii_find, plain._ascii_payloads = matcher.find_matches, matcher.payloads
    plain._key_rows = [None] * len(matcher.payloads)
    for text in ENGINE_TEXTS:
        assert [_full(m) for m in plain.find_mentions(text)] == [
            _full(m) for m in geo.find_mentions(text)
        ], text


def test_quick_path_equals_the_full_path(geo: Geocoder) -> None:
    full = Geocoder(geo.gazetteer)
    full._quick_mentions = lambda text, matches: None  # every text takes the full path
    for text in ENGINE_TEXTS + ["Convoys reached Bishkek, Breda and Tucson.", "Nothing here."]:
        assert [_full(m) for m in full.find_mentions(text)] == [
            _full(m) for m in geo.find_mentions(text)
        ], text
    (m,) = geo.find_mentions("Drivers waited for hours in Breda.")
    assert vars(m) == vars(full.find_mentions("Drivers waited for hours in Breda.")[0])


def test_automaton_cache_file_names_its_engine(monkeypatch) -> None:
    # A cache written with daachorse is never read without it (and the other way round).
    from tracker.extract import automaton

    gaz = Gazetteer.load()
    with_engine = automaton._cache_file(gaz)
    monkeypatch.setattr(automaton, "ENGINE", "other-engine")
    assert automaton._cache_file(gaz) != with_engine


# --- shared names, namesake towns, surnames (synthetic sentences) --------------------------
@pytest.mark.parametrize(
    ("text", "place"),
    [
        ("Paraguay shut the Friendship Bridge to shoppers coming from Brazil.",
         "friendship-bridge-ciudad-del-este"),
        ("The Friendship Bridge was closed for a race, officials in Nong Khai said.",
         "thai-lao-friendship-bridge"),
        ("Thailand and Laos reopened the bridge of friendship on Monday.",
         "thai-lao-friendship-bridge"),
        ("Customs at Dandong reported that the Friendship Bridge was busy again.",
         "sino-korean-friendship-bridge"),
        ("Romania and Bulgaria agreed to repair the Friendship Bridge.", "giurgiu-ruse-bridge"),
        ("Uzbekistan kept the Friendship Bridge open to Afghan cargo.", "termez-hairatan-bridge"),
    ],
)
def test_bare_shared_name_resolved_from_the_text(geo: Geocoder, text: str, place: str) -> None:
    found = place_mentions(geo.find_mentions(text))
    bridges = [m for m in found if m.tracked]
    assert [m.place_id for m in bridges] == [place]
    m = bridges[0]
    assert text[m.start:m.end].casefold() in ("friendship bridge", "bridge of friendship")
    assert m.role == "place"


@pytest.mark.parametrize(
    "text",
    [
        "The Friendship Bridge was closed on Sunday.",
        "Thailand closed the Friendship Bridge.",  # two Thai bridges: no telling which
    ],
)
def test_bare_shared_name_without_context_is_left_out(geo: Geocoder, text: str) -> None:
    mentions = geo.find_mentions(text)
    assert not [m for m in mentions if m.tracked]
    assert all(m.role != "shared" for m in mentions)


def test_named_bridge_still_wins_over_the_shared_name(geo: Geocoder) -> None:
    text = "The Friendship Bridge at Termez reopened; the Friendship Bridge carries trains."
    assert ids(place_mentions(geo.find_mentions(text))) == [
        "termez-hairatan-bridge", "termez-hairatan-bridge"]


@pytest.mark.parametrize(
    ("text", "place"),
    [
        ("The Bridge of the Americas was closed to pedestrians.", "bridge-of-the-americas-el-paso"),
        ("Police in Panama closed the Bridge of the Americas.", "bridge-of-the-americas-panama"),
        ("Traffic stalled on the Bridge of the Americas near Balboa, over the Panama Canal.",
         "bridge-of-the-americas-panama"),
        ("Migrants gathered at the Bridge of the Americas in Ciudad Juarez.",
         "bridge-of-the-americas-el-paso"),
    ],
)
def test_bridge_of_the_americas(geo: Geocoder, text: str, place: str) -> None:
    found = [m.place_id for m in place_mentions(geo.find_mentions(text)) if m.kind == "bridge"]
    assert found == [place]


def test_mont_blanc_is_the_tunnel_only_with_traffic_words(geo: Geocoder) -> None:
    text = "A landslide shut the Frejus approach, so lorries are diverted to the Mont Blanc."
    assert "mont-blanc-tunnel" in ids(geo.find_mentions(text))
    assert not geo.find_mentions("Two climbers reached the summit of Mont Blanc at dawn.")


@pytest.mark.parametrize(
    ("text", "place"),
    [
        ("Ethnic clashes in Moyale left five people dead.", "moyale"),
        ("Hundreds of trucks queued at Moyale overnight.", "moyale-crossing"),
        ("Kenya reopened the Moyale border after a week.", "moyale-crossing"),
        ("Police cleared the blockade at Coutts on Tuesday.", "coutts-sweetgrass-crossing"),
        ("Queues of lorries reached Busia by the evening.", "busia-crossing"),
        ("Traders in Busia said prices had doubled.", "busia"),
        ("Cambodia reopened the Poipet checkpoint.", "poipet-aranyaprathet-crossing"),
        ("Casinos in Poipet were raided.", "poipet"),
        ("Fighting spread to Beitbridge town.", "beitbridge"),
    ],
)
def test_border_town_or_its_crossing(geo: Geocoder, text: str, place: str) -> None:
    assert ids(place_mentions(geo.find_mentions(text))) == [place]


@pytest.mark.parametrize(
    "text",
    [
        "Former MP Ben Coutts said the convoy was peaceful.",
        "Ms Tamu told the hearing she had left early.",
        "The minister, Jane Busia, said the talks went well.",
    ],
)
def test_surnames_are_not_places(geo: Geocoder, text: str) -> None:
    found = geo.find_mentions(text)
    assert not [m for m in place_mentions(found) if m.place_id in ("coutts", "tamu", "busia")]


def test_region_names_resolve_to_oblasts(geo: Geocoder) -> None:
    assert ids(geo.find_mentions("Shelling hit the Kursk region overnight.")) == ["kursk-oblast"]
    said = geo.find_mentions("Пункт пропуска закрыли, сообщили в Курской области.")
    assert [m.role for m in said if m.place_id == "kursk-oblast"] == ["government"]
