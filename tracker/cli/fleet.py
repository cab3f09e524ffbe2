"""`tracker worker`, `tracker fleet init` and `tracker fleet status`: fleet mode on PostgreSQL."""

from __future__ import annotations

import argparse
import os
from dataclasses import replace
from pathlib import Path
from typing import Any

from tracker.cli.common import add_db_argument, fmt_time, print_json


def _add_config(p: argparse.ArgumentParser) -> None:
    p.add_argument(
        "--config", metavar="FILE", type=Path, default=None,
        help="configuration file (default: $TRACKER_CONFIG, ./tracker.toml or the shipped one)",
    )
    add_db_argument(p)


def register(sub: argparse._SubParsersAction) -> None:
    """Add the worker and fleet commands."""
    p = sub.add_parser(
        "worker",
        help="run one fleet worker: share the polling with other workers on PostgreSQL",
        description="Run a fleet worker. Any number of workers, on any machines, share one "
        "PostgreSQL database (--db, $TRACKER_DB or db in the config): each due source is "
        "polled once per interval by one of them, and the jobs of a worker that dies are "
        "taken over by the others. SIGTERM or SIGINT finishes the jobs in flight and exits. "
        "On a single machine with SQLite, use `tracker run` instead.",
    )
    _add_config(p)
    p.add_argument("--concurrency", type=int, default=8, metavar="N",
                   help="jobs this worker runs at once (default: 8)")
    p.add_argument("--name", default="", help="worker name shown by `fleet status` "
                   "(default: HOST:PID)")
    p.add_argument("--heartbeat", type=float, default=5.0, metavar="SECONDS",
                   help="seconds between heartbeats (default: 5)")
    p.add_argument("--stalled-after", type=float, default=20.0, metavar="SECONDS",
                   help="a worker silent this long is dead and its jobs are retried by "
                   "others (default: 20)")
    p.add_argument("--sweep", type=int, default=5, metavar="SECONDS",
                   help="how often jobs of dead workers are looked for (default: 5)")
    p.add_argument("--no-render", action="store_true", help="do not render the map site")
    p.set_defaults(func=cmd_worker)

    fleet = sub.add_parser(
        "fleet",
        help="set up and inspect the fleet of workers",
        description="Set up the fleet's tables on PostgreSQL and show what the workers do.",
    )
    fsub = fleet.add_subparsers(dest="fleet_command", metavar="COMMAND")
    fsub.required = True

    p = fsub.add_parser(
        "init",
        help="create or upgrade the fleet schema (Procrastinate's and ours)",
        description="Create the job queue and fleet tables, or upgrade them after installing "
        "a new version. Safe to run again; workers also run it when they start.",
    )
    _add_config(p)
    p.set_defaults(func=cmd_fleet_init)

    p = fsub.add_parser(
        "status",
        help="workers seen, last heartbeats, queue depth, failed and retried jobs",
        description="Show every worker seen with its last heartbeat, the jobs waiting and "
        "running, failed and retried jobs, and the sources' polling totals.",
    )
    _add_config(p)
    p.add_argument("--json", action="store_true", help="print JSON")
    p.add_argument("--stalled-after", type=float, default=20.0, metavar="SECONDS",
                   help="call a worker dead after this long without a heartbeat (default: 20)")
    p.set_defaults(func=cmd_fleet_status)


def _settings(args: argparse.Namespace) -> Any:
    """The configuration with --db applied; the database must be PostgreSQL."""
    from tracker.config import load_settings
    from tracker.fleet import require_postgres

    settings = load_settings(args.config)
    if args.db:
        settings = replace(settings, db=args.db)
    _check_conninfo(require_postgres(settings.db))
    return settings


def _check_conninfo(db: str) -> str:
    """``db`` if libpq can parse it; a ConfigError instead of psycopg's traceback otherwise."""
    import psycopg
    from psycopg.conninfo import conninfo_to_dict

    from tracker.errors import ConfigError

    try:
        conninfo_to_dict(db)
    except psycopg.Error as exc:
        raise ConfigError(f"bad PostgreSQL URL {db!r}: {exc}") from None
    return db


def _db(args: argparse.Namespace) -> str:
    """The fleet database without reading the whole configuration when not needed."""
    from tracker.fleet import require_postgres

    if args.db or os.environ.get("TRACKER_DB"):
        return _check_conninfo(require_postgres(args.db or os.environ["TRACKER_DB"]))
    return _settings(args).db


def cmd_worker(args: argparse.Namespace) -> int:
    """Run a fleet worker until stopped."""
    import logging

    from tracker.fleet import FleetOptions, run_worker

    settings = _settings(args)
    options = FleetOptions(
        concurrency=args.concurrency, heartbeat_interval=args.heartbeat,
        stalled_after=args.stalled_after, sweep_seconds=args.sweep,
        render=not args.no_render, name=args.name,
    )
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s "
                        "%(message)s")
    run_worker(settings, options)
    return 0


def cmd_fleet_init(args: argparse.Namespace) -> int:
    """Apply the schema and register the configured sources."""
    from tracker.fleet import apply_schema, sync_sources

    settings = _settings(args)
    for step in apply_schema(settings.db) or ["schema already up to date"]:
        print(step)
    print(f"{sync_sources(settings.db, settings.sources)} sources registered")
    return 0


def cmd_fleet_status(args: argparse.Namespace) -> int:
    """Print the fleet's workers, queue and sources."""
    from tracker.fleet import fleet_status

    status = fleet_status(_db(args), args.stalled_after)
    if args.json:
        print_json(status)
        return 0
    workers = status["workers"]
    print(f"{len(workers)} worker(s) seen")
    if workers:
        print(f"  {'name':<28} {'state':<8} {'heartbeat':<17} {'ago':>7} {'running':>7} "
              f"{'polls':>8} {'errors':>7}")
        for w in workers:
            print(f"  {w['name']:<28} {w['state']:<8} {fmt_time(w['last_heartbeat']):<17} "
                  f"{w['seconds_since_heartbeat']:>6.0f}s {w['jobs_running']:>7} "
                  f"{w['polls']:>8} {w['poll_errors']:>7}")
    print(f"queue depth {status['queue_depth']}, running {status['running']}, "
          f"failed {status['failed']}, retried {status['retried']}")
    for task, counts in sorted(status["jobs"].items()):
        shown = ", ".join(f"{k} {v}" for k, v in sorted(counts.items()))
        print(f"  {task:<14} {shown}")
    src = status["sources"]
    print(f"sources: {src['configured']} configured, {src['due']} due now, "
          f"{src['polls']} polls, {src['poll_errors']} failed polls, {src['failing']} failing")
    return 0
