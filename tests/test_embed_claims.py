"""``store.embed_claims`` (migration 0029) on both backends: a post is claimed by one worker at a time,
lowest ids first; a claim done with its vectors is never taken again, one released or expired returns to
the pool; the worker placing stories claims its batch's posts no live claim holds; claims of posts at or
below the watermark are forgotten; every claim is logged; a claim does not scan past the posts claimed
already (migration 0035)."""

from __future__ import annotations

import os
import time
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

import pytest

from svodka.model import ChannelRef, PostAnalysis
from svodka.model import Post as NewPost
from svodka.store import Store, open_store

T0 = datetime(2024, 12, 2, 9, tzinfo=UTC)
MODEL = "test-model"


@pytest.fixture
def store(store_url: str) -> Iterator[Store]:
    """The store of ``store_url`` (a second worker opens it again)."""
    with open_store(store_url) as s:
        yield s


def _posts(store: Store, n: int) -> list[int]:
    """``n`` posts; their ids, lowest first."""
    ref = ChannelRef(handle="claims_channel")
    text = "Новость номер {} о событиях дня"
    rows = [NewPost(ref, i, T0 + timedelta(minutes=i), text.format(i)) for i in range(1, n + 1)]
    for i in range(0, n, 2000):
        store.posts.save(rows[i : i + 2000])
    return sorted(p.id for p in store.posts.iter())


def test_posts_are_claimed_once_lowest_ids_first_and_return_when_released_or_expired(
    store: Store, store_url: str
) -> None:
    ids = _posts(store, 6)
    me = f"pid {os.getpid()} on {os.uname().nodename}"
    with open_store(store_url) as other:
        with store.embed_claims.hold(MODEL, 0, 2, 30.0) as first:
            assert [p.id for p in first.posts] == ids[:2]  # the lowest ids
            assert store.embed_claims.in_flight(MODEL, ids) == 2
            with other.embed_claims.hold(MODEL, 0, 3, 30.0) as second:  # another worker: the next ones
                assert [p.id for p in second.posts] == ids[2:5]
                with other.transaction():
                    other.embed_claims.done(second, embedded=3)
            with other.embed_claims.hold(MODEL, 0, 10, 30.0) as third:
                assert [p.id for p in third.posts] == ids[5:]  # done ones are never taken again
            # released without done: free again
            with other.embed_claims.hold("another-model", 0, 10, 30.0) as fourth:  # claims are per model
                assert [p.id for p in fourth.posts] == ids
        with other.embed_claims.hold(MODEL, 0, 10, 0.5) as fifth:  # the first claim ended: its posts are free
            assert [p.id for p in fifth.posts] == [ids[0], ids[1], ids[5]]
        log = store.embed_claims.log()
    assert [(r.holder, r.posts, r.embedded) for r in log] == [
        (me, 2, None),
        (me, 3, 3),
        (me, 1, None),
        (me, 6, None),
        (me, 3, None),
    ]
    assert log[1].done_at is not None and all(r.released_at is not None for r in log)


def test_an_expired_claim_returns_to_the_pool(store: Store, store_url: str) -> None:
    ids = _posts(store, 3)
    with open_store(store_url) as other:
        held = store.embed_claims.hold(MODEL, 0, 3, 0.3)
        claim = held.__enter__()
        try:
            assert len(claim.posts) == 3
            with store.db.write() as conn:  # type: ignore[attr-defined]
                conn.execute("UPDATE embed_claims SET expires_at = 0")  # as if its worker died long ago
            assert store.embed_claims.in_flight(MODEL, ids) == 0
            with other.embed_claims.hold(MODEL, 0, 10, 30.0) as taken:
                assert [p.id for p in taken.posts] == ids
                assert other.embed_claims.in_flight(MODEL, ids) == 3
        finally:
            held.__exit__(None, None, None)


def test_a_live_claim_is_renewed_while_held(store: Store) -> None:
    ids = _posts(store, 2)
    with store.embed_claims.hold(MODEL, 0, 2, 0.6) as claim:
        assert len(claim.posts) == 2
        time.sleep(1.5)  # longer than the ttl: renewed every 0.2 s
        assert store.embed_claims.in_flight(MODEL, ids) == 2


def test_the_placer_claims_what_no_live_claim_holds_and_the_watermark_forgets(
    store: Store, store_url: str
) -> None:
    ids = _posts(store, 5)
    with open_store(store_url) as other, other.embed_claims.hold(MODEL, 0, 2, 30.0) as helper:
        assert [p.id for p in helper.posts] == ids[:2]
        with store.embed_claims.hold_posts(MODEL, ids[:4], 30.0) as batch:
            assert [p.id for p in batch.posts] == ids[2:4]  # not those another worker embeds now
            with store.transaction():
                store.embed_claims.done(batch, embedded=2)
        with store.embed_claims.hold_posts(MODEL, ids[2:4], 30.0) as again:  # a done claim is taken again
            assert [p.id for p in again.posts] == ids[2:4]
    # analysed posts are not claimed; claims at or below the watermark are forgotten
    store.analysis.save([PostAnalysis(ids[4], "ru", False, None, "x", 1)])
    with store.embed_claims.hold(MODEL, max(ids), 10, 30.0) as nothing:
        assert nothing.posts == ()
    with store.db.read() as conn:  # type: ignore[attr-defined]
        assert conn.execute("SELECT count(*) FROM embed_claims").fetchone()[0] == 0
    with store.embed_claims.hold(MODEL, 0, 10, 30.0) as rest:
        assert {p.id for p in rest.posts} == set(ids[:4])


def test_a_dead_placers_claims_are_taken_over_by_the_next_placer_at_once(
    store: Store, store_url: str
) -> None:
    ids = _posts(store, 3)
    with open_store(store_url) as other:
        held = other.embed_claims.hold_posts(MODEL, ids, 600.0)  # the lease holder that then dies
        first = held.__enter__()
        try:
            assert len(first.posts) == 3
            assert store.embed_claims.in_flight(MODEL, ids) == 0  # no other worker embeds them
            with store.embed_claims.hold(MODEL, 0, 10, 30.0) as helper:
                assert helper.posts == ()  # a worker without the lease leaves them alone
            with store.embed_claims.hold_posts(MODEL, ids, 30.0) as taken:  # the next lease holder
                assert [p.id for p in taken.posts] == ids
        finally:
            held.__exit__(None, None, None)


# Embedding claims do not scan past the posts claimed already (issue 18 §3, migration 0035): a claim takes
# the expired claims' posts, then fresh posts from the cursor where the last claim's scan stopped. So the work
# of one claim does not grow with the posts claimed before it; and what the cursor passed (a claim let go, a
# dead placer's batch) is still claimed again.

SIZE = 100


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
