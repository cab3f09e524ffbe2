"""Webhook delivery through the store's outbox, against a real receiver on 127.0.0.1."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta

import httpx
import pytest

from tests.feedserver import FeedServer, Reply
from tracker.models import StatusChange
from tracker.store import open_store
from tracker.webhooks import deliver_due, queue_changes

# The store stamps queued deliveries with the wall clock: test times start just after it.
NOW = datetime.now(UTC) + timedelta(minutes=1)
CHANGE = StatusChange(
    place_id="upper-lars", at=datetime(2024, 6, 1, 8, 0, tzinfo=UTC), from_status="open",
    to_status="closed", claimant="Border Guard Service, Road Agency",
    evidence_url="https://wire.example.org/upper-lars-closed", title="Crossing closed",
)


@pytest.fixture
def store(tmp_path):
    with open_store(str(tmp_path / "t.db"), create=True) as s:
        yield s


@pytest.fixture
def receiver():
    with FeedServer() as srv:
        yield srv


def test_receiver_that_fails_twice_gets_the_payload_exactly_once(store, receiver):
    receiver.add_sequence("/hook", [Reply(500, b"boom"), Reply(503, b"busy"), Reply(204)])
    url = receiver.url("/hook")
    assert queue_changes(store, [CHANGE], [url]) == 1
    assert queue_changes(store, [CHANGE], [url]) == 0  # the same change is queued once
    now = NOW
    reports = []
    with httpx.Client() as client:
        for _ in range(6):  # more passes than needed: a delivered one is never resent
            reports.append(deliver_due(store, client, now))
            now += timedelta(hours=2)  # past any retry delay
    assert [r.delivered for r in reports] == [0, 0, 1, 0, 0, 0]
    assert [r.failed for r in reports] == [1, 1, 0, 0, 0, 0]
    posts = receiver.hits("/hook")
    assert len(posts) == 3 and len({p.headers["idempotency-key"] for p in posts}) == 1
    payload = json.loads(posts[-1].body)
    assert payload["place"] == "upper-lars"
    assert payload["from"] == "open" and payload["to"] == "closed"
    assert payload["at"].startswith("2024-06-01T08:00:00")
    assert payload["claimants"] == ["Border Guard Service", "Road Agency"]
    assert payload["evidence"] == ["https://wire.example.org/upper-lars-closed"]
    assert posts[-1].headers["content-type"] == "application/json"


def test_failed_delivery_waits_for_its_backoff_and_survives_a_restart(tmp_path, receiver):
    receiver.add_reply("/down", Reply(500))
    url = receiver.url("/down")
    db = str(tmp_path / "t.db")
    with open_store(db, create=True) as store, httpx.Client() as client:
        queue_changes(store, [CHANGE], [url])
        assert deliver_due(store, client, NOW).failed == 1
        assert deliver_due(store, client, NOW + timedelta(seconds=5)).attempted == 0
    receiver.add_reply("/down", Reply(200))
    with open_store(db) as store, httpx.Client() as client:  # "restart": a new process
        report = deliver_due(store, client, NOW + timedelta(minutes=5))
    assert report.delivered == 1 and len(receiver.hits("/down")) == 2


def test_unreachable_receiver_is_retried_not_lost(store):
    queue_changes(store, [CHANGE], ["http://127.0.0.1:9/hook"])
    with httpx.Client() as client:
        report = deliver_due(store, client, NOW)
    assert report.failed == 1
    (due,) = store.due_deliveries(NOW + timedelta(days=1))
    assert due["attempts"] == 1


def test_no_urls_or_no_changes_queue_nothing(store):
    assert queue_changes(store, [CHANGE], []) == 0
    assert queue_changes(store, [], ["http://127.0.0.1:9/h"]) == 0
