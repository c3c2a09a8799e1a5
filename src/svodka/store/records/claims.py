"""What the claim repositories of both backends share: who a claimant is, the thread that renews a claim
while it is held, and the hold around a backend's take / renew / release statements.

A backend's source claims (``store/<backend>/claims.py``) and embedding claims (``embed_claims.py``) keep
only their SQL; the renewal every third of the ttl, its warnings and the order of the hold's steps (take,
renew while the block runs, stop renewing, release) are written here once.
"""

from __future__ import annotations

import os
import secrets
import socket
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from typing import Protocol

from svodka.model import StoredPost
from svodka.store.base import Claim, EmbedClaim
from svodka.store.lifecycle import renewing

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
    other = sql.take(key, holder, token, ttl)
    if other is not None:
        yield Claim(key, held=False, holder=other)
        return
    try:
        with renewing(f"claim of {key}", ttl, lambda: sql.renew(key, token, ttl)):
            yield Claim(key, held=True, holder=holder)
    finally:
        sql.release(key, token)


class EmbedClaimSql(Protocol):
    """A backend's statements for the embedding claims (``store/<backend>/embed_claims.py``)."""

    def renew_claim(self, token: str, ttl: float) -> bool:
        """Move the expiry of the claim's posts not done ``ttl`` on; False when none is this token's any more
        (and the claim is not done)."""

    def release_claim(self, token: str) -> None:
        """Free the claim's posts that are not done, and log the claim's end."""


@contextmanager
def hold_posts(
    sql: EmbedClaimSql,
    model: str,
    ttl: float,
    take: Callable[[str, str], tuple[StoredPost, ...]],
    prefix: str = "",
) -> Iterator[EmbedClaim]:
    """``EmbedClaimRepo.hold``/``hold_posts`` over a backend's statements: ``take(holder, token)`` claims
    the posts (one transaction; the token begins with ``prefix``); renewed while held; what is not done is
    released at the end."""
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
