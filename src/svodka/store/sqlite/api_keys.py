"""API keys of the web app in SQLite: a key is stored as its prefix and its SHA-256 (see
:mod:`svodka.web.auth`; the rows and SQL: :mod:`svodka.store.records.accounts`)."""

from __future__ import annotations

import builtins

from svodka.model import ApiKey, User
from svodka.store.records.accounts import (
    KEY_BY_PREFIX,
    LIST_KEYS,
    REVOKE_KEY,
    TOUCH_KEY,
    api_key,
    key_name,
)
from svodka.store.records.users import USER_COLS, user_from_row
from svodka.store.sqlite.db import Database, now_ts


class SqliteApiKeys:
    def __init__(self, db: Database) -> None:
        self.db = db

    def add(self, user_id: int, prefix: str, key_hash: str, name: str = "") -> ApiKey:
        with self.db.write() as conn:
            cur = conn.execute(
                "INSERT INTO api_keys (user_id, prefix, key_hash, name, created_at) VALUES (?, ?, ?, ?, ?)",
                (user_id, prefix, key_hash, key_name(name), now_ts()),
            )
            key_id = int(cur.lastrowid)  # type: ignore[arg-type]
        return next(k for k in self.list(user_id) if k.id == key_id)

    def by_prefix(self, prefix: str) -> tuple[ApiKey, str, User] | None:
        """The key with this prefix, its stored hash and its owner."""
        with self.db.read() as conn:
            row = conn.execute(KEY_BY_PREFIX.format(user_columns=USER_COLS), (prefix,)).fetchone()
        return None if row is None else (api_key(row[:6]), row[6], user_from_row(row[7:]))

    def list(self, user_id: int) -> builtins.list[ApiKey]:
        with self.db.read() as conn:
            rows = conn.execute(LIST_KEYS, (user_id,)).fetchall()
        return [api_key(r) for r in rows]

    def revoke(self, user_id: int, key_id: int) -> bool:
        with self.db.write() as conn:
            conn.execute(REVOKE_KEY, (key_id, user_id))
            return bool(conn.execute("SELECT changes()").fetchone()[0])

    def touch(self, key_id: int) -> None:
        with self.db.write() as conn:
            conn.execute(TOUCH_KEY, (now_ts(), key_id))
