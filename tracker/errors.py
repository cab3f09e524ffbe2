"""Exception hierarchy of Corridor Tracker.

This module imports nothing of ours. Every error the tool raises on purpose is a
``TrackerError``; the CLI turns it into one readable line and a non-zero exit.

    TrackerError
    ├── ConfigError          bad configuration value (names key and file line)
    ├── GeodataError         invalid geodata file or feature (names the feature)
    ├── UnknownPlaceError    a place query matched nothing (carries suggestions)
    │   └── AmbiguousPlaceError  it names several places (carries them)
    ├── InputError           a bad input record (names the line)
    ├── FetchError           a source could not be fetched or was not a feed
    │   └── BodyTooLargeError
    ├── ParseError           bytes could not be parsed into articles
    └── StoreError           the database cannot be used
        ├── DatabaseMissingError
        ├── DatabaseCorruptError
        ├── DatabaseLockedError  another daemon holds the database
        └── DiskFullError
"""

from __future__ import annotations


class TrackerError(Exception):
    """Base class of every error Corridor Tracker raises on purpose."""

    exit_code = 1


class ConfigError(TrackerError):
    """A configuration value is missing or invalid."""


class GeodataError(TrackerError):
    """A geodata file or one of its features is invalid."""


class UnknownPlaceError(TrackerError):
    """A place query matched no tracked place."""

    exit_code = 2

    def __init__(self, query: str, suggestions: list[str] | None = None) -> None:
        self.query = query
        self.suggestions = list(suggestions or [])
        msg = f"unknown place {query!r}"
        if self.suggestions:
            msg += "; did you mean: " + ", ".join(self.suggestions) + "?"
        else:
            msg += "; `tracker status --all` lists every tracked place"
        super().__init__(msg)


class AmbiguousPlaceError(UnknownPlaceError):
    """A place query names several tracked places ("Friendship Bridge")."""

    def __init__(self, query: str, candidates: list[str]) -> None:
        super().__init__(query, candidates)
        self.args = (f"{query!r} names several places: {', '.join(candidates)}; "
                     "give one of them",)


class InputError(TrackerError):
    """An input record is malformed."""

    exit_code = 2


class FetchError(TrackerError):
    """A source could not be fetched, or did not answer with a feed."""


class BodyTooLargeError(FetchError):
    """A response body exceeded the configured cap (after decompression)."""


class ParseError(TrackerError):
    """Bytes could not be parsed into articles."""


class StoreError(TrackerError):
    """The database cannot be opened, read or written."""


class DatabaseMissingError(StoreError):
    """No database exists at the given location."""


class DatabaseCorruptError(StoreError):
    """The database file exists but is not a usable tracker database."""


class DatabaseLockedError(StoreError):
    """Another process holds an exclusive role on the database (e.g. a running daemon)."""


class DiskFullError(StoreError):
    """A write failed because the disk is full; nothing was committed."""
