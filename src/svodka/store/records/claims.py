"""What the claim repositories of both backends share: who a claimant is, the thread that renews a claim
while it is held, and the hold around a backend's take / renew / release statements.

A backend's source claims (``store/<backend>/claims.py``) keep only their SQL; the renewal every third of
the ttl, its warnings and the order of the hold's steps (take, renew while the block runs, stop renewing,
release) are written here once. The embedding claims are written here whole (:class:`EmbedClaims`, their SQL
alike in both dialects); a backend's ``embed_claims.py`` only runs it on its driver (:class:`Statements`).

A claim of the next posts (``hold``) takes, lowest ids first, the expired claims' posts (a holder that died
or let go), then fresh posts from the cursor (``embed_cursor``, migration 0035: where the last claim's scan
stopped), never scanning past the posts claimed already. A post committed late under an id below the cursor
(PostgreSQL hands ids out before commit) is claimed by no worker: the placing worker embeds it itself with
its batch (``hold_posts``), so none is missed.
"""

from __future__ import annotations

import builtins
import os
import secrets
import socket
import time
from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import AbstractContextManager, contextmanager
from typing import Any, Generic, Protocol, TypeVar

from svodka.model import StoredPost
from svodka.store.base import Claim, ClaimRecord, EmbedClaim, EmbedClaimRecord
from svodka.store.lifecycle import renewing
from svodka.store.records.dialect import Database, rows
from svodka.store.records.posts import SELECT_POST, stored_post

KEEP_LOG = 86400.0  # seconds of claims a claim log keeps
# The embedding claims of the placement lease's holder begin so: only the holder makes them, so one found
# by the next holder is its dead predecessor's, taken over at once (EmbedClaimRepo.hold_posts)
LEASE_TOKEN = "lease-"


def claimant() -> str:
    """This process as a claim's holder: "pid 123 on host"."""
    return f"pid {os.getpid()} on {socket.gethostname()}"


def new_token() -> str:
    """What tells one claim from another of the same holder."""
    return secrets.token_hex(8)


class SourceClaimSql(Protocol):
    """A backend's statements for one source's claim."""

    def take(self, key: str, holder: str, token: str, ttl: float) -> str | None:
        """Claim ``key`` (one transaction, never waiting for another claimant); None when taken, else who
        holds it."""

    def renew(self, key: str, token: str, ttl: float) -> bool:
        """Move the claim's expiry ``ttl`` on; False when it is no longer this token's."""

    def release(self, key: str, token: str) -> None:
        """Free the claim now and log its end."""


@contextmanager
def hold_source(sql: SourceClaimSql, key: str, ttl: float) -> Iterator[Claim]:
    """``ClaimRepo.hold`` over a backend's statements: take, renew while held, release at the end."""
    holder, token = claimant(), new_token()
    since = time.monotonic()
    other = sql.take(key, holder, token, ttl)
    if other is not None:
        yield Claim(key, held=False, holder=other)
        return
    try:
        with renewing(f"claim of {key}", ttl, lambda: sql.renew(key, token, ttl), since) as held:
            yield Claim(key, held=True, holder=holder, left=held.left)
    finally:
        sql.release(key, token)


SOURCE_LOG = (
    "SELECT key, holder, claimed_at, expires_at, released_at FROM source_claim_log "
    "WHERE claimed_at >= ? ORDER BY claimed_at, token"
)


def source_log(db: Database, since: float = 0.0) -> list[ClaimRecord]:
    """``ClaimRepo.log``: the source claims taken since ``since``, in order."""
    return [ClaimRecord(*r) for r in rows(db, SOURCE_LOG, (since,))]


# --- embedding claims (``store.embed_claims``): the flow and the SQL both dialects write alike --------------
# ``?`` placeholders; ``{ids}``: a list of post ids as one parameter, a table of one column ``value``
# (Statements.ids); ``{lock}``: on PostgreSQL, the rows a claimant locks ``SKIP LOCKED`` (Statements.rows).
# The claims of posts at or below the pipeline's watermark are forgotten (the primary key's range)
FORGET = "DELETE FROM embed_claims WHERE model = ? AND post_id <= ?"
FORGET_CURSOR = "DELETE FROM embed_cursor WHERE model = ? AND post_id <= ?"  # and a cursor they passed
# claims whose holder died or let go (expired, not done) of posts still to do: read through the partial
# index of 0035 (``+`` keeps the planner off the primary key's range above the watermark: every claim)
EXPIRED = (
    "SELECT c.post_id FROM embed_claims c JOIN posts p ON p.id = c.post_id "
    "WHERE c.model = ? AND NOT c.done AND c.expires_at <= ? AND +c.post_id > ? AND p.deleted_at IS NULL "
    "AND NOT EXISTS (SELECT 1 FROM post_analysis a WHERE a.post_id = c.post_id) "
    "ORDER BY c.post_id LIMIT ?{lock}"
)
# where the claimants' scan of fresh posts stopped (every post above it is one no worker's claim took)
CURSOR = "SELECT post_id FROM embed_cursor WHERE model = ?"
ADVANCE = (
    "INSERT INTO embed_cursor (model, post_id) VALUES (?, ?) ON CONFLICT (model) DO UPDATE "
    "SET post_id = excluded.post_id WHERE excluded.post_id > embed_cursor.post_id"
)
# posts after the cursor that no claim holds or has done, and that no run has analysed yet: a range of the
# primary key from the cursor, so as cheap with 20,000 posts claimed as with none
NEXT = (
    "SELECT p.id FROM posts p WHERE p.id > ? AND p.deleted_at IS NULL "
    "AND NOT EXISTS (SELECT 1 FROM post_analysis a WHERE a.post_id = p.id) "
    "AND NOT EXISTS (SELECT 1 FROM embed_claims c WHERE c.model = ? AND c.post_id = p.id "
    "AND (c.done OR c.expires_at > ?)) "
    "ORDER BY p.id LIMIT ?{lock}"
)
# a row is taken over only when done or expired (or, for the lease's holder, a dead earlier holder's):
# two claimants of one post, one gets it
CLAIM = (
    "INSERT INTO embed_claims (model, post_id, token, expires_at, done) "
    "SELECT ?, value, ?, ?, FALSE FROM {ids} WHERE TRUE "
    "ON CONFLICT (model, post_id) DO UPDATE SET token = excluded.token, expires_at = excluded.expires_at, "
    "done = FALSE WHERE embed_claims.done OR embed_claims.expires_at <= ? "
    "OR (substr(excluded.token, 1, ?) = ? AND substr(embed_claims.token, 1, ?) = ?) "
    "RETURNING post_id"
)
PRUNE_LOG = "DELETE FROM embed_claim_log WHERE claimed_at < ?"
LOG = (
    "INSERT INTO embed_claim_log (token, model, holder, posts, claimed_at, expires_at) "
    "VALUES (?, ?, ?, ?, ?, ?)"
)
POSTS = f"{SELECT_POST} WHERE p.id IN (SELECT value FROM {{ids}})"
RENEW = "UPDATE embed_claims SET expires_at = ? WHERE token = ? AND NOT done"
RENEW_LOG = "UPDATE embed_claim_log SET expires_at = ? WHERE token = ? AND done_at IS NULL"
# let go: expired at once, so the next claimant finds the posts with the expired ones (not a hole under the
# cursor)
RELEASE = "UPDATE embed_claims SET expires_at = 0 WHERE token = ? AND NOT done"
RELEASE_LOG = "UPDATE embed_claim_log SET released_at = ? WHERE token = ?"
MINE = "SELECT post_id FROM embed_claims WHERE model = ? AND token = ? AND NOT done"
DONE = "UPDATE embed_claims SET done = TRUE WHERE token = ?"
DONE_LOG = "UPDATE embed_claim_log SET done_at = ?, embedded = ? WHERE token = ?"
# by the primary key, the posts given (``+``: not every live claim through the expiry index)
IN_FLIGHT = (
    "SELECT count(*) FROM embed_claims WHERE model = ? AND post_id IN (SELECT value FROM {ids}) "
    "AND NOT done AND +expires_at > ? AND substr(token, 1, ?) != ?"
)
CLAIM_LOG = (
    "SELECT token, holder, model, posts, claimed_at, expires_at, done_at, released_at, embedded "
    "FROM embed_claim_log WHERE claimed_at >= ? ORDER BY claimed_at, token"
)


class Statements(Protocol):
    """One transaction of a backend running the shared SQL above."""

    @property
    def now(self) -> float:
        """The store's clock (PostgreSQL: the server's), read once per transaction."""

    def ids(self, post_ids: Sequence[int]) -> object:
        """The parameter of ``{ids}`` for these post ids."""

    def rows(self, sql: str, params: Sequence[object], lock: str = "") -> Sequence[Sequence[Any]]:
        """Run ``sql`` (``lock``: what PostgreSQL locks ``FOR … SKIP LOCKED``, say "UPDATE OF c") and
        return its rows."""

    def run(self, sql: str, params: Sequence[object]) -> int:
        """Run ``sql``; the rows it changed."""


class ClaimBackend(Protocol):
    """Where a backend's :class:`Statements` come from: a write transaction, or a read."""

    def write(self) -> AbstractContextManager[Statements]: ...

    def read(self) -> AbstractContextManager[Statements]: ...


C = TypeVar("C", covariant=True)


class Transactions(Protocol[C]):
    """A backend's database, whose transactions give its driver's connection ``C``."""

    def write(self) -> AbstractContextManager[C]: ...

    def read(self) -> AbstractContextManager[C]: ...


class OnDriver(Generic[C]):
    """A :class:`ClaimBackend` of a backend's database: each transaction's connection in the backend's
    :class:`Statements`."""

    def __init__(self, db: Transactions[C], statements: Callable[[C], Statements]) -> None:
        self.db, self.statements = db, statements

    @contextmanager
    def write(self) -> Iterator[Statements]:
        with self.db.write() as conn:
            yield self.statements(conn)

    @contextmanager
    def read(self) -> Iterator[Statements]:
        with self.db.read() as conn:
            yield self.statements(conn)


class EmbedClaims:
    """``store.embed_claims`` over a backend's :class:`Statements` (``EmbedClaimRepo``): the backend
    classes only say how their driver runs the SQL above."""

    def __init__(self, sql: ClaimBackend) -> None:
        self.sql = sql

    def hold(self, model: str, after_id: int, limit: int, ttl: float) -> AbstractContextManager[EmbedClaim]:
        def take(holder: str, token: str) -> tuple[StoredPost, ...]:
            with self.sql.write() as tx:
                now = tx.now
                tx.run(FORGET, (model, after_id))
                tx.run(FORGET_CURSOR, (model, after_id))
                ids = [r[0] for r in tx.rows(EXPIRED, (model, now, after_id, max(1, limit)), "UPDATE OF c")]
                if len(ids) < limit:  # then fresh posts, from where the last claim's scan stopped
                    cursor = tx.rows(CURSOR, (model,))
                    start = max(after_id, int(cursor[0][0]) if cursor else 0)
                    params = (start, model, now, limit - len(ids))
                    fresh = [r[0] for r in tx.rows(NEXT, params, "NO KEY UPDATE OF p")]
                    if fresh:
                        tx.run(ADVANCE, (model, fresh[-1]))
                    ids = list(dict.fromkeys([*ids, *fresh]))  # an expired claim's post above the cursor
                return _claim(tx, model, ids, (holder, token), ttl)

        return hold_posts(self, model, ttl, take)

    def hold_posts(
        self, model: str, post_ids: Sequence[int], ttl: float
    ) -> AbstractContextManager[EmbedClaim]:
        def take(holder: str, token: str) -> tuple[StoredPost, ...]:
            with self.sql.write() as tx:
                return _claim(tx, model, list(dict.fromkeys(post_ids)), (holder, token), ttl)

        return hold_posts(self, model, ttl, take, LEASE_TOKEN)

    def renew_claim(self, token: str, ttl: float) -> bool:
        """Move the expiry of the claim's posts not done ``ttl`` on; False when none is this token's any more
        (and the claim is not done)."""
        with self.sql.write() as tx:
            until = tx.now + ttl
            renewed, logged = tx.run(RENEW, (until, token)), tx.run(RENEW_LOG, (until, token))
        return renewed > 0 or logged == 0  # renewed, or done already

    def confirm(self, claim: EmbedClaim, ttl: float) -> frozenset[int]:
        """Renew ``claim`` now; the ids of its posts it still holds (another worker took the rest over once
        they expired, a renewal held up meanwhile)."""
        with self.sql.write() as tx:
            until = tx.now + ttl
            tx.run(RENEW, (until, claim.token))
            tx.run(RENEW_LOG, (until, claim.token))
            return frozenset(int(r[0]) for r in tx.rows(MINE, (claim.model, claim.token)))

    def release_claim(self, token: str) -> None:
        """Free the claim's posts that are not done, and log the claim's end."""
        with self.sql.write() as tx:
            tx.run(RELEASE, (token,))
            tx.run(RELEASE_LOG, (tx.now, token))

    def done(self, claim: EmbedClaim, embedded: int) -> None:
        with self.sql.write() as tx:
            tx.run(DONE, (claim.token,))
            tx.run(DONE_LOG, (tx.now, embedded, claim.token))

    def in_flight(self, model: str, post_ids: Sequence[int]) -> int:
        with self.sql.read() as tx:
            params = (model, tx.ids(post_ids), tx.now, len(LEASE_TOKEN), LEASE_TOKEN)
            return int(tx.rows(IN_FLIGHT, params)[0][0])

    def log(self, since: float = 0.0) -> builtins.list[EmbedClaimRecord]:
        with self.sql.read() as tx:
            return [EmbedClaimRecord(*r) for r in tx.rows(CLAIM_LOG, (since,))]


def _claim(
    tx: Statements, model: str, ids: Sequence[int], who: tuple[str, str], ttl: float
) -> tuple[StoredPost, ...]:
    """Claim rows for those of ``ids`` free to take, the claim logged; the posts it took."""
    if not ids:
        return ()
    holder, token = who
    now = tx.now
    lease = (len(LEASE_TOKEN), LEASE_TOKEN) * 2
    got = [r[0] for r in tx.rows(CLAIM, (model, token, now + ttl, tx.ids(ids), now, *lease))]
    if not got:
        return ()
    tx.run(PRUNE_LOG, (now - KEEP_LOG,))
    tx.run(LOG, (token, model, holder, len(got), now, now + ttl))
    return in_id_order(stored_post(r) for r in tx.rows(POSTS, (tx.ids(got),)))


@contextmanager
def hold_posts(
    sql: EmbedClaims,
    model: str,
    ttl: float,
    take: Callable[[str, str], tuple[StoredPost, ...]],
    prefix: str = "",
) -> Iterator[EmbedClaim]:
    """``EmbedClaimRepo.hold``/``hold_posts``: ``take(holder, token)`` claims the posts (one transaction;
    the token begins with ``prefix``); renewed while held; what is not done is released at the end."""
    holder, token = claimant(), prefix + new_token()
    posts = take(holder, token)
    if not posts:
        yield EmbedClaim(token, model, ())
        return
    try:
        with renewing(f"embedding claim {token}", ttl, lambda: sql.renew_claim(token, ttl)):
            yield EmbedClaim(token, model, posts)
    finally:
        sql.release_claim(token)


def in_id_order(posts: Iterable[StoredPost]) -> tuple[StoredPost, ...]:
    return tuple(sorted(posts, key=lambda p: p.id))
