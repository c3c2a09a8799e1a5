"""Watchlists as both backends store them: a row → :class:`~svodka.store.base.StoredWatchlist`."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from svodka.errors import StoreError
from svodka.store.base import StoredWatchlist
from svodka.store.records import when

# ``{spec}``: the spec as the backend reads it as text.
LIST = "SELECT name, {spec}, owner_id, shared, created_at FROM watchlists ORDER BY name"


def watchlist(r: Sequence[Any]) -> StoredWatchlist:
    """A row of :data:`LIST` as its record."""
    return StoredWatchlist(r[0], r[1], r[2], bool(r[3]), when(r[4]))


def exists_already(name: str) -> StoreError:
    return StoreError(f"watchlist {name!r} exists already (remove it first)")
