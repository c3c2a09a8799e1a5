"""Storage: :func:`open_store` opens the backend a URL or path names.

SQLite (a file path, or ``sqlite:///path``) is the embedded default; ``postgresql://user@host:port/db``
opens PostgreSQL (the password from ``PGPASSWORD`` or ``~/.pgpass``, as libpq reads them).
"""

from __future__ import annotations

from pathlib import Path

from svodka.errors import ConfigError
from svodka.store.base import ChannelRepo, PostRepo, StateRepo, Store

__all__ = ["ChannelRepo", "PostRepo", "StateRepo", "Store", "open_store"]

POSTGRES_SCHEMES = ("postgresql://", "postgres://")


def open_store(url: str | Path, busy_timeout: float = 10.0, readonly: bool = False) -> Store:
    """Open (and migrate) the store at ``url``: a SQLite path, ``sqlite:///path`` or a PostgreSQL URL."""
    text = str(url)
    if text.startswith(POSTGRES_SCHEMES):
        try:
            import psycopg  # noqa: F401
            import psycopg_pool  # noqa: F401
        except ImportError:
            raise ConfigError(
                "a postgresql:// store needs psycopg: pip install 'svodka[postgresql]'"
            ) from None
        from svodka.store.postgres import PgStore

        return PgStore(text, busy_timeout=busy_timeout, readonly=readonly)
    if text.startswith("sqlite:///"):
        text = text[len("sqlite:///") :]
    from svodka.store.sqlite import SqliteStore

    return SqliteStore(Path(text), busy_timeout=busy_timeout, readonly=readonly)
