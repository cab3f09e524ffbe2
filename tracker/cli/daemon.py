"""`tracker run`, `tracker poll`, `tracker sources`: the daemon and its sources."""

from __future__ import annotations

import argparse
import sys
from dataclasses import replace
from pathlib import Path
from typing import Any

from tracker.clean import one_line
from tracker.cli.common import add_db_argument, fmt_time, print_json


def _add_config_argument(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--config", metavar="PATH", type=Path, default=None,
        help="settings file (default: $TRACKER_CONFIG, then ./tracker.toml, then the "
        "shipped default)",
    )


def _settings(args: argparse.Namespace) -> Any:
    """Settings from --config/environment, with --db on top."""
    from tracker.config import load_settings

    settings = load_settings(args.config)
    if getattr(args, "db", None):
        settings = replace(settings, db=args.db)
    return settings


def register(subparsers: argparse._SubParsersAction) -> None:
    """Add the run, poll and sources commands."""
    run = subparsers.add_parser(
        "run", help="run the daemon: poll every source on its interval until stopped",
        description="Poll every configured source on its interval, derive statuses, render "
        "the map after changes and POST webhooks. Stops cleanly on SIGTERM or Ctrl-C. "
        "Only one daemon may run on a SQLite database.",
    )
    _add_config_argument(run)
    add_db_argument(run)
    run.set_defaults(func=cmd_run)

    poll = subparsers.add_parser(
        "poll", help="poll the sources once now (one cycle) and show what was found",
        description="Run one cycle now: fetch, extract, store, derive, render, and send "
        "webhooks for the changes. Sources that are backing off after errors are polled "
        "anyway. Exits 1 when every polled source failed.",
    )
    _add_config_argument(poll)
    add_db_argument(poll)
    poll.add_argument("--source", metavar="NAME", action="append",
                      help="poll only this source (repeatable)")
    poll.add_argument("--no-render", action="store_true", help="do not render the map")
    poll.add_argument("--json", action="store_true", help="print the results as JSON")
    poll.set_defaults(func=cmd_poll)

    sources = subparsers.add_parser(
        "sources", help="list the configured sources and their health",
        description="Each configured source with its last success, consecutive errors, "
        "last error and next attempt, as recorded by `tracker run` / `tracker poll`.",
    )
    _add_config_argument(sources)
    add_db_argument(sources)
    sources.add_argument("--json", action="store_true", help="print as JSON")
    sources.set_defaults(func=cmd_sources)


def cmd_run(args: argparse.Namespace) -> int:
    """Run the daemon until a signal stops it."""
    from tracker.scheduler import run_daemon

    return run_daemon(_settings(args))


def _progress_bar(total: int) -> Any:
    from tqdm import tqdm

    return tqdm(total=total, unit="source", file=sys.stderr, leave=False,
                disable=not sys.stderr.isatty())


def cmd_poll(args: argparse.Namespace) -> int:
    """Poll the chosen sources once; print one line per source."""
    from tracker.pipeline import Pipeline
    from tracker.scheduler import utcnow
    from tracker.sources.fetch import make_client
    from tracker.store import open_store
    from tracker.webhooks import deliver_due, queue_changes

    settings = _settings(args)
    chosen = [settings.source(n) for n in args.source] if args.source else list(settings.sources)
    now = utcnow()
    with open_store(settings.db, create=True) as store, make_client(settings.fetch) as client:
        pipeline = Pipeline(settings, store, client=client)
        bar = _progress_bar(len(chosen))

        def advance(result: Any) -> None:
            bar.set_postfix_str(result.source, refresh=False)
            bar.update(1)

        try:
            cycle = pipeline.run_cycle(now, sources=chosen, progress=advance,
                                       render=not args.no_render)
        finally:
            bar.close()
        if queue_changes(store, cycle.changes, settings.webhooks):
            deliver_due(store, client, now)
    rows = [{"source": r.source, "articles": r.articles_found,
             "new": r.ingest.articles_added, "changes": len(r.changes),
             "not_modified": r.not_modified, "error": r.error} for r in cycle.sources]
    if args.json:
        print_json({"sources": rows, "changes": [
            {"place": c.place_id, "from": c.from_status, "to": c.to_status, "at": c.at}
            for c in cycle.changes]})
    else:
        for row in rows:
            state = "not modified" if row["not_modified"] else (
                f"{row['articles']} articles, {row['new']} new, {row['changes']} changes")
            print(f"{row['source']}: " + (f"FAILED: {row['error']}" if row["error"] else state))
        for change in cycle.changes:
            print(f"  {change.place_id}: {change.from_status or 'unknown'} -> "
                  f"{change.to_status} ({fmt_time(change.at)})")
    failed = sum(1 for r in rows if r["error"])
    return 1 if rows and failed == len(rows) else 0


def _health(state: Any) -> str:
    if state is None or state.last_attempt is None:
        return "never polled"
    if state.consecutive_errors:
        return f"failing ({state.consecutive_errors})"
    return "ok"


def cmd_sources(args: argparse.Namespace) -> int:
    """Show each configured source and its health."""
    from tracker.errors import DatabaseMissingError
    from tracker.store import open_store

    settings = _settings(args)
    try:
        with open_store(settings.db) as store:
            states = {s.name: s for s in store.source_states()}
            beats = store.heartbeats()
    except DatabaseMissingError:
        states, beats = {}, []  # nothing polled yet: every source is "never polled"
    rows = []
    for source in settings.sources:
        state = states.get(source.name)
        rows.append({
            "name": source.name, "kind": source.kind, "url": source.request_url,
            "interval": source.interval, "health": _health(state),
            "consecutive_errors": state.consecutive_errors if state else 0,
            "last_error": state.last_error if state else "",
            "last_success": state.last_success if state else None,
            "last_attempt": state.last_attempt if state else None,
            "next_attempt": state.next_attempt if state else None,
            "articles_seen": state.articles_seen if state else 0,
        })
    if args.json:
        print_json(rows)
        return 0
    width = max((len(r["name"]) for r in rows), default=4)
    print(f"{'SOURCE':<{width}}  {'KIND':<5}  {'HEALTH':<13}  {'LAST SUCCESS':<16}  "
          f"{'NEXT ATTEMPT':<16}  LAST ERROR")
    for r in rows:
        print(f"{r['name']:<{width}}  {r['kind']:<5}  {r['health']:<13}  "
              f"{fmt_time(r['last_success']):<16}  {fmt_time(r['next_attempt']):<16}  "
              f"{one_line(r['last_error'])[:80]}")
    for beat in beats:
        print(f"\n{beat['worker']}: last heartbeat {fmt_time(beat['at'])} UTC")
    return 0
