"""Storage: :func:`open_store` opens the backend a URL or path names.

SQLite (a file path, or ``sqlite:///path``) is the backend; there is no other yet.
"""

from __future__ import annotations

from pathlib import Path

from svodka.errors import ConfigError
from svodka.store.base import ChannelRepo, PostRepo, StateRepo, Store

__all__ = ["ChannelRepo", "PostRepo", "StateRepo", "Store", "open_store"]


def open_store(url: str | Path, busy_timeout: float = 10.0, readonly: bool = False) -> Store:
    """Open (and migrate) the store at ``url``: a SQLite path or ``sqlite:///path``."""
    text = str(url)
    if text.startswith(("postgresql://", "postgres://")):  # not a file name: say so, create no such file
        raise ConfigError(f"{text}: svodka has no PostgreSQL backend yet; give a SQLite file path")
    if text.startswith("sqlite:///"):
        text = text[len("sqlite:///") :]
    from svodka.store.sqlite import SqliteStore

    return SqliteStore(Path(text), busy_timeout=busy_timeout, readonly=readonly)
