"""The Store protocol, one suite over every backend (see the `store` fixture in conftest)."""

from __future__ import annotations

import io
import json
import sqlite3
from dataclasses import replace
from datetime import UTC, datetime, timedelta

import pytest

from tests.store_support import downgrade_to_version_1
from tracker.errors import DatabaseCorruptError, DatabaseMissingError, InputError, StoreError
from tracker.models import (
    Article,
    DerivationRules,
    Observation,
    Override,
    SourceState,
    Status,
)
from tracker.pipeline import rederive
from tracker.store import open_store
from tracker.store.base import Store
from tracker.store.migrations import migrations
from tracker.store.schema import TABLES

T0 = datetime(2024, 5, 1, 6, 0, tzinfo=UTC)
RULES = DerivationRules(corroboration=2)
LONG = ("Trucks carrying flour and fuel were turned back at the checkpoint on the mountain "
        "road this morning, drivers said, after soldiers placed concrete blocks across both "
        "lanes and told them the road would stay shut until further notice.")


def art(n: int, outlet: str = "Alpha", **kw) -> Article:
    base = dict(url=f"https://{outlet.lower()}.example/news/{n}", title=f"{outlet} story {n}",
                text=f"Body of {outlet} story {n}.", outlet=outlet, source=outlet.lower(),
                published=T0 + timedelta(hours=n))
    base.update(kw)
    return Article(**base)


def obs(status: str, hours: float, place: str = "pass-x", claimant: str = "reporter",
        negated: bool = False) -> Observation:
    return Observation(place_id=place, status=Status(status), claimant=claimant, negated=negated,
                       evidence=f"the pass is {status}", confidence=0.8,
                       observed_at=T0 + timedelta(hours=hours), article_url="")


# -- articles -----------------------------------------------------------------------------
def test_store_implements_the_protocol(store):
    assert isinstance(store, Store)


def test_ingest_appends_and_reads_back_in_time_order(store):
    result = store.ingest([(art(2), [obs("blocked", 2)]),
                           (art(1, "Beta"), [obs("blocked", 1), obs("patrolled", 1)])])
    assert (result.articles_added, result.observations_added) == (2, 3)
    assert result.places_touched == {"pass-x"}
    got = store.observations("pass-x")
    assert [(o.observed_at, o.status, o.outlet) for o in got] == [
        (T0 + timedelta(hours=1), Status.BLOCKED, "Beta"),
        (T0 + timedelta(hours=1), Status.PATROLLED, "Beta"),
        (T0 + timedelta(hours=2), Status.BLOCKED, "Alpha")]
    first = got[0]
    assert first.article_url == "https://beta.example/news/1" and first.title == "Beta story 1"
    assert first.observed_at.tzinfo is not None and first.id is not None and first.story_id
    assert first.negated is False and first.confidence == pytest.approx(0.8)
    assert store.observations("elsewhere") == []
    assert len(store.observations()) == 3


@pytest.mark.parametrize(("name", "copy"), [
    ("same article again", lambda a: a),
    ("tracking parameters and fragment", lambda a: replace(
        a, url=a.url.replace("https://", "http://www.") + "?utm_source=x&fbclid=1#top")),
    ("same canonical URL", lambda a: replace(a, url="https://m.alpha.example/9",
                                             canonical_url=a.url, text="other words")),
    ("same GUID from the same source", lambda a: replace(a, url="https://alpha.example/new",
                                                         text="edited body")),
    ("syndicated under another outlet", lambda a: replace(
        a, url="https://gamma.example/wire/1", outlet="Gamma", source="gamma", guid="g-other")),
])
def test_duplicates_add_nothing(store, name, copy):
    original = art(1, text=LONG, guid="guid-1")
    store.ingest([(original, [obs("blocked", 1)])])
    before = store.counts()
    result = store.ingest([(copy(original), [obs("blocked", 1, claimant="someone else")])])
    assert (result.articles_added, result.articles_skipped, result.observations_added) == (0, 1, 0)
    after = store.counts()
    assert after["articles"] == before["articles"] == store.articles_count() == 1
    assert after["observations"] == before["observations"] == 1


def test_short_stories_from_two_outlets_are_two_articles(store):
    # Two outlets may write the same short headline; that is not syndication.
    a = art(1, "Alpha", title="Pass closed", text="")
    b = art(1, "Beta", title="Pass closed", text="")
    result = store.ingest([(a, [obs("closed", 1)]), (b, [obs("closed", 1)])])
    assert result.articles_added == 2


def test_same_guid_from_another_source_is_another_article(store):
    store.ingest([(art(1, guid="1"), []), (art(2, "Beta", guid="1"), [])])
    assert store.articles_count() == 2


def test_bad_observation_rejects_the_whole_batch(store):
    bad = replace(obs("closed", 1), confidence=3.0)
    with pytest.raises(InputError, match="confidence"):
        store.ingest([(art(1), [obs("closed", 1)]), (art(2), [bad])])
    naive = replace(obs("closed", 1), observed_at=datetime(2024, 1, 1))
    with pytest.raises(InputError, match="timezone"):
        store.ingest([(art(3), [naive])])
    assert store.articles_count() == 0


def test_url_key_identifies_the_article_however_linked():
    from tracker.urls import url_key

    assert url_key("HTTP://WWW.Example.com/a/?utm_medium=x&b=2&a=1#frag") == \
        "https://example.com/a?a=1&b=2"
    assert url_key("https://example.com/a?a=1&b=2&OCID=rss&ref=home") == \
        url_key("http://www.example.com:80/a/?b=2&a=1")
    assert url_key("https://example.com:8443/a") == "https://example.com:8443/a"
    assert url_key("https://example.com:bad/a") == "https://example.com:bad/a"
    assert url_key("  ") == ""


# -- derivations ------------------------------------------------------------------------
def _feed(store, hours_outlets):
    batch = [(art(int(h * 100), outlet, published=T0 + timedelta(hours=h)), [obs(status, h)])
             for h, outlet, status in hours_outlets]
    return store.ingest(batch)


def test_save_derivation_is_append_only_and_idempotent(store):
    _feed(store, [(1, "Alpha", "blocked"), (2, "Beta", "blocked")])
    now = T0 + timedelta(days=1)
    first = rederive(store, ["pass-x"], now, RULES)
    assert [(c.from_status, c.to_status) for c in first] == [(None, "blocked")]
    assert first[0].id is not None
    assert rederive(store, ["pass-x"], now, RULES) == []  # nothing new: no second webhook
    _feed(store, [(30, "Alpha", "open"), (31, "Gamma", "open")])
    second = rederive(store, ["pass-x"], now + timedelta(days=1), RULES)
    assert [(c.from_status, c.to_status) for c in second] == [("blocked", "open")]
    log = store.changes("pass-x")
    assert [c.to_status for c in log] == ["blocked", "open"]
    assert log[0] == first[0]
    status = store.status("pass-x")
    assert status.status == "open" and status.since == T0 + timedelta(hours=31)
    assert [s.place_id for s in store.statuses()] == ["pass-x"]


def test_late_observation_supersedes_instead_of_deleting(store):
    _feed(store, [(1, "Alpha", "blocked"), (5, "Beta", "blocked")])
    now = T0 + timedelta(days=1)
    (recorded,) = rederive(store, ["pass-x"], now, RULES)
    assert recorded.at == T0 + timedelta(hours=5)
    # A late-arriving report from hour 3 moves the corroboration earlier.
    _feed(store, [(3, "Gamma", "blocked")])
    (new,) = rederive(store, ["pass-x"], now, RULES)
    assert new.at == T0 + timedelta(hours=3)
    assert [c.at for c in store.changes("pass-x")] == [new.at]
    everything = store.changes("pass-x", include_superseded=True)
    assert [(c.at, c.superseded) for c in everything] == [(new.at, False), (recorded.at, True)]
    assert store.counts()["superseded_changes"] == 1


def test_rebuild_gives_the_identical_change_log(store):
    # Cycle by cycle, as the daemon does it...
    timeline = [(1, "Alpha", "patrolled"), (2, "Beta", "patrolled"), (20, "Alpha", "blocked"),
                (21, "Gamma", "blocked"), (50, "Beta", "restricted"), (52, "Delta", "restricted"),
                (80, "Alpha", "open"), (81, "Gamma", "open")]
    for i, step in enumerate(timeline):
        store.ingest([(art(i, step[1], published=T0 + timedelta(hours=step[0])),
                       [obs(step[2], step[0])])])
        rederive(store, ["pass-x"], T0 + timedelta(hours=step[0] + 1), RULES)
    logged = store.changes(include_superseded=True)
    assert [c.to_status for c in logged] == ["patrolled", "blocked", "restricted", "open"]
    # ...then recomputed from the observations alone: nothing new, nothing superseded.
    assert rederive(store, store.place_ids(), T0 + timedelta(hours=90), RULES) == []
    assert store.changes(include_superseded=True) == logged


def test_status_round_trip_with_override_and_contest(store):
    _feed(store, [(1, "Alpha", "blocked"), (2, "Beta", "blocked")])
    store.ingest([(art(40, "Gamma"), [obs("open", 3, claimant="Government of Eastland")])])
    rederive(store, ["pass-x"], T0 + timedelta(hours=4), RULES)
    status = store.status("pass-x")
    assert status.contested and dict(status.contest)["open"] == ("Government of Eastland",)
    store.add_override(Override(place_id="pass-x", status=Status.CLOSED, analyst="ana",
                                note="confirmed", start=T0 + timedelta(hours=5),
                                until=T0 + timedelta(days=3), source_url="https://n.example"))
    rederive(store, ["pass-x"], T0 + timedelta(hours=6), RULES)
    status = store.status("pass-x")
    assert status.status == "closed" and status.override.analyst == "ana"
    assert status.override.until == T0 + timedelta(days=3)
    assert store.changes("pass-x")[-1].cause == "override"


# -- overrides --------------------------------------------------------------------------
def test_overrides_add_and_end(store):
    o = store.add_override(Override(place_id="pass-x", status=Status.OPEN, analyst="ana",
                                    note="n", start=T0))
    assert o.id is not None
    ended = store.end_override("pass-x", T0 + timedelta(hours=2))
    assert ended.id == o.id and ended.ended_at == T0 + timedelta(hours=2)
    assert store.overrides("pass-x")[0].ended_at == T0 + timedelta(hours=2)
    with pytest.raises(InputError, match="no analyst override"):
        store.end_override("pass-x", T0 + timedelta(hours=3))
    with pytest.raises(InputError, match="not after its start"):
        store.add_override(replace(o, id=None, until=T0 - timedelta(hours=1)))


# -- sources, workers, outbox -------------------------------------------------------------
def test_source_states_round_trip(store):
    state = SourceState(name="alpha-rss", etag='"abc"', last_modified="Wed, 01 May 2024",
                        consecutive_errors=2, last_error="timeout", last_attempt=T0,
                        last_success=None, next_attempt=T0 + timedelta(minutes=5),
                        articles_seen=12)
    store.save_source_state(state)
    assert store.source_state("alpha-rss") == state
    store.save_source_state(replace(state, consecutive_errors=0, last_error=""))
    assert [s.consecutive_errors for s in store.source_states()] == [0]
    assert store.source_state("missing") is None


def test_heartbeats(store):
    store.heartbeat("daemon-1", T0, {"pid": 12})
    store.heartbeat("daemon-1", T0 + timedelta(minutes=1))
    assert store.heartbeats() == [{"worker": "daemon-1", "at": T0 + timedelta(minutes=1),
                                   "info": {}}]


def test_delivery_outbox(store):
    _feed(store, [(1, "Alpha", "closed"), (2, "Beta", "closed")])
    changes = rederive(store, ["pass-x"], T0 + timedelta(hours=3), RULES)
    urls = ["http://127.0.0.1:9/a", "http://127.0.0.1:9/b"]
    assert store.enqueue_deliveries(changes, urls) == 2
    assert store.enqueue_deliveries(changes, urls) == 0  # once per (change, url)
    due = store.due_deliveries(T0)
    assert [d["url"] for d in due] == urls
    assert due[0]["payload"]["to"] == "closed" and due[0]["payload"]["place"] == "pass-x"
    assert due[0]["payload"]["claimants"] == ["Alpha", "Beta"]
    retry = datetime.now(UTC) + timedelta(minutes=10)
    store.record_delivery(due[0]["id"], False, "HTTP 500", retry)
    store.record_delivery(due[1]["id"], True)
    assert store.due_deliveries(datetime.now(UTC)) == []
    (again,) = store.due_deliveries(retry)
    assert again["attempts"] == 1 and again["id"] == due[0]["id"]


# -- export / import ------------------------------------------------------------------
def _populate(store):
    _feed(store, [(1, "Alpha", "blocked"), (2, "Beta", "blocked"), (3, "Gamma", "patrolled")])
    store.ingest([(art(9, text=LONG), [obs("blocked", 9, claimant="Ministry", negated=True)])])
    store.ingest([(replace(art(9, text=LONG), url="https://copy.example/x", outlet="Copy"), [])])
    store.add_override(Override(place_id="pass-x", status=Status.OPEN, analyst="ana", note="n",
                                start=T0 + timedelta(hours=4), until=T0 + timedelta(hours=8)))
    changes = rederive(store, ["pass-x"], T0 + timedelta(hours=12), RULES)
    store.enqueue_deliveries(changes, ["http://127.0.0.1:9/hook"])
    store.save_source_state(SourceState(name="alpha", last_attempt=T0))
    store.heartbeat("w", T0, {"n": 1})


def _export(store) -> str:
    fp = io.StringIO()
    store.export_log(fp)
    return fp.getvalue()


def test_export_import_round_trip(store, tmp_path):
    _populate(store)
    dump = _export(store)
    kinds = {json.loads(line)["kind"] for line in dump.splitlines()}
    assert kinds == {"meta", *TABLES}
    with open_store(str(tmp_path / "copy.db"), create=True) as copy:
        copy.import_log(io.StringIO(dump))
        assert _export(copy) == dump
        assert copy.changes() == store.changes()
        assert copy.status("pass-x") == store.status("pass-x")
        # ids continue after the imported ones
        assert copy.add_override(Override(place_id="p", status=Status.OPEN, analyst="a",
                                          note="", start=T0)).id == 2


@pytest.mark.postgres
def test_export_sqlite_import_postgres_is_lossless(tmp_path, pg_url):
    with open_store(str(tmp_path / "a.db"), create=True) as source:
        _populate(source)
        dump = _export(source)
    with open_store(pg_url, create=True) as target:
        target.import_log(io.StringIO(dump))
        assert _export(target) == dump
        assert target.ingest([(art(1), [obs("open", 1)])]).articles_added == 1  # ids continue


def test_import_rejects_bad_input_and_keeps_nothing(store):
    good = '{"kind":"meta","format":"corridor-tracker-log","version":1}\n'
    with pytest.raises(InputError, match="line 2: not JSON"):
        store.import_log(io.StringIO(good + "{oops\n"))
    with pytest.raises(InputError, match="line 2: not a tracker log record"):
        store.import_log(io.StringIO(good + '{"kind": "cats"}\n'))
    with pytest.raises(InputError, match="line 1: unsupported log format"):
        store.import_log(io.StringIO('{"kind":"meta","format":"x","version":9}\n'))
    assert store.counts()["articles"] == 0
    store.ingest([(art(1), [])])
    with pytest.raises(InputError, match="empty database"):
        store.import_log(io.StringIO(good))


# -- opening --------------------------------------------------------------------------
def test_missing_database(tmp_path):
    with pytest.raises(DatabaseMissingError, match="no database at .*run `tracker demo`"):
        open_store(str(tmp_path / "nope.db"))
    assert not (tmp_path / "nope.db").exists()


@pytest.mark.parametrize(("content", "message"), [
    (b"this is not a database at all" * 100, "corrupt or not a tracker database"),
    (b"", "empty file"),
])
def test_bad_files(tmp_path, content, message):
    path = tmp_path / "bad.db"
    path.write_bytes(content)
    with pytest.raises(DatabaseCorruptError, match=message):
        open_store(str(path))


def test_foreign_sqlite_database(tmp_path):
    path = tmp_path / "other.db"
    with sqlite3.connect(path) as conn:
        conn.execute("CREATE TABLE recipes (name TEXT)")
    conn.close()
    for create in (False, True):
        with pytest.raises(DatabaseCorruptError, match="not a tracker database"):
            open_store(str(path), create=create)


def test_directory_and_missing_parent(tmp_path):
    with pytest.raises(StoreError, match="directory"):
        open_store(str(tmp_path))
    with pytest.raises(StoreError, match="no directory"):
        open_store(str(tmp_path / "no" / "such.db"), create=True)


@pytest.mark.postgres
def test_postgres_errors(pg_url, pg_server):
    with pytest.raises(DatabaseMissingError, match="no tracker tables"):
        open_store(pg_url)
    bad = pg_server.rsplit("/", 1)[0] + "/no_such_db"
    with pytest.raises(DatabaseMissingError, match="no database"):
        open_store(bad)
    with pytest.raises(StoreError, match="cannot connect"):
        open_store("postgresql://nobody:secret@127.0.0.1:1/x")
    try:
        open_store("postgresql://nobody:secret@127.0.0.1:1/x")
    except StoreError as exc:
        assert "secret" not in str(exc)


def test_schema_matches_the_column_table(store):
    """The migrations and TABLES (used by export/import) describe the same columns."""
    for table, (_, columns) in TABLES.items():
        if store.dialect == "sqlite":
            got = [r[1] for r in store._query(f"PRAGMA table_info({table})")]
        else:
            got = [r[0] for r in store._query(
                "SELECT column_name FROM information_schema.columns WHERE table_name = ? "
                "AND table_schema = current_schema() ORDER BY ordinal_position", (table,))]
        assert got == [c for c, _ in columns], table
    versions = store._query("SELECT version, name FROM schema_migrations ORDER BY version")
    assert versions == [(v, name) for v, name, _ in migrations(store.dialect)]


def test_a_version_1_database_is_upgraded_and_its_statuses_reviewed(tmp_path):
    """A log written before review times existed: opening it migrates it, keeps every row,
    and the first review derives every place again (which fills review_at in)."""
    path = tmp_path / "v1.db"
    with open_store(str(path), create=True) as s:
        _feed(s, [(1, "Alpha", "blocked"), (2, "Beta", "blocked")])
        rederive(s, ["pass-x"], T0 + timedelta(hours=3), RULES)
        before = s.changes()
    downgrade_to_version_1(path)
    with open_store(str(path)) as s:
        assert s.changes() == before
        assert s.due_for_review(T0 + timedelta(days=1)) == ["pass-x"]
        rederive(s, s.due_for_review(T0 + timedelta(days=1)), T0 + timedelta(days=1), RULES)
        assert s.status("pass-x").review_at == T0 + timedelta(hours=2, days=14)
        assert s.due_for_review(T0 + timedelta(days=2)) == []


def test_due_for_review_lists_places_whose_time_has_come(store):
    _feed(store, [(1, "Alpha", "blocked"), (2, "Beta", "blocked")])
    rederive(store, ["pass-x"], T0 + timedelta(hours=3), RULES)
    deadline = T0 + timedelta(hours=2, days=14)
    assert store.status("pass-x").review_at == deadline
    assert store.due_for_review(deadline - timedelta(seconds=1)) == []
    assert store.due_for_review(deadline) == ["pass-x"]
    rederive(store, ["pass-x"], deadline, RULES)
    assert store.status("pass-x").stale and store.due_for_review(deadline) == []


def test_an_export_from_before_review_times_imports(store, tmp_path):
    _populate(store)
    lines = []
    for line in _export(store).splitlines():
        record = json.loads(line)
        if record["kind"] == "place_status":
            assert record.pop("review_at") is not None
        lines.append(json.dumps(record))
    with open_store(str(tmp_path / "old.db"), create=True) as copy:
        copy.import_log(io.StringIO("\n".join(lines) + "\n"))
        assert copy.status("pass-x") == replace(store.status("pass-x"), review_at=None)


def test_reopen_keeps_everything(store_target):
    with open_store(store_target, create=True) as s:
        _populate(s)
        dump = _export(s)
    with open_store(store_target) as s:
        assert _export(s) == dump


def test_a_derivation_from_an_older_log_is_not_saved(store):
    """`tracker set` in one process while the daemon derives the place in another: the
    daemon's derivation, read before the override, must not save over the newer state."""
    from tracker.pipeline import derivation_inputs
    from tracker.status import derive

    _feed(store, [(1, "Alpha", "blocked"), (2, "Beta", "blocked")])
    now = T0 + timedelta(hours=3)

    def stale_derivation():
        obs, ovs = store.observations("pass-x"), store.overrides("pass-x")
        return derive("pass-x", obs, ovs, now, RULES), derivation_inputs(obs, ovs)

    result, inputs = stale_derivation()
    store.add_override(Override(place_id="pass-x", status=Status.OPEN, analyst="ana",
                                note="phoned", start=T0))
    assert store.save_derivation("pass-x", result.status, result.changes,
                                 inputs=inputs) is None
    assert store.status("pass-x") is None and store.changes("pass-x") == []
    rederive(store, ["pass-x"], now, RULES)
    assert store.status("pass-x").status == "open"  # the override is in force
    # Ending an override moves the log on too; so does a new report.
    result, inputs = stale_derivation()
    store.end_override("pass-x", now)
    assert store.save_derivation("pass-x", result.status, result.changes,
                                 inputs=inputs) is None
    result, inputs = stale_derivation()
    store.ingest([(art(7, "Gamma"), [obs("open", 2.5)])])
    assert store.save_derivation("pass-x", result.status, result.changes,
                                 inputs=inputs) is None
    rederive(store, ["pass-x"], now, RULES)
    assert store.status("pass-x").status == "blocked" and store.status("pass-x").override is None
