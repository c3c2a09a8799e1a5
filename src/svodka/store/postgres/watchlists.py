"""Watchlists made with `svodka watchlists add`, in PostgreSQL (spec in JSONB: svodka.monitor.watchlist; the
list and the removal, written once for both backends: :mod:`svodka.store.records.watchlists`)."""

from __future__ import annotations

from svodka.store.base import StoredWatchlist
from svodka.store.postgres.db import Database, now_ts
from svodka.store.records.watchlists import SharedWatchlists, exists_already


class PgWatchlists(SharedWatchlists):
    db: Database
    SPEC = "spec::text"

    def add(self, name: str, spec: str, owner_id: int | None = None, shared: bool = True) -> StoredWatchlist:
        with self.db.write() as conn:
            cur = conn.execute(
                "INSERT INTO watchlists (name, spec, owner_id, shared, created_at) "
                "VALUES (%s, %s::jsonb, %s, %s, %s) ON CONFLICT (name) DO NOTHING",
                (name, spec, owner_id, shared, now_ts()),
            )
            if cur.rowcount == 0:
                raise exists_already(name)
        return next(w for w in self.list() if w.name == name)
