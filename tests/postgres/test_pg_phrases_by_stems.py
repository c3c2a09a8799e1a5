"""Phrases looked up through the stems' index (migration 0036) find what the words alone found: on 3,000 real
posts, every query form of the query language — phrases of stop words and names, phrases the corpus has
(word pairs and triples cut from its posts), OR, AND with words and prefixes, minus phrases, the filters —
gives the same posts in the same order, ranked and newest first, and the same count, as the check of every
post's words without the candidates (``fulltext._candidates`` giving none)."""

from __future__ import annotations

import json
import re
from datetime import UTC, datetime, timedelta

import pytest

from conftest import shared
from svodka.model import ChannelRef, Post
from svodka.store import Store
from svodka.store.postgres import fulltext

T0 = datetime(2024, 12, 2, 9, tzinfo=UTC)
NEWS, WIRE = ChannelRef(handle="newsroom"), ChannelRef(handle="wire")
FIXED = [
    '"в москве"',
    '"курс рубля"',
    '"и в"',
    '"в москве" OR "в области"',
    'выборы -"в москве"',
    'украин* "в москве"',
    '"снег в москве" OR выборы',
    '("в москве" | "в подмосковье") -"и в"',
    '"covid 19"',
    '"москве"',
    'россия "в москве" -"на украине"',
]


def _phrases(texts: list[str]) -> list[str]:
    """Word pairs and triples of the corpus's own posts: phrases that are there (and their neighbours)."""
    out = []
    for i, text in enumerate(texts[::150]):
        words = re.findall(r"[^\W_]+", text.lower())[:6]
        if len(words) >= 3:
            out.append('"' + " ".join(words[1:3] if i % 2 else words[:3]) + '"')
    return out


@pytest.mark.backends("postgresql", reason="the stems' index is PostgreSQL's; SQLite's phrases are FTS5's")
def test_phrases_by_their_stems_find_what_their_words_found(
    store: Store, monkeypatch: pytest.MonkeyPatch
) -> None:
    lines = shared("tg_ru_news_2024", "posts.jsonl").read_text(encoding="utf-8").splitlines()[:3000]
    texts = [json.loads(line)["text"] or "" for line in lines]
    store.posts.save(
        [Post(NEWS if i % 3 else WIRE, i + 1, T0 + timedelta(minutes=i), t) for i, t in enumerate(texts)]
    )
    news = store.channels.get(NEWS).id  # type: ignore[union-attr]
    window = {"since": T0 + timedelta(hours=5), "until": T0 + timedelta(hours=40)}
    queries = FIXED + _phrases(texts)

    def answers() -> list[object]:
        out: list[object] = []
        for q in queries:
            out.append([h.post.id for h in store.posts.search(q, limit=100)])
            out.append([h.post.id for h in store.posts.search_recent(q, limit=30, offset=5)])
            out.append([h.post.id for h in store.posts.search(q, limit=30, channel_ids=[news], **window)])  # type: ignore[arg-type]
            out.append(store.posts.count_matches(q))
        return out

    by_stems = answers()
    monkeypatch.setattr(fulltext, "_candidates", lambda node: None)
    assert by_stems == answers()
    found = [a for a in by_stems[::4] if a]
    assert len(found) >= len(queries) - 2  # the queries find posts: the comparison is not of empty pages
