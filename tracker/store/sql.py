"""The log over SQL, shared by the SQLite and PostgreSQL backends.

A backend supplies the connection, the write transaction (SQLite: BEGIN IMMEDIATE;
PostgreSQL: a transaction with an advisory lock), error translation and how times are
stored. SQL here is written with ``?`` placeholders.
"""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import replace
from datetime import UTC, datetime
from typing import IO, Any

from tracker.errors import InputError
from tracker.models import (
    Article,
    IngestResult,
    Observation,
    Override,
    PlaceStatus,
    SourceState,
    Status,
    StatusChange,
)
from tracker.store.base import (
    EXPORT_FORMAT,
    EXPORT_VERSION,
    article_keys,
    change_key,
    content_hash,
    delivery_payload,
    parse_time,
    utc_iso,
)
from tracker.store.schema import ADDED_LATER, BOOL, INT, JSON, REAL, TABLES, TIME

_OBS_SELECT = (
    "SELECT o.id, o.place_id, o.status, o.claimant, o.negated, o.evidence, o.confidence, "
    "o.observed_at, a.url, a.title, a.outlet, a.content_hash "
    "FROM observations o JOIN articles a ON a.id = o.article_id"
)
_CHANGE_COLS = (
    "id, place_id, at, from_status, to_status, claimant, evidence_url, title, contested, "
    "patrolled, stale, cause, observation_ids, superseded_at"
)
_STATUS_COLS = ", ".join(name for name, _ in TABLES["place_status"][1])
# What a derivation of one place reads (checked in the write transaction that saves it).
_INPUTS = ("SELECT (SELECT coalesce(max(id), 0) FROM observations WHERE place_id = ?), "
           "(SELECT coalesce(max(id), 0) FROM overrides WHERE place_id = ?), "
           "(SELECT count(*) FROM overrides WHERE place_id = ? AND ended_at IS NOT NULL)")
_OVERRIDE_COLS = "id, place_id, status, analyst, note, source_url, start_at, until, ended_at"
_SOURCE_COLS = ", ".join(name for name, _ in TABLES["source_states"][1])


def _dumps(value: Any) -> str:
    return json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False,
                      default=lambda o: o.isoformat() if isinstance(o, datetime) else str(o))


def _now() -> datetime:
    return datetime.now(UTC)


class SqlStore:
    """Every Store method, over a DB-API connection supplied by a backend."""

    dialect = ""
    target = ""

    def __init__(self) -> None:
        # The daemon calls the store from scheduler threads: one operation at a time.
        self._lock = threading.RLock()

    # -- backend hooks ----------------------------------------------------------------
    @contextmanager
    def _write(self) -> Iterator[Any]:  # pragma: no cover - abstract
        raise NotImplementedError
        yield

    def _query(self, sql: str, params: Sequence[Any] = ()) -> list[tuple]:  # pragma: no cover
        raise NotImplementedError

    def _t(self, dt: datetime | None) -> Any:  # pragma: no cover - abstract
        raise NotImplementedError

    def _x(self, cur: Any, sql: str, params: Sequence[Any] = ()) -> Any:  # pragma: no cover
        raise NotImplementedError

    def _xmany(self, cur: Any, sql: str, rows: Sequence[Sequence[Any]]) -> None:
        raise NotImplementedError  # pragma: no cover

    def _after_import(self, cur: Any) -> None:
        """Backend fix-ups after rows were inserted with explicit ids."""

    def close(self) -> None:  # pragma: no cover - abstract
        raise NotImplementedError

    def __enter__(self) -> SqlStore:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # -- articles and observations ----------------------------------------------------
    def ingest(self, batch: Sequence[tuple[Article, Sequence[Observation]]]) -> IngestResult:
        """Append new articles and their observations in one transaction.

        An article already known by URL, canonical URL, (source, GUID) or content hash
        adds nothing, not even its observations: a syndicated copy is not a new voice.
        """
        for n, (article, observations) in enumerate(batch):
            _check_article(n, article, observations)
        added = skipped = n_obs = 0
        places: set[str] = set()
        fetched = self._t(_now())
        with self._write() as cur:
            for article, observations in batch:
                keys = article_keys(article)
                marks = ", ".join("?" * len(keys))
                row = self._x(cur, f"SELECT article_id FROM article_keys WHERE key IN ({marks}) "
                              "LIMIT 1", keys).fetchone()
                if row is not None:
                    skipped += 1
                    # Remember the new URL/GUID too, so the copy is recognised at once later.
                    self._xmany(cur, "INSERT INTO article_keys (key, article_id) VALUES (?, ?) "
                                "ON CONFLICT DO NOTHING", [(k, row[0]) for k in keys])
                    continue
                article_id = self._x(
                    cur,
                    "INSERT INTO articles (url, canonical_url, guid, source, outlet, title, body, "
                    "language, published, fetched, content_hash) "
                    "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING id",
                    (article.url, article.canonical_url, article.guid, article.source,
                     article.outlet, article.title, article.text, article.language,
                     self._t(article.published), fetched, content_hash(article)),
                ).fetchone()[0]
                self._xmany(cur, "INSERT INTO article_keys (key, article_id) VALUES (?, ?)",
                            [(k, article_id) for k in keys])
                self._xmany(
                    cur,
                    "INSERT INTO observations (article_id, place_id, status, claimant, negated, "
                    "evidence, confidence, observed_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                    [(article_id, o.place_id, Status(o.status).value, o.claimant, bool(o.negated),
                      o.evidence, float(o.confidence), self._t(o.observed_at))
                     for o in observations],
                )
                added += 1
                n_obs += len(observations)
                places.update(o.place_id for o in observations)
        return IngestResult(added, skipped, n_obs, frozenset(places))

    def observations(self, place_id: str | None = None) -> list[Observation]:
        """Observations (of one place), ordered by (observed_at, id)."""
        where, params = (" WHERE o.place_id = ?", (place_id,)) if place_id else ("", ())
        rows = self._query(f"{_OBS_SELECT}{where} ORDER BY o.observed_at, o.id", params)
        return [
            Observation(place_id=r[1], status=Status(r[2]), claimant=r[3], negated=bool(r[4]),
                        evidence=r[5], confidence=r[6], observed_at=parse_time(r[7]),
                        article_url=r[8], title=r[9], outlet=r[10], id=r[0], story_id=r[11])
            for r in rows
        ]

    def articles_count(self) -> int:
        """Number of distinct stored articles (syndicated copies are not counted)."""
        return int(self._query("SELECT count(*) FROM articles")[0][0])

    def counts(self) -> dict[str, int]:
        """Row counts per table; ``changes`` counts only those in force."""
        out = {t: int(self._query(f"SELECT count(*) FROM {t}")[0][0]) for t in TABLES}
        out["superseded_changes"] = int(self._query(
            "SELECT count(*) FROM changes WHERE superseded_at IS NOT NULL")[0][0])
        out["changes"] -= out["superseded_changes"]
        return out

    def place_ids(self) -> list[str]:
        """Every place that has observations, overrides or a recorded status."""
        rows = self._query(
            "SELECT DISTINCT place_id FROM observations UNION SELECT place_id FROM overrides "
            "UNION SELECT place_id FROM place_status")
        return sorted(r[0] for r in rows)

    # -- derivations ------------------------------------------------------------------
    def save_derivation(
        self, place_id: str, status: PlaceStatus, changes: Sequence[StatusChange],
        *, inputs: tuple[int, int, int] | None = None,
    ) -> list[StatusChange] | None:
        """Record the current status and change log of a place; return the new changes.

        Recorded changes are kept; those the new log no longer contains are marked
        superseded (never deleted); changes not yet recorded are appended. With
        ``inputs`` (see tracker.pipeline.derivation_inputs), nothing is saved and None is
        returned when the place's log has moved on since the derivation read it.
        """
        now = self._t(_now())
        wanted = {change_key(c): c for c in changes}
        new: list[StatusChange] = []
        with self._write() as cur:
            if inputs is not None and tuple(self._x(cur, _INPUTS, (place_id,) * 3).fetchone()) \
                    != tuple(inputs):
                return None
            recorded = dict(self._x(
                cur, "SELECT change_key, id FROM changes WHERE place_id = ? "
                "AND superseded_at IS NULL", (place_id,)).fetchall())
            gone = [(now, cid) for key, cid in recorded.items() if key not in wanted]
            self._xmany(cur, "UPDATE changes SET superseded_at = ? WHERE id = ?", gone)
            for key, c in wanted.items():
                if key in recorded:
                    continue
                cid = self._x(
                    cur,
                    "INSERT INTO changes (place_id, change_key, at, from_status, to_status, "
                    "claimant, evidence_url, title, contested, patrolled, stale, cause, "
                    "observation_ids, recorded_at) "
                    "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING id",
                    (place_id, key, self._t(c.at), c.from_status, c.to_status, c.claimant,
                     c.evidence_url, c.title, c.contested, c.patrolled, c.stale, c.cause,
                     _dumps(list(c.observation_ids)), now),
                ).fetchone()[0]
                new.append(replace(c, id=cid))
            self._save_status(cur, place_id, status)
        return sorted(new, key=lambda c: (c.at, c.id))

    def _save_status(self, cur: Any, place_id: str, s: PlaceStatus) -> None:
        o = s.override
        override = None if o is None else _dumps({
            "id": o.id, "place_id": o.place_id, "status": Status(o.status).value,
            "analyst": o.analyst, "note": o.note, "source_url": o.source_url,
            "start": utc_iso(o.start), "until": o.until and utc_iso(o.until),
            "ended_at": o.ended_at and utc_iso(o.ended_at)})
        values = (
            place_id, s.status, self._t(s.since), s.patrolled, s.contested, s.stale,
            _dumps(list(s.claimants)), _dumps([[k, list(v)] for k, v in s.contest]),
            s.evidence_url, s.evidence_title, s.evidence_outlet, self._t(s.evidence_at),
            s.evidence_text, override, self._t(s.updated or _now()), self._t(s.review_at),
        )
        cols = _STATUS_COLS.split(", ")
        updates = ", ".join(f"{c} = excluded.{c}" for c in cols[1:])
        self._x(cur, f"INSERT INTO place_status ({_STATUS_COLS}) VALUES "
                f"({', '.join('?' * len(cols))}) ON CONFLICT (place_id) DO UPDATE SET {updates}",
                values)

    def status(self, place_id: str) -> PlaceStatus | None:
        """The recorded current status of one place, or None."""
        rows = self._query(f"SELECT {_STATUS_COLS} FROM place_status WHERE place_id = ?",
                           (place_id,))
        return _status_from_row(rows[0]) if rows else None

    def due_for_review(self, now: datetime) -> list[str]:
        """Places whose status time alone has changed by ``now`` (see PlaceStatus.review_at)."""
        rows = self._query("SELECT place_id FROM place_status WHERE review_at <= ? "
                           "ORDER BY place_id", (self._t(now),))
        return [r[0] for r in rows]

    def statuses(self) -> list[PlaceStatus]:
        """The recorded current status of every place, by place id."""
        rows = self._query(f"SELECT {_STATUS_COLS} FROM place_status ORDER BY place_id")
        return [_status_from_row(r) for r in rows]

    def changes(
        self, place_id: str | None = None, *, include_superseded: bool = False
    ) -> list[StatusChange]:
        """The change log (of one place), oldest first; superseded entries on request."""
        where, params = [], []
        if place_id:
            where.append("place_id = ?")
            params.append(place_id)
        if not include_superseded:
            where.append("superseded_at IS NULL")
        clause = (" WHERE " + " AND ".join(where)) if where else ""
        rows = self._query(f"SELECT {_CHANGE_COLS} FROM changes{clause} ORDER BY at, id", params)
        return [
            StatusChange(place_id=r[1], at=parse_time(r[2]), from_status=r[3], to_status=r[4],
                         claimant=r[5], evidence_url=r[6], title=r[7], contested=bool(r[8]),
                         patrolled=bool(r[9]), stale=bool(r[10]), cause=r[11],
                         observation_ids=tuple(json.loads(r[12])), id=r[0],
                         superseded=r[13] is not None)
            for r in rows
        ]

    # -- overrides --------------------------------------------------------------------
    def add_override(self, override: Override) -> Override:
        """Record an analyst override; returns it with its id."""
        o = override
        if not o.place_id:
            raise InputError("an override needs a place")
        status = Status(o.status)
        if o.until is not None and o.until <= o.start:
            raise InputError(f"override until {utc_iso(o.until)} is not after its start")
        with self._write() as cur:
            oid = self._x(
                cur,
                "INSERT INTO overrides (place_id, status, analyst, note, source_url, start_at, "
                "until, ended_at, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING id",
                (o.place_id, status.value, o.analyst, o.note, o.source_url, self._t(o.start),
                 self._t(o.until), self._t(o.ended_at), self._t(_now())),
            ).fetchone()[0]
        return replace(o, id=oid, status=status)

    def end_override(self, place_id: str, at: datetime) -> Override:
        """End the override in force (or pending) on a place at ``at``."""
        t = self._t(at)
        with self._write() as cur:
            row = self._x(
                cur,
                f"SELECT {_OVERRIDE_COLS} FROM overrides WHERE place_id = ? AND ended_at IS NULL "
                "AND (until IS NULL OR until > ?) ORDER BY start_at DESC, id DESC LIMIT 1",
                (place_id, t),
            ).fetchone()
            if row is None:
                raise InputError(f"no analyst override in force on {place_id!r}")
            self._x(cur, "UPDATE overrides SET ended_at = ? WHERE id = ?", (t, row[0]))
        return replace(_override_from_row(row), ended_at=parse_time(t))

    def overrides(self, place_id: str | None = None) -> list[Override]:
        """Every override (of one place), oldest first."""
        where, params = (" WHERE place_id = ?", (place_id,)) if place_id else ("", ())
        rows = self._query(
            f"SELECT {_OVERRIDE_COLS} FROM overrides{where} ORDER BY start_at, id", params)
        return [_override_from_row(r) for r in rows]

    # -- sources and workers ----------------------------------------------------------
    def source_state(self, name: str) -> SourceState | None:
        """The saved state of one source, or None."""
        rows = self._query(f"SELECT {_SOURCE_COLS} FROM source_states WHERE name = ?", (name,))
        return _source_from_row(rows[0]) if rows else None

    def save_source_state(self, state: SourceState) -> None:
        """Insert or replace the state of one source."""
        s = state
        cols = _SOURCE_COLS.split(", ")
        updates = ", ".join(f"{c} = excluded.{c}" for c in cols[1:])
        with self._write() as cur:
            self._x(
                cur,
                f"INSERT INTO source_states ({_SOURCE_COLS}) VALUES ({', '.join('?' * len(cols))}) "
                f"ON CONFLICT (name) DO UPDATE SET {updates}",
                (s.name, s.etag, s.last_modified, s.consecutive_errors, s.last_error,
                 self._t(s.last_attempt), self._t(s.last_success), self._t(s.next_attempt),
                 s.articles_seen),
            )

    def source_states(self) -> list[SourceState]:
        """The state of every source, by name."""
        rows = self._query(f"SELECT {_SOURCE_COLS} FROM source_states ORDER BY name")
        return [_source_from_row(r) for r in rows]

    def heartbeat(self, worker: str, at: datetime, info: dict | None = None) -> None:
        """Record that a worker is alive at ``at``."""
        with self._write() as cur:
            self._x(cur, "INSERT INTO heartbeats (worker, at, info) VALUES (?, ?, ?) "
                    "ON CONFLICT (worker) DO UPDATE SET at = excluded.at, info = excluded.info",
                    (worker, self._t(at), _dumps(info or {})))

    def heartbeats(self) -> list[dict]:
        """The latest heartbeat of every worker: {worker, at, info}."""
        rows = self._query("SELECT worker, at, info FROM heartbeats ORDER BY worker")
        return [{"worker": r[0], "at": parse_time(r[1]), "info": json.loads(r[2] or "{}")}
                for r in rows]

    # -- webhook outbox ---------------------------------------------------------------
    def enqueue_deliveries(self, changes: Sequence[StatusChange], urls: Sequence[str]) -> int:
        """Queue one delivery per (change, url); a pair already queued is not queued again."""
        now = self._t(_now())
        n = 0
        with self._write() as cur:
            for c in changes:
                payload = _dumps(delivery_payload(c))
                for url in urls:
                    row = self._x(
                        cur,
                        "INSERT INTO deliveries (change_key, place_id, url, payload, attempts, "
                        "next_attempt, last_error, created_at) VALUES (?, ?, ?, ?, 0, NULL, '', ?) "
                        "ON CONFLICT DO NOTHING RETURNING id",  # NULL: due at once
                        (change_key(c), c.place_id, url, payload, now),
                    ).fetchone()
                    n += row is not None
        return n

    def due_deliveries(self, now: datetime) -> list[dict]:
        """Undelivered deliveries due at ``now``: {id, url, payload, attempts}, oldest first."""
        rows = self._query(
            "SELECT id, url, payload, attempts FROM deliveries WHERE delivered_at IS NULL "
            "AND (next_attempt IS NULL OR next_attempt <= ?) ORDER BY id", (self._t(now),))
        return [{"id": r[0], "url": r[1], "payload": json.loads(r[2]), "attempts": r[3]}
                for r in rows]

    def record_delivery(
        self, delivery_id: int, ok: bool, error: str = "", next_attempt: datetime | None = None
    ) -> None:
        """Record one attempt: delivered, or failed with the time of the next attempt."""
        with self._write() as cur:
            if ok:
                self._x(cur, "UPDATE deliveries SET attempts = attempts + 1, delivered_at = ?, "
                        "last_error = '', next_attempt = NULL WHERE id = ?",
                        (self._t(_now()), delivery_id))
            else:
                self._x(cur, "UPDATE deliveries SET attempts = attempts + 1, last_error = ?, "
                        "next_attempt = ? WHERE id = ?",
                        (error, self._t(next_attempt), delivery_id))

    # -- export / import --------------------------------------------------------------
    def export_log(self, fp: IO[str]) -> int:
        """Write the whole log as JSON lines (one record per row); returns the count."""
        fp.write(_dumps({"kind": "meta", "format": EXPORT_FORMAT, "version": EXPORT_VERSION})
                 + "\n")
        n = 1
        for table, (pk, columns) in TABLES.items():
            names = [c for c, _ in columns]
            order = ", ".join(pk)
            rows = self._query(f"SELECT {', '.join(names)} FROM {table} ORDER BY {order}")
            if pk != ("id",):  # text keys: code-point order, whatever the server's collation
                rows.sort(key=lambda r: r[0])
            for row in rows:
                record = {"kind": table}
                for (name, kind), value in zip(columns, row, strict=True):
                    record[name] = _export_value(kind, value)
                fp.write(_dumps(record) + "\n")
                n += 1
        return n

    def import_log(self, fp: IO[str]) -> int:
        """Load an exported log into this empty store, in one transaction."""
        inserts = {
            t: f"INSERT INTO {t} ({', '.join(c for c, _ in cols)}) "
               f"VALUES ({', '.join('?' * len(cols))})"
            for t, (_, cols) in TABLES.items()
        }
        n, seen_meta = 0, False
        with self._write() as cur:
            for table in ("articles", "changes", "overrides", "place_status"):
                if self._x(cur, f"SELECT count(*) FROM {table}").fetchone()[0]:
                    raise InputError(f"cannot import into a database that has {table}; "
                                     "import needs an empty database")
            for lineno, line in enumerate(fp, 1):
                if not line.strip():
                    continue
                record = _parse_record(lineno, line)
                if record["kind"] == "meta":
                    _check_meta(lineno, record)
                    seen_meta = True
                    continue
                table = record.pop("kind")
                columns = TABLES[table][1]
                for later in ADDED_LATER.get(table, ()):
                    record.setdefault(later, None)  # an export from before the column
                if set(record) != {c for c, _ in columns}:
                    raise InputError(f"line {lineno}: {table} record has fields "
                                     f"{sorted(record)}, expected {[c for c, _ in columns]}")
                # Reading rows back builds Status values: an unknown one would make every
                # later `claims`, `rebuild` and `render` fail, so refuse it here.
                if table in _STATUS_TABLES and record["status"] not in _STATUS_VALUES:
                    raise InputError(f"line {lineno}: unknown status {record['status']!r}")
                values = [self._import_value(lineno, c, k, record[c]) for c, k in columns]
                try:
                    self._x(cur, inserts[table], values)
                except Exception as exc:  # the backend's IntegrityError: name the line
                    if not any(c.__name__ == "IntegrityError" for c in type(exc).__mro__):
                        raise
                    raise InputError(f"line {lineno}: {table} record conflicts with the "
                                     f"log ({exc}); nothing was imported") from None
                n += 1
            if not n and not seen_meta:
                raise InputError("no log records in the input (is it a `tracker export` "
                                 "file?); nothing was imported")
            self._after_import(cur)
        return n

    def _import_value(self, lineno: int, name: str, kind: str, value: Any) -> Any:
        try:
            if value is None:
                return None
            if kind == TIME:
                return self._t(parse_time(value))
            if kind == JSON:
                return _dumps(value)
            if kind == BOOL:
                return bool(value)
            if kind == INT:
                return int(value)
            if kind == REAL:
                return float(value)
            return str(value)
        except (TypeError, ValueError) as exc:
            raise InputError(f"line {lineno}: bad value for {name}: {exc}") from None


# -- row conversions ----------------------------------------------------------------------
def _check_article(n: int, article: Article, observations: Sequence[Observation]) -> None:
    if not article.url:
        raise InputError(f"batch item {n}: article has no URL")
    for o in observations:
        try:
            Status(o.status)
        except ValueError:
            raise InputError(f"batch item {n}: unknown status {o.status!r}") from None
        if o.observed_at is None or o.observed_at.tzinfo is None:
            raise InputError(f"batch item {n}: observation time must be timezone-aware")
        if not o.place_id:
            raise InputError(f"batch item {n}: observation has no place")
        if not 0.0 <= float(o.confidence) <= 1.0:
            raise InputError(f"batch item {n}: confidence {o.confidence} is not in [0, 1]")


def _export_value(kind: str, value: Any) -> Any:
    if value is None:
        return None
    if kind == TIME:
        return utc_iso(parse_time(value))
    if kind == JSON:
        return json.loads(value)
    if kind == BOOL:
        return bool(value)
    if kind == REAL:
        return float(value)
    return value


_STATUS_TABLES = ("observations", "overrides")
_STATUS_VALUES = frozenset(s.value for s in Status)


def _parse_record(lineno: int, line: str) -> dict[str, Any]:
    try:
        record = json.loads(line)
    except json.JSONDecodeError as exc:
        raise InputError(f"line {lineno}: not JSON: {exc.msg}") from None
    if not isinstance(record, dict) or record.get("kind") not in (*TABLES, "meta"):
        raise InputError(f"line {lineno}: not a tracker log record")
    return record


def _check_meta(lineno: int, record: dict[str, Any]) -> None:
    if record.get("format") != EXPORT_FORMAT or record.get("version") != EXPORT_VERSION:
        raise InputError(f"line {lineno}: unsupported log format {record.get('format')!r} "
                         f"version {record.get('version')!r}")


def _override_from_row(r: Sequence[Any]) -> Override:
    return Override(id=r[0], place_id=r[1], status=Status(r[2]), analyst=r[3], note=r[4],
                    source_url=r[5], start=parse_time(r[6]), until=parse_time(r[7]),
                    ended_at=parse_time(r[8]))


def _status_from_row(r: Sequence[Any]) -> PlaceStatus:
    override = None
    if r[13]:
        o = json.loads(r[13])
        override = Override(id=o["id"], place_id=o["place_id"], status=Status(o["status"]),
                            analyst=o["analyst"], note=o["note"], source_url=o["source_url"],
                            start=parse_time(o["start"]), until=parse_time(o["until"]),
                            ended_at=parse_time(o["ended_at"]))
    return PlaceStatus(
        place_id=r[0], status=r[1], since=parse_time(r[2]), patrolled=bool(r[3]),
        contested=bool(r[4]), stale=bool(r[5]), claimants=tuple(json.loads(r[6])),
        contest=tuple((k, tuple(v)) for k, v in json.loads(r[7])), evidence_url=r[8],
        evidence_title=r[9], evidence_outlet=r[10], evidence_at=parse_time(r[11]),
        evidence_text=r[12], override=override, updated=parse_time(r[14]),
        review_at=parse_time(r[15]),
    )


def _source_from_row(r: Sequence[Any]) -> SourceState:
    return SourceState(name=r[0], etag=r[1], last_modified=r[2], consecutive_errors=r[3],
                       last_error=r[4], last_attempt=parse_time(r[5]),
                       last_success=parse_time(r[6]), next_attempt=parse_time(r[7]),
                       articles_seen=r[8])
