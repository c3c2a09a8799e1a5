"""The order users get from a search, on both backends and real posts: by relevance, the best-ranked first
and the newest among equals; by date, the newest first — each with the post's own relevance as its score
(PostgreSQL ranks only the page it shows when the order is by date)."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta

import pytest

from conftest import shared
from svodka.model import ChannelRef, Post
from svodka.store import Store

T0 = datetime(2024, 12, 2, 9, tzinfo=UTC)
NEWS = ChannelRef(handle="newsroom")
QUERIES = ["выборы", "курс рубля", '"в москве"', "украин* -россия", "трамп OR байден", "погода москва"]


@pytest.fixture
def real(store: Store) -> Store:
    lines = shared("tg_ru_news_2024", "posts.jsonl").read_text(encoding="utf-8").splitlines()[:8000]
    # dates out of id order, so that the newest by date is not the highest id
    store.posts.save(
        [
            Post(NEWS, i + 1, T0 + timedelta(minutes=(i * 37) % 8000), json.loads(line)["text"] or "")
            for i, line in enumerate(lines)
        ]
    )
    return store


@pytest.mark.parametrize("query", QUERIES)
def test_by_relevance_and_by_date_over_every_match(real: Store, query: str) -> None:
    everything = real.posts.search(query, limit=10_000)
    assert len(everything) == real.posts.count_matches(query) > 3
    ranks = {h.post.id: h.rank for h in everything}
    assert [h.post.id for h in everything] == sorted(ranks, key=lambda i: (-ranks[i], -i))
    page = real.posts.search(query, limit=10, offset=5)
    assert [h.post.id for h in page] == [h.post.id for h in everything[5:15]]
    dates = {h.post.id: h.post.date for h in everything}
    newest = sorted(dates, key=lambda i: (dates[i], i), reverse=True)
    recent = real.posts.search_recent(query, limit=10, offset=3)
    assert [h.post.id for h in recent] == newest[3:13]
    assert all(h.rank == pytest.approx(ranks[h.post.id]) for h in recent)
    assert all("[" in h.snippet for h in recent)
