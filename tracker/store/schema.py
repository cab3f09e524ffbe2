"""The schema as data: the tables of the log, their columns and their types.

Export, import and the row conversions read this table; the DDL itself lives in
``tracker.store.migrations`` (a test checks that both agree).
"""

from __future__ import annotations

# Column types, as export/import must convert them.
INT, TEXT, REAL, BOOL, TIME, JSON = "int", "text", "real", "bool", "time", "json"

# table -> (primary-key columns, columns in order with their type).
TABLES: dict[str, tuple[tuple[str, ...], tuple[tuple[str, str], ...]]] = {
    "articles": (("id",), (
        ("id", INT), ("url", TEXT), ("canonical_url", TEXT), ("guid", TEXT), ("source", TEXT),
        ("outlet", TEXT), ("title", TEXT), ("body", TEXT), ("language", TEXT),
        ("published", TIME), ("fetched", TIME), ("content_hash", TEXT),
    )),
    "article_keys": (("key",), (("key", TEXT), ("article_id", INT))),
    "observations": (("id",), (
        ("id", INT), ("article_id", INT), ("place_id", TEXT), ("status", TEXT),
        ("claimant", TEXT), ("negated", BOOL), ("evidence", TEXT), ("confidence", REAL),
        ("observed_at", TIME),
    )),
    "overrides": (("id",), (
        ("id", INT), ("place_id", TEXT), ("status", TEXT), ("analyst", TEXT), ("note", TEXT),
        ("source_url", TEXT), ("start_at", TIME), ("until", TIME), ("ended_at", TIME),
        ("created_at", TIME),
    )),
    "changes": (("id",), (
        ("id", INT), ("place_id", TEXT), ("change_key", TEXT), ("at", TIME),
        ("from_status", TEXT), ("to_status", TEXT), ("claimant", TEXT), ("evidence_url", TEXT),
        ("title", TEXT), ("contested", BOOL), ("patrolled", BOOL), ("stale", BOOL),
        ("cause", TEXT), ("observation_ids", JSON), ("recorded_at", TIME),
        ("superseded_at", TIME),
    )),
    "place_status": (("place_id",), (
        ("place_id", TEXT), ("status", TEXT), ("since", TIME), ("patrolled", BOOL),
        ("contested", BOOL), ("stale", BOOL), ("claimants", JSON), ("contest", JSON),
        ("evidence_url", TEXT), ("evidence_title", TEXT), ("evidence_outlet", TEXT),
        ("evidence_at", TIME), ("evidence_text", TEXT), ("override", JSON), ("updated", TIME),
        ("review_at", TIME),
    )),
    "source_states": (("name",), (
        ("name", TEXT), ("etag", TEXT), ("last_modified", TEXT), ("consecutive_errors", INT),
        ("last_error", TEXT), ("last_attempt", TIME), ("last_success", TIME),
        ("next_attempt", TIME), ("articles_seen", INT),
    )),
    "heartbeats": (("worker",), (("worker", TEXT), ("at", TIME), ("info", JSON))),
    "deliveries": (("id",), (
        ("id", INT), ("change_key", TEXT), ("place_id", TEXT), ("url", TEXT), ("payload", JSON),
        ("attempts", INT), ("next_attempt", TIME), ("last_error", TEXT),
        ("delivered_at", TIME), ("created_at", TIME),
    )),
}

# Columns added by a later migration: an export written before them lacks them, and
# importing it leaves them empty (NULL).
ADDED_LATER: dict[str, frozenset[str]] = {"place_status": frozenset({"review_at"})}
