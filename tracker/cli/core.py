"""`tracker demo`, `tracker status` and `tracker history`: formatting over library calls."""

from __future__ import annotations

import argparse
import sys

from tracker.clean import one_line
from tracker.cli.common import add_db_argument, database_target, fmt_time, print_json

# `tracker status` imports this module: no models, store classes, pathlib or typing at
# the top (see tracker.store.snapshot and tracker.place_index).
TYPE_CHECKING = False
if TYPE_CHECKING:  # pragma: no cover - typing only
    from tracker.models import StatusChange
    from tracker.place_index import IndexRow
    from tracker.store.snapshot import Record


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
    from pathlib import Path

    from tracker.config import load_settings
    from tracker.demo import run_demo

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
    places = _tracked_places()
    known = {r["id"]: r for r in _status_records(db, [p[0] for p in places])}
    print()
    _print_status_table([(p, known[p[0]]) for p in places
                         if p[0] in known and known[p[0]]["status"] != "unknown"])
    print(f"\nmap written to {out_dir / 'index.html'}; database {db}")
    return 1 if cycle.errors else 0


# -- status ----------------------------------------------------------------------------
def cmd_status(args: argparse.Namespace) -> int:
    """Print the status of one place or of all tracked places."""
    from tracker.store.snapshot import unknown_record

    places = _tracked_places()
    target = database_target(args)
    if args.place:
        place = _find_place(places, args.place)
        found = _status_records(target, [place[0]])
        record = found[0] if found else unknown_record(place[0])
        if args.json:
            print_json(status_json(place, record))
        else:
            _print_status_table([(place, record)])
            _print_contest(record)
        return 0
    known = {r["id"]: r for r in _status_records(target, [p[0] for p in places])}
    rows = [(p, known.get(p[0]) or unknown_record(p[0])) for p in places]
    if args.json:
        print_json([status_json(p, r) for p, r in rows])
        return 0
    shown = rows if args.all else [(p, r) for p, r in rows if r["status"] != "unknown"]
    _print_status_table(shown)
    hidden = len(rows) - len(shown)
    if hidden:
        print(f"\n{hidden} other tracked places have no reports yet (--all lists them).")
    return 0


def _status_records(target: str, place_ids: list[str]) -> list[Record]:
    from tracker.store.snapshot import status_records

    return status_records(target, place_ids)


def _tracked_places() -> list[IndexRow]:
    """(id, name, kind) of every tracked place, by name: the small index when geodata has
    one, else the gazetteer."""
    from tracker.place_index import load_tracked_index

    rows = load_tracked_index()
    if rows is None:
        rows = [(p.id, p.name, p.kind) for p in _gazetteer().tracked()]
    return rows


def _find_place(places: list[IndexRow], query: str) -> IndexRow:
    """The place a PLACE argument names: an exact id or name at once, anything else
    (aliases, other languages, prefixes) through the gazetteer's lookup."""
    from tracker.place_index import find_exact

    row = find_exact(places, query)
    if row is None:
        gazetteer = _gazetteer()
        record = gazetteer.record(gazetteer.lookup_id(query))
        row = (record["id"], record["name"], record["kind"])
    return row


def resolve_place(query: str) -> IndexRow:
    """(id, name, kind) of the place a PLACE argument names (UnknownPlaceError with
    suggestions when none): shared by every command that takes a PLACE."""
    return _find_place(_tracked_places(), query)


def _gazetteer():  # noqa: ANN202 - a Gazetteer; imported on demand
    from tracker.gazetteer import Gazetteer

    return Gazetteer.load(tracked_only=True)


def status_label(r: Record) -> str:
    """`blocked`, `blocked + patrolled`, `open (contested)`, ..."""
    label = r["status"]
    if r["patrolled"] and r["status"] != "patrolled":
        label += " + patrolled"
    flags = [f for f, on in (("override", r["override"] is not None),
                             ("contested", r["contested"]), ("stale", r["stale"])) if on]
    return label + (f" ({', '.join(flags)})" if flags else "")


# Table cells beyond these widths end in "..." so a row stays readable on a terminal;
# `--json` and `tracker claims` give everything.
CLAIMANT_WIDTH = 30
HEADLINE_WIDTH = 60


def _claimant(r: Record) -> str:
    claimants = r["claimants"]
    evidence = r["evidence"]
    if not claimants:
        return (evidence or {}).get("outlet") or "-"
    shown = claimants[0]
    for name in claimants[1:]:
        if len(f"{shown}, {name}") > CLAIMANT_WIDTH:
            return f"{shown}, ..."
        shown = f"{shown}, {name}"
    return shown


def _clip(text: str, width: int) -> str:
    return text if len(text) <= width else text[: width - 3].rstrip() + "..."


def _print_status_table(rows: list[tuple[IndexRow, Record]]) -> None:
    table = [("PLACE", "STATUS", "SINCE", "CLAIMANT", "LATEST EVIDENCE")]
    for place, r in rows:
        e = r["evidence"]
        evidence = "-"
        if e:
            evidence = (f'"{_clip(e["headline"] or "", HEADLINE_WIDTH)}" '
                        f'{e["outlet"]}, {fmt_time(e["date"])[:10]}')
            if e["url"]:
                evidence += f" <{e['url']}>"
        # Cells carry text from feeds: no control character reaches the terminal.
        table.append((place[1], status_label(r), fmt_time(r["since"]), one_line(_claimant(r)),
                      one_line(evidence)))
    widths = [max(len(row[i]) for row in table) for i in range(4)]
    lines = []
    for row in table:
        cells = [c.ljust(w) for c, w in zip(row[:4], widths, strict=True)]
        lines.append("  ".join([*cells, row[4]]).rstrip())
    print("\n".join(lines))


def _print_contest(r: Record) -> None:
    if not r["contested"]:
        return
    print("\ncontested claims:")
    for status, claimants in r["contest"].items():
        print(one_line(f"  {status}: {', '.join(claimants)}"))


def status_json(place: IndexRow, r: Record) -> Record:
    """The JSON object of one place's status (`tracker status --json`)."""
    return {"id": place[0], "name": place[1], "kind": place[2],
            **{k: v for k, v in r.items() if k != "id"}}


# -- history -----------------------------------------------------------------------------
def cmd_history(args: argparse.Namespace) -> int:
    """Print the change log of one place."""
    from tracker.store import open_store

    place_id, name, _kind = resolve_place(args.place)
    with open_store(database_target(args)) as store:
        changes = store.changes(place_id)
    if args.json:
        print_json([change_json(c) for c in changes])
        return 0
    if not changes:
        print(f"{name}: no status changes recorded yet.")
        return 0
    print(f"{name} ({place_id}): {len(changes)} changes")
    for c in changes:
        source = f"  by {c.claimant}" if c.claimant else ""
        print(one_line(f"{fmt_time(c.at)}  {describe_change(c)}{source}  {c.evidence_url}"
                       ).rstrip())
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


def change_json(c: StatusChange) -> dict[str, object]:
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
