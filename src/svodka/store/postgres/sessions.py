"""Login sessions of the web app in PostgreSQL: only the SHA-256 of a session token is stored."""

from __future__ import annotations

from svodka.model import Session
from svodka.store.postgres.db import Database, now_ts, pyformat
from svodka.store.records.accounts import CREATE_SESSION, DELETE_SESSION, DROP_EXPIRED, LIVE_SESSION
from svodka.store.records.users import USER_COLS, user_from_row


class PgSessions:
    def __init__(self, db: Database) -> None:
        self.db = db

    def create(self, token_hash: str, user_id: int, csrf: str, expires_at: int) -> None:
        now = now_ts()
        with self.db.write() as conn:
            conn.execute(pyformat(DROP_EXPIRED), (now,))
            conn.execute(pyformat(CREATE_SESSION), (token_hash, user_id, csrf, now, expires_at))

    def get(self, token_hash: str) -> Session | None:
        """The live session with this token hash (None when unknown or expired)."""
        with self.db.read() as conn:
            sql = pyformat(LIVE_SESSION).format(user_columns=USER_COLS)
            row = conn.execute(sql, (token_hash, now_ts())).fetchone()
        return None if row is None else Session(user_from_row(row[:5]), row[5], row[6])

    def delete(self, token_hash: str) -> None:
        with self.db.write() as conn:
            conn.execute(pyformat(DELETE_SESSION), (token_hash,))
