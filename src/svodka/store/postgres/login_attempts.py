"""Login attempts of the web app in PostgreSQL: what the login limit of :mod:`svodka.web.auth` counts."""

from __future__ import annotations

from svodka.store.base import LoginFailures
from svodka.store.postgres.db import Database, now_ts, pyformat
from svodka.store.records.accounts import ATTEMPTS_KEPT, DROP_OLD_ATTEMPTS, RECORD_ATTEMPT, login_name


class PgLoginAttempts:
    def __init__(self, db: Database) -> None:
        self.db = db

    def record(self, username: str, client: str, ok: bool) -> None:
        now = now_ts()
        with self.db.write() as conn:
            # Attempts older than a day decide nothing: the table is kept small.
            conn.execute(pyformat(DROP_OLD_ATTEMPTS), (now - ATTEMPTS_KEPT,))
            conn.execute(pyformat(RECORD_ATTEMPT), (login_name(username), client, now, ok))

    def failures_since(self, username: str, client: str, since: int) -> LoginFailures:
        name = login_name(username)
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
