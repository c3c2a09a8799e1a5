"""Sources claimed by collectors in SQLite: a row per source, taken in a ``BEGIN IMMEDIATE`` transaction
(one writer at a time: the same semantics as PostgreSQL's ``FOR UPDATE SKIP LOCKED``), renewed by a thread
while held, free once released or expired (the hold and its renewal: :mod:`svodka.store.records.claims`).
Each claim is logged for a day."""

from __future__ import annotations

import time
from contextlib import AbstractContextManager

from svodka.store.base import Claim, ClaimRecord
from svodka.store.records.claims import KEEP_LOG, hold_source, source_log
from svodka.store.sqlite.db import Database


class SqliteClaims:
    def __init__(self, db: Database) -> None:
        self.db = db

    def take(self, key: str, holder: str, token: str, ttl: float) -> str | None:
        """Claim ``key``; None when taken, else who holds it."""
        with self.db.write() as conn:
            now = time.time()  # once the write lock is ours: a claim released meanwhile is free
            row = conn.execute(
                "SELECT holder, expires_at FROM source_claims WHERE key = ?", (key,)
            ).fetchone()
            if row is not None and row[1] > now:
                return str(row[0])
            conn.execute(
                "INSERT OR REPLACE INTO source_claims (key, holder, token, expires_at) VALUES (?, ?, ?, ?)",
                (key, holder, token, now + ttl),
            )
            conn.execute("DELETE FROM source_claim_log WHERE claimed_at < ?", (now - KEEP_LOG,))
            conn.execute(
                "INSERT INTO source_claim_log (token, key, holder, claimed_at, expires_at) "
                "VALUES (?, ?, ?, ?, ?)",
                (token, key, holder, now, now + ttl),
            )
        return None

    def renew(self, key: str, token: str, ttl: float) -> bool:
        with self.db.write() as conn:
            until = time.time() + ttl
            cur = conn.execute(
                "UPDATE source_claims SET expires_at = ? WHERE key = ? AND token = ?", (until, key, token)
            )
            conn.execute("UPDATE source_claim_log SET expires_at = ? WHERE token = ?", (until, token))
        return cur.rowcount > 0

    def release(self, key: str, token: str) -> None:
        with self.db.write() as conn:
            now = time.time()
            conn.execute("UPDATE source_claims SET expires_at = 0 WHERE key = ? AND token = ?", (key, token))
            conn.execute("UPDATE source_claim_log SET released_at = ? WHERE token = ?", (now, token))

    def hold(self, key: str, ttl: float) -> AbstractContextManager[Claim]:
        return hold_source(self, key, ttl)

    def log(self, since: float = 0.0) -> list[ClaimRecord]:
        return source_log(self.db, since)

    def settled_post_id(self) -> int:
        # one writer at a time, and ids are given as rows are inserted: whatever is visible is settled
        with self.db.read() as conn:
            (top,) = conn.execute("SELECT max(id) FROM posts").fetchone()
        return int(top or 0)
