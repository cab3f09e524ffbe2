"""`tracker render`: write the map site and exports from the database."""

from __future__ import annotations

import argparse
from datetime import UTC, datetime
from pathlib import Path

from tracker.cli.common import add_db_argument, database_target


def register(sub: argparse._SubParsersAction) -> None:
    """Add the render command."""
    p = sub.add_parser(
        "render",
        help="write the map site (HTML pages, GeoJSON, Atom, CSV) from the database",
        description="Write index.html, one page and one Atom feed per tracked place, "
        "status.geojson, changes.atom and status.csv into DIR. The pages load nothing "
        "from the internet except (optionally) OpenStreetMap tiles; only files whose "
        "content changed are rewritten.",
    )
    add_db_argument(p)
    p.add_argument(
        "--out", metavar="DIR", default=None,
        help="output directory (default: out_dir from the config, maps/)",
    )
    p.add_argument(
        "--config", metavar="FILE", type=Path, default=None,
        help="configuration file (default: $TRACKER_CONFIG, ./tracker.toml, else the defaults)",
    )
    p.add_argument(
        "--no-tiles", action="store_true",
        help="leave out the OpenStreetMap tile layer: the pages make no network request",
    )
    p.set_defaults(func=cmd_render)


def cmd_render(args: argparse.Namespace) -> int:
    """Render the site from the store's current state and say what was written."""
    from tracker.config import load_settings
    from tracker.gazetteer import Gazetteer
    from tracker.render import render_site
    from tracker.store import open_store

    settings = load_settings(args.config)
    out_dir = Path(args.out) if args.out else Path(settings.out_dir)
    gazetteer = Gazetteer.load(getattr(settings, "geodata", None))
    with open_store(database_target(args)) as store:
        statuses, changes, observations = (
            store.statuses(), store.changes(), store.observations()
        )
    result = render_site(
        out_dir, gazetteer, statuses, changes, observations, datetime.now(UTC),
        tiles=not args.no_tiles,
    )
    print(
        f"wrote {len(result.written)} files, {result.unchanged} unchanged"
        + (f", removed {len(result.removed)}" if result.removed else "")
        + f"; open {out_dir / 'index.html'}"
    )
    return 0
