"""The time of the event a post reports, read from its text (svodka.pipeline.event_time), on real posts of
../shared/data: tg_ru_news_2024 (Russian) and tg_en_bbcbreaking_2017 (English)."""

from __future__ import annotations

import json
from datetime import date, datetime
from functools import cache

import numpy as np
import pytest

from conftest import shared
from svodka.pipeline.developing import CapitalisedNames, Development, DevelopSettings, group
from svodka.pipeline.event_time import EventTime, apart, common_time, event_time
from svodka.pipeline.normalize import normalize
from svodka.process.develop import Placed, summarise


@cache
def _ru_posts() -> dict[tuple[int, int], dict]:
    path = shared("tg_ru_news_2024", "posts.jsonl")
    out = {}
    for line in path.open(encoding="utf-8"):
        p = json.loads(line)
        out[p["sender_id"], p["message_id"]] = p
    return out


@cache
def _en_posts() -> dict[int, dict]:
    path = shared("tg_en_bbcbreaking_2017", "bbcbreaking_telegram_posts.jsonl")
    return {p["message_id"]: p for p in map(json.loads, path.open(encoding="utf-8"))}


def ru(sender: int, message: int) -> EventTime | None:
    """The event time of a real post, read from its normalised text as the story stage reads it."""
    p = _ru_posts()[sender, message]
    return event_time(normalize(p["text"]), datetime.fromisoformat(p["date"]))


def en(message: int) -> EventTime | None:
    p = _en_posts()[message]
    return event_time(normalize(p["text"]), datetime.fromisoformat(p["date"].replace("Z", "+00:00")))


RIA, BBC_RU, RANSHE, SHOT, BAZA, MASH = (
    -1001101170442, -1001003921752, -1001394050290, -1001100158992, -1001166834860, -1001117628569
)  # fmt: skip


@pytest.mark.parametrize(
    ("sender", "message", "expected"),
    [
        # «В ночь на 30 ноября средства ПВО перехватили несколько беспилотников…» (11:00 MSK)
        (RANSHE, 195029, EventTime(date(2024, 11, 30), "night")),
        # «ПВО ночью уничтожила 11 украинских беспилотников…» (07:10 MSK)
        (RIA, 271158, EventTime(date(2024, 11, 30), "night")),
        # «…накануне вечером за три часа над 6 регионами уничтожено 42 беспилотника»
        (RANSHE, 194345, EventTime(date(2024, 11, 19), "evening")),
        # «Украинские беспилотники в ночь на понедельник нанесли удар…» (Monday 25 November)
        (BBC_RU, 73330, EventTime(date(2024, 11, 25), "night")),
        # «Обломки беспилотника ВСУ во вторник вечером упали на приют…» (said on Wednesday the 27th)
        (RIA, 270718, EventTime(date(2024, 11, 26), "evening")),
        # «Борт авиакомпании «РусАвиа» вылетел из Уфы вечером 26 ноября…» (said on the 28th)
        (BAZA, 128840, EventTime(date(2024, 11, 26), "evening")),
        # «Глава МИД Турции в субботу обсудил по телефону с Лавровым…» (Saturday 30 November)
        (RIA, 271184, EventTime(date(2024, 11, 30))),
        # «Банк России сегодня оказался в «патовой» ситуации…»
        (-1001136626166, 61590, EventTime(date(2024, 11, 30))),
        # across the month's end, said on 1 December: «в ночь на 1 декабря», «Накануне артист…», «в минувшую
        # пятницу вечером»
        (RANSHE, 195064, EventTime(date(2024, 12, 1), "night")),
        (SHOT, 74749, EventTime(date(2024, 11, 30))),
        (SHOT, 74759, EventTime(date(2024, 11, 29), "evening")),
    ],
)
def test_russian_posts_say_when(sender: int, message: int, expected: EventTime) -> None:
    assert ru(sender, message) == expected


@pytest.mark.parametrize(
    ("sender", "message"),
    [
        (RIA, 271151),  # Swiss senator on NATO: no time named
        (
            -1001136626166,
            61588,
        ),  # «Правительство с 1 декабря разрешило экспорт бензина»: a date it takes effect
        (-1001966291562, 19057),  # «Премьера аниме «Киберслав» состоится уже 22 декабря»: a plan
        (
            MASH,
            59762,
        ),  # Dyagilevo «в 6 утра»; «ровно два года назад, 5 декабря» is an anniversary, not the event
        (
            BBC_RU,
            73564,
        ),  # «Главное к утру субботы»: a roundup of Wednesday's, Friday's and the night's events
    ],
)
def test_no_time_or_not_the_events_time_is_none(sender: int, message: int) -> None:
    assert ru(sender, message) is None


@pytest.mark.parametrize(
    ("message", "expected"),
    [
        (360, EventTime(date(2017, 4, 7))),  # "…lorry which killed four people in Stockholm on Friday"
        (663, EventTime(date(2017, 5, 23), "night")),  # "…in connection with last night's terror attack"
        (189, EventTime(date(2017, 3, 22))),  # "…following yesterday's #Westminster attack"
        (34, EventTime(date(2017, 3, 10), "evening")),  # "…breaching White House fence on Friday night"
        (464, EventTime(date(2017, 4, 17))),  # "…an alleged acid attack on 17 April" (said on the 23rd)
        (619, EventTime(date(2017, 5, 19))),  # '"Today is an important victory for me," says Julian Assange'
    ],
)
def test_english_posts_say_when(message: int, expected: EventTime) -> None:
    assert en(message) == expected


def test_english_plans_and_deadlines_are_none() -> None:
    assert en(155) is None  # "…ban on laptops and tablets must be implemented by Saturday"
    assert "disarm on Saturday" in _en_posts()[335]["text"]
    assert en(335) is None  # "Eta plans to unilaterally disarm on Saturday"


def test_a_bare_part_of_the_day_before_it_began_is_unknown() -> None:
    morning = datetime.fromisoformat("2024-11-30T07:00:00+03:00")
    assert event_time("Вечером пройдёт митинг у парламента", morning) is None
    evening = datetime.fromisoformat("2024-11-30T21:00:00+03:00")
    assert event_time("Вечером у парламента собрались тысячи", evening) == EventTime(
        date(2024, 11, 30), "evening"
    )
    # a bare «сегодня» at 01:30 may still be the day that just ended
    assert event_time("Сегодня у парламента", datetime.fromisoformat("2024-12-01T01:30:00+03:00")) is None


def test_a_development_takes_what_most_of_its_posts_say() -> None:
    night = EventTime(date(2024, 11, 30), "night")
    friday = EventTime(date(2024, 11, 29))
    assert common_time([night, night, None, friday, None]) == night
    assert common_time([night, EventTime(date(2024, 11, 30)), None]) == EventTime(date(2024, 11, 30))
    assert common_time([night, friday]) is None  # they disagree
    assert common_time([None, None]) is None  # they do not say


def test_times_apart_different_days_and_nights_not_a_live_night() -> None:
    d = date(2024, 11, 30)
    prev = date(2024, 11, 29)
    assert apart(EventTime(d, "night"), EventTime(prev, "night"))  # two nights' drone attacks
    assert apart(EventTime(d), EventTime(prev))  # today's and yesterday's
    assert apart(EventTime(d, "night"), EventTime(d, "evening"))  # the night's dispersal, the evening's rally
    assert not apart(EventTime(prev, "evening"), EventTime(d, "night"))  # one evening going on past midnight
    assert not apart(EventTime(d, "morning"), EventTime(d, "evening"))  # one day's developments
    assert not apart(EventTime(d), None)


# The story stage on real posts of 28 November 2024 (vectors all alike, so that only the event time parts
# them): the night's air-defence report, by four channels in two developments, and a report at 12:01 MSK of
# a plane taken for a Ukrainian drone over Bashkortostan on the evening of the 26th.
NIGHT_A = [(RIA, 270842), (-1001754252633, 125542)]  # «ПВО за ночь уничтожила 25 украинских беспилотников…»
NIGHT_B = [(BAZA, 128824), (RANSHE, 194866)]  # «…за ночь…», «В течение прошедшей ночи средства ПВО…»
PLANE = [(BAZA, 128840)]  # «…вылетел из Уфы вечером 26 ноября…»


def _developments(links: dict[int, tuple[str, ...]] | None = None) -> list[Development]:
    placed, vectors = [], {}
    for dev, keys in ((1, NIGHT_A), (2, NIGHT_B), (3, PLANE)):
        for sender, message in keys:
            p = _ru_posts()[sender, message]
            pid = message
            ts = datetime.fromisoformat(p["date"]).timestamp()
            placed.append(Placed(pid, sender, ts, normalize(p["text"]), dev))
            vectors[pid] = np.ones(4, dtype=np.float32) / 2
    return summarise(placed, vectors, links or {}, CapitalisedNames(), {})


def test_developments_of_different_days_stay_apart_same_night_joins() -> None:
    devs = _developments()
    assert [str(d.when) for d in devs] == ["2024-11-28 night", "2024-11-28 night", "2024-11-26 evening"]
    assert max(d.last for d in devs) - min(d.first for d in devs) < 6 * 3600  # within the story stage's reach
    grouping = group(devs, [1, 2, 3], DevelopSettings(sem_floor=0.8))
    assert grouping.story_of[1] == grouping.story_of[2] == 1  # the same night's reports
    assert grouping.story_of[3] == 3  # the plane of two days before: its own story
    # without the event times (main before issue 15's veto) the centroid joins all three
    blind = group(devs, [1, 2, 3], DevelopSettings(sem_floor=0.8, signals=frozenset({"centroid", "time"})))
    assert set(blind.story_of.values()) == {1}


def test_a_shared_link_still_joins_developments_of_different_days() -> None:
    url = ("https://t.me/mod_russia/45678",)
    devs = _developments({270842: url, 128840: url})
    grouping = group(devs, [1, 2, 3], DevelopSettings(sem_floor=0.8))
    assert set(grouping.story_of.values()) == {1}
    (link,) = [x for x in grouping.links if {x.a, x.b} == {1, 3}]
    assert "links" in link.signals
