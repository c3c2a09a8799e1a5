"""Login attempts of the web app in SQLite: what the login limit of :mod:`svodka.web.auth` counts."""

from __future__ import annotations

from svodka.store.base import LoginFailures
from svodka.store.sqlite.db import Database, now_ts


def _name(username: str) -> str:
    return username.strip()[:64]


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
                (_name(username), client, now, int(ok)),
            )

    def failures_since(self, username: str, client: str, since: int) -> LoginFailures:
        name = _name(username)
        with self.db.read() as conn:
            # A successful login of the pair starts its count again (ids order attempts within a second).
            pair, pair_last = conn.execute(
                "SELECT COUNT(*), MAX(at) FROM login_attempts WHERE username = ? AND client = ? AND at >= ?"
                " AND ok = 0 AND id > COALESCE((SELECT MAX(id) FROM login_attempts"
                " WHERE username = ? AND client = ? AND ok = 1), 0)",
                (name, client, since, name, client),
            ).fetchone()
            by_client, client_first = conn.execute(
                "SELECT COUNT(*), MIN(at) FROM login_attempts WHERE client = ? AND at >= ? AND ok = 0",
                (client, since),
            ).fetchone()
        return LoginFailures(int(pair), pair_last, int(by_client), client_first)
