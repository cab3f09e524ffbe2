"""Settings: TOML file -> environment -> validate, read once at the shell and passed down.

The file is chosen by ``--config``, then ``$TRACKER_CONFIG``, then ``./tracker.toml``,
then the shipped ``default_config.toml``. Every validation error is a ``ConfigError``
naming the key and the line of the file it came from.
"""

from __future__ import annotations

import difflib
import math
import os
import re
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass, field, fields
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from tracker import USER_AGENT
from tracker.errors import ConfigError
from tracker.models import DerivationRules

DEFAULT_CONFIG = Path(__file__).with_name("default_config.toml")
SOURCE_KINDS = ("rss", "atom", "feed", "gdelt", "page")
FEED_KINDS = ("rss", "atom", "feed")
MIN_INTERVAL = 1.0  # seconds; small enough for tests, the real defaults are minutes
GDELT_ENDPOINT = "https://api.gdeltproject.org/api/v2/doc/doc"


@dataclass(frozen=True)
class FetchLimits:
    """Politeness and safety limits of every fetch (numbers follow miniflux)."""

    total_timeout: float = 20.0  # seconds for the whole fetch, not per read
    connect_timeout: float = 10.0
    max_bytes: int = 15 * 1024 * 1024  # counted after decompression
    max_redirects: int = 5
    per_host_interval: float = 1.0  # seconds between two requests to one host
    user_agent: str = USER_AGENT
    backoff_ceiling: float = 6 * 3600.0  # longest wait after repeated failures
    max_pages: int = 10  # article pages fetched per poll when fetch_pages is on


@dataclass(frozen=True)
class SourceConfig:
    """One configured source: a feed URL, a GDELT query or a single page."""

    name: str
    kind: str
    url: str = ""  # feed/page URL; for gdelt, the API endpoint
    query: str = ""  # gdelt only
    interval: float = 900.0  # seconds between polls
    language: str = ""  # "" = as the feed declares, else "en"
    outlet: str = ""  # "" = the feed's own title
    fetch_pages: bool = False  # fetch linked pages when entries carry only a summary
    timespan: str = "1d"  # gdelt only: how far back a query looks

    @property
    def request_url(self) -> str:
        """The URL actually fetched (a GDELT query becomes an API URL)."""
        if self.kind == "gdelt":
            from tracker.sources.gdelt import build_url

            endpoint = self.url or GDELT_ENDPOINT
            return build_url(self.query, endpoint=endpoint, timespan=self.timespan)
        return self.url


@dataclass(frozen=True)
class DaemonSettings:
    """Timings of `tracker run`."""

    heartbeat_interval: float = 30.0
    jitter: float = 0.1  # fraction of a source's interval added at random
    misfire_grace_time: float = 300.0
    render_delay: float = 2.0  # gather changes this long before rendering
    webhook_interval: float = 30.0  # how often due webhook deliveries are retried
    review_interval: float = 60.0  # how often places that time alone changes are derived
    startup_poll: bool = True  # poll every source once right after start


@dataclass(frozen=True)
class Settings:
    """Everything the tool needs, validated; passed down explicitly (no globals)."""

    db: str = "tracker.db"
    out_dir: Path = Path("maps")
    geodata: Path | None = None
    sources: tuple[SourceConfig, ...] = ()
    derivation: DerivationRules = field(default_factory=DerivationRules)
    webhooks: tuple[str, ...] = ()
    fetch: FetchLimits = field(default_factory=FetchLimits)
    daemon: DaemonSettings = field(default_factory=DaemonSettings)
    path: Path | None = None  # the file these settings were read from

    def source(self, name: str) -> SourceConfig:
        """The source called ``name``; ConfigError listing the names otherwise."""
        for src in self.sources:
            if src.name == name:
                return src
        names = ", ".join(s.name for s in self.sources) or "none configured"
        raise ConfigError(f"unknown source {name!r}; configured sources: {names}")


# --- where keys are in the file ----------------------------------------------------------

_HEADER = re.compile(r"^\s*(\[\[?)\s*([A-Za-z0-9_.\-\"' ]+?)\s*\]\]?\s*(#.*)?$")
_KEY = re.compile(r"^\s*([A-Za-z0-9_\-]+|\"[^\"]*\")\s*=")


def _key_lines(text: str) -> dict[tuple[str, int, str], int]:
    """Map (table, array index, key) to its 1-based line; tomllib gives no positions."""
    lines: dict[tuple[str, int, str], int] = {}
    table, index = "", 0
    counts: dict[str, int] = {}
    for number, line in enumerate(text.splitlines(), start=1):
        header = _HEADER.match(line)
        if header:
            table = header.group(2).replace(" ", "")
            if header.group(1) == "[[":
                index = counts.get(table, -1) + 1
                counts[table] = index
            else:
                index = 0
            lines.setdefault((table, index, ""), number)
            continue
        key = _KEY.match(line)
        if key:
            lines.setdefault((table, index, key.group(1).strip('"')), number)
    return lines


class _Located:
    """Builds ConfigErrors that name the file and the line of a key."""

    def __init__(self, path: Path | None, text: str) -> None:
        self.path = path
        self.lines = _key_lines(text)

    def error(self, table: str, key: str, message: str, index: int = 0) -> ConfigError:
        line = self.lines.get((table, index, key)) or self.lines.get((table, index, ""))
        where = str(self.path) if self.path else "<config>"
        if line:
            where += f" line {line}"
        shown = f"{table}[{index}].{key}" if table == "sources" else (
            f"{table}.{key}" if table else key
        )
        return ConfigError(f"{where}: {shown}: {message}")


# --- validation --------------------------------------------------------------------------

_TOP_KEYS = ("db", "out_dir", "geodata", "webhooks", "sources", "fetch", "derivation", "daemon")


def _check_keys(loc: _Located, table: str, data: Mapping[str, Any], allowed, index: int = 0):
    for key in data:
        if key not in allowed:
            close = difflib.get_close_matches(key, list(allowed), n=1, cutoff=0.5)
            hint = f" (did you mean {close[0]!r}?)" if close else ""
            allowed_list = ", ".join(allowed)
            raise loc.error(
                table, key, f"unknown key{hint}; allowed: {allowed_list}", index
            )


def check_url(url: Any) -> str | None:
    """Why ``url`` is not a usable http(s) URL, or None when it is."""
    if not isinstance(url, str) or not url:
        return "must be a non-empty string URL"
    try:
        parts = urlsplit(url)
    except ValueError as exc:  # e.g. "http://[::1" (an unclosed IPv6 bracket)
        return f"{url!r} is not a valid URL ({exc})"
    if parts.scheme not in ("http", "https"):
        return f"{url!r} is not an http(s) URL"
    if not parts.hostname:
        return f"{url!r} has no host"
    return None


def _number(loc, table, key, value, *, minimum: float, index: int = 0, integer=False) -> Any:
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise loc.error(table, key, f"must be a number, got {value!r}", index)
    if integer and not isinstance(value, int):
        raise loc.error(table, key, f"must be a whole number, got {value!r}", index)
    # TOML allows inf and nan; nan slips past every comparison and inf disables a limit.
    if not math.isfinite(value):
        raise loc.error(table, key, f"must be a finite number, got {value!r}", index)
    if value < minimum:
        raise loc.error(table, key, f"must be at least {minimum:g}, got {value!r}", index)
    return value


def _typed_table(loc, table: str, data: Any, cls, minimums: Mapping[str, float]) -> Any:
    """Build a dataclass from a table, checking keys and each value's type."""
    if not isinstance(data, dict):
        raise loc.error("", table, "must be a table")
    defaults = cls()
    names = [f.name for f in fields(cls)]
    _check_keys(loc, table, data, names)
    values: dict[str, Any] = {}
    for key, value in data.items():
        default = getattr(defaults, key)
        if isinstance(default, bool):
            if not isinstance(value, bool):
                raise loc.error(table, key, f"must be true or false, got {value!r}")
        elif isinstance(default, (int, float)):
            value = _number(
                loc, table, key, value, minimum=minimums.get(key, 0),
                integer=isinstance(default, int),
            )
        elif isinstance(default, tuple):
            if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
                raise loc.error(table, key, "must be a list of strings")
            value = tuple(value)
        elif isinstance(default, str):
            if not isinstance(value, str) or not value:
                raise loc.error(table, key, f"must be a non-empty string, got {value!r}")
        values[key] = value
    return cls(**values)


_SOURCE_KEYS = tuple(f.name for f in fields(SourceConfig))
_SOURCE_STRINGS = ("name", "kind", "url", "query", "language", "outlet", "timespan")


def _source(loc: _Located, index: int, data: Any) -> SourceConfig:
    if not isinstance(data, dict):
        raise loc.error("sources", "", "each source must be a table", index)
    _check_keys(loc, "sources", data, _SOURCE_KEYS, index)
    for key in _SOURCE_STRINGS:
        if key in data and not isinstance(data[key], str):
            raise loc.error("sources", key, f"must be a string, got {data[key]!r}", index)
    if not data.get("name"):
        raise loc.error("sources", "name", "every source needs a name", index)
    kind = data.get("kind", "")
    if kind not in SOURCE_KINDS:
        raise loc.error(
            "sources", "kind", f"{kind!r} is not one of {', '.join(SOURCE_KINDS)}", index
        )
    if "interval" in data:
        _number(loc, "sources", "interval", data["interval"], minimum=MIN_INTERVAL, index=index)
    if "fetch_pages" in data and not isinstance(data["fetch_pages"], bool):
        raise loc.error("sources", "fetch_pages", "must be true or false", index)
    if kind == "gdelt":
        if not data.get("query"):
            raise loc.error("sources", "query", "a gdelt source needs a query", index)
        if "url" in data and (why := check_url(data["url"])):
            raise loc.error("sources", "url", why, index)
    else:
        if "query" in data:
            raise loc.error("sources", "query", "only gdelt sources take a query", index)
        if why := check_url(data.get("url")):
            raise loc.error("sources", "url", why, index)
    return SourceConfig(**data)


def _build(raw: dict[str, Any], loc: _Located, path: Path | None) -> Settings:
    _check_keys(loc, "", raw, _TOP_KEYS)
    values: dict[str, Any] = {"path": path}
    for key in ("db", "out_dir", "geodata"):
        if key in raw:
            if not isinstance(raw[key], str) or not raw[key]:
                raise loc.error("", key, f"must be a non-empty string, got {raw[key]!r}")
    if "db" in raw:
        values["db"] = raw["db"]
    if "out_dir" in raw:
        values["out_dir"] = Path(raw["out_dir"])
    if "geodata" in raw:
        values["geodata"] = Path(raw["geodata"])
    hooks = raw.get("webhooks", [])
    if not isinstance(hooks, list):
        raise loc.error("", "webhooks", "must be a list of URLs")
    for url in hooks:
        if why := check_url(url):
            raise loc.error("", "webhooks", why)
    values["webhooks"] = tuple(hooks)
    values["fetch"] = _typed_table(
        loc, "fetch", raw.get("fetch", {}), FetchLimits,
        {"total_timeout": 0.1, "connect_timeout": 0.1, "max_bytes": 1024},
    )
    values["derivation"] = _typed_table(
        loc, "derivation", raw.get("derivation", {}), DerivationRules, {"corroboration": 1}
    )
    values["daemon"] = _typed_table(
        loc, "daemon", raw.get("daemon", {}), DaemonSettings,
        {"heartbeat_interval": 0.1, "review_interval": 0.1}
    )
    sources = raw.get("sources", [])
    if not isinstance(sources, list):
        raise loc.error("", "sources", "must be an array of tables ([[sources]])")
    built = [_source(loc, i, s) for i, s in enumerate(sources)]
    seen: set[str] = set()
    for i, src in enumerate(built):
        if src.name in seen:
            raise loc.error("sources", "name", f"duplicate source name {src.name!r}", i)
        seen.add(src.name)
    values["sources"] = tuple(built)
    return Settings(**values)


# --- environment -------------------------------------------------------------------------

def _apply_env(settings: Settings, env: Mapping[str, str]) -> Settings:
    """Environment variables override the file (TRACKER_DB, TRACKER_OUT_DIR, ...)."""
    from dataclasses import replace

    changes: dict[str, Any] = {}
    if env.get("TRACKER_DB"):
        changes["db"] = env["TRACKER_DB"]
    if env.get("TRACKER_OUT_DIR"):
        changes["out_dir"] = Path(env["TRACKER_OUT_DIR"])
    if env.get("TRACKER_GEODATA"):
        changes["geodata"] = Path(env["TRACKER_GEODATA"])
    if "TRACKER_WEBHOOKS" in env:
        hooks = tuple(u.strip() for u in env["TRACKER_WEBHOOKS"].split(",") if u.strip())
        for url in hooks:
            if why := check_url(url):
                raise ConfigError(f"environment TRACKER_WEBHOOKS: {why}")
        changes["webhooks"] = hooks
    return replace(settings, **changes) if changes else settings


def config_path(path: Path | None = None, env: Mapping[str, str] | None = None) -> Path:
    """The file to read: --config, then $TRACKER_CONFIG, then ./tracker.toml, then the default."""
    env = os.environ if env is None else env
    if path is not None:
        return Path(path)
    if env.get("TRACKER_CONFIG"):
        return Path(env["TRACKER_CONFIG"])
    local = Path("tracker.toml")
    return local if local.is_file() else DEFAULT_CONFIG


def parse_settings(text: str, path: Path | None = None) -> Settings:
    """Validate TOML text into Settings (no environment); ConfigError names key and line."""
    try:
        raw = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"{path or '<config>'}: not valid TOML: {exc}") from None
    return _build(raw, _Located(path, text), path)


def load_settings(path: Path | None = None, env: Mapping[str, str] | None = None) -> Settings:
    """Read the chosen config file, apply the environment and validate everything."""
    env = os.environ if env is None else env
    chosen = config_path(path, env)
    try:
        data = chosen.read_bytes()
    except FileNotFoundError:
        raise ConfigError(f"config file not found: {chosen}") from None
    except OSError as exc:
        raise ConfigError(f"cannot read config file {chosen}: {exc.strerror}") from None
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise ConfigError(f"{chosen}: not UTF-8 text (byte {exc.start})") from None
    return _apply_env(parse_settings(text, chosen), env)
