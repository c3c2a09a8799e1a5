"""Embedding claims in SQLite (migration 0029): a row per claimed post, taken in a ``BEGIN IMMEDIATE``
transaction (one writer at a time: two workers never take one post), renewed by a thread while held
(:mod:`svodka.store.records.claims`), done in the transaction that stores the vectors. Logged for a day."""

from __future__ import annotations

import builtins
import json
import sqlite3
import time
from collections.abc import Sequence
from contextlib import AbstractContextManager

from svodka.model import StoredPost
from svodka.store.base import EmbedClaim, EmbedClaimRecord
from svodka.store.records.claims import KEEP_LOG, LEASE_TOKEN, hold_posts, in_id_order
from svodka.store.records.posts import SELECT_POST, stored_post
from svodka.store.sqlite.db import Database

IDS = "(SELECT value FROM json_each(?))"
# posts after the watermark that no claim holds or has done, and that no run has analysed yet
NEXT = (
    "SELECT p.id FROM posts p WHERE p.id > ? AND p.deleted_at IS NULL "
    "AND NOT EXISTS (SELECT 1 FROM post_analysis a WHERE a.post_id = p.id) "
    "AND NOT EXISTS (SELECT 1 FROM embed_claims c WHERE c.model = ? AND c.post_id = p.id "
    "AND (c.done = 1 OR c.expires_at > ?)) "
    "ORDER BY p.id LIMIT ?"
)


class SqliteEmbedClaims:
    def __init__(self, db: Database) -> None:
        self.db = db

    def hold(self, model: str, after_id: int, limit: int, ttl: float) -> AbstractContextManager[EmbedClaim]:
        def take(holder: str, token: str) -> tuple[StoredPost, ...]:
            with self.db.write() as conn:
                now = time.time()
                conn.execute("DELETE FROM embed_claims WHERE post_id <= ?", (after_id,))
                ids = [r[0] for r in conn.execute(NEXT, (after_id, model, now, max(1, limit)))]
                return self._claim(conn, model, ids, (holder, token), now + ttl)

        return hold_posts(self, model, ttl, take)

    def hold_posts(
        self, model: str, post_ids: Sequence[int], ttl: float
    ) -> AbstractContextManager[EmbedClaim]:
        def take(holder: str, token: str) -> tuple[StoredPost, ...]:
            with self.db.write() as conn:
                now = time.time()
                busy = {
                    r[0]
                    for r in conn.execute(
                        f"SELECT post_id FROM embed_claims WHERE model = ? AND post_id IN {IDS} "
                        "AND done = 0 AND expires_at > ? AND substr(token, 1, ?) != ?",
                        (model, json.dumps(list(post_ids)), now, len(LEASE_TOKEN), LEASE_TOKEN),
                    )
                }
                ids = [i for i in dict.fromkeys(post_ids) if i not in busy]
                return self._claim(conn, model, ids, (holder, token), now + ttl)

        return hold_posts(self, model, ttl, take, LEASE_TOKEN)

    def _claim(
        self, conn: sqlite3.Connection, model: str, ids: Sequence[int], who: tuple[str, str], until: float
    ) -> tuple[StoredPost, ...]:
        if not ids:
            return ()
        holder, token = who
        conn.executemany(
            "INSERT OR REPLACE INTO embed_claims (model, post_id, token, expires_at, done) "
            "VALUES (?, ?, ?, ?, 0)",
            [(model, i, token, until) for i in ids],
        )
        now = time.time()
        conn.execute("DELETE FROM embed_claim_log WHERE claimed_at < ?", (now - KEEP_LOG,))
        conn.execute(
            "INSERT INTO embed_claim_log (token, model, holder, posts, claimed_at, expires_at) "
            "VALUES (?, ?, ?, ?, ?, ?)",
            (token, model, holder, len(ids), now, until),
        )
        rows = conn.execute(f"{SELECT_POST} WHERE p.id IN {IDS}", (json.dumps(list(ids)),)).fetchall()
        return in_id_order(stored_post(r) for r in rows)

    def renew_claim(self, token: str, ttl: float) -> bool:
        with self.db.write() as conn:
            until = time.time() + ttl
            cur = conn.execute(
                "UPDATE embed_claims SET expires_at = ? WHERE token = ? AND done = 0", (until, token)
            )
            log = conn.execute(
                "UPDATE embed_claim_log SET expires_at = ? WHERE token = ? AND done_at IS NULL",
                (until, token),
            )
        return cur.rowcount > 0 or log.rowcount == 0  # renewed, or done already

    def release_claim(self, token: str) -> None:
        with self.db.write() as conn:
            conn.execute("DELETE FROM embed_claims WHERE token = ? AND done = 0", (token,))
            conn.execute("UPDATE embed_claim_log SET released_at = ? WHERE token = ?", (time.time(), token))

    def done(self, claim: EmbedClaim, embedded: int) -> None:
        with self.db.write() as conn:
            conn.execute("UPDATE embed_claims SET done = 1 WHERE token = ?", (claim.token,))
            conn.execute(
                "UPDATE embed_claim_log SET done_at = ?, embedded = ? WHERE token = ?",
                (time.time(), embedded, claim.token),
            )

    def in_flight(self, model: str, post_ids: Sequence[int]) -> int:
        with self.db.read() as conn:
            (n,) = conn.execute(
                f"SELECT count(*) FROM embed_claims WHERE model = ? AND post_id IN {IDS} "
                "AND done = 0 AND expires_at > ? AND substr(token, 1, ?) != ?",
                (model, json.dumps(list(post_ids)), time.time(), len(LEASE_TOKEN), LEASE_TOKEN),
            ).fetchone()
        return int(n)

    def log(self, since: float = 0.0) -> builtins.list[EmbedClaimRecord]:
        with self.db.read() as conn:
            rows = conn.execute(
                "SELECT token, holder, model, posts, claimed_at, expires_at, done_at, released_at, embedded "
                "FROM embed_claim_log WHERE claimed_at >= ? ORDER BY claimed_at, token",
                (since,),
            ).fetchall()
        return [EmbedClaimRecord(*r) for r in rows]
