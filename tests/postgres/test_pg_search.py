"""Full-text search on PostgreSQL: the query language of svodka.query compiled to a tsquery over the stored
``tsvector`` (``russian`` configuration, GIN index; post_search beside posts), ranked by ts_rank_cd, with
ts_headline snippets."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import psycopg
import pytest

from svodka.errors import QueryError
from svodka.model import ChannelRef, Post, PostAnalysis
from svodka.store import Store

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
