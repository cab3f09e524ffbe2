"""`tracker extract` / `tracker eval`: line handling, output shape and scoring."""

from __future__ import annotations

import io
import json
from pathlib import Path

import pytest

from tests.claims_support import AliasFinder, PlaceTable
from tracker.cli.extract import run_extract
from tracker.evaluate import claimants_agree, score
from tracker.extract.baseline import KeywordBaseline
from tracker.extract.claims import ClaimReader

GOLD = Path(__file__).parent / "fixtures" / "claims" / "gold.jsonl"


def extract(data: bytes, reader=None):
    out, err = io.StringIO(), io.StringIO()
    _, outputs, failed = run_extract(
        io.BytesIO(data), AliasFinder(), reader or ClaimReader(PlaceTable()), out, err
    )
    return out.getvalue().splitlines(), err.getvalue().splitlines(), failed


def test_extract_writes_one_line_per_record():
    data = (
        b'{"id": 1, "text": "Protesters blocked the Lachin corridor."}\n'
        b'{"id": "b", "text": "The Kerch bridge reopened.", "published": "2024-01-02"}\n'
    )
    lines, errors, failed = extract(data)
    assert (errors, failed) == ([], 0)
    first, second = (json.loads(x) for x in lines)
    assert first["id"] == 1 and second["id"] == "b"
    assert first["places"] == [
        {
            "id": "lachin-corridor",
            "name": "Lachin Corridor",
            "kind": "corridor",
            "text": "Lachin corridor",
            "start": 23,
            "end": 38,
            "tracked": True,
        }
    ]
    (label,) = first["labels"]
    assert {k: label[k] for k in ("place", "name", "status", "claimant", "negated")} == {
        "place": "lachin-corridor",
        "name": "Lachin Corridor",
        "status": "blocked",
        "claimant": "reporter",
        "negated": False,
    }
    assert label["evidence"] == "Protesters blocked the Lachin corridor."
    assert 0 < label["confidence"] <= 1
    assert second["labels"][0]["status"] == "open"


BAD_LINES = [
    (b"{not json", "invalid JSON"),
    (b'{"text": "The Kerch bridge reopened."}', "missing or invalid 'id'"),
    (b'{"id": 3, "text": 42}', "'text' must be a string"),
    (b'{"id": 4, "text": "   "}', "'text' is empty"),
    (b'{"id": 5, "text": "\\u0000\\u0001\\u0002\\u0003 binary"}', "looks like binary"),
    (b"\xff\xfe\x00garbage", "not UTF-8"),
    (b"[1, 2]", "expected a JSON object"),
    (b'{"id": 6, "text": "ok", "published": "yesterday"}', "not a date"),
]


def test_a_language_without_cues_keeps_its_places_and_is_noted_once():
    lines, errors, failed = extract(
        '{"id": "u1", "text": "Фермери знову перекрили Lachin corridor.", '
        '"language": "uk"}\n{"id": "u2", "text": "Protesters blocked the Lachin corridor.", '
        '"language": "uk"}\n'.encode())
    assert failed == 0 and len(lines) == 2
    first, second = map(json.loads, lines)
    assert [p["id"] for p in first["places"]] == ["lachin-corridor"]
    assert [(x["place"], x["status"]) for x in second["labels"]] == [
        ("lachin-corridor", "blocked")]
    (note,) = errors
    assert "no claim lexicon for language 'uk'" in note and "English cues" in note


@pytest.mark.parametrize("bad, message", BAD_LINES)
def test_bad_line_is_reported_and_the_rest_processed(bad, message):
    good = b'{"id": "g", "text": "Protesters blocked the Lachin corridor."}'
    lines, errors, failed = extract(good + b"\n" + bad + b"\n" + good + b"\n")
    assert failed == 1
    assert len(lines) == 2 and all(json.loads(x)["id"] == "g" for x in lines)
    (error,) = errors
    assert "line 2" in error and message in error


def test_text_over_10_mb_is_rejected_without_stopping():
    big = json.dumps({"id": "big", "text": "a " * (5 * 1024 * 1024 + 10)}).encode()
    good = b'{"id": "g", "text": "The Kerch bridge reopened."}'
    lines, errors, failed = extract(big + b"\n" + good + b"\n")
    assert failed == 1 and "larger than 10 MB" in errors[0] and "line 1" in errors[0]
    assert [json.loads(x)["id"] for x in lines] == ["g"]


def test_blank_lines_are_skipped():
    lines, errors, failed = extract(b'\n\n{"id": 1, "text": "Calm day."}\n\n')
    assert (len(lines), errors, failed) == (1, [], 0)


def test_score_counts_places_labels_and_misses():
    gold = [json.loads(x) for x in GOLD.read_text().splitlines()]
    out, err = io.StringIO(), io.StringIO()
    with GOLD.open("rb") as stream:
        _, outputs, failed = run_extract(stream, AliasFinder(), ClaimReader(PlaceTable()), out, err)
    assert failed == 0
    report = score(gold, {str(o["id"]): o for o in outputs})
    # s1 blocked, s2 blocked + patrolled right; s4 gold says closed, reader says open
    assert report["labels"]["tp"] == 3
    assert report["labels"]["fn"] == 1 and report["labels"]["fp"] == 1
    assert report["misses"] == [
        {
            "id": "s4",
            "place": "Torkham crossing",
            "status": "closed",
            "claimant": "reporter",
            "negated": False,
        }
    ]
    assert report["false_alarms"][0]["status"] == "open"
    assert report["confusion"]["closed"] == {"open": 1}
    assert report["per_status"]["blocked"]["f1"] == 1.0
    assert report["distractors"] == {"passages": 1, "with_labels": []}
    assert report["negation"]["gold_negated"] == 1 and report["negation"]["negated_found"] == 1
    # Landi Kotal is not in the finder's table: one place miss
    assert report["places"]["fn"] == 1 and report["places"]["fp"] == 0
    assert set(report) >= {"places", "labels", "per_status"}


def test_baseline_reads_keywords_only():
    lines, _, _ = extract(
        b'{"id": 1, "text": "Senators blocked a bill about the Suez Canal."}\n',
        reader=KeywordBaseline(8),
    )
    assert json.loads(lines[0])["labels"][0]["status"] == "blocked"


@pytest.mark.parametrize(
    "gold, predicted, agree",
    [
        ("Azerbaijani State Border Service", "Azerbaijani State Border Service", True),
        ("Ilham Aliyev (Baku)", "Aliyev", True),
        ("Armenian government", "Azerbaijani government", False),
        ("reporter", "ICRC", False),
    ],
)
def test_claimant_agreement(gold, predicted, agree):
    assert claimants_agree(gold, predicted) is agree


def test_cli_commands_have_help():
    from tracker.cli import build_parser

    parser = build_parser()
    for command in ("extract", "eval"):
        with pytest.raises(SystemExit) as exc:
            parser.parse_args([command, "--help"])
        assert exc.value.code == 0


def test_cli_end_to_end(tmp_path, capsys):
    pytest.importorskip("tracker.extract.geocode")
    from tracker.cli import main

    src = tmp_path / "in.jsonl"
    src.write_text('{"id": 1, "text": "Protesters blocked the Lachin corridor."}\n{bad\n')
    assert main(["extract", str(src)]) == 1
    out, err = capsys.readouterr()
    assert json.loads(out.splitlines()[0])["labels"][0]["status"] == "blocked"
    assert "line 2" in err
    assert main(["eval", str(GOLD), "--json"]) == 0
    out, _ = capsys.readouterr()
    report = json.loads(out.strip().splitlines()[-1])
    assert set(report) >= {"places", "labels", "per_status"}


def test_records_without_a_language_are_read_in_the_language_of_their_script(tmp_path, capsys):
    from tracker.cli import main

    src = tmp_path / "in.jsonl"
    lines = [{"id": "ru", "text": "КПП Верхний Ларс закрыт из-за лавины."},
             {"id": "hy", "text": "Լաչինի միջանցքը փակ է"}]
    src.write_text("".join(json.dumps(x, ensure_ascii=False) + "\n" for x in lines))
    assert main(["extract", str(src)]) == 0
    out, err = capsys.readouterr()
    rows = {r["id"]: r for r in map(json.loads, out.splitlines())}
    assert [(x["place"], x["status"]) for x in rows["ru"]["labels"]] == [
        ("upper-lars-crossing", "closed")]
    assert rows["hy"]["places"] and err == ""  # no Armenian cue table: read, not rejected


HELDOUT = Path(__file__).parent / "fixtures" / "claims" / "heldout.jsonl"


def test_heldout_fixture_follows_the_eval_schema():
    """The held-out style set is scored by `tracker eval`: every record must be well formed
    (labels name places listed in places_mentioned, with a known status)."""
    statuses = {"open", "restricted", "blocked", "closed", "patrolled"}
    ids = set()
    for line in HELDOUT.read_text(encoding="utf-8").splitlines():
        rec = json.loads(line)
        assert rec["id"] not in ids
        ids.add(rec["id"])
        assert rec["text"].strip() and rec["language"] in {"en", "ru"}
        for label in rec["labels"]:
            assert label["status"] in statuses
            assert label["place"] in rec["places_mentioned"]
            assert label["claimant"] and isinstance(label["negated"], bool)
    assert len(ids) >= 60


GOOD_GOLD = {
    "id": "g1",
    "text": "Protesters blocked the Lachin corridor.",
    "labels": [{"place": "Lachin Corridor", "status": "blocked", "claimant": "reporter"}],
    "places_mentioned": ["Lachin Corridor"],
}


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"labels": "bad"}, "gold 'labels' must be a list of objects, got str 'bad'"),
        ({"labels": None}, "gold 'labels' must be a list of objects, got nothing"),
        ({"labels": ["blocked"]}, "gold labels[0] must be an object"),
        ({"labels": [{"status": "blocked"}]}, "gold labels[0] needs a 'place' name"),
        ({"labels": [{"place": "X", "status": "shut"}]}, "has status 'shut'"),
        ({"labels": [{"place": "X", "status": "open", "negated": "no"}]}, "'negated'"),
        ({"places_mentioned": "Lachin"}, "'places_mentioned' must be a list of strings"),
        ({"places_mentioned": [1]}, "got a list of int"),
    ],
)
def test_bad_gold_line_is_reported_and_the_others_scored(change, message):
    from tracker.evaluate import check_gold

    bad = {**GOOD_GOLD, "id": "g2", **change}
    data = "\n".join(json.dumps(r) for r in (GOOD_GOLD, bad, {**GOOD_GOLD, "id": "g3"}))
    err = io.StringIO()
    gold, outputs, failed = run_extract(
        io.BytesIO(data.encode()),
        AliasFinder(),
        ClaimReader(PlaceTable()),
        None,
        err,
        check=check_gold,
    )
    assert failed == 1
    assert [r["id"] for r in gold] == ["g1", "g3"]
    (line,) = err.getvalue().splitlines()
    assert "line 2 (id g2)" in line and message in line
    report = score(gold, {o["id"]: o for o in outputs})
    assert report["labels"]["tp"] == 2 and report["labels"]["f1"] == 1.0


def test_gold_may_name_a_place_by_its_id():
    gold = [{**GOOD_GOLD, "labels": [{"place": "lachin-corridor", "status": "blocked"}]}]
    predicted = {
        "g1": {
            "places": [{"id": "lachin-corridor", "name": "Lachin Corridor"}],
            "labels": [
                {"place": "lachin-corridor", "name": "Lachin Corridor", "status": "blocked"}
            ],
        }
    }
    assert score(gold, predicted)["labels"]["tp"] == 1
    # a missed label named by id is reported under the gazetteer's name when one is given
    report = score(gold, {"g1": {}}, {"lachin-corridor": "Lachin Corridor"})
    assert report["labels"]["fn"] == 1
    assert score(gold, {"g1": {"labels": predicted["g1"]["labels"]}}, {})["labels"]["tp"] == 1


def test_cli_eval_rejects_bad_and_empty_gold(tmp_path, capsys):
    pytest.importorskip("tracker.extract.geocode")
    from tracker.cli import main

    src = tmp_path / "gold.jsonl"
    lines = [
        {**GOOD_GOLD, "labels": [{"place": "lachin-corridor", "status": "blocked"}]},
        {**GOOD_GOLD, "id": "g2", "labels": "bad"},
        {**GOOD_GOLD, "id": "g3", "places_mentioned": "Lachin Corridor"},
    ]
    src.write_text("\n".join(json.dumps(r) for r in lines) + "\n")
    assert main(["eval", str(src), "--json"]) == 1
    out, err = capsys.readouterr()
    report = json.loads(out.strip().splitlines()[-1])
    assert report["passages"] == 1 and report["labels"]["tp"] == 1
    assert report["failed_lines"] == 2
    assert "line 2 (id g2): gold 'labels'" in err and "line 3 (id g3)" in err

    empty = tmp_path / "empty.jsonl"
    empty.write_text("")
    assert main(["eval", str(empty)]) == 2
    out, err = capsys.readouterr()
    assert out == "" and "no gold passages to score" in err

    only_bad = tmp_path / "bad.jsonl"
    only_bad.write_text(json.dumps(lines[1]) + "\n")
    assert main(["eval", str(only_bad), "--json"]) == 2
    out, err = capsys.readouterr()
    assert out == "" and "line 1 (id g2)" in err and "none valid" in err
