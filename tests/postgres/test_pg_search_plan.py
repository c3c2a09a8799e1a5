"""How PostgreSQL runs a phrase search: the phrase's regex reads only the posts the tsquery found (a phrase of
a preposition and a common name, «в Москве», once had the planner read every post with the regex: ten times
the GIN scan's time), and the stored tsvector is the one ``translate`` gave (one ``replace`` per split
character, for speed, must not change a lexeme)."""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

from svodka.model import ChannelRef, Post
from svodka.store import Store
from svodka.store.postgres.fulltext import _SPLIT, post_match, ranked_sql, tsvector_of

T0 = datetime(2024, 12, 2, 9, tzinfo=UTC)


def _nodes(plan: dict[str, Any]) -> Iterator[dict[str, Any]]:
    yield plan
    for child in plan.get("Plans", ()):
        yield from _nodes(child)


def test_a_phrase_regex_reads_only_the_tsquery_matches(store: Store) -> None:
    ref = ChannelRef(handle="newsroom")
    texts = [f"Погода и курс валют, выпуск {i}: без изменений" for i in range(400)]
    texts += [f"Снег в Москве, выпуск {i}" for i in range(5)] + [
        f"Москва готовится к зиме, {i}" for i in range(7)
    ]
    store.posts.save([Post(ref, i + 1, T0 + timedelta(minutes=i), t) for i, t in enumerate(texts)])
    hits = store.posts.search('"в москве"', limit=50)
    assert sorted(h.post.text for h in hits) == sorted(t for t in texts if "в Москве" in t)
    tsq, check, checked = post_match('"в москве"')
    assert check  # a phrase: the regex is there
    with store.db.read() as conn:  # type: ignore[attr-defined]
        conn.execute("ANALYZE posts")
        conn.execute("ANALYZE post_search")
        (row,) = conn.execute(
            "EXPLAIN (ANALYZE, FORMAT JSON) " + ranked_sql("", check), (tsq, *checked, 10_000, tsq, 50, 0)
        ).fetchone()
    plan = (row if isinstance(row, list) else json.loads(row))[0]["Plan"]
    read = [
        n["Actual Loops"] * (n["Actual Rows"] + n.get("Rows Removed by Filter", 0))
        for n in _nodes(plan)
        if "~*" in n.get("Filter", "")
    ]
    assert read and sum(read) <= 12, read  # the 12 posts with «Москв…», not the 412 stored


def test_the_stored_tsvector_splits_links_as_translate_did(store: Store) -> None:
    text = "Читайте bbc.com/russian/news?id=1&x=2#top (подробнее) [тут] <b>*важно*</b> a_b+c~d|e: ёлка"
    spaces = " " * len(_SPLIT)
    with store.db.read() as conn:  # type: ignore[attr-defined]
        now, before = conn.execute(
            f"SELECT {tsvector_of('t')}::text, "
            f"to_tsvector('russian', translate(t, '{_SPLIT}', '{spaces}'))::text FROM (SELECT %s AS t) x",
            (text,),
        ).fetchone()
    assert now == before and "'russian'" in now
