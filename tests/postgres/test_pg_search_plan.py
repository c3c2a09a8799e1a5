"""How PostgreSQL runs a phrase search: a phrase of a stop word and a common name, «в Москве», is answered by
the index of the stems (``post_search.tsv``, GIN; migration 0036 dropped the index of the words as written) —
only the posts with the phrase's stems are read, their words' positions checked, no regex over any text (it
once read every post with «москв»: ten times the GIN scan's time), no scan of every post — and the stored
vectors are the ones ``translate`` gave (one ``replace`` per split character, for speed, must not change a
lexeme)."""

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
            (match.rank, *match.params, 10_000, 50, 0),
        ).fetchone()
    return (row if isinstance(row, list) else json.loads(row))[0]["Plan"]  # type: ignore[no-any-return]


def _indexes(nodes: list[dict[str, Any]]) -> set[str]:
    return {n["Index Name"] for n in nodes if "Index Name" in n}


def test_a_stop_word_phrase_reads_only_the_posts_with_its_stems(store: Store) -> None:
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
    scans = [n for n in nodes if n.get("Index Name") == "post_search_tsv"]
    assert scans and max(n["Actual Rows"] for n in scans) == 15  # every post with «москв», none of the 400
    (heap,) = [n for n in nodes if n["Node Type"] == "Bitmap Heap Scan" and n["Alias"] == "s"]
    assert heap["Actual Rows"] == 5 and heap["Rows Removed by Filter"] == 10


def test_words_and_phrases_are_found_through_the_stems_index(store: Store) -> None:
    ref = ChannelRef(handle="newsroom")
    texts = [f"Курс рубля и погода, выпуск {i}" for i in range(300)]
    texts += [f"Выборы в Грузии, {i}" for i in range(4)] + [f"Выборы мэра прошли, {i}" for i in range(6)]
    texts += [f"Грузии и Армении, {i}" for i in range(3)]
    store.posts.save([Post(ref, i + 1, T0 + timedelta(minutes=i), t) for i, t in enumerate(texts)])
    for query, expected in [('выборы "в грузии"', 4), ('"в грузии" OR "и армении"', 7), ('"грузии"', 7)]:
        assert len(store.posts.search(query, limit=500)) == expected
        nodes = list(_nodes(_plan(store, query)))
        assert _indexes(nodes) >= {"post_search_tsv"} and not _seq_scans(nodes), query


def test_a_phrase_of_stop_words_alone_is_checked_on_every_post(store: Store) -> None:
    """«и в» has no stems (``to_tsquery`` drops stop words, and its empty query would match nothing): its
    posts are found by their words, read one by one — rare, and right."""
    ref = ChannelRef(handle="newsroom")
    texts = ["Дождь и в Москве, и в области", "Снег в Москве и области", "И в самом деле"]
    store.posts.save([Post(ref, i + 1, T0 + timedelta(minutes=i), t) for i, t in enumerate(texts)])
    assert {h.post.message_id for h in store.posts.search('"и в"')} == {1, 3}
    assert {h.post.message_id for h in store.posts.search('"и в" OR "снег в москве"')} == {1, 2, 3}
    assert {h.post.message_id for h in store.posts.search('"и в" "в москве"')} == {1}
    assert store.posts.count_matches('"и в" -"в области"') == 1


def test_the_words_index_is_gone_after_migrate(store: Store) -> None:
    with store.db.read() as conn:  # type: ignore[attr-defined]
        rows = conn.execute("SELECT indexname FROM pg_indexes WHERE tablename = 'post_search'").fetchall()
        applied = conn.execute("SELECT 1 FROM schema_migrations WHERE name = %s", ("0036_phrases_by_stems",))
        names, applied = {r[0] for r in rows}, applied.fetchone()
    assert names == {"post_search_pkey", "post_search_tsv"} and applied == (1,)


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
