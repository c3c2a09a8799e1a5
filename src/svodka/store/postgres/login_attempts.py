"""Login attempts of the web app in PostgreSQL: what the login limit of :mod:`svodka.web.auth` counts."""

from __future__ import annotations

from svodka.store.base import LoginFailures
from svodka.store.postgres.db import Database, now_ts


def _name(username: str) -> str:
    return username.strip()[:64]


class PgLoginAttempts:
    def __init__(self, db: Database) -> None:
        self.db = db

    def record(self, username: str, client: str, ok: bool) -> None:
        now = now_ts()
        with self.db.write() as conn:
            # Attempts older than a day decide nothing; keep the table small.
            conn.execute("DELETE FROM login_attempts WHERE at < %s", (now - 86400,))
            conn.execute(
                "INSERT INTO login_attempts (username, client, at, ok) VALUES (%s, %s, %s, %s)",
                (_name(username), client, now, ok),
            )

    def failures_since(self, username: str, client: str, since: int) -> LoginFailures:
        name = _name(username)
        with self.db.read() as conn:
            # A successful login of the pair starts its count again (ids order attempts within a second).
            pair, pair_last = conn.execute(  # type: ignore[misc]
                "SELECT COUNT(*), MAX(at) FROM login_attempts WHERE lower(username) = lower(%s) "
                "AND client = %s AND at >= %s AND NOT ok AND id > COALESCE((SELECT MAX(id) FROM "
                "login_attempts"
                " WHERE lower(username) = lower(%s) AND client = %s AND ok), 0)",
                (name, client, since, name, client),
            ).fetchone()
            by_client, client_first = conn.execute(  # type: ignore[misc]
                "SELECT COUNT(*), MIN(at) FROM login_attempts WHERE client = %s AND at >= %s AND NOT ok",
                (client, since),
            ).fetchone()
        return LoginFailures(int(pair), pair_last, int(by_client), client_first)
