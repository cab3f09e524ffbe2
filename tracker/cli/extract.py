"""`tracker extract` and `tracker eval`: places and status claims from JSON lines, and
their scores against a gold file. Formatting only; the work is in tracker.extract."""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Callable
from typing import IO, Any

from tracker.errors import GeodataError, InputError, TrackerError


def register(subparsers: argparse._SubParsersAction) -> None:
    """Add the `extract` and `eval` commands."""
    p = subparsers.add_parser(
        "extract",
        help="find places and status claims in JSON lines",
        description="Read JSON lines with at least 'id' and 'text' (optional 'published', "
        "'language', 'outlet') and write one JSON line per input with its places and "
        "status labels. A bad line is reported on stderr by line number; the others are "
        "still processed (exit code 1 if any line failed).",
    )
    p.add_argument("file", metavar="FILE.jsonl", help="input file, or - for stdin")
    _add_engine_arguments(p)
    p.set_defaults(func=cmd_extract)

    e = subparsers.add_parser(
        "eval",
        help="score extraction against a gold JSON-lines file",
        description="Run extraction on a gold file (fields 'labels' and 'places_mentioned') "
        "and print place and label precision / recall / F1, per status, a confusion "
        "table, claimant and negation agreement, misses and false alarms. Gold labels may "
        "name a place by its canonical name or its id. A malformed gold line is reported "
        "by line number and left out (exit code 1); a file without valid gold lines is an "
        "error.",
    )
    e.add_argument("file", metavar="FILE.jsonl", help="gold file, or - for stdin")
    e.add_argument("--json", action="store_true", help="print one JSON object on one line")
    _add_engine_arguments(e)
    e.set_defaults(func=cmd_eval)


def _add_engine_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument("--geodata", metavar="DIR", default=None, help="geodata directory to load")
    p.add_argument(
        "--reader",
        choices=("claims", "baseline"),
        default="claims",
        help="claim reader: the full reader (default) or the keyword baseline",
    )
    p.add_argument(
        "--window", type=int, default=8, metavar="N", help="baseline: words between place and cue"
    )


def build_engine(args: argparse.Namespace, gazetteer: Any = None) -> tuple[Any, Any]:
    """The mention finder and claim reader chosen by the arguments."""
    try:
        from tracker.extract.geocode import Geocoder
    except ImportError as exc:
        raise GeodataError(f"the geocoder is not available: {exc}") from exc
    if gazetteer is None:
        gazetteer = load_gazetteer(args)
    if args.reader == "baseline":
        from tracker.extract.baseline import KeywordBaseline

        reader: Any = KeywordBaseline(args.window)
    else:
        from tracker.extract.claims import ClaimReader

        reader = ClaimReader(gazetteer)
    return Geocoder(gazetteer), reader


def load_gazetteer(args: argparse.Namespace) -> Any:
    """The gazetteer of ``--geodata`` (or the packaged one)."""
    try:
        from tracker.gazetteer import Gazetteer
    except ImportError as exc:
        raise GeodataError(f"the gazetteer is not available: {exc}") from exc
    return Gazetteer.load(args.geodata) if args.geodata else Gazetteer.load()


def _open(path: str) -> IO[bytes]:
    if path == "-":
        return sys.stdin.buffer
    try:
        return open(path, "rb")
    except OSError as exc:
        raise InputError(f"cannot read {path}: {exc.strerror}") from None


def run_extract(
    stream: IO[bytes],
    finder: Any,
    reader: Any,
    out: IO[str] | None,
    err: IO[str],
    check: Callable[[dict, str], None] | None = None,
) -> tuple[list[dict], list[dict], int]:
    """Extract every line of ``stream``: writes output lines to ``out`` and one error line
    per bad input to ``err``; returns (records, outputs, number of failed lines).
    ``check(record, where)`` may reject a parsed record (e.g. bad gold fields) by raising
    InputError: it is then reported and left out like any bad line."""
    from tracker.extract.cues import available_languages, has_lexicon
    from tracker.extract.records import extract_record, parse_record, read_lines

    records, outputs, failed = [], [], 0
    noted: set[str] = set()  # languages without a cue table, said once each
    for lineno, raw in read_lines(stream):
        try:
            if isinstance(raw, InputError):
                raise raw
            record = parse_record(raw, lineno)
            if record is None:
                continue
            declared = record.declared_language
            if declared and not has_lexicon(declared) and declared not in noted:
                noted.add(declared)
                print(f"tracker: note: no claim lexicon for language {declared!r} (available: "
                      f"{', '.join(available_languages())}); its lines are read with English "
                      "cues, their places as usual", file=err)
            if check is not None:
                check(record.raw, f"line {lineno} (id {record.id})")
            records.append(record.raw)  # scored even if its extraction fails
            try:
                result = extract_record(record, finder, reader)
            except TrackerError as exc:
                raise InputError(f"line {lineno} (id {record.id}): {exc}") from exc
            except Exception as exc:  # a bug on one record must not lose the others
                raise InputError(
                    f"line {lineno} (id {record.id}): internal error: {type(exc).__name__}: {exc}"
                ) from exc
        except TrackerError as exc:
            failed += 1
            print(f"tracker: {exc}", file=err)
            continue
        outputs.append(result)
        if out is not None:
            out.write(json.dumps(result, ensure_ascii=False) + "\n")
    return records, outputs, failed


def cmd_extract(args: argparse.Namespace) -> int:
    """`tracker extract FILE.jsonl`."""
    finder, reader = build_engine(args)
    stream = _open(args.file)
    try:
        _, _, failed = run_extract(stream, finder, reader, sys.stdout, sys.stderr)
    finally:
        if stream is not sys.stdin.buffer:
            stream.close()
    return 1 if failed else 0


def cmd_eval(args: argparse.Namespace) -> int:
    """`tracker eval FILE.jsonl [--json]`."""
    from tracker.evaluate import check_gold, score

    gazetteer = load_gazetteer(args)
    finder, reader = build_engine(args, gazetteer)
    stream = _open(args.file)
    try:
        gold, outputs, failed = run_extract(
            stream, finder, reader, None, sys.stderr, check=check_gold
        )
    finally:
        if stream is not sys.stdin.buffer:
            stream.close()
    if not gold:
        # An all-zero report would read as a score; nothing was scored.
        detail = f"{failed} invalid line(s), none valid" if failed else "it has no records"
        raise InputError(f"{args.file}: no gold passages to score ({detail})")
    names = {p.id: p.name for p in gazetteer.tracked()}
    report = score(gold, {str(o["id"]): o for o in outputs}, names)
    report["failed_lines"] = failed
    report["reader"] = args.reader
    if args.json:
        sys.stdout.write(json.dumps(report, ensure_ascii=False, separators=(",", ":")) + "\n")
    else:
        print_report(report)
    return 1 if failed else 0


def print_report(report: dict) -> None:
    """The human-readable eval report."""

    def line(name: str, m: dict) -> str:
        return (
            f"{name:<12} P {m['precision']:.3f}  R {m['recall']:.3f}  F1 {m['f1']:.3f}"
            f"   (tp {m['tp']}, fp {m['fp']}, fn {m['fn']})"
        )

    print(f"{report['passages']} passages, reader: {report['reader']}")
    print(line("places", report["places"]))
    print(line("labels", report["labels"]))
    for status, m in report["per_status"].items():
        print(line(f"  {status}", m))
    print(f"claimant accuracy (matched labels): {report['claimant_accuracy']:.3f}")
    neg = report["negation"]
    print(
        f"negation agreement: {neg['agreement']:.3f}  "
        f"(gold negated {neg['gold_negated']}, found {neg['negated_found']})"
    )
    d = report["distractors"]
    print(
        f"distractor passages: {d['passages']}, with labels: {', '.join(d['with_labels']) or '-'}"
    )
    statuses = [*report["per_status"], "none"]
    print("\nconfusion (rows gold, columns predicted)")
    print(" " * 12 + "".join(f"{s:>11}" for s in statuses))
    for g in statuses:
        row = report["confusion"].get(g, {})
        print(f"{g:<12}" + "".join(f"{row.get(s, 0):>11}" for s in statuses))
    for title, key in (("misses", "misses"), ("false alarms", "false_alarms")):
        rows = report[key]
        print(f"\n{title} ({len(rows)})")
        for r in rows:
            neg_mark = " (negated)" if r["negated"] else ""
            print(f"  {r['id']}: {r['place']} {r['status']}{neg_mark} by {r['claimant']}")
    for title, key in (
        ("place misses", "place_misses"),
        ("place false alarms", "place_false_alarms"),
    ):
        rows = report[key]
        print(f"\n{title} ({len(rows)})")
        for r in rows:
            print(f"  {r['id']}: {r['place']}")
