"""Claims benchmark: throughput of geocode + claims on a generated corpus, and label
scores of the claim reader next to the keyword baseline on an eval file.

    .venv/bin/python benchmarks/bench_claims.py [--eval ../shared/eval/dev.jsonl] [-n 3000]
"""

from __future__ import annotations

import argparse
import json
import random
import time
from pathlib import Path

# Synthetic news sentences; {P} is a tracked place name, {Q} another one.
TEMPLATES = [
    "Protesters have blocked the {P} since early morning, local officials said.",
    "The {P} reopened on Tuesday after a week of talks between the two governments.",
    "Officials denied reports that the {P} had been closed to traffic.",
    "Peacekeepers are patrolling the {P}, according to the defence ministry.",
    "Only humanitarian convoys are allowed through the {P}, the Red Cross said.",
    "Analysts said the {P} could be closed if the dispute escalates further.",
    "Trade through the {Q} continued as usual while traders watched the {P}.",
    "Lawmakers held a closed-door meeting on transport budgets and regional security.",
    "Heavy snow and high winds were forecast for the mountain districts this week.",
    "The ministry urged the authorities to unblock the {P} without delay.",
    "Freight volumes rose by four percent compared with the same month last year.",
    "Residents said prices of fuel and bread had risen sharply in recent days.",
]


def generate(names: list[str], n: int, seed: int = 7) -> list[str]:
    """``n`` paragraphs of 6-9 sentences (about 600-900 characters each)."""
    rng = random.Random(seed)
    docs = []
    for _ in range(n):
        sents = [
            rng.choice(TEMPLATES).format(P=rng.choice(names), Q=rng.choice(names))
            for _ in range(rng.randint(6, 9))
        ]
        docs.append(" ".join(sents))
    return docs


def throughput(n: int) -> dict:
    from tracker.extract.claims import ClaimReader
    from tracker.extract.geocode import Geocoder
    from tracker.gazetteer import Gazetteer

    gaz = Gazetteer.load()
    names = [p.name for p in gaz.tracked()]
    docs = generate(names, n)
    geo, reader = Geocoder(gaz), ClaimReader(gaz)
    for d in docs[:50]:  # warm caches (lexicon compile, scanners, folding tables)
        reader.read_claims(d, geo.find_mentions(d))
    mentions = [geo.find_mentions(d) for d in docs]
    counted: list[int] = []

    def both() -> None:
        counted.append(sum(len(reader.read_claims(d, geo.find_mentions(d))) for d in docs))

    def geo_only() -> None:
        for d in docs:
            geo.find_mentions(d)

    def claims_only() -> None:
        for d, ms in zip(docs, mentions, strict=True):
            reader.read_claims(d, ms)

    cpu_both, wall_both = _best(both)
    cpu_geo, _ = _best(geo_only)
    cpu_claims, _ = _best(claims_only)
    claims = counted[0]
    chars = sum(len(d) for d in docs)
    return {
        "articles": n,
        "mean_chars": round(chars / n),
        "articles_per_s_geocode_claims": round(n / cpu_both),
        "articles_per_s_geocode_claims_wall": round(n / wall_both),
        "articles_per_s_geocode": round(n / cpu_geo),
        "articles_per_s_claims": round(n / cpu_claims),
        "claims": claims,
    }


def _best(run, rounds: int = 3) -> tuple[float, float]:
    """Least CPU time of this thread (one core, robust to other load) and least wall time
    over ``rounds`` runs of ``run``."""
    cpu, wall = [], []
    for _ in range(rounds):
        c0, w0 = time.thread_time(), time.perf_counter()
        run()
        cpu.append(time.thread_time() - c0)
        wall.append(time.perf_counter() - w0)
    return min(cpu), min(wall)


def scores(path: Path) -> dict:
    import io

    from tracker.cli.extract import run_extract
    from tracker.evaluate import score
    from tracker.extract.baseline import KeywordBaseline
    from tracker.extract.claims import ClaimReader
    from tracker.extract.geocode import Geocoder
    from tracker.gazetteer import Gazetteer

    gaz = Gazetteer.load()
    out = {}
    readers = {
        "claims": ClaimReader(gaz),
        **{f"baseline-{w}": KeywordBaseline(w) for w in (5, 8, 12)},
    }
    for name, reader in readers.items():
        with path.open("rb") as f:
            gold, outputs, failed = run_extract(f, Geocoder(gaz), reader, None, io.StringIO())
        rep = score(gold, {str(o["id"]): o for o in outputs})
        out[name] = {
            "labels": rep["labels"],
            "distractors_with_labels": rep["distractors"]["with_labels"],
            "failed_lines": failed,
        }
    return out


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--eval", type=Path, default=None, help="gold JSON-lines file to score")
    ap.add_argument("-n", type=int, default=3000, help="generated articles")
    args = ap.parse_args()
    print(json.dumps({"throughput": throughput(args.n)}))
    if args.eval:
        print(json.dumps({"scores": scores(args.eval)}))


if __name__ == "__main__":
    main()
