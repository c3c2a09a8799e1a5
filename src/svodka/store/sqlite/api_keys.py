"""API keys of the web app in SQLite: a key is stored as its prefix and its SHA-256 (see
:mod:`svodka.web.auth`; the rows and the SQL both backends share: :mod:`svodka.store.records.accounts`)."""

from __future__ import annotations

from svodka.model import ApiKey
from svodka.store.records.accounts import SharedApiKeys, key_name
from svodka.store.sqlite.db import Database, now_ts


class SqliteApiKeys(SharedApiKeys):
    db: Database

    def add(self, user_id: int, prefix: str, key_hash: str, name: str = "") -> ApiKey:
        with self.db.write() as conn:
            cur = conn.execute(
                "INSERT INTO api_keys (user_id, prefix, key_hash, name, created_at) VALUES (?, ?, ?, ?, ?)",
                (user_id, prefix, key_hash, key_name(name), now_ts()),
            )
            key_id = int(cur.lastrowid)  # type: ignore[arg-type]
        return next(k for k in self.list(user_id) if k.id == key_id)
