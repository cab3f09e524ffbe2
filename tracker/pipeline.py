"""The one orchestrator: fetch -> parse -> geocode -> claims -> store -> derive -> render.

The daemon (`scheduler.py`), the fleet worker and the CLI call into this module;
the stages never call each other.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field, replace
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

from tracker.errors import StoreError
from tracker.models import (
    Article,
    DerivationRules,
    IngestResult,
    Observation,
    Override,
    SourceState,
    StatusChange,
)

if TYPE_CHECKING:  # pragma: no cover - typing only
    import httpx

    from tracker.gazetteer import Gazetteer
    from tracker.store.base import Store


def article_text(article: Article) -> str:
    """The text that claims are read from: the headline, then the body."""
    title = article.title.strip()
    body = article.text.strip()
    if not body or body.startswith(title) and title:
        return body or title
    if not title:
        return body
    end = "" if title[-1] in ".!?" else "."
    return f"{title}{end}\n\n{body}"


def guess_language(text: str) -> str:
    """The language of a text that does not declare one (see tracker.extract.language)."""
    from tracker.extract.language import guess_language as guess

    return guess(text)


# How often a derivation is redone when its log changed under it (see rederive).
MAX_DERIVE_ATTEMPTS = 20


def derivation_inputs(observations: Sequence[Observation],
                      overrides: Sequence[Override]) -> tuple[int, int, int]:
    """What a place's derivation was computed from, as the store can check it: the last
    observation id, the last override id and how many overrides have ended."""
    return (max((o.id or 0 for o in observations), default=0),
            max((o.id or 0 for o in overrides), default=0),
            sum(o.ended_at is not None for o in overrides))


def rederive(
    store: Store, place_ids: Iterable[str], now: datetime, rules: DerivationRules
) -> list[StatusChange]:
    """Recompute the status and change log of each place; return the newly recorded changes.

    Another process may add a report or an override while a place is derived (`tracker
    set` while the daemon runs): the store then refuses the save, which was computed from
    an older log, and the place is derived again from the newer one.
    """
    from tracker.status import derive

    new: list[StatusChange] = []
    for place_id in sorted(set(place_ids)):
        for _attempt in range(MAX_DERIVE_ATTEMPTS):
            observations, overrides = store.observations(place_id), store.overrides(place_id)
            result = derive(place_id, observations, overrides, now, rules)
            saved = store.save_derivation(place_id, result.status, result.changes,
                                          inputs=derivation_inputs(observations, overrides))
            if saved is not None:
                new.extend(saved)
                break
        else:
            raise StoreError(f"could not derive {place_id}: its log kept changing during "
                             f"{MAX_DERIVE_ATTEMPTS} attempts")
    return new


def cleaned(article: Article) -> Article:
    """The article with its untrusted text fields freed of control characters and bidi
    overrides (see tracker.clean): every article goes through here before it is stored."""
    from tracker.clean import clean_text

    fields = {name: clean_text(getattr(article, name))
              for name in ("url", "title", "text", "outlet", "guid", "canonical_url")}
    if all(fields[name] == getattr(article, name) for name in fields):
        return article
    return replace(article, **fields)


@dataclass
class SourceResult:
    """What one poll of one source did."""

    source: str
    articles_found: int = 0
    ingest: IngestResult = field(default_factory=IngestResult)
    changes: list[StatusChange] = field(default_factory=list)
    error: str | None = None
    not_modified: bool = False
    places_named: frozenset[str] = frozenset()  # places the fetched articles claim about
    state: SourceState | None = None


@dataclass
class CycleResult:
    """What one cycle over several sources did."""

    sources: list[SourceResult] = field(default_factory=list)
    changes: list[StatusChange] = field(default_factory=list)
    rendered: Any = None

    @property
    def errors(self) -> list[SourceResult]:
        """The sources that failed in this cycle."""
        return [s for s in self.sources if s.error]


class Pipeline:
    """Runs the stages in order over one store, with the extractors built once."""

    def __init__(
        self,
        settings: Any,
        store: Store,
        gazetteer: Gazetteer | None = None,
        client: httpx.Client | None = None,
    ) -> None:
        self.settings = settings
        self.store = store
        self._gazetteer = gazetteer
        self._client = client
        self._geocoder: Any = None
        self._reader: Any = None
        # The daemon polls sources in parallel threads, and two sources may name the same
        # place: a derivation that read the observations before another source's commit
        # must not save over the later one (nor mark its changes superseded). Derivation
        # is CPU-bound, so running one at a time costs nothing.
        self._derive_lock = threading.Lock()

    # -- the parts, built on first use -------------------------------------------------
    @property
    def gazetteer(self) -> Gazetteer:
        """The gazetteer (loaded on first use)."""
        if self._gazetteer is None:
            from tracker.gazetteer import Gazetteer

            self._gazetteer = Gazetteer.load(getattr(self.settings, "geodata", None))
        return self._gazetteer

    @property
    def client(self) -> httpx.Client:
        """The HTTP client shared by every fetch of this pipeline."""
        if self._client is None:
            from tracker.sources import make_client

            self._client = make_client(self.settings.fetch)
        return self._client

    def _extractors(self) -> tuple[Any, Any]:
        if self._geocoder is None:
            from tracker.extract.claims import ClaimReader
            from tracker.extract.geocode import Geocoder

            self._geocoder = Geocoder(self.gazetteer)
            self._reader = ClaimReader(self.gazetteer)
        return self._geocoder, self._reader

    # -- stages -----------------------------------------------------------------------
    def extract(self, article: Article, now: datetime) -> list[Observation]:
        """Geocode the article and read its status claims as observations."""
        from tracker.extract.cues import has_lexicon

        geocoder, reader = self._extractors()
        text = article_text(article)
        mentions = geocoder.find_mentions(text)
        if not any(m.tracked or m.linked_to for m in mentions):
            return []
        published = article.published or now
        language = article.language or guess_language(text)
        if not has_lexicon(language):
            # No cue table for this language yet: English cues still catch the
            # English-language wire copy that such feeds often carry.
            language = "en"
        claims = reader.read_claims(
            text, mentions, language=language, published=published.date(), outlet=article.outlet
        )
        return [
            Observation(
                place_id=c.place_id,
                status=c.status,
                claimant=c.claimant,
                negated=c.negated,
                evidence=c.evidence,
                confidence=c.confidence,
                observed_at=published,
                article_url=article.url,
                title=article.title,
                outlet=article.outlet,
            )
            for c in claims
        ]

    def ingest(self, articles: Sequence[Article], now: datetime) -> IngestResult:
        """Extract observations from the articles and append both to the store."""
        return self._ingest(articles, now)[0]

    def _ingest(
        self, articles: Sequence[Article], now: datetime
    ) -> tuple[IngestResult, frozenset[str]]:
        articles = [cleaned(a) for a in articles]
        batch = [(a, self.extract(a, now)) for a in articles]
        if not batch:
            return IngestResult(), frozenset()
        named = frozenset(o.place_id for _, observations in batch for o in observations)
        return self.store.ingest(batch), named

    def rederive(self, place_ids: Iterable[str], now: datetime) -> list[StatusChange]:
        """Recompute the given places; return the changes that are new."""
        with self._derive_lock:
            return rederive(self.store, place_ids, now, self.settings.derivation)

    def review(self, now: datetime) -> list[StatusChange]:
        """Derive again the places whose status time alone has changed by ``now`` (a stale
        deadline passed, a contest's claims left the window, an override ended); return the
        new changes. Without this, such a change would wait for the place's next report."""
        return self.rederive(self.store.due_for_review(now), now)

    def poll(self, source: Any, now: datetime, derive: bool = True) -> SourceResult:
        """Fetch one source, ingest what is new and (unless ``derive`` is false, as in
        fleet mode where derivation is a job of its own) re-derive the places it touched."""
        from tracker.sources import poll_source

        outcome = poll_source(
            source, self.client, self.store.source_state(source.name), now, self.settings.fetch
        )
        result = SourceResult(
            source=source.name,
            articles_found=len(outcome.articles),
            error=outcome.error,
            not_modified=outcome.not_modified,
            state=outcome.state,
        )
        if outcome.articles:
            result.ingest, result.places_named = self._ingest(outcome.articles, now)
            if derive:
                result.changes = self.rederive(result.ingest.places_touched, now)
        # Saved after the articles so that a crash in between re-fetches rather than loses.
        self.store.save_source_state(outcome.state)
        return result

    def run_cycle(
        self,
        now: datetime,
        sources: Sequence[Any] | None = None,
        progress: Callable[[SourceResult], None] | None = None,
        render: bool = True,
    ) -> CycleResult:
        """Poll every source once (in order), review what time alone has changed, then
        render."""
        cycle = CycleResult()
        for source in self.settings.sources if sources is None else sources:
            result = self.poll(source, now)
            cycle.sources.append(result)
            cycle.changes.extend(result.changes)
            if progress is not None:
                progress(result)
        cycle.changes.extend(self.review(now))
        if render:
            cycle.rendered = self.render(now)
        return cycle

    def render(self, now: datetime, out_dir: Path | None = None) -> Any:
        """Write the map site and exports from the store's current state."""
        from tracker.render import render_site

        return render_site(
            Path(out_dir or self.settings.out_dir),
            self.gazetteer,
            self.store.statuses(),
            self.store.changes(),
            self.store.observations(),
            now,
        )

    def close(self) -> None:
        """Close the HTTP client this pipeline opened itself."""
        if self._client is not None:
            self._client.close()
