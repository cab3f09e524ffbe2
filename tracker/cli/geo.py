"""`tracker geocode`: the place mentions in a text and the tracked places they link to."""

from __future__ import annotations

import argparse
import dataclasses
import sys

from tracker.cli.common import print_json
from tracker.errors import InputError


def register(subparsers: argparse._SubParsersAction) -> None:
    """Add the `geocode` command."""
    p = subparsers.add_parser(
        "geocode",
        help="find place mentions in a text",
        description="Find the places named in TEXT (or standard input with '-') and the "
        "tracked places they link to.",
    )
    p.add_argument("text", metavar="TEXT", help="the text to read, or - for standard input")
    p.add_argument("--json", action="store_true", help="print JSON instead of a table")
    p.add_argument("--all", action="store_true",
                   help="also list countries, capitals, datelines and person names")
    p.set_defaults(func=run_geocode)


def run_geocode(args: argparse.Namespace) -> int:
    """Print the mentions found in the text."""
    from tracker.extract.geocode import Geocoder, place_mentions
    from tracker.gazetteer import Gazetteer

    text = sys.stdin.read() if args.text == "-" else args.text
    if not text.strip():
        raise InputError("geocode: empty text")
    mentions = Geocoder(Gazetteer.load()).find_mentions(text)
    if not args.all:
        mentions = place_mentions(mentions)
    tracked = sorted({m.place_id for m in mentions if m.tracked}
                     | {m.linked_to for m in mentions if m.linked_to})
    if args.json:
        print_json({"mentions": [dataclasses.asdict(m) for m in mentions], "tracked": tracked})
        return 0
    if not mentions:
        print("no places found")
        return 0
    for m in mentions:
        link = f"  -> {m.linked_to} ({m.distance_km:g} km)" if m.linked_to else ""
        flag = "*" if m.tracked else " "
        role = "" if m.role == "place" else f"  [{m.role}]"
        print(f"{m.start:>5}-{m.end:<5} {flag} {m.text!r:<28} {m.name} ({m.kind}){link}{role}")
    if tracked:
        print("tracked: " + ", ".join(tracked))
    return 0
