"""Acceptance regressions: what users hit through the CLI with bad input, each with one
readable error line, a non-zero exit and no data lost."""

from __future__ import annotations

import json
import os
import shutil
import sqlite3
import subprocess
import sys
import tempfile
from pathlib import Path

import pytest

from tracker.cli import main
from tracker.config import check_url, load_settings, parse_settings
from tracker.demo import run_demo
from tracker.errors import ConfigError
from tracker.models import PlaceStatus


@pytest.fixture(scope="module")
def demo_db(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("acc")
    db = root / "tracker.db"
    run_demo(str(db), root / "maps", load_settings(env={}))
    return db


@pytest.fixture
def db_copy(demo_db: Path, tmp_path: Path) -> Path:
    copy = tmp_path / "copy.db"
    shutil.copy(demo_db, copy)
    return copy


def run_cli(capsys, *argv: str) -> tuple[int, str, str]:
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def run_proc(*argv: str, env: dict[str, str] | None = None, **kw) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "tracker", *argv], capture_output=True,
                          text=True, timeout=120, env={**os.environ, **(env or {})}, **kw)


def assert_one_error_line(stderr: str) -> None:
    lines = stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("tracker: error: "), stderr
    assert "Traceback" not in stderr


# -- set --source ------------------------------------------------------------------------
@pytest.mark.parametrize("url", ["notaurl", "javascript:alert(1)", "http://[::1"])
def test_set_refuses_a_source_that_is_not_an_http_url(db_copy, capsys, url) -> None:
    code, _, err = run_cli(capsys, "set", "rafah", "closed", "--note", "n", "--source", url,
                           "--db", str(db_copy))
    assert code == 2
    assert_one_error_line(err)
    assert "--source" in err
    with sqlite3.connect(db_copy) as conn:
        assert conn.execute("SELECT count(*) FROM overrides").fetchone()[0] == 0


# -- config ------------------------------------------------------------------------------
@pytest.mark.parametrize("text, key", [
    ("[fetch]\ntotal_timeout = inf\n", "fetch.total_timeout"),
    ("[daemon]\njitter = nan\n", "daemon.jitter"),
    ("[derivation]\nstale_after_days = inf\n", "derivation.stale_after_days"),
    ('[[sources]]\nname = "a"\nkind = "rss"\nurl = "http://a.example/f"\ninterval = nan\n',
     "sources[0].interval"),
])
def test_config_refuses_infinite_and_nan_numbers(text, key) -> None:
    with pytest.raises(ConfigError, match="finite") as info:
        parse_settings(text, Path("t.toml"))
    assert key in str(info.value) and "line" in str(info.value)


def test_a_malformed_url_is_a_config_error_not_a_crash() -> None:
    assert "not a valid URL" in (check_url("http://[::1") or "")
    with pytest.raises(ConfigError, match="sources\\[0\\].url"):
        parse_settings('[[sources]]\nname = "a"\nkind = "rss"\nurl = "http://[::1"\n')


# -- read-only database ------------------------------------------------------------------
def test_a_read_only_database_can_still_be_read(demo_db) -> None:
    # A copy on a read-only mount or in someone else's directory: WAL would need a -shm
    # file next to it. Root can write anything, so the check runs as `nobody` then.
    shared = Path(tempfile.mkdtemp(prefix="tracker-ro-"))
    try:
        db = shared / "ro.db"
        shutil.copy(demo_db, db)
        db.chmod(0o444)
        shared.chmod(0o555)
        prefix: list[str] = []
        if os.geteuid() == 0:
            if not shutil.which("setpriv"):
                pytest.skip("running as root without setpriv")
            prefix = ["setpriv", "--reuid=nobody", "--regid=nogroup", "--clear-groups"]
        cmd = [*prefix, sys.executable, "-m", "tracker"]
        env = {**os.environ, "HOME": str(shared)}
        status = subprocess.run([*cmd, "status", "lachin", "--json", "--db", str(db)],
                                capture_output=True, text=True, timeout=120, env=env,
                                cwd=shared)
        assert status.returncode == 0, status.stderr
        assert json.loads(status.stdout)["status"] == "open"
        write = subprocess.run([*cmd, "set", "rafah", "open", "--note", "n", "--db", str(db)],
                               capture_output=True, text=True, timeout=120, env=env,
                               cwd=shared)
        assert write.returncode == 1
        assert_one_error_line(write.stderr)
        assert "read-only" in write.stderr
    finally:
        shared.chmod(0o755)
        shutil.rmtree(shared)


# -- one line, whatever the backend says -------------------------------------------------
def test_a_refused_postgres_connection_is_one_line_without_the_password() -> None:
    proc = run_proc("status", "--db", "postgresql://u:s3cret@127.0.0.1:1/x")
    assert proc.returncode == 1
    assert_one_error_line(proc.stderr)
    assert "s3cret" not in proc.stderr
    assert "Connection refused" in proc.stderr


@pytest.mark.parametrize("argv", [["worker"], ["fleet", "status"], ["fleet", "init"]])
def test_fleet_commands_report_an_unparsable_postgres_url(argv) -> None:
    proc = run_proc(*argv, "--db", "postgresql://bad url")
    assert proc.returncode == 1
    assert_one_error_line(proc.stderr)
    assert "bad PostgreSQL URL" in proc.stderr


# -- import ------------------------------------------------------------------------------
def _export(db: Path, tmp_path: Path) -> list[dict]:
    from tracker.store import open_store

    path = tmp_path / "log.jsonl"
    with open_store(str(db)) as store, path.open("w", encoding="utf-8") as fp:
        store.export_log(fp)
    return [json.loads(line) for line in path.read_text().splitlines()]


def _write(path: Path, records: list[dict]) -> Path:
    path.write_text("".join(json.dumps(r) + "\n" for r in records))
    return path


def _article_count(target: str) -> int:
    from tracker.store import open_store

    with open_store(target, create=True) as store:
        return store.counts()["articles"]


def test_import_refuses_an_unknown_status(db_copy, tmp_path, capsys) -> None:
    records = _export(db_copy, tmp_path)
    obs = next(i for i, r in enumerate(records) if r["kind"] == "observations")
    records[obs]["status"] = "sideways"
    target = tmp_path / "new.db"
    code, _, err = run_cli(capsys, "import", str(_write(tmp_path / "bad.jsonl", records)),
                           "--db", str(target))
    assert code == 2
    assert_one_error_line(err)
    assert f"line {obs + 1}: unknown status 'sideways'" in err
    assert _article_count(str(target)) == 0


def test_import_names_the_line_of_a_duplicate_record(db_copy, store_target, tmp_path,
                                                     capsys) -> None:
    records = _export(db_copy, tmp_path)
    key = next(i for i, r in enumerate(records) if r["kind"] == "article_keys")
    records.append(records[key])
    code, _, err = run_cli(capsys, "import", str(_write(tmp_path / "dup.jsonl", records)),
                           "--db", store_target)
    assert code == 2
    assert_one_error_line(err)
    assert f"line {len(records)}: article_keys record conflicts" in err
    assert _article_count(store_target) == 0


@pytest.mark.parametrize("content", ["", "\n\n"])
def test_import_of_an_empty_input_is_an_error(tmp_path, capsys, content) -> None:
    path = tmp_path / "empty.jsonl"
    path.write_text(content)
    code, _, err = run_cli(capsys, "import", str(path), "--db", str(tmp_path / "new.db"))
    assert code == 2
    assert_one_error_line(err)
    assert "no log records" in err


def test_an_exported_empty_database_still_imports(tmp_path, capsys) -> None:
    from tracker.store import open_store

    empty = tmp_path / "empty.db"
    open_store(str(empty), create=True).close()
    records = _export(empty, tmp_path)
    code, _, _ = run_cli(capsys, "import", str(_write(tmp_path / "e.jsonl", records)),
                         "--db", str(tmp_path / "new.db"))
    assert code == 0


# -- render ------------------------------------------------------------------------------
def test_render_into_a_file_names_the_out_dir(db_copy, tmp_path, capsys) -> None:
    afile = tmp_path / "afile"
    afile.write_text("keep me")
    code, _, err = run_cli(capsys, "render", "--out", str(afile), "--db", str(db_copy),
                           "--no-tiles")
    assert code == 1
    assert_one_error_line(err)
    assert "is not a directory" in err and str(afile) in err
    assert afile.read_text() == "keep me"


# -- status table ------------------------------------------------------------------------
def test_status_table_keeps_long_claimant_lists_and_headlines_short() -> None:
    from tracker.cli.core import _claimant, _clip
    from tracker.store.snapshot import status_record

    many = status_record(PlaceStatus(place_id="x", status="open", since=None, claimants=(
        "Caucasus Wire", "Georgian interior ministry", "B")))
    two = status_record(PlaceStatus(place_id="x", status="open", since=None,
                                    claimants=("Caucasus Wire", "Border Monitor")))
    assert _claimant(many) == "Caucasus Wire, ..."
    assert _claimant(two) == "Caucasus Wire, Border Monitor"
    assert _clip("x" * 100, 60) == "x" * 57 + "..." and _clip("short", 60) == "short"


def test_demo_status_table_matches_readme(demo_db, capsys) -> None:
    code, out, _ = run_cli(capsys, "status", "--db", str(demo_db))
    assert code == 0
    rows = {line.split("  ")[0]: line for line in out.splitlines()[1:4]}
    assert "Caucasus Wire, ..." in rows["Upper Lars crossing"]
    header = out.splitlines()[0]
    # The claimant column is at most 30 characters (+ "..."), whoever else agrees.
    assert header.index("LATEST EVIDENCE") - header.index("CLAIMANT") <= 30 + len(", ...") + 2
