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
