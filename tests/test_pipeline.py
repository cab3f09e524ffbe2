"""The orchestrator's own steps: extraction of stored articles, language fallback."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest

from tracker.config import load_settings
from tracker.models import Article, Status
from tracker.pipeline import Pipeline, article_text
from tracker.store import open_store

NOW = datetime(2024, 5, 2, 12, 0, tzinfo=UTC)


@pytest.fixture()
def pipeline(tmp_path: Path):
    store = open_store(str(tmp_path / "t.db"), create=True)
    pipe = Pipeline(load_settings(env={}), store)
    yield pipe
    pipe.close()
    store.close()


def _article(title: str, text: str, language: str = "") -> Article:
    return Article(url="https://example.org/a/" + str(abs(hash(title))), title=title, text=text,
                   published=NOW, source="test", outlet="Example News", language=language)


def test_headline_and_body_are_read_together() -> None:
    assert article_text(_article("Bridge shut", "Officials closed it.")) == (
        "Bridge shut.\n\nOfficials closed it.")
    assert article_text(_article("Bridge shut.", "")) == "Bridge shut."


def test_a_russian_article_without_a_declared_language_is_read_with_russian_cues(pipeline):
    article = _article("КПП Верхний Ларс закрыт",
                       "Пункт пропуска Верхний Ларс закрыт для всех видов транспорта.")
    observations = pipeline.extract(article, NOW)
    assert [(o.place_id, o.status) for o in observations][:1] == [
        ("upper-lars-crossing", Status.CLOSED)]


def test_a_language_without_cues_falls_back_to_english(pipeline):
    article = _article("Upper Lars crossing closed", "The Upper Lars crossing was closed.",
                       language="ka")
    assert {o.status for o in pipeline.extract(article, NOW)} == {Status.CLOSED}


def test_ingest_stores_articles_once(pipeline):
    articles = [_article("Lachin Corridor blocked", "Protesters blocked the Lachin Corridor.")]
    first = pipeline.ingest(articles, NOW)
    again = pipeline.ingest(articles, NOW)
    assert first.articles_added == 1 and first.observations_added >= 1
    assert again.articles_added == 0 and again.observations_added == 0
    assert "lachin-corridor" in first.places_touched


def test_review_marks_a_silent_place_stale_without_new_reports(pipeline):
    """Nothing new is published about the crossing: time alone makes its status stale,
    and the review (run by every cycle, the daemon and the fleet tick) records it."""
    from datetime import timedelta

    reports = [_article(f"Upper Lars crossing closed ({outlet})",
                        "The Upper Lars crossing was closed to all traffic on Monday.")
               for outlet in ("one", "two")]
    reports = [Article(**{**a.__dict__, "outlet": o, "url": a.url + o})
               for a, o in zip(reports, ("Wire One", "Wire Two"), strict=True)]
    touched = pipeline.ingest(reports, NOW).places_touched
    pipeline.rederive(touched, NOW)
    status = pipeline.store.status("upper-lars-crossing")
    assert status.status == "closed" and not status.stale
    stale_after = timedelta(days=pipeline.settings.derivation.stale_after_days)
    assert status.review_at == NOW + stale_after
    assert pipeline.review(NOW + stale_after - timedelta(minutes=1)) == []
    later = NOW + stale_after + timedelta(hours=1)
    (change,) = pipeline.review(later)
    assert (change.cause, change.stale, change.at) == ("stale", True, NOW + stale_after)
    assert pipeline.store.status("upper-lars-crossing").stale
    assert pipeline.review(later) == []  # done once


def test_parallel_polls_of_one_place_never_undo_each_other(pipeline):
    """Sources polled in parallel threads name the same place. Reports arrive in time
    order, so no recorded change may ever be superseded: one would be only if a derivation
    that read the log before another source's commit saved over a later derivation."""
    import itertools
    import sys
    import threading
    from datetime import timedelta

    from tracker.models import Observation

    statuses = ["closed", "open", "restricted", "blocked"]
    clock, order = threading.Lock(), itertools.count()

    def source(k: int) -> None:
        for _ in range(40):
            with clock:  # commit order is time order
                i = next(order)
                at = NOW - timedelta(hours=200) + timedelta(minutes=i)
                url = f"https://wire{k}.example/{i}"
                article = Article(url=url, title=f"Report {i}", outlet=f"Wire {k}",
                                  published=at, text=f"Report {i} on the Rafah crossing.")
                claim = Observation(place_id="rafah-crossing", status=Status(statuses[i // 9 % 4]),
                                    claimant="reporter", negated=False, evidence="x",
                                    confidence=0.9, observed_at=at, article_url=url)
                pipeline.store.ingest([(article, [claim])])
            pipeline.rederive(["rafah-crossing"], NOW)

    threads = [threading.Thread(target=source, args=(k,)) for k in range(3)]
    interval = sys.getswitchinterval()
    sys.setswitchinterval(1e-6)  # switch threads as often as possible: races show up
    try:
        for t in threads:
            t.start()
        for t in threads:
            t.join()
    finally:
        sys.setswitchinterval(interval)
    log = pipeline.store.changes("rafah-crossing", include_superseded=True)
    assert len(log) >= 4
    assert [c for c in log if c.superseded] == []
