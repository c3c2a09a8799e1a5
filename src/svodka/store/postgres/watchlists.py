"""Watchlists made with `svodka watchlists add`, in PostgreSQL (spec in JSONB: svodka.monitor.watchlist)."""

from __future__ import annotations

import builtins

from svodka.store.base import StoredWatchlist
from svodka.store.postgres.db import Database, now_ts
from svodka.store.records.watchlists import LIST, exists_already, watchlist


class PgWatchlists:
    def __init__(self, db: Database) -> None:
        self.db = db

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

    def list(self) -> builtins.list[StoredWatchlist]:
        with self.db.read() as conn:
            rows = conn.execute(LIST.format(spec="spec::text")).fetchall()
        return [watchlist(r) for r in rows]

    def remove(self, name: str) -> bool:
        with self.db.write() as conn:
            return conn.execute("DELETE FROM watchlists WHERE name = %s", (name,)).rowcount > 0
