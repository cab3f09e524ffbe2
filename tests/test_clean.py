"""Untrusted text: no control character or bidi override is stored or reaches a terminal."""

from __future__ import annotations

import json
from datetime import UTC, datetime

from tests.feedserver import FeedServer
from tracker.clean import clean_text, one_line
from tracker.cli import main
from tracker.config import load_settings
from tracker.models import Article, Observation, Status
from tracker.pipeline import Pipeline
from tracker.store import open_store

ESC = "\x1b]0;pwned\x07\x1b[2J"  # set the window title, clear the screen
CSI = "\x9b31m"  # the one-byte C1 form of an escape sequence
RLO = "\u202e"  # right-to-left override: shows what follows reversed


def test_clean_text_keeps_words_and_line_breaks_and_drops_controls() -> None:
    assert clean_text(f"Border{ESC} closed{CSI}\ttoday\n{RLO}ok\r\n") == \
        "Border]0;pwned[2J closed31m\ttoday\nok\r\n"
    assert one_line("a\tb\nc\rd\x00e") == "a b c de"
    assert clean_text("Лачинский коридор — Laçın dəhlizi 😀") == \
        "Лачинский коридор — Laçın dəhlizi 😀"


def test_articles_are_stored_clean_whatever_the_source(tmp_path) -> None:
    """A GDELT-style JSON answer may carry any character; the stored article has none."""
    gdelt = json.dumps({"articles": [{
        "url": "http://wire.example.org/lars", "seendate": "20240105T083000Z",
        "title": f"Upper Lars crossing closed{ESC}{CSI}{RLO}", "domain": "wire.example.org",
        "language": "English"}]}).encode()
    with FeedServer() as server, open_store(str(tmp_path / "t.db"), create=True) as store:
        server.add("/api", gdelt, content_type="application/json")
        settings = load_settings(env={})
        from tracker.config import SourceConfig

        source = SourceConfig(name="g", kind="gdelt", url=server.url("/api"), query="x")
        pipe = Pipeline(settings, store)
        try:
            result = pipe.poll(source, datetime(2024, 1, 6, tzinfo=UTC))
        finally:
            pipe.close()
        assert result.error is None and result.ingest.articles_added == 1
        import io

        dump = io.StringIO()
        store.export_log(dump)
        (title,) = [r["title"] for r in map(json.loads, dump.getvalue().splitlines())
                    if r["kind"] == "articles"]
    assert title == "Upper Lars crossing closed]0;pwned[2J31m"


def test_cli_output_has_no_control_characters_even_from_an_old_log(tmp_path, capsys) -> None:
    db = tmp_path / "t.db"
    at = datetime(2024, 1, 5, tzinfo=UTC)
    with open_store(str(db), create=True) as store:
        for i in range(2):
            url = f"https://wire{i}.example/x"
            # Stored straight, as a log written before cleaning existed could hold it.
            store.ingest([(Article(url=url, title=f"Closed{ESC}{i}", outlet=f"Wire{CSI}{i}",
                                   published=at),
                           [Observation(place_id="upper-lars-crossing", status=Status.CLOSED,
                                        claimant=f"guards {i}{RLO}\x1b[5m", negated=False,
                                        evidence="x", confidence=0.9, observed_at=at,
                                        article_url=url)])])
    assert main(["rebuild", "--db", str(db)]) == 0
    capsys.readouterr()
    for argv in (["status"], ["status", "upper-lars-crossing"], ["history", "upper-lars"],
                 ["claims", "upper-lars"]):
        assert main([*argv, "--db", str(db)]) == 0
        out = capsys.readouterr().out
        assert "Closed" in out or "closed" in out, argv
        assert not any(ch in out for ch in ("\x1b", "\x9b", RLO, "\x07")), argv
