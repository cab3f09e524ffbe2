"""Skip re-rendering a place page whose inputs did not change since the last render.

The daemon renders after every poll cycle while most places stay quiet; a digest of
each page's inputs (and of the renderer's own code) is kept in ``.render-state.json``
beside the pages with a digest of each file's content, so a page damaged on disk is
rendered again. A missing or unreadable state file only means a full render.
"""

from __future__ import annotations

import hashlib
import json
from functools import lru_cache
from pathlib import Path
from typing import Any

STATE_FILE = ".render-state.json"
_CODE_SUFFIXES = (".py", ".html", ".js", ".css")


@lru_cache(maxsize=1)
def code_digest() -> str:
    """A digest of the renderer's code, templates and assets: new code, new pages."""
    root = Path(__file__).parent
    h = hashlib.sha256()
    for path in sorted(root.rglob("*")):
        if path.suffix in _CODE_SUFFIXES and path.is_file():
            h.update(path.relative_to(root).as_posix().encode())
            h.update(path.read_bytes())
    return h.hexdigest()


def input_digest(*parts: Any) -> str:
    """A digest of a page's inputs (frozen dataclasses and plain values: repr is stable)."""
    h = hashlib.sha256(code_digest().encode())
    for part in parts:
        h.update(repr(part).encode("utf-8", "surrogatepass"))
        h.update(b"\0")
    return h.hexdigest()


def load_state(out_dir: Path) -> dict[str, str]:
    """The digests recorded by the last render (empty when there are none)."""
    try:
        data = json.loads((out_dir / STATE_FILE).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
    if not isinstance(data, dict):
        return {}
    return {k: v for k, v in data.items() if isinstance(k, str) and isinstance(v, str)}


def entry(digest: str, content: bytes) -> str:
    """The state recorded for one file: its inputs' digest and its content's."""
    return f"{digest}:{hashlib.sha256(content).hexdigest()}"


def is_current(out_dir: Path, state: dict[str, str], digest: str, *rel_paths: str) -> bool:
    """True when every file was rendered from these inputs and is still intact on disk
    (a hand-edited or truncated page is rendered again)."""
    for rel in rel_paths:
        recorded = state.get(rel, "")
        if not recorded.startswith(digest + ":"):
            return False
        try:
            content = (out_dir / rel).read_bytes()
        except OSError:
            return False
        if recorded != entry(digest, content):
            return False
    return True


def dump_state(state: dict[str, str]) -> bytes:
    """The state file's content."""
    return json.dumps(state, sort_keys=True, indent=0).encode("utf-8")
