"""Sources claimed by collectors in SQLite: a row per source, taken in a ``BEGIN IMMEDIATE`` transaction
(one writer at a time: the same semantics as PostgreSQL's ``FOR UPDATE SKIP LOCKED``), renewed by a thread
while held, free once released or expired. Each claim is logged for a day."""

from __future__ import annotations

import logging
import os
import secrets
import socket
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager

from svodka.store.base import Claim, ClaimRecord
from svodka.store.sqlite.db import Database

log = logging.getLogger(__name__)

KEEP_LOG = 86400.0  # seconds of claims the log keeps


class SqliteClaims:
    def __init__(self, db: Database) -> None:
        self.db = db

    def _take(self, key: str, holder: str, token: str, ttl: float) -> str | None:
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

    def _renew(self, key: str, token: str, ttl: float, stop: threading.Event) -> None:
        while not stop.wait(ttl / 3):
            try:
                with self.db.write() as conn:
                    until = time.time() + ttl
                    cur = conn.execute(
                        "UPDATE source_claims SET expires_at = ? WHERE key = ? AND token = ?",
                        (until, key, token),
                    )
                    conn.execute("UPDATE source_claim_log SET expires_at = ? WHERE token = ?", (until, token))
                if cur.rowcount == 0:
                    log.warning("claim of %s was taken over by another collector while this one held it", key)
            except Exception as e:  # a busy moment: the next turn tries again, well before the expiry
                log.warning("claim of %s: could not renew it: %s", key, e)

    @contextmanager
    def hold(self, key: str, ttl: float) -> Iterator[Claim]:
        holder, token = f"pid {os.getpid()} on {socket.gethostname()}", secrets.token_hex(8)
        other = self._take(key, holder, token, ttl)
        if other is not None:
            yield Claim(key, held=False, holder=other)
            return
        stop = threading.Event()
        renewer = threading.Thread(
            target=self._renew, args=(key, token, ttl, stop), name=f"claim-{key}", daemon=True
        )
        renewer.start()
        try:
            yield Claim(key, held=True, holder=holder)
        finally:
            stop.set()
            renewer.join()
            with self.db.write() as conn:
                now = time.time()
                conn.execute(
                    "UPDATE source_claims SET expires_at = 0 WHERE key = ? AND token = ?", (key, token)
                )
                conn.execute("UPDATE source_claim_log SET released_at = ? WHERE token = ?", (now, token))

    def log(self, since: float = 0.0) -> list[ClaimRecord]:
        with self.db.read() as conn:
            rows = conn.execute(
                "SELECT key, holder, claimed_at, expires_at, released_at FROM source_claim_log "
                "WHERE claimed_at >= ? ORDER BY claimed_at, token",
                (since,),
            ).fetchall()
        return [ClaimRecord(*r) for r in rows]

    def settled_post_id(self) -> int:
        # one writer at a time, and ids are given as rows are inserted: whatever is visible is settled
        with self.db.read() as conn:
            (top,) = conn.execute("SELECT max(id) FROM posts").fetchone()
        return int(top or 0)
