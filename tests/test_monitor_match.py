"""Watchlist matching: inflections by the search stems, phrases, AND/OR/NOT, Russian names in their cases,
filters; and the flat cost (only the lists one of whose words was found are evaluated)."""

from __future__ import annotations

import pytest

from svodka.errors import ConfigError, QueryError
from svodka.model import Channel
from svodka.monitor.match import Matcher, PostFacts
from svodka.monitor.watchlist import Rule, parse_rule, watchlist
from svodka.monitor.words import name_forms, stem
from svodka.store.sqlite.fulltext import _stem

CHANNELS = [
    Channel(1, "telegram", "rian_ru", None, "РИА Новости", tier=1, groups=("news",)),
    Channel(2, "telegram", "banksta", None, "Банкста", tier=3, groups=("markets",)),
]


def names(query: str, text: str, channel: int = 1, language: str | None = "ru", **spec: object) -> bool:
    m = Matcher([watchlist({"name": "w", "query": query, **spec})], CHANNELS)
    return bool(m.match(PostFacts(text, channel, language)))


def test_words_in_every_inflection_as_search_stems_them() -> None:
    assert names("выборы", "На выборах в Молдавии победила…")
    assert names("санкции", "новые санкционные меры и санкциями")
    assert names("elections", "The election was held")
    assert names("выборы", "Выбор сделан")  # as search: the stem «выбор» begins both
    assert not names("выборы", "выбежал на улицу")
    for w in ("выборы", "санкциями", "election", "пескова", "цб"):
        assert stem(w) == _stem(w)  # the same stems as the full-text index


def test_phrases_and_or_not_minus() -> None:
    assert names('"ключевую ставку"', "ЦБ сохранил ключевую ставку")
    assert not names('"ключевую ставку"', "ставку ключевую сохранил")
    assert names("ставка AND цб", "ЦБ поднял ставку")
    assert not names("ставка цб", "Ставка сделана")
    assert names("нефть OR газ", "цены на газ")
    assert not names("нефть -бензин", "нефть и бензин подорожали")
    assert not names("нефть NOT бензин", "нефть и бензин подорожали")
    assert names("нефть -бензин", "нефть подешевела")
    assert names("(нефть | газ) -уголь", "газ подешевел")
    assert names("вакцин*", "вакцинация началась")


def test_a_name_matches_its_russian_cases_not_words_it_begins() -> None:
    for text in ("Песков заявил", "слова Пескова", "Пескову задали вопрос", "с Песковым", "о Пескове"):
        assert names("Песков", text), text
    assert not names("Песков", "на пляже пески и камни")  # the stem «песк» would match this
    assert not names("Песков", "Песковский район")
    assert names("Набиуллина", "заявление Набиуллиной") and names("Набиуллина", "к Набиуллиной")
    assert names("Зеленский", "по словам Зеленского")
    assert names('"Дмитрий Песков"', "сказал Дмитрий Песков") and names(
        '"Дмитрий Песков"', "у Дмитрия Пескова"
    )
    assert names("Шойгу", "Шойгу прибыл") and not names("Шойгу", "Шойгуев")
    assert "пескова" in name_forms("песков") and "песковым" in name_forms("песков")


def test_filters_channel_group_language_topic() -> None:
    assert names("ставка", "ставка", channel=2, groups=["markets"])
    assert not names("ставка", "ставка", channel=1, groups=["markets"])
    assert names("ставка", "ставка", channel=2, channels=["@banksta"])
    assert names("ставка", "ставка", channel=2, channels=["Банкста"])
    assert not names("ставка", "ставка", language="en", languages=["ru"])
    m = Matcher([watchlist({"name": "w", "query": "ставка", "topics": ["economy"]})], CHANNELS)
    assert m.match(PostFacts("ставка", 1, topic="economy"))
    assert not m.match(PostFacts("ставка", 1, topic="sport"))
    assert m.match(PostFacts("ставка", 1), topic_of=lambda: "economy")


def test_only_lists_with_a_word_found_are_evaluated() -> None:
    lists = [watchlist({"name": f"w{i}", "query": f"слово{i} -мусор"}) for i in range(200)]
    m = Matcher(lists, CHANNELS)
    calls = 0
    for c in m.lists:
        test = c.test
        assert test is not None

        def counted(hits: dict[int, list[int]], test=test) -> bool:  # type: ignore[no-untyped-def]
            nonlocal calls
            calls += 1
            return test(hits)

        object.__setattr__(c, "test", counted)
    found = m.match(PostFacts("сегодня слово7 и ничего больше", 1))
    assert [w.name for w in found] == ["w7"]
    assert calls == 1


def test_bad_watchlists_are_one_line_errors() -> None:
    with pytest.raises(QueryError, match="watchlist 'w'"):
        watchlist({"name": "w", "query": "выборы OR"})
    with pytest.raises(ConfigError, match="unknown key"):
        watchlist({"name": "w", "query": "x", "colour": "red"})
    with pytest.raises(ConfigError, match="not a watchlist rule"):
        watchlist({"name": "w", "query": "x", "rules": ["sometimes"]})
    with pytest.raises(ConfigError, match="only the edits rule"):
        watchlist({"name": "w", "channels": ["@a"], "rules": ["post"]})
    assert parse_rule("sources>=4") == Rule("sources", 4)
    assert parse_rule("tier") == Rule("tier", 2)
    w = watchlist({"name": "w", "query": "x", "rules": "post, sources>=5"})
    assert [r.text for r in w.rules] == ["post", "sources>=5"]
