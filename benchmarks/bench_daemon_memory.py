"""Daemon memory: resident memory over many poll cycles against local feeds.

Target (issue 6): RSS stays within 10 % over 1,000 poll cycles against 100 local feeds.

    .venv/bin/python benchmarks/bench_daemon_memory.py [--feeds 100] [--cycles 1000]

Runs the daemon's own poll job (``Daemon.poll``: backoff check, fetch with limits, parse,
extract, store, derive) in this process against a threaded server on 127.0.0.1. Each
cycle about a tenth of the feeds publish a new item, so parsing and ingest run, and the
rest answer 304 Not Modified, as real feeds mostly do. RSS is read from /proc after a
warm-up and at the end; the script exits 1 when growth exceeds the target.
"""

from __future__ import annotations

import argparse
import gc
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from tests.feedserver import FeedServer, rss  # noqa: E402
from tracker.config import DaemonSettings, FetchLimits, Settings, SourceConfig  # noqa: E402
from tracker.models import DerivationRules  # noqa: E402

WARMUP_FRACTION = 0.1  # the first cycles fill caches and pools; measure after them
TARGET_GROWTH = 0.10

SENTENCES = (
    "Traffic moved normally through the {place} on {day}, drivers said.",
    "Officials reported long queues at the {place} on {day}.",
    "The {place} was closed to trucks on {day} after a landslide, the road agency said.",
    "The {place} reopened on {day} after repairs.",
)
PLACES = ("Upper Lars crossing", "Lachin corridor", "Rafah crossing", "Kerch bridge",
          "Margara crossing", "Zangezur corridor")


def rss_kib() -> int:
    """Resident set size of this process in KiB (Linux /proc)."""
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1])
    raise RuntimeError("no VmRSS in /proc/self/status")


def feed_body(feed: int, version: int) -> bytes:
    """Feed ``feed`` after ``version`` new items: the 20 newest."""
    items = []
    for n in range(max(0, version - 19), version + 1):
        place = PLACES[(feed + n) % len(PLACES)]
        text = SENTENCES[(feed * 7 + n) % len(SENTENCES)].format(place=place, day=f"day {n}")
        items.append((f"Item {n} of feed {feed}", f"http://feeds.example/{feed}/{n}", text))
    return rss(items, title=f"Feed {feed}")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--feeds", type=int, default=100)
    parser.add_argument("--cycles", type=int, default=1000)
    args = parser.parse_args()

    from tracker.pipeline import Pipeline
    from tracker.scheduler import Daemon, EventLog
    from tracker.sources.fetch import make_client
    from tracker.store import open_store

    with FeedServer() as server, tempfile.TemporaryDirectory() as tmp, \
            open(Path(tmp) / "daemon.log", "w") as log_stream:  # noqa: SIM115
        versions = [19] * args.feeds  # every feed starts with 20 items
        for i in range(args.feeds):
            server.add(f"/feed/{i}.xml", feed_body(i, versions[i]))
        sources = tuple(SourceConfig(name=f"feed-{i}", kind="rss",
                                     url=server.url(f"/feed/{i}.xml"), interval=1.0)
                        for i in range(args.feeds))
        limits = FetchLimits(per_host_interval=0.0)
        settings = Settings(db=str(Path(tmp) / "bench.db"), out_dir=Path(tmp) / "maps",
                            sources=sources, fetch=limits, daemon=DaemonSettings(),
                            derivation=DerivationRules(corroboration=1))
        daemon = Daemon(settings, log=EventLog(log_stream))
        daemon.store = open_store(settings.db, create=True)
        daemon.client = make_client(limits)
        daemon.pipeline = Pipeline(settings, daemon.store, client=daemon.client)
        warmup = max(1, int(args.cycles * WARMUP_FRACTION))
        baseline = 0
        started = time.monotonic()
        for cycle in range(args.cycles):
            for i in range(cycle % 10, args.feeds, 10):  # a tenth of the feeds publish
                versions[i] += 1
                server.add(f"/feed/{i}.xml", feed_body(i, versions[i]))
            for source in sources:
                daemon.poll(source)
            with server.lock:
                server.requests.clear()  # the test server's own log must not count
            if cycle + 1 == warmup:
                gc.collect()
                baseline = rss_kib()
            if (cycle + 1) % max(1, args.cycles // 10) == 0:
                print(f"cycle {cycle + 1:>5}: rss {rss_kib() / 1024:7.1f} MiB  "
                      f"{time.monotonic() - started:7.1f} s", flush=True)
        gc.collect()
        final = rss_kib()
        articles = daemon.store.articles_count()
        daemon.store.close()
        daemon.client.close()
    polls = args.feeds * args.cycles
    growth = (final - baseline) / baseline
    print(f"{polls} polls, {articles} articles stored, {time.monotonic() - started:.0f} s")
    print(f"rss after warm-up {baseline / 1024:.1f} MiB, at end {final / 1024:.1f} MiB, "
          f"growth {growth:+.1%} (target <= {TARGET_GROWTH:.0%})")
    return 0 if growth <= TARGET_GROWTH else 1


if __name__ == "__main__":
    raise SystemExit(main())
