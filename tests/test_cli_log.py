"""`tracker claims / set / unset / rebuild / export / import`, through the real CLI."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta

import pytest

from tracker.cli import main
from tracker.models import Article, DerivationRules, Observation, Status
from tracker.pipeline import rederive
from tracker.store import open_store

T0 = datetime(2024, 2, 1, tzinfo=UTC)


@pytest.fixture(scope="module")
def place() -> str:
    from tracker.gazetteer import Gazetteer

    return Gazetteer.load().tracked()[0].id


def _fill(target: str, place: str) -> None:
    def item(n, outlet, status, claimant="reporter", negated=False):
        at = T0 + timedelta(hours=n)
        return (Article(url=f"https://{outlet.lower()}.example/{n}", title=f"{outlet} on day {n}",
                        outlet=outlet, published=at),
                [Observation(place, Status(status), claimant, negated, f"{status} text", 0.9, at,
                             "")])
    with open_store(target, create=True) as store:
        store.ingest([item(1, "Alpha", "blocked"), item(2, "Beta", "blocked"),
                      item(3, "Gamma", "open", "Government of Eastland"),
                      item(4, "Delta", "blocked", "Interior Ministry", negated=True)])
        rederive(store, [place], datetime.now(UTC), DerivationRules())


def run(capsys, *argv: str) -> tuple[int, str, str]:
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


@pytest.mark.parametrize("command", ["claims", "set", "unset", "rebuild", "export", "import"])
def test_every_command_has_help(capsys, command):
    with pytest.raises(SystemExit) as exit_:
        main([command, "--help"])
    assert exit_.value.code == 0
    assert len(capsys.readouterr().out) > 100


def test_claims_grouped_by_claimant(capsys, store_target, place):
    _fill(store_target, place)
    code, out, _ = run(capsys, "claims", place, "--db", store_target, "--json")
    assert code == 0
    data = json.loads(out)
    assert data["status"] == "blocked"
    groups = {g["claimant"]: g["claims"] for g in data["claimants"]}
    assert set(groups) == {"Alpha", "Beta", "Government of Eastland", "Interior Ministry"}
    assert groups["Interior Ministry"][0]["negated"] is True
    assert groups["Alpha"][0]["url"] == "https://alpha.example/1"
    code, out, _ = run(capsys, "claims", place, "--db", store_target)
    assert code == 0 and "Government of Eastland:" in out and "not blocked" in out


def test_set_and_unset_an_override(capsys, store_target, place):
    _fill(store_target, place)
    until = (datetime.now(UTC) + timedelta(days=2)).date().isoformat()
    code, out, err = run(capsys, "set", place, "closed", "--note", "confirmed by phone",
                         "--source", "https://example.org/call", "--until", until,
                         "--analyst", "ana", "--db", store_target)
    assert code == 0, err
    assert "set to closed by ana" in out
    with open_store(store_target) as store:
        status = store.status(place)
        assert status.status == "closed" and status.override.note == "confirmed by phone"
        last = store.changes(place)[-1]
        assert (last.to_status, last.cause, last.claimant) == ("closed", "override", "ana")
    code, out, err = run(capsys, "unset", place, "--db", store_target)
    assert code == 0, err
    assert "status from the news: blocked" in out
    with open_store(store_target) as store:
        assert store.status(place).status == "blocked"
        assert store.changes(place)[-1].cause == "override"
        assert store.overrides(place)[0].ended_at is not None
    code, _, err = run(capsys, "unset", place, "--db", store_target)
    assert code == 2 and "no analyst override in force" in err


@pytest.mark.parametrize(("argv", "message"), [
    (["--until", "tomorrow"], "not an ISO date"),
    (["--until", "2001-01-01"], "not in the future"),
    (["--note", "  "], "--note must say why"),
])
def test_set_rejects_bad_input(capsys, tmp_path, place, argv, message):
    db = str(tmp_path / "t.db")
    _fill(db, place)
    args = ["set", place, "open", "--note", "n", "--db", db]
    if "--note" in argv:
        args = ["set", place, "open", "--db", db]
    code, _, err = run(capsys, *args, *argv)
    assert code == 2 and message in err
    with open_store(db) as store:
        assert store.overrides() == []


def test_unknown_place_and_missing_database(capsys, tmp_path, place):
    code, _, err = run(capsys, "claims", "Nowhere-at-all-xyz", "--db", str(tmp_path / "x.db"))
    assert code == 2 and "unknown place" in err
    code, _, err = run(capsys, "claims", place, "--db", str(tmp_path / "x.db"))
    assert code == 1 and "no database at" in err
    assert "Traceback" not in err


def test_rebuild_keeps_the_change_log_identical(capsys, store_target, place):
    _fill(store_target, place)
    with open_store(store_target) as store:
        before = store.changes(include_superseded=True)
    assert before
    code, out, err = run(capsys, "rebuild", "--db", store_target)
    assert code == 0, err
    assert "0 new, 0 superseded" in out
    with open_store(store_target) as store:
        assert store.changes(include_superseded=True) == before


def test_export_then_import_is_lossless(capsys, store_target, tmp_path, place):
    _fill(store_target, place)
    dump = tmp_path / "log.jsonl"
    code, _, err = run(capsys, "export", str(dump), "--db", store_target)
    assert code == 0 and "exported" in err
    copy = str(tmp_path / "copy.db")
    code, _, err = run(capsys, "import", str(dump), "--db", copy)
    assert code == 0, err
    again = tmp_path / "again.jsonl"
    assert run(capsys, "export", str(again), "--db", copy)[0] == 0
    assert again.read_text() == dump.read_text()
    code, _, err = run(capsys, "import", str(dump), "--db", copy)
    assert code == 2 and "empty database" in err


def test_import_bad_file_keeps_nothing(capsys, tmp_path):
    bad = tmp_path / "bad.jsonl"
    bad.write_text('{"kind":"meta","format":"corridor-tracker-log","version":1}\n[1, 2]\n')
    db = str(tmp_path / "new.db")
    code, _, err = run(capsys, "import", str(bad), "--db", db)
    assert code == 2 and "line 2" in err
    with open_store(db) as store:
        assert store.articles_count() == 0
    code, _, err = run(capsys, "import", str(tmp_path / "none.jsonl"), "--db", db)
    assert code == 2 and "cannot read" in err
