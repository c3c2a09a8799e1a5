"""Login sessions of the web app in PostgreSQL: only the SHA-256 of a session token is stored."""

from __future__ import annotations

from svodka.model import Session
from svodka.store.postgres.db import Database, now_ts
from svodka.store.sqlite.users import USER_COLS, user_from_row


class PgSessions:
    def __init__(self, db: Database) -> None:
        self.db = db

    def create(self, token_hash: str, user_id: int, csrf: str, expires_at: int) -> None:
        now = now_ts()
        with self.db.write() as conn:
            conn.execute("DELETE FROM sessions WHERE expires_at < %s", (now,))
            conn.execute(
                "INSERT INTO sessions (token_hash, user_id, csrf, created_at, expires_at) "
                "VALUES (%s, %s, %s, %s, %s)",
                (token_hash, user_id, csrf, now, expires_at),
            )

    def get(self, token_hash: str) -> Session | None:
        """The live session with this token hash (None when unknown or expired)."""
        with self.db.read() as conn:
            row = conn.execute(
                f"SELECT {USER_COLS}, s.csrf, s.expires_at FROM sessions s "
                "JOIN users u ON u.id = s.user_id WHERE s.token_hash = %s AND s.expires_at >= %s",
                (token_hash, now_ts()),
            ).fetchone()
        return None if row is None else Session(user_from_row(row[:5]), row[5], row[6])

    def delete(self, token_hash: str) -> None:
        with self.db.write() as conn:
            conn.execute("DELETE FROM sessions WHERE token_hash = %s", (token_hash,))
