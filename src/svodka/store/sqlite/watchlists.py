"""Watchlists made with `svodka watchlists add`, in SQLite (their spec is JSON: svodka.monitor.watchlist)."""

from __future__ import annotations

import builtins

from svodka.store.base import StoredWatchlist
from svodka.store.records.watchlists import LIST, exists_already, watchlist
from svodka.store.sqlite.db import Database, now_ts


class SqliteWatchlists:
    def __init__(self, db: Database) -> None:
        self.db = db

    def add(self, name: str, spec: str, owner_id: int | None = None, shared: bool = True) -> StoredWatchlist:
        with self.db.write() as conn:
            if conn.execute("SELECT 1 FROM watchlists WHERE name = ?", (name,)).fetchone():
                raise exists_already(name)
            conn.execute(
                "INSERT INTO watchlists (name, spec, owner_id, shared, created_at) VALUES (?, ?, ?, ?, ?)",
                (name, spec, owner_id, int(shared), now_ts()),
            )
        return next(w for w in self.list() if w.name == name)

    def list(self) -> builtins.list[StoredWatchlist]:
        with self.db.read() as conn:
            rows = conn.execute(LIST.format(spec="spec")).fetchall()
        return [watchlist(r) for r in rows]

    def remove(self, name: str) -> bool:
        with self.db.write() as conn:
            conn.execute("DELETE FROM watchlists WHERE name = ?", (name,))
            return bool(conn.execute("SELECT changes()").fetchone()[0])
