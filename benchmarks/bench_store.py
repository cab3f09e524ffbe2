"""Store benchmark: ingest rate, rebuild time and `tracker status` wall time on a big log.

    .venv/bin/python benchmarks/bench_store.py [--observations 1000000] [--places 500]

Targets (issue 5): ingest >= 5,000 observations/s into SQLite in batches; `tracker status`
<= 2x the wall time of `python -c 'import sqlite3'` (medians of repeated runs, same run).
"""

from __future__ import annotations

import argparse
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

from tracker.models import Article, DerivationRules, Observation, Status
from tracker.store import open_store

T0 = datetime(2023, 1, 1, tzinfo=UTC)
OUTLETS = [f"Outlet {i}" for i in range(12)]
CLAIMANTS = ["reporter", "reporter", "reporter", "Ministry of Transport", "Border Service",
             "Government of Eastland", "Government of Westland"]


def place_ids(n: int) -> list[str]:
    """Real tracked places first (so `tracker status` shows them), then synthetic ones."""
    try:
        from tracker.gazetteer import Gazetteer

        real = [p.id for p in Gazetteer.load().tracked()]
    except Exception:  # noqa: BLE001 - the benchmark runs without a gazetteer too
        real = []
    return (real + [f"bench-place-{i}" for i in range(n)])[:n]


def generate(store, places: list[str], total: int, per_article: int, batch: int) -> float:
    """Ingest ``total`` observations; returns observations per second."""
    statuses = list(Status)
    n_articles = total // per_article
    done = 0
    start = time.perf_counter()
    for first in range(0, n_articles, batch):
        items = []
        for i in range(first, min(first + batch, n_articles)):
            at = T0 + timedelta(minutes=i)
            outlet = OUTLETS[i % len(OUTLETS)]
            article = Article(url=f"https://{i % 12}.example/n/{i}", title=f"Report {i}",
                              text=f"Report number {i} about the roads. " * 8, outlet=outlet,
                              source=f"s{i % 12}", published=at)
            obs = [Observation(place_id=places[(i * 7 + k) % len(places)],
                               status=statuses[(i // 500 + k) % 5],
                               claimant=CLAIMANTS[(i + k) % len(CLAIMANTS)], negated=(i % 17 == 0),
                               evidence="The road was reported shut by the checkpoint guards.",
                               confidence=0.6 + (i % 4) / 10, observed_at=at,
                               article_url=article.url)
                   for k in range(per_article)]
            items.append((article, obs))
        done += store.ingest(items).observations_added
    return done / (time.perf_counter() - start)


def walls(commands: dict[str, list[str]], runs: int) -> dict[str, float]:
    """Median wall time of each command, in seconds. The commands take turns, so a burst
    of load elsewhere on the machine falls on all of them alike."""
    times: dict[str, list[float]] = {name: [] for name in commands}
    for _ in range(runs):
        for name, argv in commands.items():
            start = time.perf_counter()
            subprocess.run(argv, check=True, capture_output=True)
            times[name].append(time.perf_counter() - start)
    return {name: statistics.median(t) for name, t in times.items()}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--observations", type=int, default=1_000_000)
    parser.add_argument("--places", type=int, default=500)
    parser.add_argument("--per-article", type=int, default=4)
    parser.add_argument("--batch", type=int, default=500, help="articles per ingest call")
    parser.add_argument("--runs", type=int, default=21)
    parser.add_argument("--db", default=None, help="reuse or create this database file")
    args = parser.parse_args()

    db = Path(args.db or Path(tempfile.mkdtemp()) / "bench.db")
    fresh = not db.exists()
    with open_store(str(db), create=True) as store:
        if fresh:
            places = place_ids(args.places)
            rate = generate(store, places, args.observations, args.per_article, args.batch)
            print(f"ingest: {rate:,.0f} observations/s (target >= 5,000)")
            from tracker.pipeline import rederive

            start = time.perf_counter()
            changes = rederive(store, store.place_ids(), T0 + timedelta(days=800),
                               DerivationRules())
            took = time.perf_counter() - start
            print(f"rebuild: {len(store.place_ids())} places, {len(changes):,} changes "
                  f"in {took:.1f} s")
        counts = store.counts()
    print(f"database: {counts['observations']:,} observations, {counts['articles']:,} articles, "
          f"{counts['place_status']} places, {db.stat().st_size / 2**20:.0f} MiB")

    py = sys.executable
    tracker = str(Path(py).with_name("tracker"))
    # Byte-compiled, as an installed package is (`./run` does this too): with
    # PYTHONDONTWRITEBYTECODE set, every run would otherwise compile our modules again.
    import tracker as package

    subprocess.run([py, "-m", "compileall", "-q", str(Path(package.__file__).parent)],
                   check=True, capture_output=True)
    measured = walls({
        "baseline": [py, "-c", "import sqlite3"],
        "query": [py, "-c", "import sys; from tracker.store import open_store; "
                  "s = open_store(sys.argv[1]); s.statuses(); s.close()", str(db)],
        "status": [tracker, "status", "--db", str(db)],
        "status_json": [tracker, "status", "--json", "--db", str(db)],
        "status_alias": [tracker, "status", "Лачинский коридор", "--db", str(db)],
    }, args.runs)
    baseline, query, status, status_json, status_alias = measured.values()
    print(f"python -c 'import sqlite3':   {baseline * 1000:6.1f} ms (median of {args.runs})")
    print(f"open_store + statuses():     {query * 1000:6.1f} ms = {query / baseline:.2f}x")
    print(f"tracker status:              {status * 1000:6.1f} ms = {status / baseline:.2f}x "
          "(target <= 2x)")
    print(f"tracker status --json:       {status_json * 1000:6.1f} ms = "
          f"{status_json / baseline:.2f}x")
    print(f"tracker status <alias>:      {status_alias * 1000:6.1f} ms = "
          f"{status_alias / baseline:.2f}x")
    return 0


if __name__ == "__main__":
    sys.exit(main())
