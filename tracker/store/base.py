"""The Store protocol every backend implements, and the helpers they share.

The log is append-only: articles and observations are never rewritten; a change that a
late observation no longer supports is marked superseded, never deleted.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from datetime import UTC, datetime
from typing import IO, Any, Protocol, runtime_checkable

from tracker.models import (
    Article,
    IngestResult,
    Observation,
    Override,
    PlaceStatus,
    SourceState,
    StatusChange,
)

# Query parameters that only track the reader; two links that differ in them are one article.
# Below this many characters of normalised text a story is too short to recognise as
# syndicated across outlets (two outlets may well write the same short headline).
MIN_SYNDICATED_CHARS = 200

EXPORT_FORMAT = "corridor-tracker-log"
EXPORT_VERSION = 1


@runtime_checkable
class Store(Protocol):
    """The append-only status log (see docs/architecture.md)."""

    def ingest(self, batch: Sequence[tuple[Article, Sequence[Observation]]]) -> IngestResult:
        """Append new articles and their observations in one transaction."""
        ...

    def observations(self, place_id: str | None = None) -> list[Observation]:
        """Observations (of one place), ordered by (observed_at, id)."""
        ...

    def articles_count(self) -> int:
        """Number of distinct stored articles."""
        ...

    def counts(self) -> dict[str, int]:
        """Row counts per table of the log."""
        ...

    def place_ids(self) -> list[str]:
        """Every place with observations, overrides or a recorded status."""
        ...

    def save_derivation(
        self, place_id: str, status: PlaceStatus, changes: Sequence[StatusChange],
        *, inputs: tuple[int, int, int] | None = None,
    ) -> list[StatusChange] | None:
        """Record a place's current status and change log; return the new changes, or
        None (nothing saved) when ``inputs`` no longer describe the place's log."""
        ...

    def status(self, place_id: str) -> PlaceStatus | None:
        """The recorded current status of one place."""
        ...

    def due_for_review(self, now: datetime) -> list[str]:
        """Places whose status time alone has changed by ``now`` (see PlaceStatus.review_at)."""
        ...

    def statuses(self) -> list[PlaceStatus]:
        """The recorded current status of every place, by place id."""
        ...

    def changes(
        self, place_id: str | None = None, *, include_superseded: bool = False
    ) -> list[StatusChange]:
        """The change log (of one place), oldest first."""
        ...

    def add_override(self, override: Override) -> Override:
        """Record an analyst override; returns it with its id."""
        ...

    def end_override(self, place_id: str, at: datetime) -> Override:
        """End the override in force on a place at ``at``."""
        ...

    def overrides(self, place_id: str | None = None) -> list[Override]:
        """Every override (of one place), oldest first."""
        ...

    def source_state(self, name: str) -> SourceState | None:
        """The saved health and cache state of one source."""
        ...

    def save_source_state(self, state: SourceState) -> None:
        """Insert or replace the state of one source."""
        ...

    def source_states(self) -> list[SourceState]:
        """The state of every source, by name."""
        ...

    def heartbeat(self, worker: str, at: datetime, info: dict | None = None) -> None:
        """Record that a worker is alive."""
        ...

    def heartbeats(self) -> list[dict]:
        """The latest heartbeat of every worker."""
        ...

    def enqueue_deliveries(self, changes: Sequence[StatusChange], urls: Sequence[str]) -> int:
        """Queue one webhook delivery per (change, url); returns how many were new."""
        ...

    def due_deliveries(self, now: datetime) -> list[dict]:
        """Undelivered webhook deliveries whose next attempt is due."""
        ...

    def record_delivery(
        self, delivery_id: int, ok: bool, error: str = "", next_attempt: datetime | None = None
    ) -> None:
        """Record the outcome of one delivery attempt."""
        ...

    def export_log(self, fp: IO[str]) -> int:
        """Write the whole log as JSON lines; returns the number of records."""
        ...

    def import_log(self, fp: IO[str]) -> int:
        """Load a JSON-lines log into this (empty) store; returns the number of records."""
        ...

    def close(self) -> None:
        """Release the connection."""
        ...

    def __enter__(self) -> Store: ...

    def __exit__(self, *exc: object) -> None: ...


# -- article identity -------------------------------------------------------------------
def _text_key(text: str) -> str:
    import unicodedata  # ingest path only: `tracker status` never hashes

    text = unicodedata.normalize("NFKC", text).casefold()
    return " ".join(re.findall(r"\w+", text))


def content_hash(article: Article) -> str:
    """The story's identity: same words in title and body = same story, whatever the URL.

    Short stories are only matched within their outlet (see MIN_SYNDICATED_CHARS).
    """
    import hashlib
    from urllib.parse import urlsplit

    body = _text_key(article.title) + "\n" + _text_key(article.text)
    if len(body) < MIN_SYNDICATED_CHARS:
        body = (article.outlet or urlsplit(article.url).hostname or "").casefold() + "\n" + body
    return hashlib.sha256(body.encode()).hexdigest()


def article_keys(article: Article) -> list[str]:
    """Every key under which this article may be recognised again."""
    from tracker.urls import url_key  # ingest path only: urllib is not needed to read

    keys = ["u:" + url_key(article.url)]
    if article.canonical_url:
        keys.append("u:" + url_key(article.canonical_url))
    if article.guid:
        keys.append(f"g:{article.source}\x1f{article.guid}")
    keys.append("h:" + content_hash(article))
    return list(dict.fromkeys(keys))


def change_key(change: StatusChange) -> str:
    """The identity of a change: the same transition at the same time is the same change."""
    flags = f"{int(change.patrolled)}{int(change.contested)}{int(change.stale)}"
    return "|".join(
        [change.place_id, utc_iso(change.at), change.from_status or "", change.to_status,
         change.cause, flags]
    )


def delivery_payload(change: StatusChange) -> dict[str, Any]:
    """The JSON body POSTed to webhooks for one change."""
    return {
        "place": change.place_id,
        "from": change.from_status,
        "to": change.to_status,
        "at": utc_iso(change.at),
        "patrolled": change.patrolled,
        "contested": change.contested,
        "stale": change.stale,
        "cause": change.cause,
        "claimants": [c for c in change.claimant.split(", ") if c],
        "evidence": [change.evidence_url] if change.evidence_url else [],
        "title": change.title,
    }


# -- time ---------------------------------------------------------------------------------
def utc(dt: datetime) -> datetime:
    """``dt`` in UTC; a naive datetime is taken to be UTC already."""
    return dt.replace(tzinfo=UTC) if dt.tzinfo is None else dt.astimezone(UTC)


def utc_iso(dt: datetime) -> str:
    """Fixed-width ISO 8601 in UTC, so that text order is time order."""
    return utc(dt).strftime("%Y-%m-%dT%H:%M:%S.%f+00:00")


def parse_time(value: str | datetime | None) -> datetime | None:
    """Read a stored or exported time back as an aware UTC datetime."""
    if value is None or value == "":
        return None
    if isinstance(value, datetime):
        return utc(value)
    return utc(datetime.fromisoformat(value))
