"""Full-text search on PostgreSQL: the query language of svodka.query compiled to a tsquery over the stored
``tsvector`` (``russian`` configuration, GIN index; post_search beside posts), ranked by ts_rank_cd, with
ts_headline snippets."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import psycopg
import pytest

from svodka.errors import QueryError
from svodka.model import ChannelRef, Post, PostAnalysis
from svodka.store import Store, open_store
from svodka.store.postgres import fulltext
from svodka.store.postgres.fulltext import CAPPED

T0 = datetime(2024, 12, 2, 9, tzinfo=UTC)
NEWS = ChannelRef(handle="newsroom", title="Newsroom")
WIRE = ChannelRef(handle="wire", title="Wire")

TEXTS = {
    1: "Выборы в Грузии прошли спокойно",
    2: "На выборах в Молдове победила оппозиция",
    3: "Снег в Москве: выборы мэра перенесли",
    4: "Вакцинация от гриппа началась в Москве",
    5: "Elections in Georgia: the opposition protests",
    6: "Реклама: выборы лучшего кофе в Москве",
    7: "Выборы в Грузии: итоги. Выборы в Грузии признаны, выборы в Грузии прошли",
    8: "Выборы в Грузии назначены",
}


@pytest.fixture
def searchable(store: Store) -> Store:
    store.posts.save([Post(NEWS if m % 2 else WIRE, m, T0 + timedelta(hours=m), t) for m, t in TEXTS.items()])
    return store


def found(store: Store, query: str, **filters: object) -> set[int]:
    return {h.post.message_id for h in store.posts.search(query, limit=100, **filters)}  # type: ignore[arg-type]


def test_words_in_any_inflection_phrases_prefixes_and_minus(searchable: Store) -> None:
    s = searchable
    assert found(s, "выборы") == {1, 2, 3, 6, 7, 8}  # выборах, выборы: one Snowball stem
    assert found(s, "выборах москва") == {3, 6}  # every word, in any inflection (Москве)
    assert found(s, '"выборы в грузии"') == {1, 7, 8}  # the words in this order ("в" a stop word between)
    assert found(s, '"грузии выборы"') == set()
    assert found(s, "выборы -реклама -москве") == {1, 2, 7, 8}
    assert found(s, "выборы NOT москва") == {1, 2, 7, 8}
    assert found(s, "вакцин*") == {4}  # a prefix
    assert found(s, "грипп OR молдова") == {2, 4}
    assert found(s, "(грузия | молдова) выборы") == {1, 2, 7, 8}
    assert found(s, "election georgia") == {5}  # English words: the English stemmer
    assert found(s, "ВЫБОРЫ ГРУЗИИ") == {1, 7, 8}  # case does not matter


def test_a_phrase_is_its_words_as_written_a_word_any_inflection(searchable: Store) -> None:
    s = searchable
    assert found(s, '"выборы в грузии"') == {1, 7, 8}
    assert found(s, '"выборах в молдове"') == {2}
    assert found(s, '"выборы в молдове"') == set()  # the stems side by side, not the words as written
    assert found(s, 'выборы -"выборы в грузии"') == {2, 3, 6}  # a phrase left out: as written too
    assert found(s, 'молдова -"выборы в молдове"') == {2}
    assert found(s, '"выборы в молдове" OR вакцинация') == {4}
    assert s.posts.count_matches('"выборах в молдове" OR "выборы мэра"') == 2
    assert [h.post.message_id for h in s.posts.search_recent('"выборы в грузии"')] == [8, 7, 1]


def test_relevance_first_then_newest_and_highlighted_snippets(searchable: Store) -> None:
    hits = searchable.posts.search("выборы грузии")
    assert [h.post.message_id for h in hits] == [7, 8, 1]  # three mentions above one; then the newest
    assert hits[0].rank > hits[1].rank == hits[2].rank > 0
    assert "[Выборы]" in hits[2].snippet and "[Грузии]" in hits[2].snippet
    assert searchable.posts.search("выборы", limit=2, offset=1)[0].post.message_id in {1, 2, 3, 6, 7, 8}
    assert len(searchable.posts.search("выборы", limit=2)) == 2


def test_filters_channel_dates_language(searchable: Store) -> None:
    s = searchable
    news = s.channels.get(NEWS).id
    assert found(s, "выборы", channel_ids=[news]) == {1, 3, 7}
    assert found(s, "выборы", since=T0 + timedelta(hours=3), until=T0 + timedelta(hours=7)) == {3, 6}
    assert found(s, "выборы", language="ru") == set()  # not analysed yet: no language
    post = s.posts.by_key(news, 1)
    assert post is not None
    s.analysis.save([PostAnalysis(post.id, "ru", False, None, post.text, 1)])
    assert found(s, "выборы", language="ru") == {1}


@pytest.mark.parametrize("query", ["", '""', "-реклама", "выборы OR", "a OR -b", "NOT"])
def test_malformed_queries_are_the_query_error_of_svodka_query(searchable: Store, query: str) -> None:
    with pytest.raises(QueryError) as caught:
        searchable.posts.search(query)
    assert "\n" not in str(caught.value)


def test_stop_words_alone_find_nothing_and_break_nothing(searchable: Store) -> None:
    assert found(searchable, "и в на") == set()
    assert found(searchable, "в грузии") == {1, 7, 8}


def test_the_index_is_a_stored_tsvector_under_gin(searchable: Store) -> None:
    searchable.posts.index_pending()
    url = searchable.url
    with psycopg.connect(url) as conn:
        kind = conn.execute(
            "SELECT format_type(atttypid, atttypmod) FROM pg_attribute WHERE attrelid = "
            "'post_search'::regclass "
            "AND attname = 'tsv'"
        ).fetchone()
        index = conn.execute("SELECT indexdef FROM pg_indexes WHERE indexname = 'post_search_tsv'").fetchone()
        unindexed = conn.execute(
            "SELECT COUNT(*) FROM posts p WHERE NOT EXISTS (SELECT 1 FROM post_search s WHERE "
            "s.post_id = p.id)"
        ).fetchone()
    assert kind == ("tsvector",) and index is not None and "USING gin (tsv)" in index[0]
    assert unindexed == (0,)


def test_stories_are_searched_by_their_posts(searchable: Store) -> None:
    s = searchable
    ids = {m: s.posts.by_key(s.channels.get(NEWS if m % 2 else WIRE).id, m).id for m in TEXTS}  # type: ignore[union-attr]
    first = s.stories.reserve_ids(2)
    s.stories.save([(ids[1], first, 1.0), (ids[7], first, 0.9), (ids[4], first + 1, 1.0)])
    assert [st.id for st in s.stories.search("грузии")] == [first]
    assert [st.id for st in s.stories.search("вакцинация")] == [first + 1]
    with pytest.raises(QueryError):
        s.stories.search("-грузии")


def test_a_post_too_long_for_its_positions_is_read_by_its_text(store: Store) -> None:
    """PostgreSQL keeps 255 positions of a lexeme: a phrase after the 255th «в» of a post is not in its
    vector, so such a post's phrases are read from its text."""
    long = "в " * 300 + "снег в Москве"
    store.posts.save(
        [Post(NEWS, 1, T0, long), Post(NEWS, 2, T0, "Снег в Москве"), Post(NEWS, 3, T0, "в " * 300 + "дождь")]
    )
    assert found(store, '"в москве"') == {1, 2}
    assert found(store, 'снег -"в москве"') == set()
    assert found(store, 'дождь OR снег -"в москве"') == {3}
    assert found(store, '"снег в москве" OR "в питере"') == {1, 2}
    with psycopg.connect(store.url) as conn:  # type: ignore[attr-defined]
        capped = conn.execute(
            "SELECT p.message_id FROM post_search s JOIN posts p ON p.id = s.post_id "
            "WHERE s.words = %s::tsvector ORDER BY 1",
            (CAPPED,),
        ).fetchall()
    assert capped == [(1,), (3,)]


def test_a_store_at_0027_is_indexed_again_with_its_phrases(store: Store) -> None:
    """Migration 0028 empties the index and starts it over: the next search indexes every post again, with
    the words as written."""
    store.posts.save([Post(NEWS, m, T0 + timedelta(hours=m), t) for m, t in TEXTS.items()])
    assert found(store, '"выборы в грузии"') == {1, 7, 8}
    store_url = store.url  # type: ignore[attr-defined]
    store.close()
    with psycopg.connect(store_url, autocommit=True) as conn:  # the store as 0027 left it: stems only
        conn.execute("ALTER TABLE post_search DROP COLUMN words")  # its index (dropped by 0036) with it
        conn.execute(
            "DELETE FROM schema_migrations WHERE name IN ('0028_phrase_index', '0036_phrases_by_stems')"
        )
        assert conn.execute("SELECT COUNT(*) FROM post_search").fetchone() == (len(TEXTS),)
    with open_store(store_url) as upgraded, psycopg.connect(store_url) as conn:
        assert conn.execute("SELECT COUNT(*), MAX(indexed_upto) FROM post_search, fts_state").fetchone() == (
            0,
            None,
        )
        assert found(upgraded, '"выборы в грузии"') == {1, 7, 8}
        assert found(upgraded, '"выборах в молдове"') == {2}
        assert found(upgraded, "выборы") == {1, 2, 3, 6, 7, 8}
        assert conn.execute("SELECT COUNT(*) FROM post_search WHERE words IS NOT NULL").fetchone() == (
            len(TEXTS),
        )


def test_posts_stored_in_the_transaction_of_a_search_are_found(store: Store) -> None:
    """Inside a caller's write transaction, indexing runs on its connection: only that one sees its posts."""
    with store.transaction():
        store.posts.save([Post(NEWS, m, T0 + timedelta(hours=m), t) for m, t in TEXTS.items()])
        assert found(store, '"выборы в грузии"') == {1, 7, 8}
    assert found(store, "выборы") == {1, 2, 3, 6, 7, 8}


def test_indexing_in_parts_finds_every_post_once(store: Store, monkeypatch: pytest.MonkeyPatch) -> None:
    """Chunks cut in parts, indexed by two connections; a part a killed run had stored is skipped."""
    monkeypatch.setattr(fulltext, "INDEX_CHUNK", 7)
    store.posts.save(
        [Post(WIRE, m, T0 + timedelta(minutes=m), f"Выпуск {m}: снег в Москве") for m in range(1, 40)]
    )
    with psycopg.connect(store.url, autocommit=True) as conn:  # type: ignore[attr-defined]
        first = conn.execute("SELECT MIN(id) FROM posts").fetchone()[0]  # type: ignore[index]
        conn.execute(  # as a run that died after one part committed and before fts_state moved on
            "INSERT INTO post_search (post_id, tsv, words) SELECT p.id, v.tsv, v.words FROM posts p "
            f"CROSS JOIN LATERAL {fulltext.index_values('p.text')} v WHERE p.id < %s",
            (first + 3,),
        )
    assert store.posts.index_pending() == 39 - 3
    assert store.posts.count_matches('"в москве"') == 39
    with psycopg.connect(store.url) as conn:  # type: ignore[attr-defined]
        assert conn.execute("SELECT COUNT(*), COUNT(DISTINCT post_id) FROM post_search").fetchone() == (
            39,
            39,
        )
