"""`tracker claims`, `set`, `unset`, `rebuild`, `export` and `import`: the log's commands."""

from __future__ import annotations

import argparse
import os
import sys
from datetime import UTC, datetime
from typing import Any

from tracker.clean import one_line
from tracker.cli.common import add_db_argument, database_target, fmt_time, print_json
from tracker.errors import InputError
from tracker.models import Status


def register(sub: argparse._SubParsersAction) -> None:
    """Add the claims, set, unset, rebuild, export and import commands."""
    p = sub.add_parser(
        "claims",
        help="the claims behind a place's current status, grouped by claimant",
        description="List the observations behind the current status of one place (those "
        "that caused the latest change and every one since), grouped by who makes them.",
    )
    p.add_argument("place", metavar="PLACE", help="a place id, name or alias")
    p.add_argument("--json", action="store_true", help="print JSON")
    add_db_argument(p)
    p.set_defaults(func=cmd_claims)

    p = sub.add_parser(
        "set",
        help="set an analyst override on a place",
        description="Set a place's status by hand. The override wins over the news until "
        "it expires (--until) or `tracker unset` ends it, and it is logged in the history.",
    )
    p.add_argument("place", metavar="PLACE", help="a place id, name or alias")
    p.add_argument("status", metavar="STATUS", choices=[s.value for s in Status],
                   help="one of: " + ", ".join(s.value for s in Status))
    p.add_argument("--note", required=True, help="why (shown in the history)")
    p.add_argument("--source", metavar="URL", default="", help="a link that backs the override")
    p.add_argument("--until", metavar="DATE", default=None,
                   help="when the override expires (ISO date or date-time, UTC)")
    p.add_argument("--analyst", default=None, help="who sets it (default: $USER)")
    add_db_argument(p)
    p.set_defaults(func=cmd_set)

    p = sub.add_parser(
        "unset",
        help="end the analyst override on a place",
        description="End the override in force on a place; its status is derived from the "
        "news again. The override stays in the history.",
    )
    p.add_argument("place", metavar="PLACE", help="a place id, name or alias")
    add_db_argument(p)
    p.set_defaults(func=cmd_unset)

    p = sub.add_parser(
        "rebuild",
        help="recompute every status and change from the stored observations",
        description="Re-derive every place from its observations and overrides with the "
        "configured rules. With unchanged rules the change log stays identical.",
    )
    add_db_argument(p)
    p.set_defaults(func=cmd_rebuild)

    p = sub.add_parser(
        "export",
        help="write the whole log as JSON lines",
        description="Write every article, observation, change, override and state of the "
        "database to FILE as JSON lines ('-' for stdout), to move it to another backend.",
    )
    p.add_argument("file", metavar="FILE", help="output file, or - for stdout")
    add_db_argument(p)
    p.set_defaults(func=cmd_export)

    p = sub.add_parser(
        "import",
        help="load a log written by `tracker export` into an empty database",
        description="Load a JSON-lines log into an empty database (created if missing), "
        "in one transaction: a bad line names its number and nothing is imported.",
    )
    p.add_argument("file", metavar="FILE", help="input file, or - for stdin")
    add_db_argument(p)
    p.set_defaults(func=cmd_import)


# -- helpers -----------------------------------------------------------------------------
def _now() -> datetime:
    return datetime.now(UTC)


def _place_id(query: str) -> str:
    """Resolve PLACE (raises UnknownPlaceError with suggestions)."""
    from tracker.cli.core import resolve_place

    return resolve_place(query)[0]


def _rules() -> Any:
    from tracker.config import load_settings

    return load_settings().derivation


def parse_until(text: str, now: datetime) -> datetime:
    """An ISO date or date-time (UTC unless it says otherwise) that lies after ``now``."""
    try:
        value = datetime.fromisoformat(text.strip())
    except ValueError:
        raise InputError(f"--until {text!r} is not an ISO date such as 2025-03-01") from None
    value = value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)
    if value <= now:
        raise InputError(f"--until {text!r} is not in the future")
    return value


def _rederive(store: Any, place_ids: list[str], now: datetime) -> list[Any]:
    from tracker.pipeline import rederive

    return rederive(store, place_ids, now, _rules())


# -- commands ----------------------------------------------------------------------------
def cmd_claims(args: argparse.Namespace) -> int:
    """Print the claims behind a place's status, grouped by claimant."""
    from tracker.cli.core import resolve_place, status_label
    from tracker.query import claims_for, status_of
    from tracker.store import open_store
    from tracker.store.snapshot import status_record

    place_id, name, _kind = resolve_place(args.place)
    with open_store(database_target(args)) as store:
        status = status_of(store, place_id)
        groups = claims_for(store, place_id)
    if args.json:
        print_json({
            "id": place_id,
            "status": status.status,
            "since": status.since,
            "claimants": [
                {"claimant": g.claimant, "claims": [_claim_json(o) for o in g.claims]}
                for g in groups
            ],
        })
        return 0
    since = f" since {fmt_time(status.since)}" if status.since else ""
    print(f"{name} ({place_id}): {status_label(status_record(status))}{since}")
    if not groups:
        print("no claims recorded.")
    for g in groups:
        print(f"\n{one_line(g.claimant)}:")
        for o in g.claims:
            what = ("not " if o.negated else "") + str(o.status)
            print(one_line(f"  {fmt_time(o.observed_at)}  {what:<14} {o.outlet}: {o.title}"
                           f"  <{o.article_url}>"))
    return 0


def _claim_json(o: Any) -> dict[str, Any]:
    return {
        "status": o.status,
        "negated": o.negated,
        "claimant": o.claimant,
        "outlet": o.outlet,
        "at": o.observed_at,
        "title": o.title,
        "url": o.article_url,
        "evidence": o.evidence,
        "confidence": o.confidence,
    }


def cmd_set(args: argparse.Namespace) -> int:
    """Record an analyst override and re-derive the place."""
    from tracker.models import Override
    from tracker.store import open_store

    now = _now()
    if not args.note.strip():
        raise InputError("--note must say why the status is set by hand")
    if args.source:
        from tracker.config import check_url

        # The link is shown on the map pages: only http(s) is safe to make clickable.
        if problem := check_url(args.source):
            raise InputError(f"--source {problem}")
    until = parse_until(args.until, now) if args.until else None
    place_id = _place_id(args.place)
    analyst = args.analyst or os.environ.get("USER") or "analyst"
    with open_store(database_target(args)) as store:
        override = store.add_override(Override(
            place_id=place_id, status=Status(args.status), analyst=analyst,
            note=args.note.strip(), start=now, until=until, source_url=args.source))
        _rederive(store, [place_id], now)
        status = store.status(place_id)
    expiry = f" until {fmt_time(override.until)}" if override.until else " until `tracker unset`"
    print(f"{place_id}: set to {override.status} by {analyst}{expiry}"
          f" (now {status.status if status else override.status})")
    return 0


def cmd_unset(args: argparse.Namespace) -> int:
    """End the override on a place and re-derive it from the news."""
    from tracker.store import open_store

    now = _now()
    place_id = _place_id(args.place)
    with open_store(database_target(args)) as store:
        ended = store.end_override(place_id, now)
        _rederive(store, [place_id], now)
        status = store.status(place_id)
    print(f"{place_id}: override {ended.status} by {ended.analyst} ended; "
          f"status from the news: {status.status if status else 'unknown'}")
    return 0


def cmd_rebuild(args: argparse.Namespace) -> int:
    """Re-derive every place and report how the change log moved."""
    from tracker.store import open_store

    now = _now()
    with open_store(database_target(args)) as store:
        before = store.counts()
        places = store.place_ids()
        new = _rederive(store, places, now)
        after = store.counts()
    superseded = after["superseded_changes"] - before["superseded_changes"]
    print(f"rebuilt {len(places)} places: {after['changes']} changes in force, "
          f"{len(new)} new, {superseded} superseded")
    return 0


def cmd_export(args: argparse.Namespace) -> int:
    """Write the log as JSON lines, atomically when writing to a file."""
    from tracker.store import open_store

    with open_store(database_target(args)) as store:
        if args.file == "-":
            n = store.export_log(sys.stdout)
        else:
            tmp = f"{args.file}.tmp-{os.getpid()}"
            try:
                with open(tmp, "w", encoding="utf-8") as fp:
                    n = store.export_log(fp)
                os.replace(tmp, args.file)
            except OSError as exc:
                raise InputError(f"cannot write {args.file}: {exc.strerror}") from None
            finally:
                if os.path.exists(tmp):
                    os.unlink(tmp)
    if args.file != "-":
        print(f"exported {n} records to {args.file}", file=sys.stderr)
    return 0


def cmd_import(args: argparse.Namespace) -> int:
    """Load an exported log into an empty database."""
    from tracker.store import open_store

    try:
        fp = sys.stdin if args.file == "-" else open(args.file, encoding="utf-8")
    except OSError as exc:
        raise InputError(f"cannot read {args.file}: {exc.strerror}") from None
    try:
        with fp, open_store(database_target(args), create=True) as store:
            n = store.import_log(fp)
    except UnicodeDecodeError as exc:
        raise InputError(f"{args.file} is not UTF-8 text ({exc.reason})") from None
    print(f"imported {n} records", file=sys.stderr)
    return 0
