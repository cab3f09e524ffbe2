"""Shared value types: frozen dataclasses and enums passed between the stages.

Imports nothing heavy (no shapely, no geopandas): the CLI's quick paths use these.
All datetimes are timezone-aware UTC.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum


class Status(StrEnum):
    """What a claim says about a place. ``PATROLLED`` is a control status that can
    hold together with one of the four access statuses."""

    OPEN = "open"
    RESTRICTED = "restricted"
    BLOCKED = "blocked"
    CLOSED = "closed"
    PATROLLED = "patrolled"

    @property
    def is_access(self) -> bool:
        """True for the mutually exclusive access statuses (all but patrolled)."""
        return self is not Status.PATROLLED


ACCESS_STATUSES = (Status.OPEN, Status.RESTRICTED, Status.BLOCKED, Status.CLOSED)


@dataclass(frozen=True)
class Place:
    """A place known to the gazetteer. ``tracked`` places get statuses; context
    places (countries, towns) are only recognised and located."""

    id: str
    name: str
    kind: str
    tracked: bool = True
    aliases: tuple[tuple[str, str], ...] = ()  # (language, alias)
    countries: tuple[str, ...] = ()
    part_of: str | None = None
    lon: float | None = None  # representative point
    lat: float | None = None
    geometry_precision: str = "approximate"
    source: str = ""

    def alias_list(self, language: str | None = None) -> list[str]:
        """All aliases, or those of one language."""
        return [a for lang, a in self.aliases if language is None or lang == language]


@dataclass(frozen=True)
class Article:
    """One news item as parsed from a source. ``url`` is the normalised link."""

    url: str
    title: str
    text: str = ""
    published: datetime | None = None
    source: str = ""  # name of the configured source
    outlet: str = ""  # who published it
    guid: str = ""
    language: str = "en"
    canonical_url: str = ""


@dataclass(frozen=True)
class Mention:
    """A place named in a text, with character offsets into the original text."""

    place_id: str
    name: str
    kind: str
    text: str
    start: int
    end: int
    tracked: bool
    script: str = "Latin"
    language: str = ""
    linked_to: str | None = None  # tracked place this mention belongs to (part_of / spatial)
    distance_km: float | None = None
    # place | country | government ("Baku says") | capital (a capital named as a location)
    # | dateline ("YEREVAN, May 3 —") | person ("wrestler Lachin ..."); only "place" mentions
    # are places named in the text (see tracker.extract.geocode.place_mentions).
    role: str = "place"


@dataclass(frozen=True)
class Claim:
    """A status claim read from a text: who says what about which place."""

    place_id: str
    name: str
    status: Status
    claimant: str
    negated: bool
    evidence: str
    start: int
    end: int
    confidence: float


# Claimant values that mean "the outlet, in its own words".
OUTLET_VOICES = frozenset({"", "reporter", "outlet", "the outlet", "unknown", "journalist"})


@dataclass(frozen=True)
class Observation:
    """A claim as stored: tied to the article it came from and the time it speaks of."""

    place_id: str
    status: Status
    claimant: str
    negated: bool
    evidence: str
    confidence: float
    observed_at: datetime
    article_url: str
    title: str = ""
    outlet: str = ""
    id: int | None = None
    story_id: str = ""  # syndicated copies share a story id

    @property
    def outlet_name(self) -> str:
        """The outlet that published the claim (its host name when the feed gave none)."""
        if self.outlet.strip():
            return self.outlet.strip()
        from urllib.parse import urlsplit

        return urlsplit(self.article_url).hostname or "unknown outlet"

    @property
    def own_reporting(self) -> bool:
        """True when the outlet makes the claim in its own voice."""
        claimant = " ".join(self.claimant.split()).casefold()
        return claimant in OUTLET_VOICES or claimant == self.outlet_name.casefold()

    @property
    def speaker(self) -> str:
        """Who makes the claim, for display: the outlet for its own reporting, else the
        claimant as written."""
        return self.outlet_name if self.own_reporting else " ".join(self.claimant.split())


@dataclass(frozen=True)
class Override:
    """An analyst's manual status for a place, in force from ``start`` until ``until``."""

    place_id: str
    status: Status
    analyst: str
    note: str
    start: datetime
    until: datetime | None = None
    source_url: str = ""
    id: int | None = None
    ended_at: datetime | None = None  # set by `tracker unset`


@dataclass(frozen=True)
class StatusChange:
    """One entry of a place's change log."""

    place_id: str
    at: datetime
    from_status: str | None
    to_status: str
    claimant: str = ""
    evidence_url: str = ""
    title: str = ""
    contested: bool = False
    cause: str = "observations"  # observations | override | stale | contest
    observation_ids: tuple[int, ...] = ()
    # The state after the change: patrol layer and staleness (see docs/derivation.md).
    patrolled: bool = False
    stale: bool = False
    id: int | None = None  # set once recorded by a store
    superseded: bool = False  # a later-arrived observation no longer supports it


@dataclass(frozen=True)
class PlaceStatus:
    """The derived current status of one place.

    ``status`` is the access status when one is known, else ``patrolled`` when the
    place is only known to be patrolled, else ``unknown``; ``patrolled`` tells
    whether a force controls it at the same time.
    """

    place_id: str
    status: str
    since: datetime | None
    patrolled: bool = False
    contested: bool = False
    stale: bool = False
    claimants: tuple[str, ...] = ()
    # competing claims when contested: status -> claimants
    contest: tuple[tuple[str, tuple[str, ...]], ...] = ()
    evidence_url: str = ""
    evidence_title: str = ""
    evidence_outlet: str = ""
    evidence_at: datetime | None = None
    evidence_text: str = ""
    override: Override | None = None
    updated: datetime | None = None
    # When time alone changes this status next (a stale deadline, a contest's end, an
    # override's end, a claim dated in the future): the place is derived again then.
    review_at: datetime | None = None


@dataclass(frozen=True)
class IngestResult:
    """What one ingest call added to the store."""

    articles_added: int = 0
    articles_skipped: int = 0
    observations_added: int = 0
    places_touched: frozenset[str] = field(default_factory=frozenset)


@dataclass(frozen=True)
class DerivationRules:
    """Settings of the derivation rules (see README, "How a status is derived")."""

    corroboration: int = 2  # independent outlets/claimants needed for a change
    authorities: tuple[str, ...] = ()  # claimants whose word alone is enough
    flap_window_hours: float = 6.0  # a reversal within this window needs fresh corroboration
    stale_after_days: float = 14.0  # no confirmation for this long -> stale
    contest_window_days: float = 7.0  # disagreeing claims this close together -> contested
    min_confidence: float = 0.5


@dataclass(frozen=True)
class SourceState:
    """Health and HTTP cache state of one configured source."""

    name: str
    etag: str = ""
    last_modified: str = ""
    consecutive_errors: int = 0
    last_error: str = ""
    last_attempt: datetime | None = None
    last_success: datetime | None = None
    next_attempt: datetime | None = None
    articles_seen: int = 0
