"""How a PostgreSQL search is run: the page of posts and snippets is a prepared statement, which PostgreSQL
comes to run on its generic plan (planned once per connection, not on every search: ≈ 0.9 ms of the server's
CPU), while the hits' statement — whose best plan depends on how common the words are — is never prepared;
JIT compilation is off in the pool's sessions. On 1,500 real posts the answers stay the same from the first
search (custom plans) to the tenth (generic), and are ``ts_rank_cd``'s own order."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta

import psycopg

from conftest import shared
from svodka.model import ChannelRef, Post, SearchHit
from svodka.store import Store
from svodka.store.postgres.fulltext import CONFIG, post_match

T0 = datetime(2024, 12, 2, 9, tzinfo=UTC)
NEWS = ChannelRef(handle="newsroom")
QUERIES = ["выборы", "путин заявил", '"в москве"', "украин* -россия", "трамп OR байден", '"и в"', "москв*"]
SEARCHES = 10  # more than PostgreSQL's five custom plans before it weighs the generic one


def _real_posts(store: Store, n: int = 1500) -> None:
    lines = shared("tg_ru_news_2024", "posts.jsonl").read_text(encoding="utf-8").splitlines()[:n]
    texts = [json.loads(line)["text"] or "" for line in lines]
    store.posts.save([Post(NEWS, i + 1, T0 + timedelta(minutes=i), t) for i, t in enumerate(texts)])
    store.posts.index_pending()


def _sessions(store: Store) -> list[psycopg.Connection]:
    """Every connection the store's pool holds open now (taken at once, so each is a different one)."""
    pool = store.db.pool  # type: ignore[attr-defined]
    return [pool.getconn() for _ in range(pool.get_stats()["pool_size"])]


def _answer(hits: list[SearchHit]) -> list[tuple[int, float, str]]:
    return [(h.post.id, h.rank, h.snippet) for h in hits]


def test_the_page_is_prepared_and_runs_on_its_generic_plan_the_hits_are_not(store: Store) -> None:
    _real_posts(store)
    for _ in range(SEARCHES):
        for q in QUERIES:
            store.posts.search(q, limit=20)
    conns = _sessions(store)
    try:
        prepared = [
            r
            for c in conns
            for r in c.execute(
                "SELECT statement, generic_plans, custom_plans FROM pg_prepared_statements"
            ).fetchall()
        ]
        jit = {c.execute("SHOW jit").fetchone()[0] for c in conns}  # type: ignore[index]
    finally:
        for c in conns:
            store.db.pool.putconn(c)  # type: ignore[attr-defined]
    pages = [p for p in prepared if "WITH ORDINALITY" in p[0] and "ts_rank_cd" not in p[0]]
    assert pages, prepared  # main: nothing prepared, every search planned whole
    assert sum(p[1] for p in pages) >= SEARCHES * len(QUERIES) - 5 * len(conns) * len(pages)
    assert not [p for p in prepared if "ts_rank_cd" in p[0]]  # the hits: planned for their words each time
    assert jit == {"off"}


def test_answers_are_the_same_on_custom_and_generic_plans_and_in_rank_order(store: Store) -> None:
    _real_posts(store)
    for q in QUERIES:
        first = _answer(store.posts.search(q, limit=20))
        second = _answer(store.posts.search(q, limit=20, offset=20))
        recent = _answer(store.posts.search_recent(q, limit=20))
        assert first, q
        for _ in range(SEARCHES):
            assert _answer(store.posts.search(q, limit=20)) == first, q
            assert _answer(store.posts.search(q, limit=20, offset=20)) == second, q
            assert _answer(store.posts.search_recent(q, limit=20)) == recent, q
        match = post_match(q)
        with store.db.read() as conn:  # type: ignore[attr-defined]
            ranked = conn.execute(
                f"SELECT s.post_id, ts_rank_cd(s.tsv, to_tsquery('{CONFIG}', %s)) AS r FROM post_search s "
                f"WHERE {match.where} ORDER BY r DESC, s.post_id DESC LIMIT 40",
                (match.rank, *match.params),
                prepare=False,
            ).fetchall()
        assert [(i, r) for i, r, _ in first + second] == [(i, r) for i, r in ranked], q
