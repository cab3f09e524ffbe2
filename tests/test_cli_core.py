"""`tracker status` and `tracker history`, text and JSON, and their bad-input errors."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from tracker.cli import main
from tracker.config import load_settings
from tracker.demo import run_demo


@pytest.fixture(scope="module")
def demo_db(tmp_path_factory: pytest.TempPathFactory) -> str:
    root = tmp_path_factory.mktemp("cli")
    db = root / "tracker.db"
    run_demo(str(db), root / "maps", load_settings(env={}))
    return str(db)


def run_cli(capsys, *argv: str) -> tuple[int, str, str]:
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def test_status_table_lists_the_places_with_reports(demo_db, capsys) -> None:
    code, out, _ = run_cli(capsys, "status", "--db", demo_db)
    assert code == 0
    lines = out.splitlines()
    assert lines[0].split()[:3] == ["PLACE", "STATUS", "SINCE"]
    lachin = next(line for line in lines if line.startswith("Lachin Corridor"))
    assert "open + patrolled" in lachin


@pytest.mark.parametrize("query", ["lachin", "LACHIN CORRIDOR", "lachin-corridor", "Laçın dəhlizi"])
def test_status_json_of_one_place_matches_id_name_or_alias(demo_db, capsys, query) -> None:
    code, out, _ = run_cli(capsys, "status", query, "--json", "--db", demo_db)
    assert code == 0
    obj = json.loads(out)
    assert obj["id"] == "lachin-corridor" and obj["name"] == "Lachin Corridor"
    assert obj["status"] == "open"
    assert {"since", "contested", "evidence"} <= obj.keys()
    assert obj["evidence"]["url"].startswith("https://demo.corridor-tracker.invalid/")


def test_status_json_of_all_places_is_a_list_over_every_tracked_place(demo_db, capsys) -> None:
    from tracker.gazetteer import Gazetteer

    code, out, _ = run_cli(capsys, "status", "--json", "--db", demo_db)
    assert code == 0
    rows = json.loads(out)
    assert [r["id"] for r in rows] == [p.id for p in Gazetteer.load().tracked()]
    by_id = {r["id"]: r for r in rows}
    assert by_id["rafah-crossing"]["status"] == "restricted"


def test_unknown_place_exits_2_with_a_suggestion(demo_db, capsys) -> None:
    code, out, err = run_cli(capsys, "status", "nowhere", "--db", demo_db)
    assert code == 2 and out == ""
    assert "unknown place 'nowhere'" in err and "did you mean:" in err
    code, _, err = run_cli(capsys, "status", "lachn corridor", "--db", demo_db)
    assert code == 2 and "Lachin Corridor" in err


def test_history_is_oldest_first_in_text_and_json(demo_db, capsys) -> None:
    code, out, _ = run_cli(capsys, "history", "lachin", "--db", demo_db)
    assert code == 0 and out.startswith("Lachin Corridor (lachin-corridor)")
    code, out, _ = run_cli(capsys, "history", "lachin", "--json", "--db", demo_db)
    rows = json.loads(out)
    assert rows and [r["at"] for r in rows] == sorted(r["at"] for r in rows)
    assert {"at", "from", "to", "claimant", "evidence"} <= rows[0].keys()


def test_missing_database_is_one_clear_line(tmp_path: Path, capsys) -> None:
    missing = tmp_path / "none.db"
    code, out, err = run_cli(capsys, "status", "--db", str(missing))
    assert code != 0 and out == ""
    assert err.strip() == (f"tracker: error: no database at {missing}; "
                           "run `tracker demo` or `tracker poll` first")
    assert not missing.exists()


def test_corrupt_database_is_one_clear_line(tmp_path: Path, capsys) -> None:
    bad = tmp_path / "bad.db"
    bad.write_bytes(b"this is not a database" * 100)
    code, _, err = run_cli(capsys, "history", "lachin", "--db", str(bad))
    assert code != 0
    assert err.startswith("tracker: error:") and len(err.strip().splitlines()) == 1
    assert "Traceback" not in err


def test_tracker_db_environment_variable_selects_the_database(demo_db) -> None:
    env = {**os.environ, "TRACKER_DB": demo_db}
    proc = subprocess.run([sys.executable, "-m", "tracker", "status", "rafah", "--json"],
                          capture_output=True, text=True, env=env, timeout=60, check=False)
    assert proc.returncode == 0, proc.stderr
    assert json.loads(proc.stdout)["id"] == "rafah-crossing"


def test_every_command_has_help() -> None:
    from tracker.cli import build_parser

    parser = build_parser()
    sub = next(a for a in parser._actions if a.dest == "command")
    assert {"demo", "status", "history"} <= set(sub.choices)
    for name, sp in sub.choices.items():
        assert sp.description or sp.format_help(), name
        assert name in {a.dest for a in sub._choices_actions} or sp.format_usage()
        help_text = next((a.help for a in sub._choices_actions if a.dest == name), None)
        assert help_text, f"`tracker {name}` has no help text"


def test_command_table_names_exactly_the_registered_commands() -> None:
    from tracker.cli import COMMANDS, build_parser

    sub = next(a for a in build_parser()._actions if a.dest == "command")
    assert set(sub.choices) == set(COMMANDS)
    for command, module in COMMANDS.items():
        only = next(a for a in build_parser([command])._actions if a.dest == "command")
        assert command in only.choices, f"{command} is not defined in tracker.cli.{module}"
