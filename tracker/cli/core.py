"""`tracker demo`, `tracker status` and `tracker history`: formatting over library calls."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Any

from tracker.cli.common import add_db_argument, database_target, fmt_time, print_json
from tracker.models import PlaceStatus, StatusChange


def register(sub: argparse._SubParsersAction) -> None:
    """Add the demo, status and history commands."""
    p = sub.add_parser(
        "demo",
        help="run the offline demo: sample feeds -> pipeline -> database and maps",
        description="Serve the shipped sample feeds on 127.0.0.1, run the whole pipeline "
        "into the database, write the map site and print the status table. "
        "Running it again changes nothing.",
    )
    add_db_argument(p)
    p.add_argument("--out", metavar="DIR", default=None, help="map site directory (default: maps/)")
    p.set_defaults(func=cmd_demo)

    p = sub.add_parser(
        "status",
        help="current status of every tracked place, or of one",
        description="Show the current status of tracked places: status, since when, who "
        "says so and the latest evidence. PLACE matches an id, name or alias "
        "(case- and accent-insensitive).",
    )
    p.add_argument("place", nargs="?", metavar="PLACE", help="a place id, name or alias")
    p.add_argument("--json", action="store_true", help="print JSON")
    p.add_argument("--all", action="store_true", help="also list places with no reports yet")
    add_db_argument(p)
    p.set_defaults(func=cmd_status)

    p = sub.add_parser(
        "history",
        help="the change log of one place, oldest first",
        description="Show every status change of one place, oldest first: when, from, to, "
        "who said so and the article behind it.",
    )
    p.add_argument("place", metavar="PLACE", help="a place id, name or alias")
    p.add_argument("--json", action="store_true", help="print JSON")
    add_db_argument(p)
    p.set_defaults(func=cmd_history)


# -- demo --------------------------------------------------------------------------------
def cmd_demo(args: argparse.Namespace) -> int:
    """Run the offline demo and print the resulting status table."""
    from tracker.config import load_settings
    from tracker.demo import run_demo
    from tracker.store import open_store

    settings = load_settings()
    db = database_target(args)
    out_dir = Path(args.out) if args.out else Path(settings.out_dir)
    cycle = run_demo(db, out_dir, settings)
    for result in cycle.sources:
        state = "error: " + result.error if result.error else (
            "not modified" if result.not_modified else
            f"{result.articles_found} items, {result.ingest.articles_added} new articles, "
            f"{result.ingest.observations_added} new observations"
        )
        print(f"fetched {result.source}: {state}")
    with open_store(db) as store:
        gazetteer = _gazetteer()
        rows = [s for s in store.statuses() if s.status != "unknown"]
        print()
        _print_status_table(rows, gazetteer)
    print(f"\nmap written to {out_dir / 'index.html'}; database {db}")
    return 1 if cycle.errors else 0


# -- status ------------------------------------------------------------------------------
def cmd_status(args: argparse.Namespace) -> int:
    """Print the status of one place or of all tracked places."""
    from tracker.store import open_store

    gazetteer = _gazetteer()
    place = gazetteer.lookup(args.place) if args.place else None
    with open_store(database_target(args)) as store:
        if place is not None:
            status = store.status(place.id) or _unknown(place.id)
            if args.json:
                print_json(status_json(status, gazetteer))
            else:
                _print_status_table([status], gazetteer)
                _print_contest(status)
            return 0
        known = {s.place_id: s for s in store.statuses()}
    tracked = gazetteer.tracked()
    rows = [known.get(p.id) or _unknown(p.id) for p in tracked]
    if args.json:
        print_json([status_json(s, gazetteer) for s in rows])
        return 0
    shown = rows if args.all else [s for s in rows if s.status != "unknown"]
    _print_status_table(shown, gazetteer)
    hidden = len(rows) - len(shown)
    if hidden:
        print(f"\n{hidden} other tracked places have no reports yet (--all lists them).")
    return 0


def _unknown(place_id: str) -> PlaceStatus:
    return PlaceStatus(place_id=place_id, status="unknown", since=None)


def _gazetteer() -> Any:
    from tracker.gazetteer import Gazetteer

    return Gazetteer.load(tracked_only=True)


def status_label(s: PlaceStatus) -> str:
    """`blocked`, `blocked + patrolled`, `open (contested)`, ..."""
    label = s.status
    if s.patrolled and s.status != "patrolled":
        label += " + patrolled"
    flags = [f for f, on in (("override", s.override is not None), ("contested", s.contested),
                             ("stale", s.stale)) if on]
    return label + (f" ({', '.join(flags)})" if flags else "")


# Table cells beyond these widths end in "..." so a row stays readable on a terminal;
# `--json` and `tracker claims` give everything.
CLAIMANT_WIDTH = 30
HEADLINE_WIDTH = 60


def _claimant(s: PlaceStatus) -> str:
    if not s.claimants:
        return s.evidence_outlet or "-"
    shown = s.claimants[0]
    for name in s.claimants[1:]:
        if len(f"{shown}, {name}") > CLAIMANT_WIDTH:
            return f"{shown}, ..."
        shown = f"{shown}, {name}"
    return shown


def _clip(text: str, width: int) -> str:
    return text if len(text) <= width else text[: width - 3].rstrip() + "..."


def _print_status_table(rows: list[PlaceStatus], gazetteer: Any) -> None:
    table = [("PLACE", "STATUS", "SINCE", "CLAIMANT", "LATEST EVIDENCE")]
    for s in rows:
        evidence = "-"
        if s.evidence_title or s.evidence_url:
            evidence = (f'"{_clip(s.evidence_title or "", HEADLINE_WIDTH)}" '
                        f'{s.evidence_outlet}, {fmt_time(s.evidence_at)[:10]}')
            if s.evidence_url:
                evidence += f" <{s.evidence_url}>"
        table.append((gazetteer.get(s.place_id).name, status_label(s), fmt_time(s.since),
                      _claimant(s), evidence))
    widths = [max(len(r[i]) for r in table) for i in range(4)]
    for row in table:
        cells = [c.ljust(w) for c, w in zip(row[:4], widths, strict=True)]
        print("  ".join([*cells, row[4]]).rstrip())


def _print_contest(s: PlaceStatus) -> None:
    if not s.contested:
        return
    print("\ncontested claims:")
    for status, claimants in s.contest:
        print(f"  {status}: {', '.join(claimants)}")


def status_json(s: PlaceStatus, gazetteer: Any) -> dict[str, Any]:
    """The JSON object of one place's status (`tracker status --json`)."""
    place = gazetteer.get(s.place_id)
    return {
        "id": place.id,
        "name": place.name,
        "kind": place.kind,
        "status": s.status,
        "patrolled": s.patrolled,
        "since": s.since,
        "contested": s.contested,
        "contest": {status: list(claimants) for status, claimants in s.contest},
        "stale": s.stale,
        "claimants": list(s.claimants),
        "evidence": None if not (s.evidence_url or s.evidence_title) else {
            "headline": s.evidence_title,
            "outlet": s.evidence_outlet,
            "date": s.evidence_at,
            "url": s.evidence_url,
            "text": s.evidence_text,
        },
        "override": None if s.override is None else {
            "status": s.override.status, "analyst": s.override.analyst,
            "note": s.override.note, "source": s.override.source_url,
            "from": s.override.start, "until": s.override.until,
        },
        "updated": s.updated,
    }


# -- history -----------------------------------------------------------------------------
def cmd_history(args: argparse.Namespace) -> int:
    """Print the change log of one place."""
    from tracker.store import open_store

    gazetteer = _gazetteer()
    place = gazetteer.lookup(args.place)
    with open_store(database_target(args)) as store:
        changes = store.changes(place.id)
    if args.json:
        print_json([change_json(c) for c in changes])
        return 0
    if not changes:
        print(f"{place.name}: no status changes recorded yet.")
        return 0
    print(f"{place.name} ({place.id}): {len(changes)} changes")
    for c in changes:
        source = f"  by {c.claimant}" if c.claimant else ""
        print(f"{fmt_time(c.at)}  {describe_change(c)}{source}  {c.evidence_url}".rstrip())
    return 0


def describe_change(c: StatusChange) -> str:
    """One change in words: `blocked -> open`, `blocked, contested`, `open went stale`, ..."""
    to = c.to_status + (" + patrolled" if c.patrolled and c.to_status != "patrolled" else "")
    if c.cause == "stale":
        return f"{to}: went stale (no confirmation)" if c.stale else f"{to}: confirmed again"
    if c.cause == "contest":
        return f"{to}: contested" if c.contested else f"{to}: no longer contested"
    text = f"{c.from_status or 'unknown'} -> {to}"
    if c.cause == "override":
        text += " (analyst override)"
    elif c.from_status == c.to_status:
        text = f"{to}: confirmed"
    return text + (" [contested]" if c.contested and c.cause != "contest" else "")


def change_json(c: StatusChange) -> dict[str, Any]:
    """The JSON object of one change (`tracker history --json`)."""
    return {
        "at": c.at,
        "from": c.from_status,
        "to": c.to_status,
        "claimant": c.claimant,
        "evidence": c.evidence_url,
        "title": c.title,
        "contested": c.contested,
        "patrolled": c.patrolled,
        "stale": c.stale,
        "cause": c.cause,
    }


if __name__ == "__main__":  # pragma: no cover
    sys.exit("use the `tracker` command")
