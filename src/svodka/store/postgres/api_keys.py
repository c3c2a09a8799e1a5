"""API keys of the web app in PostgreSQL: a key is stored as its prefix and its SHA-256."""

from __future__ import annotations

import builtins
from typing import Any

from svodka.model import ApiKey, User, from_ts
from svodka.store.postgres.db import Database, now_ts
from svodka.store.sqlite.users import USER_COLS, user_from_row, when


def _key(r: tuple[Any, ...]) -> ApiKey:
    return ApiKey(
        id=r[0], user_id=r[1], prefix=r[2], name=r[3], created_at=when(r[4]), last_used=from_ts(r[5])
    )


class PgApiKeys:
    def __init__(self, db: Database) -> None:
        self.db = db

    def add(self, user_id: int, prefix: str, key_hash: str, name: str = "") -> ApiKey:
        with self.db.write() as conn:
            row = conn.execute(
                "INSERT INTO api_keys (user_id, prefix, key_hash, name, created_at) "
                "VALUES (%s, %s, %s, %s, %s) RETURNING id",
                (user_id, prefix, key_hash, name.strip()[:100], now_ts()),
            ).fetchone()
        key_id = int(row[0])  # type: ignore[index]
        return next(k for k in self.list(user_id) if k.id == key_id)

    def by_prefix(self, prefix: str) -> tuple[ApiKey, str, User] | None:
        """The key with this prefix, its stored hash and its owner."""
        with self.db.read() as conn:
            row = conn.execute(
                "SELECT k.id, k.user_id, k.prefix, k.name, k.created_at, k.last_used, k.key_hash, "
                f"{USER_COLS} FROM api_keys k JOIN users u ON u.id = k.user_id WHERE k.prefix = %s",
                (prefix,),
            ).fetchone()
        return None if row is None else (_key(row[:6]), row[6], user_from_row(row[7:]))

    def list(self, user_id: int) -> builtins.list[ApiKey]:
        with self.db.read() as conn:
            rows = conn.execute(
                "SELECT id, user_id, prefix, name, created_at, last_used FROM api_keys WHERE user_id = %s "
                "ORDER BY id",
                (user_id,),
            ).fetchall()
        return [_key(r) for r in rows]

    def revoke(self, user_id: int, key_id: int) -> bool:
        with self.db.write() as conn:
            cur = conn.execute("DELETE FROM api_keys WHERE id = %s AND user_id = %s", (key_id, user_id))
            return cur.rowcount > 0

    def touch(self, key_id: int) -> None:
        with self.db.write() as conn:
            conn.execute("UPDATE api_keys SET last_used = %s WHERE id = %s", (now_ts(), key_id))
