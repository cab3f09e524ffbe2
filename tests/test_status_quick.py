"""The quick status path: records read straight from `place_status`, the tracked-place
index, and what `tracker status` imports. The quick path must say exactly what the full
store says."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from tests.store_support import downgrade_to_version_1
from tracker.cli import main
from tracker.config import load_settings
from tracker.demo import run_demo
from tracker.errors import GeodataError
from tracker.gazetteer import Gazetteer, default_root, validate_geodata
from tracker.place_index import TRACKED_INDEX_FILE, find_exact, load_tracked_index
from tracker.store import open_store
from tracker.store.migrations import migrations
from tracker.store.snapshot import SCHEMA_VERSION, _iso, status_record, status_records


@pytest.fixture(scope="module")
def demo_db(tmp_path_factory: pytest.TempPathFactory) -> str:
    """The demo's log plus an analyst override, so every kind of record is there."""
    root = tmp_path_factory.mktemp("quick")
    db = root / "tracker.db"
    run_demo(str(db), root / "maps", load_settings(env={}))
    assert main(["set", "upper-lars", "closed", "--note", "landslide <b>", "--source",
                 "https://example.org/n/1", "--until", "2031-01-01", "--db", str(db)]) == 0
    _contest(str(db))
    return str(db)


def _contest(db: str) -> None:
    """Two outlets report Torkham closed and a ministry says it is open: contested."""
    from tracker.models import Article, DerivationRules, Observation, Status
    from tracker.pipeline import rederive

    t0 = datetime(2023, 1, 20, 6, 0, 0, 250_000, tzinfo=UTC)
    claims = [("Khyber Wire", "Khyber Wire", Status.CLOSED),
              ("Frontier Daily", "Frontier Daily", Status.CLOSED),
              ("Frontier Daily", "the transport ministry", Status.OPEN)]
    with open_store(db) as store:
        for i, (outlet, claimant, status) in enumerate(claims):
            at = t0 + timedelta(hours=i)
            url = f"https://example.org/torkham/{i}"
            article = Article(url=url, title=f"Torkham report {i}", outlet=outlet, published=at,
                              text=f"Report {i} on the Torkham crossing.")
            store.ingest([(article, [Observation(
                place_id="torkham-crossing", status=status, claimant=claimant, negated=False,
                evidence=f"Report {i}.", confidence=0.9, observed_at=at, article_url=url)])])
        rederive(store, ["torkham-crossing"], t0 + timedelta(hours=5), DerivationRules())


def _store_records(target: str) -> list[dict]:
    with open_store(target) as store:
        return [status_record(s) for s in store.statuses()]


def test_quick_records_are_the_store_records(demo_db: str) -> None:
    quick = status_records(demo_db)
    assert quick == _store_records(demo_db)
    by_id = {r["id"]: r for r in quick}
    assert by_id["lachin-corridor"]["patrolled"] is True
    assert by_id["upper-lars-crossing"]["override"]["note"] == "landslide <b>"
    assert any(r["contest"] for r in quick) and any(r["evidence"] for r in quick)
    some = ["upper-lars-crossing", "no-such-place", "lachin-corridor", "upper-lars-crossing"]
    assert [r["id"] for r in status_records(demo_db, some)] == ["lachin-corridor",
                                                          "upper-lars-crossing"]
    assert status_records(demo_db, []) == []


def test_many_ids_are_read_in_chunks(demo_db: str) -> None:
    ids = [f"filler-{i}" for i in range(1200)] + ["rafah-crossing"]
    assert [r["id"] for r in status_records(demo_db, ids)] == ["rafah-crossing"]


@pytest.mark.postgres
def test_postgres_gives_the_same_records(demo_db: str, pg_url: str, tmp_path: Path) -> None:
    dump = tmp_path / "log.jsonl"
    assert main(["export", str(dump), "--db", demo_db]) == 0
    with open_store(pg_url, create=True):
        pass
    assert main(["import", str(dump), "--db", pg_url]) == 0
    assert status_records(pg_url) == status_records(demo_db)
    assert status_records(pg_url, ["rafah-crossing"]) == status_records(demo_db,
                                                                        ["rafah-crossing"])


def test_status_json_is_the_full_store_status(demo_db: str, capsys) -> None:
    assert main(["status", "--json", "--db", demo_db]) == 0
    printed = {r["id"]: r for r in json.loads(capsys.readouterr().out)}
    for record in json.loads(json.dumps(_store_records(demo_db))):
        if record["id"] in printed:
            row = printed[record["id"]]
            assert {k: v for k, v in row.items() if k not in ("name", "kind")} == record


def test_schema_version_is_the_last_migration() -> None:
    assert SCHEMA_VERSION == migrations("sqlite")[-1][0] == migrations("postgres")[-1][0]


@pytest.mark.parametrize("dt", [
    datetime(2023, 1, 12, 8, 0, tzinfo=UTC),
    datetime(2023, 1, 12, 8, 0, 5, 120, tzinfo=UTC),
    datetime(1999, 12, 31, 23, 59, 59, 999999, tzinfo=UTC),
])
def test_stored_times_read_back_as_isoformat(dt: datetime) -> None:
    from tracker.store.base import utc_iso

    assert _iso(utc_iso(dt)) == dt.isoformat()
    assert _iso(dt) == dt.isoformat()
    # Times written by hand or another tool still come out as aware UTC.
    assert _iso(dt.astimezone(UTC).replace(tzinfo=None).isoformat()) == dt.isoformat()
    plus4 = dt.astimezone(__import__("datetime").timezone(timedelta(hours=4)))
    assert _iso(plus4.isoformat()) == dt.isoformat()
    assert _iso(None) is None and _iso("") is None


def test_status_imports_neither_heavy_libraries_nor_models_nor_store_classes(demo_db: str) -> None:
    """`tracker status` starts fast: no geospatial, HTTP or queue library, and not even the
    models, the store classes or the standard modules they would pull in."""
    avoided = ("geopandas", "folium", "shapely", "pyproj", "httpx", "trafilatura",
               "procrastinate", "apscheduler", "dataclasses", "tracker.models",
               "tracker.gazetteer", "tracker.store.sql", "pathlib", "shutil", "typing")
    code = (f"import sys; from tracker.cli import main; main(['status', '--db', {demo_db!r}]); "
            f"print('LOADED', sorted(m for m in {avoided!r} if m in sys.modules))")
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                          timeout=60, check=False)
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.strip().splitlines()[-1] == "LOADED []"


# -- the tracked-place index ---------------------------------------------------------------
def test_index_lists_the_tracked_places_as_the_gazetteer_does() -> None:
    rows = load_tracked_index()
    assert rows == [(p.id, p.name, p.kind) for p in Gazetteer.load().tracked()]
    assert len(rows) >= 80


def test_exact_ids_and_names_find_what_the_gazetteer_finds() -> None:
    gazetteer = Gazetteer.load(tracked_only=True)
    rows = load_tracked_index()
    for pid, name, _kind in rows:
        for query in (pid, name):
            assert find_exact(rows, query)[0] == gazetteer.lookup(query).id == pid, query
        # Case-blind, or left to the gazetteer's folding ("KAPIKULE" for "Kapıkule"),
        # never another place.
        found = find_exact(rows, name.upper())
        assert found is None or found[0] == pid
    assert find_exact(rows, "lachin") is None  # left to the gazetteer's alias lookup


def test_precomputed_lookup_keys_are_what_the_gazetteer_would_fold() -> None:
    from tracker.gazetteer import TRACKED_CATALOGUE_FILE, lookup_keys

    stored = json.loads((default_root() / TRACKED_CATALOGUE_FILE).read_text("utf-8"))["lookup"]
    quick = Gazetteer.load(tracked_only=True)
    assert stored == lookup_keys(quick.records)
    assert quick.lookup_id("Лачинского коридора") == "lachin-corridor"
    assert quick.lookup("berdzor road").id == Gazetteer.load().lookup("berdzor road").id


def _geodata_copy(tmp_path: Path) -> Path:
    root = tmp_path / "geodata"
    shutil.copytree(default_root(), root)
    return root


def test_without_an_index_status_falls_back_to_the_gazetteer(
        demo_db: str, tmp_path: Path, monkeypatch, capsys) -> None:
    assert main(["status", "--db", demo_db]) == 0
    expected = capsys.readouterr().out
    root = _geodata_copy(tmp_path)
    (root / TRACKED_INDEX_FILE).unlink()
    monkeypatch.setenv("TRACKER_GEODATA", str(root))
    assert load_tracked_index() is None
    assert main(["status", "--db", demo_db]) == 0
    assert capsys.readouterr().out == expected


def test_a_broken_index_is_one_clear_error(demo_db: str, tmp_path: Path, monkeypatch,
                                           capsys) -> None:
    root = _geodata_copy(tmp_path)
    monkeypatch.setenv("TRACKER_GEODATA", str(root))
    for content in ("{not json", json.dumps({"format": 99, "places": []}),
                    json.dumps({"format": 1, "places": [["only-an-id"]]})):
        (root / TRACKED_INDEX_FILE).write_text(content)
        assert main(["status", "--db", demo_db]) == 1
        err = capsys.readouterr().err
        assert err.startswith("tracker: error: ") and TRACKED_INDEX_FILE in err
        assert "scripts/build_geodata.py" in err and len(err.splitlines()) == 1


def test_validation_catches_a_stale_index(tmp_path: Path) -> None:
    root = _geodata_copy(tmp_path)
    data = json.loads((root / TRACKED_INDEX_FILE).read_text())
    data["places"][0][1] = "Renamed Place"
    (root / TRACKED_INDEX_FILE).write_text(json.dumps(data))
    with pytest.raises(GeodataError, match="tracked-index.json: out of date"):
        validate_geodata(root)


def test_a_log_of_the_previous_schema_is_upgraded_and_read_the_same(demo_db: str, tmp_path: Path,
                                                                    capsys) -> None:
    import sqlite3

    copy = tmp_path / "v1.db"
    shutil.copy(demo_db, copy)
    assert main(["status", "--json", "--db", str(copy)]) == 0
    before = capsys.readouterr().out
    downgrade_to_version_1(copy)
    assert main(["status", "--json", "--db", str(copy)]) == 0  # migrates, then reads
    assert capsys.readouterr().out == before
    conn = sqlite3.connect(copy)
    assert conn.execute("SELECT max(version) FROM schema_migrations").fetchone()[0] == 2
    conn.close()


def test_a_name_several_places_share_lists_them_instead_of_picking_one(demo_db: str,
                                                                      capsys) -> None:
    assert main(["status", "Friendship Bridge", "--db", demo_db]) == 2
    err = capsys.readouterr().err
    assert "'Friendship Bridge' names several places" in err
    assert "Termez–Hairatan Friendship Bridge" in err and "Thai–Lao Friendship Bridge" in err
    assert main(["status", "Thai–Lao Friendship Bridge", "--json", "--db", demo_db]) == 0
    assert json.loads(capsys.readouterr().out)["id"] == "thai-lao-friendship-bridge"
