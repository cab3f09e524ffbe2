"""End to end: the demo's local feed server -> pipeline -> SQLite -> derived statuses -> map."""

from __future__ import annotations

import json
import sqlite3
from pathlib import Path

import pytest

from tracker.cli import main
from tracker.config import load_settings
from tracker.demo import run_demo
from tracker.store import open_store


@pytest.fixture(scope="module")
def demo_run(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path, object]:
    root = tmp_path_factory.mktemp("demo")
    db, out = root / "tracker.db", root / "maps"
    cycle = run_demo(str(db), out, load_settings(env={}))
    return db, out, cycle


def run_cli(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    code = main(list(argv))
    captured = capsys.readouterr()
    return code, captured.out, captured.err


def test_every_demo_feed_is_fetched_without_error(demo_run) -> None:
    _, _, cycle = demo_run
    assert [s.source for s in cycle.sources] == ["caucasus-wire", "border-monitor", "regional-desk"]
    assert not cycle.errors
    assert sum(s.ingest.articles_added for s in cycle.sources) == 19


def test_final_statuses_follow_the_demo_timeline(demo_run) -> None:
    db, _, _ = demo_run
    with open_store(str(db)) as store:
        lachin = store.status("lachin-corridor")
        upper_lars = store.status("upper-lars-crossing")
        rafah = store.status("rafah-crossing")
    assert lachin is not None and lachin.status == "open" and lachin.patrolled
    assert upper_lars is not None and upper_lars.status == "open"
    assert rafah is not None and rafah.status == "restricted"


def test_lachin_history_goes_patrolled_blocked_restricted_open_with_a_contest(demo_run) -> None:
    db, _, _ = demo_run
    with open_store(str(db)) as store:
        changes = store.changes("lachin-corridor")
    steps = [c.to_status for c in changes]
    for expected in ("patrolled", "blocked", "restricted", "open"):
        assert expected in steps
    assert steps.index("patrolled") < steps.index("blocked") < steps.index("restricted")
    assert steps.index("restricted") < len(steps) - 1 - steps[::-1].index("open")
    assert any(c.contested for c in changes), "Baku's open vs Yerevan's blocked is contested"
    assert [c.at for c in changes] == sorted(c.at for c in changes)


def test_map_names_every_place_with_a_status(demo_run) -> None:
    db, out, _ = demo_run
    html = (out / "index.html").read_text(encoding="utf-8")
    for name in ("Lachin Corridor", "Upper Lars", "Rafah"):
        assert name in html


def test_second_run_adds_nothing(demo_run, tmp_path: Path, capsys) -> None:
    db, out, _ = demo_run
    before = _counts(db)
    _, first, _ = run_cli(capsys, "history", "lachin", "--json", "--db", str(db))
    cycle = run_demo(str(db), out, load_settings(env={}))
    assert not cycle.errors
    assert sum(s.ingest.articles_added for s in cycle.sources) == 0
    assert _counts(db) == before
    _, second, _ = run_cli(capsys, "history", "lachin", "--json", "--db", str(db))
    assert json.loads(second) == json.loads(first)


def _counts(db: Path) -> dict[str, int]:
    con = sqlite3.connect(db)
    try:
        return {t: con.execute(f"SELECT count(*) FROM {t}").fetchone()[0]
                for t in ("articles", "observations", "changes")}
    finally:
        con.close()
