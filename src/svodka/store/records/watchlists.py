"""Watchlists as both backends store them: a row → :class:`~svodka.store.base.StoredWatchlist`."""

from __future__ import annotations

import builtins
from collections.abc import Sequence
from typing import Any, ClassVar

from svodka.errors import StoreError
from svodka.store.base import StoredWatchlist
from svodka.store.records import when
from svodka.store.records.dialect import Database, changed, rows

# ``{spec}``: the spec as the backend reads it as text.
LIST = "SELECT name, {spec}, owner_id, shared, created_at FROM watchlists ORDER BY name"


def watchlist(r: Sequence[Any]) -> StoredWatchlist:
    """A row of :data:`LIST` as its record."""
    return StoredWatchlist(r[0], r[1], r[2], bool(r[3]), when(r[4]))


def exists_already(name: str) -> StoreError:
    return StoreError(f"watchlist {name!r} exists already (remove it first)")


class SharedWatchlists:
    """Watchlists listed and removed on either backend; a backend's class adds one (its JSON column) and
    names how it reads the spec as text (``SPEC``)."""

    SPEC: ClassVar[str]

    def __init__(self, db: Database) -> None:
        self.db = db

    def list(self) -> builtins.list[StoredWatchlist]:
        return [watchlist(r) for r in rows(self.db, LIST.format(spec=self.SPEC))]

    def remove(self, name: str) -> bool:
        return changed(self.db, "DELETE FROM watchlists WHERE name = ?", (name,)) > 0
