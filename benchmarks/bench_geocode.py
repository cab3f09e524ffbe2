"""Geocoding benchmark: documents per second and recall of inserted place names, against
geotext and flashgeotext, on one generated corpus. Run: python benchmarks/bench_geocode.py"""

from __future__ import annotations

import random
import time

from tracker.extract.geocode import Geocoder
from tracker.gazetteer import Gazetteer

FILLER = ("officials said on Monday that traffic resumed after talks between the sides",
          "the convoy carried food and medicine for residents", "queues grew through the night",
          "the agency reported that the situation remained calm", "drivers waited for hours")
DOCS = 2000


def corpus(gaz: Gazetteer, seed: int = 7) -> list[tuple[str, list[str]]]:
    """Documents of filler sentences with 3 inserted city names each (names known to all)."""
    rng = random.Random(seed)
    cities = [r["name"] for r in gaz.records if r["id"].startswith("gn-")
              and r["kind"] == "city" and r["name"].isascii() and " " not in r["name"]]
    docs = []
    for _ in range(DOCS):
        names = rng.sample(cities, 3)
        parts = [f"{rng.choice(FILLER).capitalize()} in {n}." for n in names]
        parts += [rng.choice(FILLER).capitalize() + "." for _ in range(6)]
        rng.shuffle(parts)
        docs.append((" ".join(parts), names))
    return docs


def run(label: str, find, docs: list[tuple[str, list[str]]]) -> dict[str, float]:
    start = time.perf_counter()
    found = [find(text) for text, _ in docs]
    secs = time.perf_counter() - start
    hits = sum(len({n for n in names if n in f}) for (_, names), f in zip(docs, found, strict=True))
    total = sum(len(names) for _, names in docs)
    result = {"docs_per_s": len(docs) / secs, "recall": hits / total}
    print(f"{label:<14} {result['docs_per_s']:>10.0f} docs/s   recall {result['recall']:.3f}")
    return result


def main() -> None:
    t0 = time.perf_counter()
    gaz = Gazetteer.load()
    geo = Geocoder(gaz)
    geo.find_mentions("warm up")
    print(f"load + automaton: {time.perf_counter() - t0:.3f} s")
    docs = corpus(gaz)
    ours = run("tracker", lambda t: {m.text for m in geo.find_mentions(t)}, docs)
    try:
        from geotext import GeoText

        gt = run("geotext", lambda t: set(GeoText(t).cities), docs)
        print(f"tracker / geotext speed: {ours['docs_per_s'] / gt['docs_per_s']:.2f}x")
    except ImportError:
        print("geotext not installed")
    try:
        from flashgeotext.geotext import GeoText as FlashGeoText

        fgt = FlashGeoText()
        fl = run("flashgeotext",
                 lambda t: set(fgt.extract(input_text=t)["cities"].keys()), docs)
        print(f"tracker / flashgeotext speed: {ours['docs_per_s'] / fl['docs_per_s']:.2f}x")
    except ImportError:
        print("flashgeotext not installed")


if __name__ == "__main__":
    main()
