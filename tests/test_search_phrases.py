"""Quoted phrases on both backends: the words as written, next to each other — stop words included («в
Москве»), across punctuation, hyphens and underscores, in any case — with words in any inflection,
prefixes, minus words and phrases, OR, the filters, the count, the newest-first order and edits: SQLite (FTS5)
and PostgreSQL (candidates by the stems' index, then the words as written; migration 0036) find the same
posts."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from svodka.model import ChannelRef, Post
from svodka.store import Store

T0 = datetime(2024, 12, 2, 9, tzinfo=UTC)
NEWS, WIRE = ChannelRef(handle="newsroom"), ChannelRef(handle="wire")
TEXTS = {
    1: "Снег в Москве: пробки до девяти баллов",
    2: "В Москву пришла зима",
    3: "Москве в помощь отправили снегоуборщики",
    4: "__В Москве__ открылся каток",
    5: "Северо-западный округ закрыт на ремонт",
    6: "Елка в Москве появится к 20 декабря",
    7: "В МОСКВЕ ВВЕЛИ ПЛАТНЫЕ ПАРКОВКИ",
    8: "Снова в, Москве снова мы",
    9: "Погода в Подмосковье: снег",
    10: "Курс рубля к доллару вырос",
    11: "Курса рубля на бирже не будет",
    12: "Вакцина от COVID-19 и от гриппа",
}
IN_MOSCOW = {1, 4, 6, 7, 8}


@pytest.fixture
def searchable(store: Store) -> Store:
    store.posts.save([Post(NEWS if m % 2 else WIRE, m, T0 + timedelta(hours=m), t) for m, t in TEXTS.items()])
    return store


def found(store: Store, query: str, **filters: object) -> set[int]:
    return {h.post.message_id for h in store.posts.search(query, limit=100, **filters)}  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ('"в москве"', IN_MOSCOW),  # a stop word in the phrase; punctuation, underscores and case between
        ('"москве в"', {3}),  # in this order
        ('"в москву"', {2}),  # the words as written: not «в Москве»
        ('"западный округ"', {5}),  # a hyphenated word's parts are words
        ('"северо западный округ"', {5}),
        ('"елка в москве"', {6}),
        ('"курс рубля"', {10}),  # not «курса рубля»
        ('рубля -"курс рубля"', {11}),
        ('"в москве" OR "курс рубля"', IN_MOSCOW | {10}),
        ('зима "в москву"', {2}),
        ('москв* -"в москве"', {2, 3}),  # a prefix as typed, a phrase left out
        ('"в москве" -снег', {4, 6, 7, 8}),  # a word left out, in any inflection
        ('("в москве" | "в подмосковье") снег', {1, 9}),
        ('"москве"', {1, 3, 4, 6, 7, 8}),  # one word in quotes: that word as written
        ('"в подмосковье снег"', {9}),
        ('"снег в москве пробки"', {1}),
        ('"пробки в москве"', set()),
        ("covid-19", {12}),  # a word and a number, not a negative number
        ('"covid 19"', {12}),
        ("грипп -covid-19", set()),
    ],
)
def test_a_phrase_is_its_words_as_written_next_to_each_other(
    searchable: Store, query: str, expected: set[int]
) -> None:
    assert found(searchable, query) == expected
    assert searchable.posts.count_matches(query) == len(expected)


def test_phrases_with_the_filters_the_count_and_the_newest_first(searchable: Store) -> None:
    s = searchable
    news = s.channels.get(NEWS).id
    assert found(s, '"в москве"', channel_ids=[news]) == {m for m in IN_MOSCOW if m % 2}
    window = {"since": T0 + timedelta(hours=4), "until": T0 + timedelta(hours=8)}
    assert found(s, '"в москве"', **window) == {4, 6, 7}
    assert s.posts.count_matches('"в москве"', channel_ids=[news]) == 2
    recent = [h.post.message_id for h in s.posts.search_recent('"в москве"', limit=3)]
    assert recent == [8, 7, 6]
    hits = s.posts.search('"в москве"', limit=10)
    assert len(hits) == len(IN_MOSCOW) and all(h.snippet for h in hits)


def test_an_edited_post_is_searched_as_edited(searchable: Store) -> None:
    s = searchable
    assert found(s, '"курс рубля"') == {10}
    s.posts.save([Post(WIRE, 10, T0 + timedelta(hours=10), "Курса рубля к доллару не стало")])
    assert found(s, '"курс рубля"') == set()
    assert found(s, '"курса рубля"') == {10, 11}


def test_yo_is_read_as_ye_in_the_post_and_in_the_query(store: Store) -> None:
    """ё and е are one letter to the search, in words, prefixes and phrases, on both backends (SQLite's
    unicode61 folds Latin diacritics only: its index holds the text folded, migration 0033_fts_yo), while
    snippets show the post as written."""
    store.posts.save(
        [
            Post(NEWS, 1, T0, "Ёлка в Москве появится к 20 декабря"),
            Post(NEWS, 2, T0 + timedelta(hours=1), "Елки-палки"),
            Post(NEWS, 3, T0 + timedelta(hours=2), "Всё ещё идёт снег, ёжик замёрз"),
        ]
    )
    assert found(store, '"елка в москве"') == found(store, '"ёлка в москве"') == {1}
    assert found(store, '"елки палки"') == found(store, '"ёлки палки"') == {2}
    assert found(store, "елка") == found(store, "ёлка") == found(store, "ЁЛКИ") == {1, 2}  # any inflection
    assert found(store, "ёлк*") == found(store, "елк*") == {1, 2}
    assert found(store, "ежик замерз") == found(store, "ёжик замёрз") == {3}
    assert store.posts.count_matches("ёлки") == 2
    snippets = {h.post.message_id: h.snippet for h in store.posts.search("елка")}
    assert "[Ёлка]" in snippets[1] and "[Елки]" in snippets[2]
    # an edit and a deletion take out what was indexed of a post with ё
    store.posts.save([Post(NEWS, 1, T0 + timedelta(hours=3), "Сосна в Москве появится к 20 декабря")])
    assert found(store, "ёлка") == {2} and found(store, "сосна") == {1}
    store.posts.save([Post(NEWS, 3, T0 + timedelta(hours=4), "Всё ещё идёт дождь")])
    assert found(store, "ёжик") == set() and found(store, '"все еще идет дождь"') == {3}
