"""Watchlists made with `svodka watchlists add`, in PostgreSQL (spec in JSONB: svodka.monitor.watchlist)."""

from __future__ import annotations

import builtins

from svodka.errors import StoreError
from svodka.store.base import StoredWatchlist
from svodka.store.postgres.db import Database, now_ts
from svodka.store.sqlite.users import when


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
                raise StoreError(f"watchlist {name!r} exists already (remove it first)")
        return next(w for w in self.list() if w.name == name)

    def list(self) -> builtins.list[StoredWatchlist]:
        with self.db.read() as conn:
            rows = conn.execute(
                "SELECT name, spec::text, owner_id, shared, created_at FROM watchlists ORDER BY name"
            ).fetchall()
        return [StoredWatchlist(r[0], r[1], r[2], bool(r[3]), when(r[4])) for r in rows]

    def remove(self, name: str) -> bool:
        with self.db.write() as conn:
            return conn.execute("DELETE FROM watchlists WHERE name = %s", (name,)).rowcount > 0
