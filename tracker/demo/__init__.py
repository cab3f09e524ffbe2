"""The offline demo: serve the shipped sample feeds on 127.0.0.1 and run the pipeline.

The feeds in ``feeds/`` are synthetic news items written for this project: a timeline
over several weeks (Nov 2022 - Jan 2023) for the Lachin Corridor, the Upper Lars
crossing and the Rafah crossing, with one contested period (Baku says open while
Yerevan and the outlets say blocked).
"""

from __future__ import annotations

import dataclasses
import functools
import http.server
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

FEEDS_DIR = Path(__file__).parent / "feeds"

# The demo replays a past timeline, so its clock is the day after the last item:
# a fixed `now` keeps reruns identical and keeps the replayed statuses from going stale.
DEMO_NOW = datetime(2023, 1, 22, 12, 0, tzinfo=UTC)

DEMO_FEEDS = (
    # (source name, file, outlet)
    ("caucasus-wire", "caucasus-wire.xml", "Caucasus Wire"),
    ("border-monitor", "border-monitor.atom", "Border Monitor"),
    ("regional-desk", "regional-desk.xml", "Regional Desk"),
)


class _QuietHandler(http.server.SimpleHTTPRequestHandler):
    def log_message(self, format: str, *args: Any) -> None:  # noqa: A002 - stdlib name
        pass

    def guess_type(self, path: str) -> str:  # type: ignore[override]
        if str(path).endswith(".atom"):
            return "application/atom+xml"
        if str(path).endswith(".xml"):
            return "application/rss+xml"
        return super().guess_type(path)


@contextmanager
def serve_feeds(directory: Path = FEEDS_DIR) -> Iterator[str]:
    """Serve ``directory`` over HTTP on 127.0.0.1 (a free port); yields the base URL."""
    handler = functools.partial(_QuietHandler, directory=str(directory))
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, name="demo-feeds", daemon=True)
    thread.start()
    try:
        host, port = server.server_address[:2]
        yield f"http://{host}:{port}"
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=5)


def demo_sources(base_url: str) -> tuple[Any, ...]:
    """Source configurations for the shipped feeds served at ``base_url``."""
    from tracker.config import SourceConfig

    return tuple(
        SourceConfig(name=name, kind="feed", url=f"{base_url}/{file}", outlet=outlet)
        for name, file, outlet in DEMO_FEEDS
    )


def run_demo(db: str, out_dir: Path, settings: Any) -> Any:
    """Serve the feeds, run one full pipeline cycle into ``db`` and render into ``out_dir``."""
    from tracker.pipeline import Pipeline
    from tracker.store import open_store

    with serve_feeds() as base_url, open_store(db, create=True) as store:
        demo_settings = dataclasses.replace(
            settings, db=db, out_dir=out_dir, sources=demo_sources(base_url)
        )
        pipeline = Pipeline(demo_settings, store)
        try:
            return pipeline.run_cycle(DEMO_NOW)
        finally:
            pipeline.close()
