"""Reliability of the SQLite log: SIGKILL mid-ingest, readers during writes, a full disk.

Real processes, a real file system; nothing is mocked and nothing sleeps to wait.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import textwrap
import uuid
from pathlib import Path

import pytest

from tracker.errors import DiskFullError
from tracker.store import open_store

# A writer that ingests batches forever and prints each batch's URLs once committed.
WRITER = textwrap.dedent("""
    import sys
    from datetime import UTC, datetime, timedelta
    from tracker.models import Article, Observation, Status
    from tracker.store import open_store

    db, start, per_batch = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
    derive = len(sys.argv) > 4
    t0 = datetime(2024, 1, 1, tzinfo=UTC)
    statuses = list(Status)
    store = open_store(db, create=True)
    n = start
    while True:
        batch = []
        for i in range(n, n + per_batch):
            at = t0 + timedelta(minutes=i)
            article = Article(url=f"https://o{i % 7}.example/a/{i}", title=f"story {i}",
                              text=f"words of story {i} " * 20, outlet=f"outlet {i % 7}",
                              source=f"s{i % 7}", published=at)
            obs = [Observation(place_id=f"place-{(i + k) % 40}", status=statuses[(i + k) % 5],
                               claimant="reporter", negated=False, evidence="e" * 80,
                               confidence=0.9, observed_at=at, article_url=article.url)
                   for k in range(3)]
            batch.append((article, obs))
        store.ingest(batch)
        if derive:
            from tracker.pipeline import rederive
            from tracker.models import DerivationRules
            rederive(store, [f"place-{n % 40}"], t0 + timedelta(days=30), DerivationRules())
        print(" ".join(a.url for a, _ in batch), flush=True)
        n += per_batch
""")


def _writer(tmp_path: Path, db: Path, start: int, per_batch: int, *extra: str):
    script = tmp_path / "writer.py"
    if not script.exists():
        script.write_text(WRITER)
    return subprocess.Popen([sys.executable, str(script), str(db), str(start), str(per_batch),
                             *extra], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)


def _count_urls(db: Path, urls: set[str]) -> dict[str, int]:
    import sqlite3

    conn = sqlite3.connect(db)
    try:
        found: dict[str, int] = {}
        for (url,) in conn.execute("SELECT url FROM articles"):
            if url in urls:
                found[url] = found.get(url, 0) + 1
        return found
    finally:
        conn.close()


def test_sigkill_mid_ingest_50_times_loses_and_doubles_nothing(tmp_path):
    db = tmp_path / "kill.db"
    acknowledged: set[str] = set()
    start = 0
    for run in range(50):
        # Each run starts a little before where the last one stopped: overlap must dedupe.
        proc = _writer(tmp_path, db, max(0, start - 30), 60)
        try:
            for _ in range(1 + run % 3):
                line = proc.stdout.readline()
                assert line, f"writer died: {proc.stderr.read()}"
                urls = line.split()
                acknowledged.update(urls)
                start = max(start, int(urls[-1].rsplit("/", 1)[1]) + 1)
        finally:
            os.kill(proc.pid, signal.SIGKILL)  # lands mid-batch: the writer never pauses
            proc.wait()
            proc.stdout.close()
            proc.stderr.close()
        assert proc.returncode == -signal.SIGKILL
    with open_store(str(db)) as store:
        assert store.integrity_check() == "ok"
        counts = store.counts()
    found = _count_urls(db, acknowledged)
    assert set(found) == acknowledged
    assert set(found.values()) == {1}
    assert counts["observations"] == 3 * counts["articles"]  # no half-written article


def test_readers_never_see_database_is_locked(tmp_path):
    db = tmp_path / "busy.db"
    with open_store(str(db), create=True):
        pass
    writer = _writer(tmp_path, db, 0, 200, "derive")
    try:
        assert writer.stdout.readline(), writer.stderr.read()
        reads = 0
        for _ in range(150):
            with open_store(str(db)) as store:
                store.statuses()
                store.status("place-1")
                store.changes("place-2")
                reads += 1
        # The CLI itself, while the writer keeps going.
        for _ in range(5):
            cli = subprocess.run([sys.executable, "-m", "tracker", "rebuild", "--db", str(db)],
                                 capture_output=True, text=True, timeout=120)
            assert "locked" not in cli.stderr
            assert cli.returncode == 0, cli.stderr
        assert writer.poll() is None, writer.stderr.read()  # still writing all along
        assert reads == 150
    finally:
        writer.kill()
        writer.wait()
        writer.stdout.close()
        writer.stderr.close()


def test_status_cli_in_a_loop_during_ingest(tmp_path):
    pytest.importorskip("tracker.gazetteer", reason="`tracker status` needs the gazetteer")
    db = tmp_path / "busy.db"
    writer = _writer(tmp_path, db, 0, 200, "derive")
    try:
        assert writer.stdout.readline(), writer.stderr.read()
        for _ in range(20):
            cli = subprocess.run([sys.executable, "-m", "tracker", "status", "--db", str(db)],
                                 capture_output=True, text=True, timeout=120)
            assert "locked" not in cli.stderr
            assert cli.returncode == 0, cli.stderr
        assert writer.poll() is None, writer.stderr.read()
    finally:
        writer.kill()
        writer.wait()
        writer.stdout.close()
        writer.stderr.close()


@pytest.fixture
def small_disk(tmp_path):
    """A 2 MiB tmpfs mounted for the test (needs root)."""
    mount = tmp_path / f"disk-{uuid.uuid4().hex[:6]}"
    mount.mkdir()
    proc = subprocess.run(["mount", "-t", "tmpfs", "-o", "size=2m", "tmpfs", str(mount)],
                          capture_output=True, text=True)
    if proc.returncode != 0:
        pytest.skip(f"cannot mount a small tmpfs to fill (needs root): {proc.stderr.strip()}")
    try:
        yield mount
    finally:
        subprocess.run(["umount", "-l", str(mount)], check=False)


def test_full_disk_is_a_clear_error_and_keeps_the_data(small_disk):
    from tracker.models import Article

    db = small_disk / "full.db"
    with open_store(str(db), create=True) as store:
        store.ingest([(Article(url=f"https://a.example/{i}", title=f"t{i}", text="x" * 500),
                       []) for i in range(50)])
        before = store.articles_count()
        with pytest.raises(DiskFullError, match="disk full") as info:
            for n in range(1000):  # ~1 MiB per batch: the 2 MiB disk fills quickly
                store.ingest([(Article(url=f"https://b.example/{n}/{i}", title=f"b{n} {i}",
                                       text=f"{n} {i} " + "y" * 10_000), [])
                              for i in range(100)])
        assert "nothing was committed" in str(info.value)
    # Free the space the failed transaction held, then check what is on disk.
    with open_store(str(db)) as store:
        assert store.integrity_check() == "ok"
        assert store.articles_count() >= before
        assert all(c in (0, 100) for c in _batch_sizes(db))  # whole batches or nothing


def _batch_sizes(db: Path) -> list[int]:
    import sqlite3

    conn = sqlite3.connect(db)
    try:
        rows = conn.execute("SELECT substr(url, 1, instr(substr(url, 19), '/') + 18), count(*) "
                            "FROM articles WHERE url LIKE 'https://b.example/%' GROUP BY 1")
        return [r[1] for r in rows]
    finally:
        conn.close()
