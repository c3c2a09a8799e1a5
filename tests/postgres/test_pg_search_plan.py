"""How PostgreSQL runs a phrase search: a phrase of a stop word and a common name, «в Москве», is answered by
the index of the words as written (``post_search.words``, GIN) — only the posts with both words are read,
their positions checked, no regex over any text (it once read every post with «москв»: ten times the GIN
scan's time) — and the stored vectors are the ones ``translate`` gave (one ``replace`` per split character,
for speed, must not change a lexeme)."""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

from svodka.model import ChannelRef, Post
from svodka.store import Store
from svodka.store.postgres.fulltext import _EXACT_SPLIT, _SPLIT, post_match, ranked_sql, tsvector_of, words_of

T0 = datetime(2024, 12, 2, 9, tzinfo=UTC)


def _nodes(plan: dict[str, Any]) -> Iterator[dict[str, Any]]:
    yield plan
    for child in plan.get("Plans", ()):
        yield from _nodes(child)


def _seq_scans(nodes: list[dict[str, Any]]) -> list[dict[str, Any]]:
    return [n for n in nodes if n.get("Relation Name") == "post_search" and n["Node Type"] == "Seq Scan"]


def _plan(store: Store, query: str) -> dict[str, Any]:
    match = post_match(query)
    with store.db.read() as conn:  # type: ignore[attr-defined]
        conn.execute("ANALYZE posts")
        conn.execute("ANALYZE post_search")
        (row,) = conn.execute(
            "EXPLAIN (ANALYZE, FORMAT JSON) " + ranked_sql("", match),
            (match.rank, *match.params, 10_000, 50, 0, match.rank),
        ).fetchone()
    return (row if isinstance(row, list) else json.loads(row))[0]["Plan"]  # type: ignore[no-any-return]


def test_a_stop_word_phrase_reads_only_the_posts_with_both_words(store: Store) -> None:
    ref = ChannelRef(handle="newsroom")
    texts = [f"Погода в области и курс валют, выпуск {i}" for i in range(400)]  # «в», no «Москве»
    texts += [f"Снег в Москве, выпуск {i}" for i in range(5)]
    texts += [f"Москва готовится к зиме, {i}" for i in range(7)]  # «москв», not «Москве»
    texts += [f"В области тепло, а в столице (Москве) снег, {i}" for i in range(3)]  # both words, apart
    store.posts.save([Post(ref, i + 1, T0 + timedelta(minutes=i), t) for i, t in enumerate(texts)])
    hits = store.posts.search('"в москве"', limit=50)
    assert sorted(h.post.text for h in hits) == sorted(t for t in texts if "в Москве" in t)
    plan = _plan(store, '"в москве"')
    nodes = list(_nodes(plan))
    # the regex of a capped post reads its text (posts "t"): never, here
    texts_read = [n for n in nodes if n.get("Alias") == "t"]
    assert texts_read and all(n["Actual Loops"] == 0 for n in texts_read)
    assert not _seq_scans(nodes)
    scans = [n for n in nodes if n.get("Index Name") == "post_search_words"]
    assert scans and max(n["Actual Rows"] for n in scans) <= 8  # the 5 with «в Москве», the 3 with both apart
    (heap,) = [n for n in nodes if n["Node Type"] == "Bitmap Heap Scan" and n["Alias"] == "s"]
    assert heap["Actual Rows"] == 5 and heap.get("Rows Removed by Index Recheck", 0) <= 3


def test_words_and_phrases_are_found_through_their_indexes(store: Store) -> None:
    ref = ChannelRef(handle="newsroom")
    texts = [f"Курс рубля и погода, выпуск {i}" for i in range(300)]
    texts += [f"Выборы в Грузии, {i}" for i in range(4)] + [f"Выборы мэра прошли, {i}" for i in range(6)]
    store.posts.save([Post(ref, i + 1, T0 + timedelta(minutes=i), t) for i, t in enumerate(texts)])
    assert len(store.posts.search('выборы "в грузии"', limit=50)) == 4
    nodes = list(_nodes(_plan(store, 'выборы "в грузии"')))
    assert "post_search_words" in {n.get("Index Name") for n in nodes} and not _seq_scans(nodes)


def test_the_stored_vectors_split_links_as_translate_did(store: Store) -> None:
    text = "Читайте bbc.com/russian/news?id=1&x=2#top (подробнее) [тут] <b>*важно*</b> a_b+c~d|e: ёлка-палка"
    with store.db.read() as conn:  # type: ignore[attr-defined]
        now, before, words, translated = conn.execute(
            f"SELECT {tsvector_of('t')}::text, "
            f"to_tsvector('russian', translate(t, '{_SPLIT}', '{' ' * len(_SPLIT)}'))::text, "
            f"{words_of('t')}::text, "
            f"to_tsvector('simple', translate(t, 'ёЁ{_EXACT_SPLIT}', 'еЕ{' ' * len(_EXACT_SPLIT)}'))::text "
            "FROM (SELECT %s AS t) x",
            (text,),
        ).fetchone()
    assert now == before and "'russian'" in now
    assert words == translated and "'елка'" in words and "'палка'" in words and "'a'" in words
