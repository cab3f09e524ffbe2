"""The append-only status log: one Store protocol, SQLite (default) and PostgreSQL backends.

``open_store(target)`` picks the backend from the target: a ``postgresql://`` URL or a
path to an SQLite file. This package module imports nothing heavy (``Store`` is loaded
on first use), so that the quick status read in ``tracker.store.snapshot`` stays quick.
"""

from __future__ import annotations

TYPE_CHECKING = False
if TYPE_CHECKING:  # pragma: no cover - typing only
    from tracker.store.base import Store

POSTGRES_SCHEMES = ("postgresql://", "postgres://")

__all__ = ["Store", "open_store", "is_postgres"]


def __getattr__(name: str) -> object:
    # `from tracker.store import Store` keeps working without importing the models here.
    if name == "Store":
        from tracker.store.base import Store

        return Store
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def is_postgres(target: str) -> bool:
    """True when ``target`` names a PostgreSQL database."""
    return target.startswith(POSTGRES_SCHEMES)


def open_store(target: str, *, create: bool = False) -> Store:
    """Open the log at ``target`` (SQLite path or postgresql:// URL); ``create`` makes it."""
    if is_postgres(target):
        from tracker.store.postgres import PostgresStore

        return PostgresStore(target, create=create)
    from tracker.store.sqlite import SQLiteStore

    return SQLiteStore(target, create=create)
