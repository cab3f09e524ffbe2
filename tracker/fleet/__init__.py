"""Fleet mode: workers on any number of machines share one PostgreSQL through Procrastinate.

Every due source poll is a Procrastinate job with a lock per source, so no source is
polled by two workers at once. A periodic tick, deferred once across the fleet, moves
each due source's next-due time forward and enqueues its poll in one transaction, so
each source is polled once per interval. A job whose worker stops heartbeating is put
back in the queue by another worker. Derivation (one job per place) and rendering (one
job) are coalesced by queueing locks, so they run once per change, not once per worker.

Procrastinate is imported inside functions: the CLI's quick paths never load it.
"""

from tracker.fleet.common import FleetOptions, require_postgres
from tracker.fleet.queue import defer, enqueue_due, sync_sources
from tracker.fleet.schema import apply_schema
from tracker.fleet.status import fleet_status
from tracker.fleet.worker import Runtime, build_app, run_worker

__all__ = [
    "FleetOptions",
    "Runtime",
    "apply_schema",
    "build_app",
    "defer",
    "enqueue_due",
    "fleet_status",
    "require_postgres",
    "run_worker",
    "sync_sources",
]
