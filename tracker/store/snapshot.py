"""Current statuses as plain records, read straight from the materialised ``place_status``
table: the quick path of `tracker status`.

A record is the JSON object that `tracker status --json` prints for a place, less the
place's name and kind (those come from geodata). Only sqlite3 and json are imported (no
models, no datetime), so asking for the status costs little more than starting Python.
PostgreSQL targets, and SQLite files that still need a migration (a write), go through
``open_store`` and give the same records; tests compare both paths.
"""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Sequence

from tracker.store import is_postgres
from tracker.store.sqlite_file import connect, schema_version, translate

TYPE_CHECKING = False
if TYPE_CHECKING:  # pragma: no cover - typing only
    from tracker.models import PlaceStatus

# The schema this module reads: the last of tracker.store.migrations (a test checks).
SCHEMA_VERSION = 2

Record = dict[str, object]
_CHUNK = 500

_COLUMNS = ("place_id, status, since, patrolled, contested, stale, claimants, contest, "
            "evidence_url, evidence_title, evidence_outlet, evidence_at, evidence_text, "
            "override, updated")


def status_records(target: str, place_ids: Sequence[str] | None = None) -> list[Record]:
    """The recorded status of every place, or of the given places, by place id; a place
    with nothing recorded has no record."""
    if is_postgres(target):
        return _via_store(target, place_ids)
    conn = connect(target)
    try:
        if schema_version(conn, target) != SCHEMA_VERSION:
            return _via_store(target, place_ids)
        if place_ids is None:
            rows = conn.execute(f"SELECT {_COLUMNS} FROM place_status").fetchall()
        else:
            # Only the rows asked for are read and decoded; chunks keep each statement
            # under SQLite's limit on parameters.
            ids = list(dict.fromkeys(place_ids))
            rows = []
            for i in range(0, len(ids), _CHUNK):
                chunk = ids[i:i + _CHUNK]
                rows += conn.execute(f"SELECT {_COLUMNS} FROM place_status WHERE place_id IN "
                                     f"({', '.join('?' * len(chunk))})", chunk).fetchall()
    except sqlite3.Error as exc:
        raise translate(exc, target) from None
    finally:
        conn.close()
    return sorted((_record(r) for r in rows), key=lambda r: r["id"])


def unknown_record(place_id: str) -> Record:
    """The record of a place nothing has been recorded about."""
    return {"id": place_id, "status": "unknown", "patrolled": False, "since": None,
            "contested": False, "contest": {}, "stale": False, "claimants": [],
            "evidence": None, "override": None, "updated": None}


def status_record(s: PlaceStatus) -> Record:
    """The record of a derived ``PlaceStatus`` (the path through the full store)."""
    o = s.override
    return {
        "id": s.place_id, "status": s.status, "patrolled": s.patrolled,
        "since": _iso(s.since), "contested": s.contested,
        "contest": {status: list(claimants) for status, claimants in s.contest},
        "stale": s.stale, "claimants": list(s.claimants),
        "evidence": _evidence(s.evidence_url, s.evidence_title, s.evidence_outlet,
                              _iso(s.evidence_at), s.evidence_text),
        "override": None if o is None else {
            "status": str(o.status), "analyst": o.analyst, "note": o.note,
            "source": o.source_url, "from": _iso(o.start), "until": _iso(o.until)},
        "updated": _iso(s.updated),
    }


def _via_store(target: str, place_ids: Sequence[str] | None) -> list[Record]:
    from tracker.store import open_store

    with open_store(target) as store:
        if place_ids is None:
            found = store.statuses()
        else:
            found = [s for s in map(store.status, dict.fromkeys(place_ids)) if s is not None]
    return sorted((status_record(s) for s in found), key=lambda r: r["id"])


def _record(r: tuple) -> Record:
    o = json.loads(r[13]) if r[13] else None
    return {
        "id": r[0], "status": r[1], "patrolled": bool(r[3]), "since": _iso(r[2]),
        "contested": bool(r[4]), "contest": {k: list(v) for k, v in json.loads(r[7])},
        "stale": bool(r[5]), "claimants": json.loads(r[6]),
        "evidence": _evidence(r[8], r[9], r[10], _iso(r[11]), r[12]),
        "override": None if o is None else {
            "status": o["status"], "analyst": o["analyst"], "note": o["note"],
            "source": o["source_url"], "from": _iso(o["start"]), "until": _iso(o["until"])},
        "updated": _iso(r[14]),
    }


def _evidence(url: str, headline: str, outlet: str, at: str | None, text: str) -> Record | None:
    if not (url or headline):
        return None
    return {"headline": headline, "outlet": outlet, "date": at, "url": url, "text": text}


def _iso(value: object) -> str | None:
    """A stored time as ``datetime.isoformat()`` writes it for an aware UTC time."""
    if not value:
        return None
    if not isinstance(value, str):
        return value.isoformat()  # a datetime, from the full store
    # The store writes fixed-width "YYYY-MM-DDTHH:MM:SS.ffffff+00:00"; isoformat() leaves
    # out a zero fraction.
    if len(value) == 32 and value.endswith("+00:00") and value[19] == ".":
        return value[:19] + value[26:] if value[20:26] == "000000" else value
    from datetime import UTC, datetime

    parsed = datetime.fromisoformat(value)
    return (parsed.replace(tzinfo=UTC) if parsed.tzinfo is None else
            parsed.astimezone(UTC)).isoformat()
