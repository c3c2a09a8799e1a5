"""Watchlists made with `svodka watchlists add`, in SQLite (their spec is JSON: svodka.monitor.watchlist)."""

from __future__ import annotations

import builtins

from svodka.errors import StoreError
from svodka.store.base import StoredWatchlist
from svodka.store.sqlite.db import Database, now_ts
from svodka.store.sqlite.users import when


class SqliteWatchlists:
    def __init__(self, db: Database) -> None:
        self.db = db

    def add(self, name: str, spec: str, owner_id: int | None = None, shared: bool = True) -> StoredWatchlist:
        with self.db.write() as conn:
            if conn.execute("SELECT 1 FROM watchlists WHERE name = ?", (name,)).fetchone():
                raise StoreError(f"watchlist {name!r} exists already (remove it first)")
            conn.execute(
                "INSERT INTO watchlists (name, spec, owner_id, shared, created_at) VALUES (?, ?, ?, ?, ?)",
                (name, spec, owner_id, int(shared), now_ts()),
            )
        return next(w for w in self.list() if w.name == name)

    def list(self) -> builtins.list[StoredWatchlist]:
        with self.db.read() as conn:
            rows = conn.execute(
                "SELECT name, spec, owner_id, shared, created_at FROM watchlists ORDER BY name"
            ).fetchall()
        return [StoredWatchlist(r[0], r[1], r[2], bool(r[3]), when(r[4])) for r in rows]

    def remove(self, name: str) -> bool:
        with self.db.write() as conn:
            conn.execute("DELETE FROM watchlists WHERE name = ?", (name,))
            return bool(conn.execute("SELECT changes()").fetchone()[0])
