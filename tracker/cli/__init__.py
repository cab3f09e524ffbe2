"""Command-line entry point: builds the parser from the command modules and turns
domain errors into one readable line and a non-zero exit code.

Each command module exposes ``register(subparsers)``; it must import heavy
libraries only inside its command functions, so that ``tracker status`` starts fast.
"""

from __future__ import annotations

import argparse
import importlib
import os
import sys
from collections.abc import Sequence

from tracker import __version__
from tracker.errors import TrackerError

# Each command and the module that defines it, in the order of `tracker --help`.
# Only the chosen command's module is imported, so `tracker status` starts fast.
COMMANDS = {
    "demo": "core", "status": "core", "history": "core",
    "claims": "log", "set": "log", "unset": "log", "rebuild": "log",
    "export": "log", "import": "log",
    "geocode": "geo",
    "extract": "extract", "eval": "extract",
    "run": "daemon", "poll": "daemon", "sources": "daemon",
    "render": "site",
    "worker": "fleet", "fleet": "fleet",
}
COMMAND_MODULES = tuple(f"tracker.cli.{m}" for m in dict.fromkeys(COMMANDS.values()))


def _chosen_command(argv: Sequence[str] | None) -> str | None:
    """The command named in ``argv``, when it is a known one."""
    args = list(sys.argv[1:] if argv is None else argv)
    first = next((a for a in args if not a.startswith("-")), None)
    return first if first in COMMANDS else None


class HelpFormatter(argparse.HelpFormatter):
    """argparse's help formatter, taking the terminal width without ``import shutil``.

    argparse makes a formatter for every argument added (to check it), and its own asks
    ``shutil`` for the width: 3 ms of ``tracker status`` start-up for a module that is
    otherwise never used there. The width rule is shutil's: $COLUMNS, the terminal, 80.
    """

    def __init__(self, prog: str, indent_increment: int = 2, max_help_position: int = 24,
                 width: int | None = None) -> None:
        super().__init__(prog, indent_increment, max_help_position,
                         _terminal_columns() - 2 if width is None else width)


_columns: list[int] = []  # the terminal width, asked once per process


def _terminal_columns() -> int:
    if not _columns:
        try:
            columns = int(os.environ["COLUMNS"])
        except (KeyError, ValueError):
            try:
                columns = os.get_terminal_size(sys.__stdout__.fileno()).columns or 80
            except (AttributeError, ValueError, OSError):
                columns = 80
        _columns.append(columns)
    return _columns[0]


class ArgumentParser(argparse.ArgumentParser):
    """The parser of `tracker` and of its commands (add_parser makes this class too)."""

    def __init__(self, *args: object, **kwargs: object) -> None:
        kwargs.setdefault("formatter_class", HelpFormatter)
        super().__init__(*args, **kwargs)


def build_parser(argv: Sequence[str] | None = ()) -> ArgumentParser:
    """The argument parser of `tracker`: every command, or only the one named in ``argv``."""
    parser = ArgumentParser(
        prog="tracker",
        description="Track the status of strategic corridors, roads and border crossings "
        "from the news.",
    )
    parser.add_argument("--version", action="version", version=f"tracker {__version__}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    sub.required = True
    chosen = _chosen_command(argv)
    modules = (f"tracker.cli.{COMMANDS[chosen]}",) if chosen else COMMAND_MODULES
    for name in modules:
        importlib.import_module(name).register(sub)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Run the CLI; returns the process exit code."""
    parser = build_parser(argv)
    args = parser.parse_args(argv)
    try:
        return int(args.func(args) or 0)
    except TrackerError as exc:
        # One line, whatever the message carries (libpq adds a hint line, for instance).
        message = " ".join(str(exc).split())
        print(f"tracker: error: {message}", file=sys.stderr)
        return exc.exit_code
    except KeyboardInterrupt:
        print("tracker: interrupted", file=sys.stderr)
        return 130
    except BrokenPipeError:
        return 0
