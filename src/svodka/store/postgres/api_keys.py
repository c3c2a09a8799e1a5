"""API keys of the web app in PostgreSQL: a key is stored as its prefix and its SHA-256 (the rows and the SQL
both backends share: :mod:`svodka.store.records.accounts`)."""

from __future__ import annotations

from svodka.model import ApiKey
from svodka.store.postgres.db import Database, now_ts
from svodka.store.records.accounts import SharedApiKeys, key_name


class PgApiKeys(SharedApiKeys):
    db: Database

    def add(self, user_id: int, prefix: str, key_hash: str, name: str = "") -> ApiKey:
        with self.db.write() as conn:
            row = conn.execute(
                "INSERT INTO api_keys (user_id, prefix, key_hash, name, created_at) "
                "VALUES (%s, %s, %s, %s, %s) RETURNING id",
                (user_id, prefix, key_hash, key_name(name), now_ts()),
            ).fetchone()
        key_id = int(row[0])  # type: ignore[index]
        return next(k for k in self.list(user_id) if k.id == key_id)
