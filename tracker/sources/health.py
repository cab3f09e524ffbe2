"""Per-source health: consecutive errors, last error, next attempt.

Backoff doubles with each consecutive failure up to a ceiling and never gives up, so a
feed that failed during an outage comes back by itself. Pure functions over SourceState.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime, timedelta

from tracker.models import SourceState

MAX_DOUBLINGS = 30  # 2**30 intervals is past any sensible ceiling; avoids float overflow
ERROR_TEXT_LIMIT = 500  # characters of an error message kept in the state


def backoff_delay(consecutive_errors: int, interval: float, ceiling: float) -> float:
    """Seconds to wait after the n-th consecutive failure: interval * 2**(n-1), capped."""
    if consecutive_errors <= 0:
        return interval
    doublings = min(consecutive_errors - 1, MAX_DOUBLINGS)
    return max(interval, min(ceiling, interval * 2.0**doublings))


def record_failure(
    state: SourceState,
    now: datetime,
    error: str,
    *,
    interval: float,
    ceiling: float,
    retry_at: datetime | None = None,
) -> SourceState:
    """The state after a failed poll: one more error and a later next attempt."""
    errors = state.consecutive_errors + 1
    next_attempt = now + timedelta(seconds=backoff_delay(errors, interval, ceiling))
    if retry_at is not None and retry_at > next_attempt:
        next_attempt = retry_at  # the host's own Retry-After wins when it asks for longer
    return replace(
        state,
        consecutive_errors=errors,
        last_error=error[:ERROR_TEXT_LIMIT],
        last_attempt=now,
        next_attempt=next_attempt,
    )


def record_success(
    state: SourceState,
    now: datetime,
    *,
    etag: str | None = None,
    last_modified: str | None = None,
    articles: int = 0,
) -> SourceState:
    """The state after a successful poll (including 304 Not Modified)."""
    return replace(
        state,
        etag=state.etag if etag is None else etag,
        last_modified=state.last_modified if last_modified is None else last_modified,
        consecutive_errors=0,
        last_error="",
        last_attempt=now,
        last_success=now,
        next_attempt=None,  # None: at the source's next scheduled run
        articles_seen=state.articles_seen + articles,
    )


def is_due(state: SourceState | None, now: datetime) -> bool:
    """True when the source may be polled now (not inside a backoff window)."""
    return state is None or state.next_attempt is None or state.next_attempt <= now
