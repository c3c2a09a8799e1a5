"""A channel's plug for its own podcast or video episode (``pipeline.ads.is_programme``) is coverage, not a
report: it stays in its story (and so its storyline: tests/test_storylines_web.py), but the story's score
reads only its reports (``pipeline.rank.reports``), a story of plugs only goes after the rest, and the summary
never takes a plug for its headline or a key sentence.

BBC Russian announces each episode of its podcast «Что это было?» in two or three posts that retell the news
the episode discusses, then call to listen or list the chapters; on 2024-11-27 the three plugs of one episode
ranked #8 of the day's digest by one channel's depth. Checked on the real posts of tg_ru_news_2024.
"""

from __future__ import annotations

import json
import re
from datetime import UTC, datetime, timedelta

import pytest

from conftest import shared
from svodka.model import StoredPost, Story, StoryMember
from svodka.pipeline.ads import classify_ad, is_programme, post_kind
from svodka.pipeline.normalize import normalize
from svodka.pipeline.rank import rank, reports, score_story
from svodka.pipeline.summarize import summarize

BBC = "BBC News | Русская служба"
T0 = datetime(2024, 11, 27, 9, 0, tzinfo=UTC)
PLUG = (
    "За минувшую неделю произошла очередная эскалация в войне между Россией и Украиной, но сегодня мы будем "
    "говорить о том, как этот конфликт может быть остановлен.\n\nСлушайте подкаст «Что это было?» в Apple, "
    "Google и на YouTube."
)
NEWS = [
    "Госдума приняла закон о бюджете на 2025 год в третьем чтении, сообщил спикер Вячеслав Володин.",
    "Закон о федеральном бюджете на 2025 год принят Госдумой, расходы составят 41,5 трлн рублей.",
    "Володин: Госдума одобрила бюджет на 2025 год, документ направят в Совет Федерации.",
]


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


def _post(pid: int, text: str, channel: int, minutes: int) -> StoredPost:
    return StoredPost(pid, channel, f"ch{channel}", pid, T0 + timedelta(minutes=minutes), text, None)


def _story(sid: int, posts: list[StoredPost]) -> Story:
    """Story ``sid`` of ``posts``, each member of the kind the ads stage stores for it."""
    ordered = sorted(posts, key=lambda p: p.date)
    members = tuple(StoryMember(p, kind=post_kind(normalize(p.text))) for p in ordered)
    return Story(sid, members, members[0].post.date, members[-1].post.date)


def _budget(with_plugs: int) -> Story:
    """Three channels' reports of the budget law, and ``with_plugs`` plugs of channel 1's own podcast."""
    posts = [_post(i + 1, t, i + 1, 10 * i) for i, t in enumerate(NEWS)]
    posts += [_post(10 + k, PLUG, 1, 40 + k) for k in range(with_plugs)]
    return _story(1, posts)


def test_the_episode_plugs_of_the_ten_days_and_no_news_post(bbc_days: list[dict[str, str]]) -> None:
    named = [r for r in bbc_days if _names_the_episode(r["text"])]
    rest = [r for r in bbc_days if not _names_the_episode(r["text"])]
    assert len(named) >= 15 and len(rest) > 200
    assert [r["text"][:60] for r in named if not is_programme(r["text"])] == []
    assert [r["text"][:60] for r in rest if is_programme(r["text"])] == []
    day = [r for r in named if r["date"].startswith("2024-11-27")]
    assert len(day) == 3  # the audio post, the retelling with its call, the YouTube post
    assert all(is_programme(normalize(r["text"])) for r in day)  # normalised text reads the same


def test_a_plug_is_not_an_ad_it_stays_in_stories(bbc_days: list[dict[str, str]]) -> None:
    """Not non-news (the attempt of e270a65 took BBC's podcast posts out of stories and storylines)."""
    for r in (r for r in bbc_days if _names_the_episode(r["text"])):
        verdict = classify_ad(r["text"], normalize(r["text"]))
        assert not (verdict.reason or "").endswith("programme"), r["text"][:80]


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
def test_news_that_only_sounds_like_a_plug_is_a_report(text: str) -> None:
    assert not is_programme(text)


def test_the_story_keeps_its_plugs_but_its_score_ignores_them() -> None:
    plain, plugged = _budget(0), _budget(3)
    assert len(plugged.members) == 6
    kept = reports(plugged)
    assert kept is not None and [m.post.id for m in kept.members] == [1, 2, 3]
    a, b = score_story(plain, T0 + timedelta(hours=2)), score_story(plugged, T0 + timedelta(hours=2))
    assert b.score == a.score  # no depth from channel 1's three plugs
    assert {t.name: t.note for t in b.terms}["depth"] == "3 posts"


def test_headline_and_key_sentences_never_quote_a_plug() -> None:
    summary = summarize(_budget(3))
    assert {c.post_id for c in summary.cited} <= {1, 2, 3}
    assert all("подкаст" not in c.text for c in summary.cited)


def test_a_story_of_plugs_only_goes_last() -> None:
    plugs = _story(2, [_post(20 + k, PLUG, 4, 5 * k) for k in range(4)])
    assert reports(plugs) is None
    weak = _story(3, [_post(30, "Курс доллара на бирже вырос до 100 рублей.", 5, 0)])
    order = [s.id for s, _ in rank([plugs, _budget(0), weak], T0 + timedelta(hours=2))]
    assert order[-1] == 2
    assert summarize(plugs).headline.post_id in {20, 21, 22, 23}  # it still has a headline
