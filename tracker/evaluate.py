"""Scoring of extraction output against gold passages (schema: the eval corpus README).

Pure functions over dicts: ``score(gold, predicted)`` compares places and (place, status)
label pairs per passage and returns one report dict; nothing here reads files or prints.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from tracker.errors import InputError

STATUSES = ("open", "restricted", "blocked", "closed", "patrolled")
NONE = "none"
# Words too generic to decide that two claimant names are the same source.
_GENERIC = frozenset(
    "the of via and side government ministry foreign state official officials military forces "
    "service national security agency office department president minister armed".split()
)
_DASHES = re.compile(r"[\u2010-\u2015\u2212]")


def canonical(name: str) -> str:
    """A comparison key for a place name: case-, dash- and space-insensitive."""
    return " ".join(_DASHES.sub("-", name).casefold().split())


def prf(tp: int, fp: int, fn: int) -> dict[str, float | int]:
    """Precision, recall and F1 with their counts (0.0 when undefined)."""
    p = tp / (tp + fp) if tp + fp else 0.0
    r = tp / (tp + fn) if tp + fn else 0.0
    f = 2 * p * r / (p + r) if p + r else 0.0
    return {
        "precision": round(p, 4),
        "recall": round(r, 4),
        "f1": round(f, 4),
        "tp": tp,
        "fp": fp,
        "fn": fn,
    }


def claimants_agree(gold: str, predicted: str) -> bool:
    """Loose match of claimant names: equal, contained, or sharing a specific word."""
    g, p = canonical(gold), canonical(predicted)
    if g == p or (g and p and (g in p or p in g)):
        return True
    # A plural is the same word ("Houthis" / "Houthi forces").
    gw = {w.removesuffix("s") for w in re.findall(r"\w+", g) if w not in _GENERIC and len(w) > 2}
    pw = {w.removesuffix("s") for w in re.findall(r"\w+", p) if w not in _GENERIC and len(w) > 2}
    return bool(gw & pw)


def check_gold(record: Mapping[str, Any], where: str) -> None:
    """Raise InputError (naming ``where``, e.g. "line 3 (id p7)") unless ``record`` has
    the gold fields: ``labels`` a list of label objects, ``places_mentioned`` a list of
    strings."""
    labels = record.get("labels")
    if not isinstance(labels, list):
        raise InputError(f"{where}: gold 'labels' must be a list of objects, got {_kind(labels)}")
    for i, lab in enumerate(labels):
        if not isinstance(lab, Mapping):
            raise InputError(f"{where}: gold labels[{i}] must be an object, got {_kind(lab)}")
        place, status = lab.get("place"), lab.get("status")
        if not isinstance(place, str) or not place.strip():
            raise InputError(f"{where}: gold labels[{i}] needs a 'place' name")
        if status not in STATUSES:
            raise InputError(
                f"{where}: gold labels[{i}] has status {status!r}, expected one of "
                + ", ".join(STATUSES)
            )
        if not isinstance(lab.get("claimant", ""), str):
            raise InputError(f"{where}: gold labels[{i}] 'claimant' must be a string")
        if not isinstance(lab.get("negated", False), bool):
            raise InputError(f"{where}: gold labels[{i}] 'negated' must be true or false")
    places = record.get("places_mentioned")
    if not isinstance(places, list) or not all(isinstance(p, str) for p in places):
        raise InputError(
            f"{where}: gold 'places_mentioned' must be a list of strings, got {_kind(places)}"
        )


def _kind(value: Any) -> str:
    if value is None:
        return "nothing"
    if isinstance(value, list):
        inner = sorted({type(v).__name__ for v in value})
        return f"a list of {'/'.join(inner)}" if inner else "a list"
    return f"{type(value).__name__} {_preview(value)}"


def _preview(value: Any, limit: int = 30) -> str:
    """A short repr of a value for an error message."""
    text = repr(value)
    return text if len(text) <= limit else text[: limit - 3] + "..."


def score(
    gold: Sequence[Mapping[str, Any]],
    predicted: Mapping[str, Mapping[str, Any]],
    place_names: Mapping[str, str] | None = None,
) -> dict:
    """Compare predictions (by passage id) with gold passages; returns the report dict.
    ``place_names`` maps a place id to its canonical name, so that gold naming a place by
    its id matches too (the predicted labels also carry ids)."""
    names = {canonical(k): v for k, v in (place_names or {}).items()}
    place_counts = Counter()
    label_counts = Counter()
    per_status = {s: Counter() for s in STATUSES}
    confusion: dict[str, Counter] = {s: Counter() for s in (*STATUSES, NONE)}
    claimant = Counter()
    negation = Counter()
    misses, false_alarms, place_misses, place_false = [], [], [], []
    distractors, noisy_distractors = 0, []
    for rec in gold:
        pid = str(rec["id"])
        pred = predicted.get(pid, {})
        # ids -> names: those the gazetteer gave, then those this prediction carries
        ids = {**names, **_predicted_ids(pred)}
        gold_places = {
            canonical(n): n for n in (_by_name(p, ids) for p in rec.get("places_mentioned", []))
        }
        pred_places = {canonical(p["name"]): p["name"] for p in pred.get("places", [])}
        _count(place_counts, gold_places, pred_places, pid, place_misses, place_false)

        gold_labels = _pairs(rec.get("labels", []), "place", ids)
        pred_labels = _pairs(pred.get("labels", []), "name")
        if not rec.get("labels"):
            distractors += 1
            if pred_labels:
                noisy_distractors.append(pid)
        for key in gold_labels.keys() | pred_labels.keys():
            place, status = key
            g, p = key in gold_labels, key in pred_labels
            if g and p:
                label_counts["tp"] += 1
                per_status[status]["tp"] += 1
                confusion[status][status] += 1
                claimant["matched"] += 1
                gl, pl = gold_labels[key], pred_labels[key]
                if any(
                    claimants_agree(a.get("claimant", ""), b.get("claimant", ""))
                    for a in gl
                    for b in pl
                ):
                    claimant["correct"] += 1
                gneg = {bool(a.get("negated")) for a in gl}
                pneg = {bool(b.get("negated")) for b in pl}
                negation["matched"] += 1
                negation["correct"] += int(bool(gneg & pneg))
                if True in gneg:
                    negation["gold_negated"] += 1
                    negation["negated_found"] += int(True in pneg)
            elif g:
                label_counts["fn"] += 1
                per_status[status]["fn"] += 1
                other = [s for (pl, s) in pred_labels if pl == place and (pl, s) not in gold_labels]
                for s in other or [NONE]:
                    confusion[status][s] += 1
                misses.append(_label_row(pid, gold_labels[key][0], "place"))
            else:
                label_counts["fp"] += 1
                per_status[status]["fp"] += 1
                if not any(pl == place for (pl, _s) in gold_labels):
                    confusion[NONE][status] += 1
                false_alarms.append(_label_row(pid, pred_labels[key][0], "name"))
    return {
        "passages": len(gold),
        "places": prf(place_counts["tp"], place_counts["fp"], place_counts["fn"]),
        "labels": prf(label_counts["tp"], label_counts["fp"], label_counts["fn"]),
        "per_status": {s: prf(c["tp"], c["fp"], c["fn"]) for s, c in per_status.items()},
        "confusion": {g: dict(c) for g, c in confusion.items() if c},
        "claimant_accuracy": _ratio(claimant["correct"], claimant["matched"]),
        "negation": {
            "agreement": _ratio(negation["correct"], negation["matched"]),
            "gold_negated": negation["gold_negated"],
            "negated_found": negation["negated_found"],
        },
        "distractors": {"passages": distractors, "with_labels": noisy_distractors},
        "misses": misses,
        "false_alarms": false_alarms,
        "place_misses": place_misses,
        "place_false_alarms": place_false,
    }


def _pairs(
    labels: Iterable[Mapping[str, Any]], name_key: str, ids: Mapping[str, str] | None = None
) -> dict[tuple[str, str], list]:
    out: dict[tuple[str, str], list] = {}
    for lab in labels:
        name = str(lab.get(name_key) or lab.get("place") or "")
        if ids:
            name = _by_name(name, ids)
        out.setdefault((canonical(name), str(lab.get("status"))), []).append(lab)
    return out


def _by_name(place: str, ids: Mapping[str, str]) -> str:
    """The canonical name of ``place`` when it is a known place id, else ``place``."""
    return ids.get(canonical(place), place)


def _predicted_ids(pred: Mapping[str, Any]) -> dict[str, str]:
    out = {}
    for row in (*pred.get("places", []), *pred.get("labels", [])):
        pid, name = row.get("id") or row.get("place"), row.get("name")
        if isinstance(pid, str) and isinstance(name, str):
            out[canonical(pid)] = name
    return out


def _count(counter: Counter, gold: dict, pred: dict, pid: str, misses: list, false: list) -> None:
    for key, name in gold.items():
        if key in pred:
            counter["tp"] += 1
        else:
            counter["fn"] += 1
            misses.append({"id": pid, "place": name})
    for key, name in pred.items():
        if key not in gold:
            counter["fp"] += 1
            false.append({"id": pid, "place": name})


def _label_row(pid: str, label: Mapping[str, Any], name_key: str) -> dict[str, Any]:
    return {
        "id": pid,
        "place": label.get(name_key) or label.get("place"),
        "status": label.get("status"),
        "claimant": label.get("claimant"),
        "negated": bool(label.get("negated")),
    }


def _ratio(a: int, b: int) -> float:
    return round(a / b, 4) if b else 0.0
