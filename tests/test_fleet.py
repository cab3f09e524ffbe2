"""Fleet mode: Procrastinate workers sharing one real PostgreSQL, polling real local feeds."""

from __future__ import annotations

import json
import subprocess
import time
from collections import Counter
from pathlib import Path

import pytest

from tests.fleet_helpers import (
    REPO,
    TRACKER,
    CountingFeedServer,
    WorkerProcess,
    fresh_database,
    write_config,
)
from tracker.errors import ConfigError

pytestmark = pytest.mark.postgres

FEEDS = 300
INTERVAL = 10.0  # seconds between two polls of one feed
TICK = 1.0  # the fleet enqueues due sources every second
HEARTBEAT, STALLED_AFTER, SWEEP = 1.0, 4.0, 2
# A killed worker's poll is retried within this long (dead-worker detection + sweep + tick).
TAKEOVER = STALLED_AFTER + HEARTBEAT + SWEEP + TICK + 2.0
# Queue latency varies between two polls of a feed, more so on a loaded machine. A second
# fetch within one interval, or a missed interval, is a whole interval off: beyond these.
EARLY, LATE = INTERVAL / 4, INTERVAL / 2

PLACES = ("Lachin corridor", "Upper Lars", "Zangezur corridor")
VERBS = ("was closed to all traffic", "reopened to traffic", "was blocked by protesters")


def items(feed: int, generation: int) -> list[tuple[str, str, str]]:
    """Synthetic items; every tenth feed gains one article per generation."""
    count = 1 + (generation if feed % 10 == 0 else 0)
    out = []
    for g in range(count):
        place, verb = PLACES[(feed + g) % 3], VERBS[(feed * 7 + g) % 3]
        text = f"{place} {verb} on Tuesday, the local border service said in report {feed}-{g}."
        out.append((f"{place} {verb} ({feed}-{g})", f"http://wire{feed}.test/news/{g}", text))
    return out


@pytest.fixture
def db(pg_server):
    """A fresh database on the session's server (tests/conftest.py): the fleet owns it whole."""
    return fresh_database(pg_server)


def _status(config: Path) -> dict:
    out = subprocess.run([*TRACKER, "fleet", "status", "--json", "--config", str(config)],
                         capture_output=True, text=True, cwd=REPO, timeout=60, check=True)
    return json.loads(out.stdout)


# -- the building blocks ----------------------------------------------------------------


def test_schema_is_created_once_and_upgrades_are_recorded(db):
    from tracker.fleet import apply_schema, fleet_status

    first = apply_schema(db)
    assert first[0].startswith("procrastinate schema")
    assert any("fleet migration 1" in step for step in first)
    assert apply_schema(db) == []
    status = fleet_status(db)
    assert status["workers"] == [] and status["queue_depth"] == 0


def test_due_sources_are_queued_once_and_jobs_coalesce(db):
    from types import SimpleNamespace

    import psycopg

    from tracker.fleet import apply_schema, defer, enqueue_due, sync_sources

    apply_schema(db)
    sources = [SimpleNamespace(name=f"s{i}", interval=60.0) for i in range(5)]
    assert sync_sources(db, sources) == 5
    with psycopg.connect(db) as conn:
        due = conn.execute("SELECT count(*) FROM tracker_fleet_sources"
                           " WHERE next_due > now() + interval '60 s'").fetchone()[0]
        assert due == 0  # first polls are spread over one interval
        conn.execute("UPDATE tracker_fleet_sources SET next_due = now()")
    assert enqueue_due(db) == 5
    assert enqueue_due(db) == 0  # queued, and next due in a minute
    assert defer(db, "derive", ["a", "b"]) == 2
    assert defer(db, "derive", ["a", "c"]) == 1  # a is already waiting
    assert defer(db, "render", [""]) == 1
    assert defer(db, "render", [""]) == 0
    with psycopg.connect(db) as conn:
        # A source removed from the configuration is no longer scheduled.
        sync_sources(db, sources[:2])
        conn.execute("UPDATE tracker_fleet_sources SET next_due = now() - interval '1 s'")
        conn.commit()
        locks = [r[0] for r in conn.execute(
            "SELECT lock FROM procrastinate_jobs WHERE task_name = 'tracker.fleet.poll'"
            " ORDER BY lock")]
    assert locks == [f"poll:s{i}" for i in range(5)]
    assert enqueue_due(db) == 0  # s0 and s1 are due but their polls are still waiting


def test_options_and_database_are_checked():
    from tracker.fleet import FleetOptions, require_postgres

    with pytest.raises(ConfigError, match="PostgreSQL"):
        require_postgres("tracker.db")
    with pytest.raises(ConfigError, match="stalled_after"):
        FleetOptions(heartbeat_interval=5, stalled_after=6)
    with pytest.raises(ConfigError, match="concurrency"):
        FleetOptions(concurrency=0)


def test_worker_refuses_sqlite(tmp_path):
    out = subprocess.run([*TRACKER, "worker", "--db", str(tmp_path / "t.db")],
                         capture_output=True, text=True, cwd=REPO, timeout=60)
    assert out.returncode == 1
    assert "needs a PostgreSQL database" in out.stderr and "Traceback" not in out.stderr


def test_fleet_status_before_init_says_what_to_do(db):
    out = subprocess.run([*TRACKER, "fleet", "status", "--db", db],
                         capture_output=True, text=True, cwd=REPO, timeout=60)
    assert out.returncode == 1 and "tracker fleet init" in out.stderr


def _job_counts(db: str) -> dict[str, Counter]:
    import psycopg

    counts: dict[str, Counter] = {}
    with psycopg.connect(db) as conn:
        for task, status, n in conn.execute(
            "SELECT task_name, status::text, count(*) FROM procrastinate_jobs GROUP BY 1, 2"
        ):
            counts.setdefault(task.rsplit(".", 1)[-1], Counter())[status] = n
    return counts


def test_worker_derives_and_renders_after_changes_then_stops_cleanly(db, tmp_path):
    from tracker.fleet import apply_schema, fleet_status
    from tracker.store import open_store

    apply_schema(db)
    with CountingFeedServer(6, items) as server:
        config = write_config(tmp_path / "tracker.toml", db,
                              [server.url(i) for i in range(6)], 10.0, tmp_path / "maps")
        worker = WorkerProcess(config, "solo", tmp_path, "--concurrency", "4")
        try:
            _wait_for(lambda: len(server.fetches) == 6, 60, "every feed polled")
            _wait_for(lambda: not any(c.get("todo") or c.get("doing")
                                      for t, c in _job_counts(db).items()
                                      if t in ("poll", "derive", "render")), 60,
                      "the queue to drain")
        finally:
            code = worker.stop()
        assert code == 0, worker.log()
    counts = _job_counts(db)
    store = open_store(db)
    try:
        places = {o.place_id for o in store.observations()}
        changed = {c.place_id for c in store.changes()}
    finally:
        store.close()
    assert places == {"lachin-corridor", "upper-lars-crossing", "zangezur-corridor"}
    assert changed and changed <= places
    # A derivation only after a poll that stored something (one per feed here: the feeds
    # do not change), never one per worker or per re-poll; renders coalesce.
    assert counts["poll"]["succeeded"] >= 6 and not counts["poll"].get("failed")
    assert len(places) <= sum(counts["derive"].values()) <= 6
    assert 1 <= counts["render"]["succeeded"] <= sum(counts["derive"].values())
    assert (tmp_path / "maps" / "index.html").is_file()
    assert [w["state"] for w in fleet_status(db)["workers"]] == ["stopped"]


# -- three workers, 300 feeds, one SIGKILL --------------------------------------------------


def _retried_polls(db: str) -> set[int]:
    """The feeds whose poll job was put back in the queue (its worker died)."""
    import psycopg

    with psycopg.connect(db) as conn:
        rows = conn.execute(
            "SELECT DISTINCT j.args->>'source' FROM procrastinate_jobs j"
            " JOIN procrastinate_events e ON e.job_id = j.id"
            " WHERE e.type = 'deferred_for_retry' AND j.task_name = 'tracker.fleet.poll'"
        ).fetchall()
    return {int(r[0].removeprefix("wire-")) for r in rows}


def _poll_jobs_of(db: str, worker_name: str) -> dict[int, str]:
    import psycopg

    with psycopg.connect(db) as conn:
        rows = conn.execute(
            "SELECT j.id, j.args->>'source' FROM procrastinate_jobs j"
            " JOIN tracker_fleet_workers w ON w.procrastinate_id = j.worker_id"
            " WHERE w.name = %s AND j.status = 'doing' AND j.task_name = 'tracker.fleet.poll'",
            (worker_name,),
        ).fetchall()
    return dict(rows)


def _rel(times: list[float], origin: float) -> list[float]:
    return [round(t - origin, 2) for t in times]


def _wait_for(predicate, timeout: float, what: str):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(0.05)
    raise AssertionError(f"timed out after {timeout:.0f} s waiting for {what}")


def _reference_observations(server: CountingFeedServer, tmp_path: Path) -> Counter:
    """What one process extracts from every article served: the expected log."""
    from datetime import UTC, datetime

    from tracker.config import load_settings
    from tracker.pipeline import Pipeline
    from tracker.sources import parse_feed
    from tracker.store import open_store

    settings = load_settings(tmp_path / "tracker.toml", env={})
    store = open_store(str(tmp_path / "reference.db"), create=True)
    pipe = Pipeline(settings, store)
    now = datetime.now(UTC)
    generation = server.generation()
    for feed in range(FEEDS):
        data, _ = server.document(feed, generation)
        served = server.served[feed]
        articles = [a for a in parse_feed(data, base_url=server.url(feed),
                                          source=f"wire-{feed:04d}", outlet=f"Wire {feed}",
                                          language="en")
                    if a.url in served]
        pipe.ingest(articles, now)
    got = Counter((o.article_url, o.place_id, o.status, o.claimant, o.negated)
                  for o in store.observations())
    store.close()
    return got


def test_three_workers_share_300_feeds_and_survive_a_sigkill(db, tmp_path):
    from tracker.store import open_store

    workers: list[WorkerProcess] = []
    with CountingFeedServer(FEEDS, items, delay=0.1, generation_seconds=2 * INTERVAL) as server:
        config = write_config(tmp_path / "tracker.toml", db,
                              [server.url(i) for i in range(FEEDS)], INTERVAL, tmp_path / "maps")
        subprocess.run([*TRACKER, "fleet", "init", "--config", str(config)], cwd=REPO,
                       check=True, capture_output=True, timeout=60)
        try:
            for i in range(3):
                workers.append(WorkerProcess(
                    config, f"w{i}", tmp_path, "--concurrency", "12",
                    "--heartbeat", str(HEARTBEAT), "--stalled-after", str(STALLED_AFTER),
                    "--sweep", str(SWEEP), "--no-render"))
            _wait_for(lambda: len(server.fetches) == FEEDS, 60, "every feed fetched once")
            time.sleep(2 * INTERVAL)  # steady state: three workers share the feeds

            victim = workers[0]
            in_flight = _wait_for(lambda: _poll_jobs_of(db, victim.name), 30,
                                  "a poll running on the victim")
            victim.kill()
            killed_at = time.monotonic()
            time.sleep(3 * INTERVAL)  # the other two take over
            status = _status(config)
            ended_at = time.monotonic()
        finally:
            codes = [w.stop() for w in workers[1:]]
        logs = {w.name: w.log() for w in workers}
        assert codes == [0, 0], logs
        fetches = {feed: sorted(times) for feed, times in server.fetches.items()}
        reference = _reference_observations(server, tmp_path)

    # No feed fetched twice within an interval, and none missed.
    # Every poll that was running on the victim when it died (seen running just before).
    taken_over = _retried_polls(db)
    assert {int(name.removeprefix("wire-")) for name in in_flight.values()} <= taken_over
    for feed in range(FEEDS):
        times = fetches[feed]
        gaps = [b - a for a, b in zip(times, times[1:], strict=False)]
        late_ok = INTERVAL + TICK + LATE
        for a, gap in zip(times, gaps, strict=False):
            spans_kill = feed in taken_over and a <= killed_at + 1
            if not spans_kill:
                assert gap >= INTERVAL - EARLY, (feed, _rel(times, killed_at))
            assert gap <= (INTERVAL + TAKEOVER if spans_kill else late_ok), (
                feed, _rel(times, killed_at))
        assert ended_at - times[-1] <= late_ok + 1, (feed, ended_at - times[-1])
    # The killed worker's polls were run again by the others within the takeover time.
    for feed in taken_over:
        after = [t for t in fetches[feed] if t > killed_at]
        assert after and after[0] - killed_at <= TAKEOVER, (feed, after[:1])

    # Fleet status: the victim is dead, the others alive, its jobs retried, nothing failed.
    states = {w["name"]: w["state"] for w in status["workers"]}
    assert states == {"w0": "dead", "w1": "alive", "w2": "alive"}
    assert status["retried"] == len(taken_over)
    assert status["failed"] == 0
    assert status["sources"]["configured"] == FEEDS

    # Every observation of every served article is in the log exactly once.
    store = open_store(db)
    try:
        got = Counter((o.article_url, o.place_id, o.status, o.claimant, o.negated)
                      for o in store.observations())
        served = sum(len(links) for links in server.served.values())
        assert store.articles_count() == served
        derived = {s.place_id for s in store.statuses()}
    finally:
        store.close()
    assert sum(reference.values()) >= served  # the synthetic articles all carry a claim
    assert got == reference
    assert {place for _, place, *_ in reference} <= derived


def test_the_tick_derives_places_that_time_alone_has_changed(db, tmp_path):
    """A place closed three weeks ago with no report since: the fleet's tick finds it due
    for review and a worker marks it stale, with no source to poll at all."""
    from datetime import UTC, datetime, timedelta

    from tracker.fleet import apply_schema
    from tracker.models import Article, DerivationRules, Observation, Status
    from tracker.pipeline import rederive
    from tracker.store import open_store

    apply_schema(db)
    then = datetime.now(UTC) - timedelta(days=21)
    with open_store(db, create=True) as store:
        for i, outlet in enumerate(("Wire A", "Wire B")):
            url = f"https://wire{i}.example/lars"
            store.ingest([(Article(url=url, title="Upper Lars closed", outlet=outlet,
                                   published=then), [Observation(
                place_id="upper-lars-crossing", status=Status.CLOSED, claimant="reporter",
                negated=False, evidence="Closed.", confidence=0.9, observed_at=then,
                article_url=url)])])
        rederive(store, ["upper-lars-crossing"], then + timedelta(hours=1), DerivationRules())
        assert not store.status("upper-lars-crossing").stale
    config = write_config(tmp_path / "tracker.toml", db, [], 10.0, tmp_path / "maps")
    worker = WorkerProcess(config, "solo", tmp_path, "--no-render")
    try:
        def stale() -> bool:
            with open_store(db) as store:
                return store.status("upper-lars-crossing").stale

        _wait_for(stale, 60, "the stale mark")
    finally:
        assert worker.stop() == 0, worker.log()
    with open_store(db) as store:
        change = store.changes("upper-lars-crossing")[-1]
    assert (change.cause, change.at) == ("stale", then + timedelta(days=14))
