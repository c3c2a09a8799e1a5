"""Login attempts of the web app in SQLite: what the login limit of :mod:`svodka.web.auth` counts."""

from __future__ import annotations

from svodka.store.sqlite.db import Database, now_ts


class SqliteLoginAttempts:
    def __init__(self, db: Database) -> None:
        self.db = db

    def record(self, username: str, client: str, ok: bool) -> None:
        now = now_ts()
        with self.db.write() as conn:
            # Attempts older than a day decide nothing; keep the table small.
            conn.execute("DELETE FROM login_attempts WHERE at < ?", (now - 86400,))
            conn.execute(
                "INSERT INTO login_attempts (username, client, at, ok) VALUES (?, ?, ?, ?)",
                (username.strip()[:64], client, now, int(ok)),
            )

    def failures_since(self, username: str, client: str, since: int) -> tuple[int, int]:
        """Failed logins since ``since``: (for this user name, from this client)."""
        with self.db.read() as conn:
            by_user = conn.execute(
                "SELECT COUNT(*) FROM login_attempts WHERE username = ? AND at >= ? AND ok = 0",
                (username.strip()[:64], since),
            ).fetchone()[0]
            by_client = conn.execute(
                "SELECT COUNT(*) FROM login_attempts WHERE client = ? AND at >= ? AND ok = 0", (client, since)
            ).fetchone()[0]
        return int(by_user), int(by_client)
