"""How SQLite answers a search: a filter applied as a set of post ids or row by row gives the same hits,
and the order is FTS5's bm25 over every match within the rank window.

SQLite only: FEW_POSTS (svodka.store.sqlite.posts) and the posts_fts table are SQLite's. (Search as every
backend does it, on the same store: tests/test_web_search.py.)"""

from __future__ import annotations

import re
from datetime import UTC, datetime

import pytest

from svodka.store.sqlite import posts as sqlite_posts
from svodka.store.sqlite.fulltext import fts_query
from test_web_search import SAMPLE, Env, _ids, env  # noqa: F401  (env: the module's store, a fixture)


def test_filters_by_id_set_and_by_row_lookup_agree(env: Env, monkeypatch: pytest.MonkeyPatch) -> None:  # noqa: F811
    since, until = datetime(2024, 12, 2, 6, tzinfo=UTC), datetime(2024, 12, 2, 18, tzinfo=UTC)
    channels = sorted({h.post.channel_id for h in env.store.posts.search("Путин", limit=500)})[:3]
    cases = [
        {"since": since, "until": until},
        {"channel_ids": channels},
        {"channel_ids": channels, "language": "ru"},
        {"since": since, "language": "ru"},
    ]
    for kwargs in cases:
        monkeypatch.setattr(sqlite_posts, "FEW_POSTS", 10**9)  # always as a set of ids
        as_set = _ids(env.store.posts.search("Путин", limit=500, **kwargs))  # type: ignore[arg-type]
        monkeypatch.setattr(sqlite_posts, "FEW_POSTS", 0)  # always row by row
        by_row = _ids(env.store.posts.search("Путин", limit=500, **kwargs))  # type: ignore[arg-type]
        assert as_set and as_set == by_row, kwargs
        for h in env.store.posts.search("Путин", limit=500, **kwargs):  # type: ignore[arg-type]
            assert "channel_ids" not in kwargs or h.post.channel_id in channels
            assert "since" not in kwargs or h.post.date >= since
            assert "until" not in kwargs or h.post.date < until


def test_ranking_is_bm25_over_all_matches_within_the_window(env: Env) -> None:  # noqa: F811
    """Below the window the order is exactly FTS5's bm25 over every match; above it, over the newest."""
    query = "Путин"
    with env.store.db.read() as conn:  # type: ignore[attr-defined]
        full = conn.execute(
            "SELECT rowid, bm25(posts_fts) FROM posts_fts WHERE posts_fts MATCH ? ORDER BY 2, 1 DESC",
            (fts_query(query),),
        ).fetchall()
    assert len(full) > 30
    hits = env.store.posts.search(query, limit=len(full))
    assert _ids(hits) == [r[0] for r in full]
    assert [round(h.rank, 6) for h in hits] == [round(-r[1], 6) for r in full]
    # Paging walks the same order without gaps or repeats.
    paged = [i for page in range(0, len(full), 7) for i in _ids(env.store.posts.search(query, 7, page))]
    assert paged == [r[0] for r in full]
    # A window of the 10 newest matches: the best of those, by the same score.
    newest = sorted(full, key=lambda r: -r[0])[:10]
    windowed = env.store.posts.search(query, limit=50, rank_window=10)  # type: ignore[call-arg]
    assert _ids(windowed) == [r[0] for r in sorted(newest, key=lambda r: (r[1], -r[0]))]
    # Snippets mark the match in every hit of the page.
    assert all(re.search(r"\[путин", h.snippet.lower()) for h in hits[:20])


def test_queries_are_parsed_alike_from_many_threads_at_once() -> None:
    """Web requests parse queries in parallel threads: the stemmers must not share a word between them."""
    import sys
    import threading

    words = SAMPLE.read_text(encoding="utf-8").split()[:3000]
    expected = [fts_query(w) if re.search(r"\w", w) else "" for w in words]
    failures: list[str] = []
    old = sys.getswitchinterval()
    sys.setswitchinterval(1e-6)  # switch threads as often as possible

    def parse() -> None:
        try:
            got = [fts_query(w) if re.search(r"\w", w) else "" for w in words]
            if got != expected:
                failures.append("different result")
        except Exception as e:  # a stemmer shared between threads raises IndexError
            failures.append(repr(e))

    try:
        threads = [threading.Thread(target=parse) for _ in range(8)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
    finally:
        sys.setswitchinterval(old)
    assert failures == []
