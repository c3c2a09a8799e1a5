"""Coordinated posting: posts written in the shape of real seeding campaigns (the same text with one erid,
tracked link or promo code in unrelated channels within hours) are flagged with their evidence; wire news
copied by aggregators, a network repeating itself and a campaign spread over days are not; a story only a
campaign carries is kept out of the top, one that independent channels report too is not."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from svodka.model import StoredPost, Story, StoryMember
from svodka.pipeline.coordination import (
    BurstPost,
    CoordinationOptions,
    coordinated_only,
    find_bursts,
    marks,
    story_bursts,
)
from svodka.pipeline.credibility import ChannelRecord
from svodka.pipeline.rank import rank

T0 = datetime(2024, 11, 29, 10, 0, tzinfo=UTC)

# The shape of a real seeding post of the corpus (a bank's promo placed in two unrelated channels on 29 Nov
# 2024): a hook, the offer, a tracked link, the ad label with the erid.
SEEDED = (
    "🔥 **Для тех, у кого инстинкт автосохранения в крови**\n\nГеймеры, специально для вас — карта с "
    "кешбэком до 30% в играх. Оформить: "
    "https://vtb.promo/rushvtb?utm_source=telegram&utm_campaign=gamers&erid=2VtzqvSBy8B"
    "\n\nРеклама. Банк ВТБ (ПАО), ИНН 7702070139. erid: 2VtzqvSBy8B"
)
WIRE = "⚡️Путин посетит с визитом Индию, Москва и Нью-Дели начнут подготовку поездки, сообщил Песков."


def bp(pid: int, channel: int, minutes: float, text: str, group: int = 1) -> BurstPost:
    return BurstPost(pid, channel, (T0 + timedelta(minutes=minutes)).timestamp(), text, (), group)


def test_marks_are_the_erid_label_tracked_links_and_promo_codes() -> None:
    assert marks(SEEDED) == {"erid 2vtzqvsby8b", "label", "link vtb.promo/rushvtb"}
    assert marks("Скидка 20% по промокоду «SVODKA20» на сайте https://clck.ru/3Ef9Xy") == {
        "promo SVODKA20",
        "link clck.ru/3Ef9Xy",
    }
    assert marks(WIRE, ("https://ria.ru/20241119/putin.html",)) == set()


def test_a_seeded_text_in_unrelated_channels_within_hours_is_one_burst_with_its_evidence() -> None:
    posts = [bp(1, 10, 0, SEEDED), bp(2, 20, 15, SEEDED), bp(3, 30, 70, SEEDED), bp(4, 40, 150, SEEDED)]
    (burst,) = find_bursts(posts)
    assert burst.posts == (1, 2, 3, 4) and burst.outlets == 4 and burst.span_s == 150 * 60
    assert burst.marks == ("erid 2vtzqvsby8b", "label", "link vtb.promo/rushvtb")
    assert burst.explain() == (
        "coordinated: the same text in 4 unrelated channels within 150 min, sharing "
        "erid 2vtzqvsby8b, label, link vtb.promo/rushvtb"
    )


def test_a_shared_promo_code_marks_a_campaign_without_any_label() -> None:
    text = "Лучший сервис доставки в Москве: первый заказ бесплатно по промокоду MOSCOW24 — проверили сами."
    (burst,) = find_bursts([bp(1, 1, 0, text), bp(2, 2, 40, text)])
    assert burst.marks == ("promo MOSCOW24",)


def test_wire_news_copied_by_aggregators_is_no_campaign() -> None:
    posts = [bp(1, 1, 0, WIRE), bp(2, 2, 3, WIRE), bp(3, 3, 8, WIRE), bp(4, 4, 25, WIRE)]
    assert find_bursts(posts) == []
    # it is the same text in many outlets, but nothing marks it as bought
    assert len(find_bursts(posts, options=CoordinationOptions(min_marked=0))) == 1


def test_a_network_placing_its_own_ad_is_one_outlet_and_days_apart_is_no_burst() -> None:
    same_network = [bp(1, 1, 0, SEEDED), bp(2, 2, 5, SEEDED)]
    assert find_bursts(same_network, networks={1: 7, 2: 7}) == []
    assert len(find_bursts(same_network)) == 1
    days_apart = [bp(1, 1, 0, SEEDED), bp(2, 2, 60 * 24, SEEDED), bp(3, 3, 60 * 48, SEEDED)]
    assert find_bursts(days_apart) == []


def test_only_posts_of_one_text_group_form_a_burst() -> None:
    other = SEEDED.replace("Геймеры", "Путешественники")
    posts = [bp(1, 1, 0, SEEDED, group=1), bp(2, 2, 5, other, group=2)]
    assert find_bursts(posts) == []


def _story(sid: int, *members: tuple[int, int, float, str, int | None]) -> Story:
    ms = tuple(
        StoryMember(StoredPost(pid, ch, f"ch{ch}", pid, T0 + timedelta(minutes=m), text, None), "ru", origin)
        for pid, ch, m, text, origin in sorted(members, key=lambda x: x[2])
    )
    return Story(sid, ms, ms[0].post.date, ms[-1].post.date)


def test_a_story_only_a_campaign_carries_is_kept_out_of_the_top() -> None:
    seeded = _story(1, *((100 + c, c, c * 10.0, SEEDED, None if c == 1 else 101) for c in range(1, 6)))
    news = _story(2, (201, 6, 0, WIRE, None), (202, 7, 30, WIRE + " Подробности позже.", None))
    (burst,) = story_bursts(seeded)
    assert burst.outlets == 5 and coordinated_only(seeded)
    assert not coordinated_only(news)
    records: dict[int, ChannelRecord] = {}
    now = T0 + timedelta(hours=3)
    # five channels within the hour give the campaign velocity; it still goes after the two-channel story
    ranked = rank([seeded, news], now, records)
    assert [s.id for s, _ in ranked] == [2, 1]
    sources = next(t for t in ranked[1][1].terms if t.name == "sources")  # the digest shows why
    assert sources.note == f"1 independent; {burst.explain()}"


def test_a_campaign_story_that_independent_channels_report_too_is_ranked_as_usual() -> None:
    report = "ВТБ запустил карту для геймеров с кешбэком до 30%, сообщили в банке."
    campaign = [(100 + c, c, c * 10.0, SEEDED, None if c == 1 else 101) for c in range(1, 4)]
    reported = _story(1, *campaign, (150, 8, 90, report, None))  # an independent channel, its own words
    only = _story(1, *campaign)
    assert story_bursts(reported) and not coordinated_only(reported) and coordinated_only(only)
    # a weaker story: one channel, a day older, soft
    lone = _story(
        2, (201, 6, -24 * 60, "В парке Горького прошёл фестиваль уличной еды, пишут читатели.", None)
    )
    now = T0 + timedelta(hours=3)
    scores = {s.id: sc.score for s, sc in rank([lone, reported], now)}
    assert scores[1] > scores[2]
    assert [s.id for s, _ in rank([lone, reported], now)] == [1, 2]
    assert [s.id for s, _ in rank([lone, only], now)] == [2, 1]  # the campaign alone: after the rest
