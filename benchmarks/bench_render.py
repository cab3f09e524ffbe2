"""Render benchmark: 500 places with 50,000 changes in <= 10 s; a re-render after one
change rewrites only the pages that changed; index.html stays under 2 MB.

The gazetteer is synthetic (a grid of corridors, crossings and regions over a few
made-up countries), as are the headlines.

    .venv/bin/python benchmarks/bench_render.py [--places 500] [--changes 50000] [--out DIR]
"""

from __future__ import annotations

import argparse
import os
import random
import sys
import tempfile
import time
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from tests.render_support import FakeGazetteer  # noqa: E402 - after the path set-up
from tracker.models import (  # noqa: E402
    Observation,
    Place,
    PlaceStatus,
    Status,
    StatusChange,
)
from tracker.render import render_site  # noqa: E402

NOW = datetime(2024, 6, 1, tzinfo=UTC)
KINDS = ("corridor", "crossing", "region", "road")
STATUSES = ("open", "restricted", "blocked", "closed")
CLAIMANTS = ("Ministry of Transport", "Border Guard", "Local council", "Militia spokesman",
             "UN agency", "Drivers' union")


def synthetic_world(n_places: int, n_changes: int, seed: int = 7):
    """A gazetteer-like object, statuses, changes and observations."""
    rnd = random.Random(seed)
    places, geometries = [], {}
    for i in range(n_places):
        kind = KINDS[i % len(KINDS)]
        lon, lat = 30 + (i % 25) * 0.8, 30 + (i // 25) * 0.6
        country = f"C{(i // 50):02d}"
        places.append(Place(f"place-{i:04d}", f"Place {i} {kind}", kind, countries=(country,),
                            lon=lon, lat=lat))
        if kind in ("corridor", "road"):
            geometries[f"place-{i:04d}"] = {
                "type": "LineString",
                "coordinates": [[lon + k * 0.05, lat + rnd.uniform(-0.1, 0.1)] for k in range(12)],
            }
        elif kind == "region":
            ring = [[lon, lat], [lon + 0.5, lat], [lon + 0.5, lat + 0.4], [lon, lat + 0.4],
                    [lon, lat]]
            geometries[f"place-{i:04d}"] = {"type": "Polygon", "coordinates": [ring]}
        else:
            geometries[f"place-{i:04d}"] = {"type": "Point", "coordinates": [lon, lat]}
    countries = []
    for c in range(max(1, n_places // 50)):
        lon, lat = 30 + (c % 2) * 10, 30 + (c // 2) * 3
        ring = [[lon, lat], [lon + 10, lat], [lon + 10, lat + 3], [lon, lat + 3], [lon, lat]]
        countries.append({"type": "Feature", "properties": {"name": f"C{c:02d}"},
                          "geometry": {"type": "Polygon", "coordinates": [ring]}})
    gazetteer = FakeGazetteer(places, geometries, countries)

    changes, last = [], {}
    start = NOW - timedelta(days=365)
    step = timedelta(days=365) / max(1, n_changes)
    for k in range(n_changes):
        pid = places[rnd.randrange(n_places)].id
        to = rnd.choice(STATUSES)
        changes.append(StatusChange(
            pid, start + step * k, last.get(pid), to, claimant=rnd.choice(CLAIMANTS),
            evidence_url=f"https://news.example.test/{k}",
            title=f"Report {k}: traffic {to} on {pid}", contested=rnd.random() < 0.1))
        last[pid] = to
    statuses, observations = [], []
    for n, (pid, status) in enumerate(sorted(last.items())):
        contested = n % 7 == 0
        statuses.append(PlaceStatus(
            pid, status, NOW - timedelta(days=n % 30), patrolled=n % 5 == 0,
            contested=contested, claimants=CLAIMANTS[:2],
            contest=((status, (CLAIMANTS[0],)), ("open", (CLAIMANTS[1],))) if contested else (),
            evidence_url=f"https://news.example.test/s{n}", evidence_title=f"Status of {pid}",
            evidence_outlet="Example Wire", evidence_at=NOW - timedelta(days=n % 30),
            updated=NOW))
        for j, who in enumerate(CLAIMANTS[:3]):
            observations.append(Observation(
                pid, Status(status), who, False, f"{who} says the road is {status}", 0.9,
                NOW - timedelta(days=j), f"https://news.example.test/o{n}-{j}",
                title=f"{who} on {pid}", outlet="Example Wire", id=n * 10 + j))
    return gazetteer, statuses, changes, observations


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--places", type=int, default=500)
    parser.add_argument("--changes", type=int, default=50_000)
    parser.add_argument("--out", type=Path, default=None, help="keep the site here")
    args = parser.parse_args()

    gazetteer, statuses, changes, observations = synthetic_world(args.places, args.changes)
    with tempfile.TemporaryDirectory() as tmp:
        out = args.out or Path(tmp) / "site"
        t0, c0 = time.perf_counter(), time.process_time()
        first = render_site(out, gazetteer, statuses, changes, observations, NOW)
        t_first, cpu_first = time.perf_counter() - t0, time.process_time() - c0

        t0 = time.perf_counter()
        same = render_site(out, gazetteer, statuses, changes, observations, NOW)
        t_same = time.perf_counter() - t0

        target = statuses[0]
        later = NOW + timedelta(minutes=10)
        change = StatusChange(target.place_id, later, target.status, "closed",
                              claimant="Border Guard", title="Crossing shut overnight",
                              evidence_url="https://news.example.test/new")
        statuses2 = [replace(s, status="closed", since=later) if s is target else s
                     for s in statuses]
        t0 = time.perf_counter()
        one = render_site(out, gazetteer, statuses2, [*changes, change], observations, later)
        t_one = time.perf_counter() - t0
        index_mb = (out / "index.html").stat().st_size / 1e6
        biggest_page = max((p.stat().st_size for p in (out / "place").iterdir()), default=0)

    rewritten = sorted(p.relative_to(out).as_posix() for p in one.written)
    print(f"places={args.places} changes={args.changes} "
          f"(load average {os.getloadavg()[0]:.1f} on {os.cpu_count()} CPUs)")
    print(f"first render:            {t_first:6.2f} s  (CPU {cpu_first:.2f} s; "
          f"{len(first.written)} files written)")
    print(f"re-render, no change:    {t_same:6.2f} s  ({len(same.written)} files written)")
    print(f"re-render, one change:   {t_one:6.2f} s  ({len(one.written)} files written: "
          f"{', '.join(rewritten)})")
    print(f"index.html:              {index_mb:6.2f} MB; largest place page "
          f"{biggest_page / 1e6:.2f} MB")
    ok = t_first <= 10 and index_mb < 2 and len(one.written) <= 6 and not same.written
    print("targets met" if ok else "TARGETS MISSED")
    return 0 if ok else 1


if __name__ == "__main__":
    raise SystemExit(main())
