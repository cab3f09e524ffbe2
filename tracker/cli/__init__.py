"""Command-line entry point: builds the parser from the command modules and turns
domain errors into one readable line and a non-zero exit code.

Each command module exposes ``register(subparsers)``; it must import heavy
libraries only inside its command functions, so that ``tracker status`` starts fast.
"""

from __future__ import annotations

import argparse
import importlib
import sys
from collections.abc import Sequence

from tracker import __version__
from tracker.errors import TrackerError

# Order is the order of `tracker --help`.
COMMAND_MODULES = (
    "tracker.cli.core",  # demo, status, history
    "tracker.cli.log",  # claims, set, unset, rebuild, export, import
    "tracker.cli.geo",  # geocode
    "tracker.cli.extract",  # extract, eval
    "tracker.cli.daemon",  # run, poll, sources
    "tracker.cli.site",  # render
    "tracker.cli.fleet",  # worker, fleet
)


def build_parser() -> argparse.ArgumentParser:
    """The full argument parser of the `tracker` command."""
    parser = argparse.ArgumentParser(
        prog="tracker",
        description="Track the status of strategic corridors, roads and border crossings "
        "from the news.",
    )
    parser.add_argument("--version", action="version", version=f"tracker {__version__}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    sub.required = True
    for name in COMMAND_MODULES:
        try:
            module = importlib.import_module(name)
        except ModuleNotFoundError as exc:
            if exc.name != name:
                raise
            continue  # command group not built yet
        module.register(sub)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Run the CLI; returns the process exit code."""
    parser = build_parser()
    args = parser.parse_args(argv)
    try:
        return int(args.func(args) or 0)
    except TrackerError as exc:
        print(f"tracker: error: {exc}", file=sys.stderr)
        return exc.exit_code
    except KeyboardInterrupt:
        print("tracker: interrupted", file=sys.stderr)
        return 130
    except BrokenPipeError:
        return 0
