"""Watchlists as both backends store them: a row → :class:`~svodka.store.base.StoredWatchlist`."""

from __future__ import annotations

import builtins
from collections.abc import Sequence
from typing import Any, ClassVar

from svodka.errors import StoreError
from svodka.store.base import StoredWatchlist
from svodka.store.records import when
from svodka.store.records.dialect import Database, changed, now_ts, rows

# ``{spec}``: the spec as the backend reads it as text, or takes it from a text parameter.
LIST = "SELECT name, {spec}, owner_id, shared, created_at FROM watchlists ORDER BY name"
ADD = (
    "INSERT INTO watchlists (name, spec, owner_id, shared, created_at) VALUES (?, {spec}, ?, ?, ?) "
    "ON CONFLICT (name) DO NOTHING"
)


def watchlist(r: Sequence[Any]) -> StoredWatchlist:
    """A row of :data:`LIST` as its record."""
    return StoredWatchlist(r[0], r[1], r[2], bool(r[3]), when(r[4]))


def exists_already(name: str) -> StoreError:
    return StoreError(f"watchlist {name!r} exists already (remove it first)")


class SharedWatchlists:
    """Watchlists made with `svodka watchlists add`, on either backend (their spec is JSON:
    svodka.monitor.watchlist); a backend's class names how its column reads as text (``SPEC``) and takes it
    from text (``SPEC_IN``)."""

    SPEC: ClassVar[str]
    SPEC_IN: ClassVar[str]

    def __init__(self, db: Database) -> None:
        self.db = db

    def add(self, name: str, spec: str, owner_id: int | None = None, shared: bool = True) -> StoredWatchlist:
        if not changed(self.db, ADD.format(spec=self.SPEC_IN), (name, spec, owner_id, shared, now_ts())):
            raise exists_already(name)
        return next(w for w in self.list() if w.name == name)

    def list(self) -> builtins.list[StoredWatchlist]:
        return [watchlist(r) for r in rows(self.db, LIST.format(spec=self.SPEC))]

    def remove(self, name: str) -> bool:
        return changed(self.db, "DELETE FROM watchlists WHERE name = ?", (name,)) > 0
