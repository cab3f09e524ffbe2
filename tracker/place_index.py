"""The tracked places' ids, names and kinds, for `tracker status` and `tracker history`.

``geodata/tracked-index.json`` (a few KB, written by scripts/build_geodata.py next to the
catalogue) holds them in display order, so that printing the status table needs neither
the catalogue nor the models. Anything beyond an exact id or name (aliases, prefixes,
suggestions) is the gazetteer's job. Imports only json and os.
"""

from __future__ import annotations

import json
import os

from tracker.errors import GeodataError

TRACKED_INDEX_FILE = "tracked-index.json"
INDEX_FORMAT = 1

# (id, canonical English name, kind) of one tracked place.
IndexRow = tuple[str, str, str]


def geodata_root() -> str:
    """$TRACKER_GEODATA, else the repository's geodata/ next to the package."""
    env = os.environ.get("TRACKER_GEODATA")
    if env:
        return env
    import tracker

    return os.path.join(os.path.dirname(os.path.dirname(os.path.realpath(tracker.__file__))),
                        "geodata")


def index_rows(tracked: list[dict]) -> list[list[str]]:
    """The index's rows for catalogue records of tracked places: sorted as
    ``Gazetteer.tracked()`` sorts (by case-folded name)."""
    return [[r["id"], r["name"], r["kind"]]
            for r in sorted(tracked, key=lambda r: r["name"].casefold())]


def load_tracked_index(root: str | None = None) -> list[IndexRow] | None:
    """The tracked places in display order; None when the geodata has no index (a
    hand-made geodata directory), so the caller falls back to the gazetteer."""
    path = os.path.join(root if root is not None else geodata_root(), TRACKED_INDEX_FILE)
    try:
        with open(path, encoding="utf-8") as f:
            data = json.load(f)
    except FileNotFoundError:
        return None
    except (OSError, ValueError) as exc:
        raise GeodataError(f"{path}: unreadable ({exc}); run scripts/build_geodata.py") from None
    if not isinstance(data, dict) or data.get("format") != INDEX_FORMAT or not all(
            isinstance(r, list) and len(r) == 3 for r in data.get("places", ())):
        raise GeodataError(f"{path}: not a tracked-place index of format {INDEX_FORMAT}; "
                           "run scripts/build_geodata.py")
    return [(r[0], r[1], r[2]) for r in data["places"]]


def find_exact(rows: list[IndexRow], query: str) -> IndexRow | None:
    """The tracked place whose id is ``query``, or whose name it is (case-blind)."""
    key = query.strip().casefold()
    for row in rows:
        if row[0] == query or row[1].casefold() == key:
            return row
    return None
