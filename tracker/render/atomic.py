"""Atomic, change-only file writes: a web server never serves a half-written page,
and unchanged pages keep their mtime (so caches and rsync stay quiet).

No fsync by default: the rename alone gives readers the all-or-nothing view, and the
site is derived data that the next render rebuilds from the store; an fsync per page
costs more than rendering it (measured: 4 s of a 500-place render on a busy disk)."""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

from tracker.errors import DiskFullError, TrackerError


class RenderWriteError(TrackerError):
    """An output file could not be written."""


def write_if_changed(path: Path, data: bytes, *, durable: bool = False) -> bool:
    """Write ``data`` to ``path`` via a temp file and rename, unless the file already
    holds exactly ``data``; ``durable`` also fsyncs. True when the file was written."""
    try:
        if path.stat().st_size == len(data) and path.read_bytes() == data:
            return False
    except FileNotFoundError:
        pass
    except OSError as exc:
        raise RenderWriteError(f"cannot read {path}: {exc.strerror}") from exc
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    except OSError as exc:
        raise RenderWriteError(f"cannot write into {path.parent}: {exc.strerror}") from exc
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
            if durable:
                handle.flush()
                os.fsync(handle.fileno())
        os.chmod(tmp, 0o644)  # mkstemp makes 0600; a web server must be able to read it
        os.replace(tmp, path)
    except OSError as exc:
        try:
            os.unlink(tmp)
        except OSError:
            pass
        if exc.errno == 28:  # ENOSPC: the old page stays in place, intact
            raise DiskFullError(f"disk full while writing {path}") from exc
        raise RenderWriteError(f"cannot write {path}: {exc.strerror}") from exc
    return True
