"""Fleet throughput: polls per second against 1,000 slow local feeds with 1, 2 and 4 workers.

Each feed answers after a fixed delay (an I/O-bound fleet). For each worker count, a fresh
database and fresh worker processes poll every feed once; polls/s is the number of feeds
divided by the time from the first fetch to the last finished poll.

    .venv/bin/python benchmarks/bench_fleet.py [--feeds 1000] [--delay 0.25] [--workers 1 2 4]
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from tests.fleet_helpers import (  # noqa: E402 - after the path set-up
    CountingFeedServer,
    WorkerProcess,
    fresh_database,
    postgres_server,
    write_config,
)


def items(feed: int, generation: int) -> list[tuple[str, str, str]]:
    """One synthetic article per feed, parsed, geocoded and stored, but naming no tracked
    place: the benchmark measures polling, not derivation (which runs per change)."""
    text = f"A regional wine festival opened on Tuesday with {feed} stalls, organisers said."
    return [(f"Festival opens ({feed})", f"http://wire{feed}.test/news/0", text)]


def polls_done(db: str) -> int:
    """Polls finished so far across the fleet."""
    import psycopg

    with psycopg.connect(db) as conn:
        return conn.execute(
            "SELECT coalesce(sum(polls), 0)::bigint FROM tracker_fleet_sources"
        ).fetchone()[0]


def run(server_url: str, feeds: int, delay: float, workers: int, concurrency: int) -> float:
    """Polls per second of ``workers`` workers over ``feeds`` feeds answering in ``delay``."""
    import subprocess

    from tests.fleet_helpers import REPO, TRACKER

    db = fresh_database(server_url, prefix="bench")
    tmp = Path(tempfile.mkdtemp(prefix="bench-fleet-"))
    with CountingFeedServer(feeds, items, delay=delay) as server:
        # A long interval: each feed is polled exactly once during the measurement.
        config = write_config(tmp / "tracker.toml", db, [server.url(i) for i in range(feeds)],
                              3600.0, tmp / "maps")
        subprocess.run([*TRACKER, "fleet", "init", "--config", str(config)], cwd=REPO,
                       check=True, capture_output=True)
        import psycopg

        # Hold every source back until all workers are up, then release them at once.
        with psycopg.connect(db) as conn:
            conn.execute("UPDATE tracker_fleet_sources SET next_due = now() + interval '1 day'")
        procs = [WorkerProcess(config, f"bench{i}", tmp, "--concurrency", str(concurrency),
                               "--no-render") for i in range(workers)]
        try:
            deadline = time.monotonic() + 120
            while time.monotonic() < deadline:
                with psycopg.connect(db) as conn:
                    up = conn.execute("SELECT count(*) FROM tracker_fleet_workers").fetchone()[0]
                if up == workers:
                    break
                time.sleep(0.2)
            time.sleep(2.0)  # let every worker finish loading before the race starts
            with psycopg.connect(db) as conn:
                start = conn.execute(
                    "UPDATE tracker_fleet_sources SET next_due = now()"
                    " RETURNING extract(epoch FROM now())"
                ).fetchone()[0]
            while polls_done(db) < feeds:
                time.sleep(0.1)
            finished = time.time()
        finally:
            for proc in procs:
                proc.stop()
    return feeds / (finished - float(start))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--feeds", type=int, default=1000)
    parser.add_argument("--delay", type=float, default=0.25, help="seconds per answer")
    parser.add_argument("--workers", type=int, nargs="+", default=[1, 2, 4])
    parser.add_argument("--concurrency", type=int, default=8, help="jobs per worker")
    args = parser.parse_args()
    with postgres_server() as server_url:
        results = {n: run(server_url, args.feeds, args.delay, n, args.concurrency)
                   for n in args.workers}
    base = results[args.workers[0]]
    print(f"{args.feeds} feeds answering in {args.delay:g} s, concurrency "
          f"{args.concurrency} per worker\n")
    print("| workers | polls/s | speed-up |")
    print("| ---: | ---: | ---: |")
    for n, rate in results.items():
        print(f"| {n} | {rate:.1f} | {rate / base:.2f}x |")


if __name__ == "__main__":
    main()
