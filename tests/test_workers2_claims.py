"""Embedding claims do not scan past the posts claimed already (issue 18 §3, migration 0035): a claim takes
the expired claims' posts, then fresh posts from the cursor where the last claim's scan stopped. So the
work of one claim does not grow with the posts claimed before it; and what the cursor passed (a claim let
go, a dead placer's batch) is still claimed again."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

import pytest

from svodka.model import ChannelRef, Post
from svodka.store import Store, open_store

T0 = datetime(2024, 12, 2, 9, tzinfo=UTC)
MODEL = "test-model"
SIZE = 100


@pytest.fixture
def store(store_url: str) -> Iterator[Store]:
    with open_store(store_url) as s:
        yield s


def _posts(store: Store, n: int) -> list[int]:
    ref = ChannelRef(handle="claims_channel")
    rows = [Post(ref, i, T0 + timedelta(seconds=i), f"Новость номер {i}") for i in range(1, n + 1)]
    for i in range(0, n, 2000):
        store.posts.save(rows[i : i + 2000])
    return sorted(p.id for p in store.posts.iter())


def _claim_done(store: Store) -> int:
    with store.embed_claims.hold(MODEL, 0, SIZE, 30.0) as claim, store.transaction():
        store.embed_claims.done(claim, len(claim.posts))
    return len(claim.posts)


def _steps(store: Store) -> int:
    """SQLite's virtual machine steps (in thousands) of one claim of ``SIZE`` posts, done."""
    steps = [0]

    def count() -> int:
        steps[0] += 1
        return 0

    conn = store.db.conn  # type: ignore[attr-defined]
    conn.set_progress_handler(count, 1000)
    try:
        assert _claim_done(store) == SIZE
    finally:
        conn.set_progress_handler(None, 0)
    return steps[0]


@pytest.mark.backends(
    "sqlite", reason="counts SQLite's VM steps; the claim's flow and SQL are the same code on PostgreSQL"
)
def test_a_claim_costs_the_same_with_thousands_of_posts_claimed_before_it(store: Store) -> None:
    _posts(store, 60 * SIZE)
    first = _steps(store)
    for _ in range(50):  # 5,000 posts claimed and done; the watermark stays (the placer has not got there)
        _claim_done(store)
    late = _steps(store)
    # scanning from the watermark past 5,000 claimed posts took ≈ 20× the steps of the first claim
    assert late <= 2 * first + 2, (first, late)


def test_what_the_cursor_passed_is_claimed_again(store: Store, store_url: str) -> None:
    ids = _posts(store, 8)
    with open_store(store_url) as other:
        with store.embed_claims.hold(MODEL, 0, 2, 30.0) as let_go:  # let go without done
            assert [p.id for p in let_go.posts] == ids[:2]
        placer = other.embed_claims.hold_posts(MODEL, ids[6:], 600.0)  # a placer that then dies
        dead = placer.__enter__()
        try:
            assert [p.id for p in dead.posts] == ids[6:]
            with store.embed_claims.hold(MODEL, 0, 3, 30.0) as second:  # what was let go first, then on
                assert [p.id for p in second.posts] == [*ids[:2], ids[2]]
                with store.transaction():
                    store.embed_claims.done(second, 3)
            with store.embed_claims.hold(MODEL, 0, 10, 30.0) as third:  # not the live placer's posts
                assert [p.id for p in third.posts] == ids[3:6]
                with store.transaction():
                    store.embed_claims.done(third, 3)
            with store.db.write() as conn:  # type: ignore[attr-defined]
                expire = f"UPDATE embed_claims SET expires_at = 0 WHERE token = {_param(store_url)}"
                conn.execute(expire, (dead.token,))  # as if the placer died long ago
            with store.embed_claims.hold(MODEL, 0, 10, 30.0) as fourth:  # its posts are free now
                assert [p.id for p in fourth.posts] == ids[6:]
        finally:
            placer.__exit__(None, None, None)


def _param(url: str) -> str:
    return "%s" if url.startswith("postgresql") else "?"
