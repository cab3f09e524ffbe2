"""Settings: file choice, environment, validation errors that name the key and the line."""

from __future__ import annotations

from pathlib import Path
from urllib.parse import urlsplit

import pytest

from tracker.config import (
    DEFAULT_CONFIG,
    SOURCE_KINDS,
    config_path,
    load_settings,
    parse_settings,
)
from tracker.errors import ConfigError

GOOD = """\
db = "x.db"
webhooks = ["http://127.0.0.1:9/hook"]

[fetch]
total_timeout = 5

[derivation]
corroboration = 1
authorities = ["Border Guard Service"]

[[sources]]
name = "wire"
kind = "rss"
url = "http://127.0.0.1:8000/feed.xml"
interval = 1

[[sources]]
name = "gd"
kind = "gdelt"
query = '("Upper Lars" OR "Verkhny Lars")'
"""


def write(tmp_path: Path, text: str, name: str = "tracker.toml") -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def test_shipped_default_is_valid_and_real():
    settings = load_settings(DEFAULT_CONFIG, env={})
    assert len(settings.sources) >= 20
    names = [s.name for s in settings.sources]
    assert len(names) == len(set(names))
    kinds = {s.kind for s in settings.sources}
    assert {"rss", "gdelt"} <= kinds <= set(SOURCE_KINDS)
    for source in settings.sources:
        url = urlsplit(source.request_url)
        assert url.scheme == "https" and "." in url.hostname, source.name
        assert source.interval >= 300  # polite by default
    gdelt = [s for s in settings.sources if s.kind == "gdelt"]
    assert all("mode=artlist" in s.request_url for s in gdelt)


def test_good_file_is_read(tmp_path):
    settings = load_settings(write(tmp_path, GOOD), env={})
    assert settings.db == "x.db" and settings.fetch.total_timeout == 5
    assert settings.fetch.max_bytes == 15 * 1024 * 1024  # default kept
    assert settings.derivation.corroboration == 1
    assert settings.derivation.authorities == ("Border Guard Service",)
    assert settings.webhooks == ("http://127.0.0.1:9/hook",)
    wire = settings.source("wire")
    assert wire.interval == 1 and wire.kind == "rss"
    assert settings.source("gd").request_url.startswith("https://api.gdeltproject.org/")


@pytest.mark.parametrize("edit,message", [
    (("interval = 1", "intervall = 1"), r"line 15: sources\[0\]\.intervall: unknown key "
                                         r"\(did you mean 'interval'\?\)"),
    (("interval = 1", "interval = 0.5"), r"line 15: sources\[0\]\.interval: must be at least 1"),
    (("interval = 1", 'interval = "often"'), r"line 15: .*must be a number"),
    (('url = "http://127.0.0.1:8000/feed.xml"', 'url = "ftp://x/feed"'),
     r"line 14: sources\[0\]\.url: 'ftp://x/feed' is not an http\(s\) URL"),
    (('kind = "gdelt"', 'kind = "twitter"'), r"line 19: sources\[1\]\.kind: 'twitter' is not"),
    (("total_timeout = 5", "total_timeout = -1"), r"line 5: fetch\.total_timeout"),
    (("corroboration = 1", "corroboration = true"), r"line 8: derivation\.corroboration"),
    (('db = "x.db"', 'dbase = "x.db"'), r"line 1: dbase: unknown key \(did you mean 'db'\?\)"),
    (('webhooks = ["http://127.0.0.1:9/hook"]', 'webhooks = ["hook"]'), r"line 2: webhooks"),
    (('name = "gd"', 'name = "wire"'), r"line 18: sources\[1\]\.name: duplicate"),
    (("query = '(\"Upper Lars\" OR \"Verkhny Lars\")'", ""), r"sources\[1\]\.query: a gdelt"),
])
def test_validation_errors_name_the_key_and_line(tmp_path, edit, message):
    old, new = edit
    assert old in GOOD
    path = write(tmp_path, GOOD.replace(old, new))
    with pytest.raises(ConfigError, match=message) as info:
        load_settings(path, env={})
    assert str(path) in str(info.value)


def test_toml_syntax_error(tmp_path):
    with pytest.raises(ConfigError, match="not valid TOML.*line 2"):
        load_settings(write(tmp_path, 'db = "x"\nfetch = [1,,]\n'), env={})


def test_missing_and_binary_files(tmp_path):
    with pytest.raises(ConfigError, match="not found"):
        load_settings(tmp_path / "nope.toml", env={})
    bad = tmp_path / "bad.toml"
    bad.write_bytes(b'db = "\xff"')
    with pytest.raises(ConfigError, match="not UTF-8"):
        load_settings(bad, env={})


def test_file_precedence(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    assert config_path(None, {}) == DEFAULT_CONFIG
    local = write(tmp_path, 'db = "local.db"\n')
    assert load_settings(env={}).db == "local.db"
    other = write(tmp_path, 'db = "env.db"\n', "other.toml")
    assert load_settings(env={"TRACKER_CONFIG": str(other)}).db == "env.db"
    explicit = write(tmp_path, 'db = "explicit.db"\n', "explicit.toml")
    assert load_settings(explicit, env={"TRACKER_CONFIG": str(other)}).db == "explicit.db"
    assert local.exists()


def test_environment_overrides_the_file(tmp_path):
    env = {"TRACKER_DB": "postgresql://localhost/t", "TRACKER_OUT_DIR": str(tmp_path / "o"),
           "TRACKER_WEBHOOKS": "http://a.example/h, http://b.example/h"}
    settings = load_settings(write(tmp_path, GOOD), env=env)
    assert settings.db == "postgresql://localhost/t"
    assert settings.out_dir == tmp_path / "o"
    assert settings.webhooks == ("http://a.example/h", "http://b.example/h")
    with pytest.raises(ConfigError, match="TRACKER_WEBHOOKS"):
        load_settings(write(tmp_path, GOOD), env={"TRACKER_WEBHOOKS": "not a url"})


def test_unknown_source_lists_the_names():
    settings = parse_settings(GOOD)
    with pytest.raises(ConfigError, match="unknown source 'nope'.*wire, gd"):
        settings.source("nope")
