"""Watchlists made with `svodka watchlists add`, in SQLite (their spec is JSON: svodka.monitor.watchlist; the
list and the removal, written once for both backends: :mod:`svodka.store.records.watchlists`)."""

from __future__ import annotations

from svodka.store.base import StoredWatchlist
from svodka.store.records.watchlists import SharedWatchlists, exists_already
from svodka.store.sqlite.db import Database, now_ts


class SqliteWatchlists(SharedWatchlists):
    db: Database
    SPEC = "spec"

    def add(self, name: str, spec: str, owner_id: int | None = None, shared: bool = True) -> StoredWatchlist:
        with self.db.write() as conn:
            if conn.execute("SELECT 1 FROM watchlists WHERE name = ?", (name,)).fetchone():
                raise exists_already(name)
            conn.execute(
                "INSERT INTO watchlists (name, spec, owner_id, shared, created_at) VALUES (?, ?, ?, ?, ?)",
                (name, spec, owner_id, int(shared), now_ts()),
            )
        return next(w for w in self.list() if w.name == name)
