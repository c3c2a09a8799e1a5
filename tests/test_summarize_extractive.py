"""Extractive summaries: every sentence shown is in the post it cites; headlines are leads, not teasers."""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import replace
from datetime import UTC, datetime
from functools import partial

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import builders
from builders import story
from conftest import open_test_store, shared
from svodka.evaluate.gold import GoldStories, gold_stories
from svodka.model import Story
from svodka.pipeline.quotes import TIME_MARK
from svodka.pipeline.summarize import clean_text, sentences, summarize, terms, web_url


@pytest.fixture(scope="module")
def gold(backend: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[GoldStories]:
    folder = shared("stories_dev")
    store = open_test_store(backend, tmp_path_factory.mktemp("gold"), "gold")
    yield gold_stories(store, folder)
    store.close()


T0 = datetime(2024, 11, 30, 12, tzinfo=UTC)


post = partial(builders.post, start=T0)  # the posts of this file start at T0


def words(text: str) -> list[str]:
    return re.findall(r"\w+", text)


def _in_order(said: list[str], text: list[str]) -> bool:
    return any(text[i : i + len(said)] == said for i in range(len(text) - len(said) + 1))


def assert_cited(s: Story) -> None:
    by_id = {m.post.id: m.post for m in s.members}
    summary = summarize(s)
    for c in summary.cited:
        assert c.post_id in by_id, "a sentence cites a post outside its story"
        p = by_id[c.post_id]
        # The post's own words in their order: a changing figure carries its post's time («… (14:20)»), a
        # headline loses letter-spacing and a trailing «— МЧС.», and nothing else changes — but for a
        # headline that keeps who said it («Захарова: Москва …»): a speaker the post names, then its words.
        said, text = words(TIME_MARK.sub("", c.text)), words(clean_text(p.text))
        if c is summary.headline and not _in_order(said, text) and ": " in c.text:
            who, _, claim = c.text.partition(": ")
            assert set(words(who)) <= set(text), f"{who!r} is not named in post {p.id}"
            said = words(TIME_MARK.sub("", claim))
        assert _in_order(said, text), f"{c.text!r} is not in post {p.id}"
        assert c.url == web_url(p.url) and c.channel == p.channel


def test_every_sentence_of_every_gold_story_is_in_its_post(gold: GoldStories) -> None:
    assert len(gold.stories) == 147
    counts = []
    for s in gold.stories:
        assert_cited(s)
        counts.append(len(summarize(s).sentences))
    # Stories of 3+ posts get 2–4 key sentences, unless their posts all say one thing (copies of one
    # report: s094, s106, s126, s135 here) or say little else that stands alone (one sentence per post,
    # none that points back or repeats another: s011, s018, s058, s063, s069, s075, s080, s112) — then
    # nothing is repeated to fill the count.
    multi = [s for s in gold.stories if len(s.members) >= 3]
    enough = [s for s in multi if len(summarize(s).sentences) >= 2]
    # Measured 29 of 43 (39 before quotes were checked, 31 before s079's card lost two: its headline keeps
    # Zakharova's name from a later sentence of RIA's post, which Topor's «Возобновление диалога …» repeats,
    # and «Ни о чем другом … речи идти не может".» is the tail of a quotation cut off from its start; 30
    # before s019's «У нас есть все шансы закончить войну в 2025 году. went: a quotation that names no
    # speaker).
    assert len(enough) >= 29
    assert max(counts) <= 4


def test_key_sentences_prefer_different_channels(gold: GoldStories) -> None:
    wide = [s for s in gold.stories if len(s.channels) >= 4]
    assert wide
    # All but s018, s069 and s112, whose posts give one report in other words: it is not said three times.
    narrow = [s.id for s in wide if len({c.channel for c in summarize(s).cited}) < 3]
    assert len(narrow) <= 3, narrow


def test_headline_is_the_lead_not_the_teaser() -> None:
    s = story(
        post(1, "ШОК! Вы не поверите, что случилось в Тбилиси?\n\nПодробности по ссылке", channel=1),
        post(
            2,
            "Протестующие подожгли здание парламента Грузии в Тбилиси.\n\nНа месте работают пожарные.",
            2,
            5,
        ),
        post(
            3,
            "В Тбилиси горит здание парламента Грузии, подожжённое протестующими.\n\n"
            "Полиция применила водомёты.",
            3,
            9,
        ),
    )
    summary = summarize(s)
    assert "ШОК" not in summary.headline.text
    assert "парламента" in summary.headline.text
    assert_cited(s)


def test_english_sentences_and_stop_words() -> None:
    text = "The U.S. Senate passed the bill on Friday. Mr. Smith voted against it! Did it matter? Yes."
    assert sentences(text) == [
        "The U.S. Senate passed the bill on Friday.",
        "Mr. Smith voted against it!",
        "Did it matter?",
        "Yes.",
    ]
    assert "the" not in terms(text) and "senat" in terms(text)


def test_clean_text_drops_markup_but_keeps_words() -> None:
    raw = "⚡️**Срочно:** [Топор Live. Подписаться](https://t.me/+abc) в Москве __снег__ https://x.ru/a"
    assert clean_text(raw) == "Срочно: Топор Live. Подписаться в Москве снег"


def test_footers_are_not_key_sentences() -> None:
    s = story(
        post(1, "В Москве открыли новую станцию метро на юге города.\n\nПодписаться на канал @moscow", 1),
        post(2, "Новая станция метро открылась в Москве.\n\nОна стала 270-й в столичной подземке.", 2, 3),
    )
    assert all("Подписаться" not in c.text for c in summarize(s).cited)


_WORDS = st.sampled_from(
    [
        "Москва",
        "Киев",
        "протест",
        "парламент",
        "выборы",
        "снег",
        "взрыв",
        "министр",
        "заявил",
        "сообщил",
        "суд",
        "банк",
        "рубль",
        "the",
        "army",
        "police",
        "fire",
        "Senate",
        "bill",
        ".",
        ",",
        "!",
        "?",
        "**",
        "__",
        "https://t.me/x/1",
        "[link](https://a.b/c)",
        "🔥",
        "\n",
    ]
)


@settings(max_examples=60, deadline=None)
@given(st.lists(st.lists(_WORDS, min_size=0, max_size=40).map(" ".join), min_size=1, max_size=6))
def test_property_no_sentence_without_a_post(texts: list[str]) -> None:
    s = story(*(post(i + 1, t, channel=i % 3 + 1, minutes=i) for i, t in enumerate(texts)))
    assert_cited(s)


def test_only_web_links_are_cited() -> None:
    bad = replace(post(1, "В Москве открыли новую станцию метро на юге города."), url="javascript:alert(1)")
    good = post(2, "Новая станция метро открылась в Москве сегодня утром.", 2)
    summary = summarize(story(bad, good))
    urls = {c.post_id: c.url for c in summary.cited}
    assert urls.get(1) is None and urls.get(2, "https://t.me/ch2/2") == "https://t.me/ch2/2"
