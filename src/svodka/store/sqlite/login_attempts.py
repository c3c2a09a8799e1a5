"""Login attempts of the web app in SQLite: what the login limit of :mod:`svodka.web.auth` counts."""

from __future__ import annotations

from svodka.store.base import LoginFailures
from svodka.store.records.accounts import ATTEMPTS_KEPT, DROP_OLD_ATTEMPTS, RECORD_ATTEMPT, login_name
from svodka.store.sqlite.db import Database, now_ts


class SqliteLoginAttempts:
    def __init__(self, db: Database) -> None:
        self.db = db

    def record(self, username: str, client: str, ok: bool) -> None:
        now = now_ts()
        with self.db.write() as conn:
            # Attempts older than a day decide nothing: the table is kept small.
            conn.execute(DROP_OLD_ATTEMPTS, (now - ATTEMPTS_KEPT,))
            conn.execute(RECORD_ATTEMPT, (login_name(username), client, now, ok))

    def failures_since(self, username: str, client: str, since: int) -> LoginFailures:
        name = login_name(username)
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
