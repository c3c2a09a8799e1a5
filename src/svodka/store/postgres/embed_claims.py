"""Embedding claims in PostgreSQL (migration 0029): a row per claimed post. A worker taking the next posts
locks the candidates ``FOR NO KEY UPDATE SKIP LOCKED`` (another worker claiming at that moment takes the
next ones rather than wait; a collector's insert or a foreign key check is not held up), and a claim row is
only ever taken over when it is done or expired (``ON CONFLICT … WHERE``). Renewed by a thread while held
(:mod:`svodka.store.records.claims`), done in the transaction that stores the vectors; times are the
server's clock. Logged for a day."""

from __future__ import annotations

import builtins
from collections.abc import Sequence
from contextlib import AbstractContextManager

import psycopg

from svodka.model import StoredPost
from svodka.store.base import EmbedClaim, EmbedClaimRecord
from svodka.store.postgres.claims import NOW
from svodka.store.postgres.db import Database
from svodka.store.records.claims import KEEP_LOG, LEASE_TOKEN, hold_posts, in_id_order
from svodka.store.records.posts import SELECT_POST, stored_post

NEXT = (
    "SELECT p.id FROM posts p WHERE p.id > %s AND p.deleted_at IS NULL "
    "AND NOT EXISTS (SELECT 1 FROM post_analysis a WHERE a.post_id = p.id) "
    "AND NOT EXISTS (SELECT 1 FROM embed_claims c WHERE c.model = %s AND c.post_id = p.id "
    f"AND (c.done OR c.expires_at > {NOW})) "
    "ORDER BY p.id LIMIT %s FOR NO KEY UPDATE OF p SKIP LOCKED"
)
# a row is taken over only when done or expired (or, for the lease's holder, a dead earlier holder's):
# two claimants of one post, one gets it
CLAIM = (
    "INSERT INTO embed_claims (model, post_id, token, expires_at, done) "
    f"SELECT %s, id, %s, {NOW} + %s, FALSE FROM unnest(%s::bigint[]) AS id "
    "ON CONFLICT (model, post_id) DO UPDATE SET token = excluded.token, expires_at = excluded.expires_at, "
    f"done = FALSE WHERE embed_claims.done OR embed_claims.expires_at <= {NOW} "
    "OR (starts_with(excluded.token, %s) AND starts_with(embed_claims.token, %s)) "
    "RETURNING post_id"
)


class PgEmbedClaims:
    def __init__(self, db: Database) -> None:
        self.db = db

    def hold(self, model: str, after_id: int, limit: int, ttl: float) -> AbstractContextManager[EmbedClaim]:
        def take(holder: str, token: str) -> tuple[StoredPost, ...]:
            with self.db.write() as conn:
                conn.execute("DELETE FROM embed_claims WHERE post_id <= %s", (after_id,))
                ids = [r[0] for r in conn.execute(NEXT, (after_id, model, max(1, limit)))]
                return self._claim(conn, model, ids, (holder, token), ttl)

        return hold_posts(self, model, ttl, take)

    def hold_posts(
        self, model: str, post_ids: Sequence[int], ttl: float
    ) -> AbstractContextManager[EmbedClaim]:
        def take(holder: str, token: str) -> tuple[StoredPost, ...]:
            with self.db.write() as conn:
                return self._claim(conn, model, list(dict.fromkeys(post_ids)), (holder, token), ttl)

        return hold_posts(self, model, ttl, take, LEASE_TOKEN)

    def _claim(
        self, conn: psycopg.Connection, model: str, ids: Sequence[int], who: tuple[str, str], ttl: float
    ) -> tuple[StoredPost, ...]:
        if not ids:
            return ()
        holder, token = who
        params = (model, token, ttl, list(ids), LEASE_TOKEN, LEASE_TOKEN)
        got = [r[0] for r in conn.execute(CLAIM, params).fetchall()]
        if not got:
            return ()
        conn.execute(f"DELETE FROM embed_claim_log WHERE claimed_at < {NOW} - %s", (KEEP_LOG,))
        conn.execute(
            "INSERT INTO embed_claim_log (token, model, holder, posts, claimed_at, expires_at) "
            f"VALUES (%s, %s, %s, %s, {NOW}, {NOW} + %s)",
            (token, model, holder, len(got), ttl),
        )
        rows = conn.execute(f"{SELECT_POST} WHERE p.id = ANY(%s)", (got,)).fetchall()
        return in_id_order(stored_post(r) for r in rows)

    def renew_claim(self, token: str, ttl: float) -> bool:
        with self.db.write() as conn:
            cur = conn.execute(
                f"UPDATE embed_claims SET expires_at = {NOW} + %s WHERE token = %s AND NOT done", (ttl, token)
            )
            log = conn.execute(
                f"UPDATE embed_claim_log SET expires_at = {NOW} + %s WHERE token = %s AND done_at IS NULL",
                (ttl, token),
            )
        return cur.rowcount > 0 or log.rowcount == 0  # renewed, or done already

    def release_claim(self, token: str) -> None:
        with self.db.write() as conn:
            conn.execute("DELETE FROM embed_claims WHERE token = %s AND NOT done", (token,))
            conn.execute(f"UPDATE embed_claim_log SET released_at = {NOW} WHERE token = %s", (token,))

    def done(self, claim: EmbedClaim, embedded: int) -> None:
        with self.db.write() as conn:
            conn.execute("UPDATE embed_claims SET done = TRUE WHERE token = %s", (claim.token,))
            conn.execute(
                f"UPDATE embed_claim_log SET done_at = {NOW}, embedded = %s WHERE token = %s",
                (embedded, claim.token),
            )

    def in_flight(self, model: str, post_ids: Sequence[int]) -> int:
        with self.db.read() as conn:
            row = conn.execute(
                "SELECT count(*) FROM embed_claims WHERE model = %s AND post_id = ANY(%s) "
                f"AND NOT done AND expires_at > {NOW} AND NOT starts_with(token, %s)",
                (model, list(post_ids), LEASE_TOKEN),
            ).fetchone()
        return int(row[0]) if row else 0

    def log(self, since: float = 0.0) -> builtins.list[EmbedClaimRecord]:
        with self.db.read() as conn:
            rows = conn.execute(
                "SELECT token, holder, model, posts, claimed_at, expires_at, done_at, released_at, embedded "
                "FROM embed_claim_log WHERE claimed_at >= %s ORDER BY claimed_at, token",
                (since,),
            ).fetchall()
        return [EmbedClaimRecord(*r) for r in rows]
