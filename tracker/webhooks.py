"""Webhooks: POST a JSON payload for every status change, through the store's outbox.

A change is queued once per URL (``store.enqueue_deliveries``); every attempt's outcome
is recorded, and a failed delivery stays in the outbox and is retried with backoff until
it succeeds, so none is lost across restarts. Each POST carries an ``Idempotency-Key``
so that a receiver can drop the rare duplicate (a crash after its 2xx, before our record).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any

from tracker import USER_AGENT
from tracker.models import StatusChange
from tracker.sources.health import backoff_delay

if TYPE_CHECKING:  # pragma: no cover - typing only
    import httpx

    from tracker.store.base import Store

RETRY_BASE = 30.0  # seconds before the first retry; doubles per failed attempt
RETRY_CEILING = 3600.0  # a failing receiver is retried at least hourly, for ever
POST_TIMEOUT = 10.0
ERROR_TEXT_LIMIT = 300


@dataclass(frozen=True)
class DeliveryReport:
    """What one pass over the outbox did."""

    attempted: int = 0
    delivered: int = 0
    failed: int = 0


def queue_changes(store: Store, changes: Sequence[StatusChange], urls: Sequence[str]) -> int:
    """Put one delivery per (change, URL) in the outbox; returns how many were new."""
    if not changes or not urls:
        return 0
    return store.enqueue_deliveries(list(changes), list(urls))


def _post(client: httpx.Client, delivery: dict[str, Any], timeout: float) -> str | None:
    """POST one delivery; None on a 2xx answer, else why it failed."""
    import httpx

    headers = {
        "User-Agent": USER_AGENT,
        "Content-Type": "application/json",
        "Idempotency-Key": f"corridor-tracker-{delivery['id']}",
    }
    try:
        response = client.post(delivery["url"], json=delivery["payload"], headers=headers,
                               timeout=timeout, follow_redirects=False)
    except httpx.HTTPError as exc:
        return f"{type(exc).__name__}: {exc}"[:ERROR_TEXT_LIMIT]
    if 200 <= response.status_code < 300:
        return None
    return f"HTTP {response.status_code} {response.reason_phrase}"


def deliver_due(
    store: Store,
    client: httpx.Client,
    now: datetime,
    *,
    timeout: float = POST_TIMEOUT,
    retry_base: float = RETRY_BASE,
    retry_ceiling: float = RETRY_CEILING,
) -> DeliveryReport:
    """Attempt every delivery that is due; record each outcome and the next retry."""
    attempted = delivered = 0
    for delivery in store.due_deliveries(now):
        attempted += 1
        error = _post(client, delivery, timeout)
        if error is None:
            store.record_delivery(delivery["id"], True)
            delivered += 1
            continue
        attempts = int(delivery.get("attempts", 0)) + 1
        wait = backoff_delay(attempts, retry_base, retry_ceiling)
        store.record_delivery(delivery["id"], False, error, now + timedelta(seconds=wait))
    return DeliveryReport(attempted, delivered, attempted - delivered)
