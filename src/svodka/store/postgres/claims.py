"""Sources claimed by collectors in PostgreSQL: a row per source, locked with ``SELECT … FOR UPDATE SKIP
LOCKED`` while a collector takes it (another one taking the same source at that moment skips it rather than
wait) and held until it expires, renewed by a thread while held (the hold and its renewal:
:mod:`svodka.store.records.claims`). Times are the server's clock, so the collectors' machines need not agree
on the time. Each claim is logged for a day."""

from __future__ import annotations

from contextlib import AbstractContextManager

from svodka.store.base import Claim, ClaimRecord
from svodka.store.postgres.db import Database
from svodka.store.records.claims import KEEP_LOG, hold_source, source_log

NOW = "extract(epoch FROM clock_timestamp())::double precision"


class PgClaims:
    def __init__(self, db: Database) -> None:
        self.db = db

    def take(self, key: str, holder: str, token: str, ttl: float) -> str | None:
        """Claim ``key``; None when taken, else who holds it."""
        with self.db.write() as conn:
            conn.execute(
                "INSERT INTO source_claims (key, holder, token, expires_at) VALUES (%s, '', '', 0) "
                "ON CONFLICT (key) DO NOTHING",
                (key,),
            )
            row = conn.execute(
                f"SELECT holder, expires_at, {NOW} FROM source_claims WHERE key = %s FOR UPDATE SKIP LOCKED",
                (key,),
            ).fetchone()
            if row is None:  # another collector is taking it right now
                return "another collector"
            if row[1] > row[2]:
                return str(row[0])
            now = row[2]
            conn.execute(
                "UPDATE source_claims SET holder = %s, token = %s, expires_at = %s WHERE key = %s",
                (holder, token, now + ttl, key),
            )
            conn.execute("DELETE FROM source_claim_log WHERE claimed_at < %s", (now - KEEP_LOG,))
            conn.execute(
                "INSERT INTO source_claim_log (token, key, holder, claimed_at, expires_at) "
                "VALUES (%s, %s, %s, %s, %s)",
                (token, key, holder, now, now + ttl),
            )
        return None

    def renew(self, key: str, token: str, ttl: float) -> bool:
        with self.db.write() as conn:
            cur = conn.execute(
                f"UPDATE source_claims SET expires_at = {NOW} + %s WHERE key = %s AND token = %s",
                (ttl, key, token),
            )
            conn.execute(
                f"UPDATE source_claim_log SET expires_at = {NOW} + %s WHERE token = %s", (ttl, token)
            )
        return cur.rowcount > 0

    def release(self, key: str, token: str) -> None:
        with self.db.write() as conn:
            conn.execute(
                "UPDATE source_claims SET expires_at = 0 WHERE key = %s AND token = %s", (key, token)
            )
            conn.execute(f"UPDATE source_claim_log SET released_at = {NOW} WHERE token = %s", (token,))

    def hold(self, key: str, ttl: float) -> AbstractContextManager[Claim]:
        return hold_source(self, key, ttl)

    def log(self, since: float = 0.0) -> list[ClaimRecord]:
        return source_log(self.db, since)

    def settled_post_id(self) -> int:
        # Ids come from a sequence before commit: a page of ids 100… may land after one of 120…. A SHARE
        # lock on posts waits for every transaction writing posts now (they hold ROW EXCLUSIVE from their
        # INSERT, the moment their ids are drawn); the highest id then seen has no lower id still in flight.
        with self.db.write() as conn:
            conn.execute("LOCK TABLE posts IN SHARE MODE")
            row = conn.execute("SELECT max(id) FROM posts").fetchone()
        return int(row[0] or 0) if row else 0
