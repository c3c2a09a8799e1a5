"""A channel's plug for its own podcast or video episode is not news (``pipeline.ads``, genre ``programme``).

BBC Russian announces each episode of its podcast «Что это было?» in two or three posts that retell the news
the episode discusses, then call to listen or list the chapters; on 2024-11-27 the three plugs of one
episode made a story of their own, ranked #8 of the day's digest by one channel's depth. Checked on the real
posts of tg_ru_news_2024, on the same channel's news posts of those days, and on the texts a plug rule must
leave alone (a live blog's «00:00 …», news about someone else's podcast).
"""

from __future__ import annotations

import json
import re

import pytest

from conftest import shared
from svodka.pipeline.ads import NON_NEWS, classify_ad, classify_non_news
from svodka.pipeline.normalize import normalize

BBC = "BBC News | Русская служба"


@pytest.fixture(scope="module")
def bbc_days() -> list[dict[str, str]]:
    """BBC Russian's posts of 2024-11-25 … 12-04."""
    rows = []
    with shared("tg_ru_news_2024", "posts.jsonl").open(encoding="utf-8") as f:
        for line in f:
            if BBC in line:
                row = json.loads(line)
                if row["channel"] == BBC and "2024-11-25" <= row["date"][:10] <= "2024-12-04":
                    rows.append(row)
    return rows


def _names_the_episode(text: str) -> bool:
    """Read by hand: every BBC post of those days naming the podcast or listing an episode's chapters, but
    the one notice to listeners (the podcast gone from Apple's app in Russia: no episode, left alone)."""
    if "Дорогие слушатели" in text:
        return False
    return "Что это было" in text or bool(re.search(r"(?m)^\W*00:00", text))


def _genre(text: str) -> str | None:
    return classify_non_news(normalize(text))


def test_the_episode_plugs_of_the_27th_are_not_news(bbc_days: list[dict[str, str]]) -> None:
    day = [r for r in bbc_days if r["date"].startswith("2024-11-27")]
    plugs = [r for r in day if _names_the_episode(r["text"])]
    assert len(plugs) == 3  # the audio post, the retelling with «Слушайте подкаст», the YouTube post
    for r in plugs:
        verdict = classify_ad(r["text"], normalize(r["text"]))
        assert verdict.is_ad and verdict.reason == f"{NON_NEWS}:programme", r["text"][:80]
    news = [r for r in day if not _names_the_episode(r["text"])]
    assert len(news) > 10
    assert [r["text"][:60] for r in news if _genre(r["text"]) == "programme"] == []


def test_every_episode_of_the_ten_days_and_no_news_post(bbc_days: list[dict[str, str]]) -> None:
    """Every post naming the podcast is a plug (18 when written); no other post of the channel is."""
    named = [r for r in bbc_days if _names_the_episode(r["text"])]
    rest = [r for r in bbc_days if not _names_the_episode(r["text"])]
    assert len(named) >= 15
    assert [r["text"][:60] for r in named if _genre(r["text"]) != "programme"] == []
    assert [r["text"][:60] for r in rest if _genre(r["text"]) == "programme"] == []


@pytest.mark.parametrize(
    "text",
    [
        "00:00 Ночью ПВО сбили пять беспилотников над Брянской областью\n"
        "00:40 В Курской области объявлена ракетная опасность\n01:15 Отбой тревоги",  # a live blog
        "Журналист Юрий Дудь выпустил подкаст «Вдудь» о российских эмигрантах, его посмотрели 2 млн раз.",
        "Минцифры запустило подкаст о кибербезопасности, сообщили в ведомстве.",
        "Смотрите: полиция применила водомёты у здания парламента Грузии.",
    ],
)
def test_news_that_only_sounds_like_a_plug_stays_news(text: str) -> None:
    assert _genre(text) != "programme"
