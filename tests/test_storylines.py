"""Storylines: stories of different days that continue one another, linked under a stable id."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import numpy as np

from svodka.pipeline.developing import CapitalisedNames, DevPost, development
from svodka.pipeline.series import SeriesPost, series_of
from svodka.pipeline.storylines import (
    StorylineSettings,
    StorySummary,
    continuation,
    judge_stories,
    link_stories,
    new_developments,
    why,
)

HOUR = 3600.0
DAY = 24 * HOUR
SETTINGS = StorylineSettings(sem_floor=0.8)


def unit(*xs: float) -> np.ndarray:
    v = np.array(xs, dtype=np.float32)
    return v / np.linalg.norm(v)


def with_cosine(base: np.ndarray, cos: float, side: np.ndarray) -> np.ndarray:
    return (cos * base + np.sqrt(1 - cos * cos) * side).astype(np.float32)


E = [unit(*row) for row in np.eye(6)]
# rescaled (floor 0.8): cosine 0.975 → 0.875 (joins alone), 0.95 → 0.75 (needs rare names), 0.9 → 0.5
STRONG, MILD, WEAK = (
    with_cosine(E[0], 0.975, E[1]),
    with_cosine(E[0], 0.95, E[2]),
    with_cosine(E[0], 0.9, E[3]),
)


def story(
    id: int, vector: np.ndarray, texts: list[str], day: float, storyline: int | None = None
) -> StorySummary:
    """A story of ``texts`` (one post each, an hour apart, from ``day`` 10:00) with the names the stage
    finds in them, every post at ``vector``."""
    posts = [
        DevPost(id * 100 + i, i + 1, day * DAY + (10 + i) * HOUR, t, vector) for i, t in enumerate(texts)
    ]
    return development(id, posts, CapitalisedNames().names(texts), storyline)


# Filler stories of three days, so that a name's rarity (IDF) is measured over days of news (a name in
# one story of the 300 weighs 5.7, "Москва" in all of them 0.7).
FILLER = [
    story(500 + i, E[5], [f"В Москве открыли Парк{i}.", f"Мэр Москвы Собянин открыл Парк{i}."], i % 3)
    for i in range(300)
]
TBILISI_1 = [
    "В Тбилиси полиция разогнала акцию протеста у здания парламента, задержаны десятки человек.",
    "Премьер Грузии Кобахидзе заявил, что протестующих в Тбилиси финансируют из-за рубежа.",
    "Протест в Тбилиси: демонстранты перекрыли проспект Руставели, Кобахидзе обвинил оппозицию.",
]
TBILISI_2 = [
    "Вторую ночь подряд в Тбилиси идут протесты у парламента, проспект Руставели перекрыт.",
    "Премьер Кобахидзе отказался от переговоров с оппозицией, протест в Тбилиси продолжается.",
]
BELGOROD = [
    "Белгородскую область атаковали беспилотники, сообщил губернатор Гладков.",
    "Гладков: в Белгороде повреждены два дома после атаки дронов.",
]
KURSK = [
    "Беспилотники атаковали Курскую область, сообщил губернатор Хинштейн.",
    "Хинштейн: в Курчатове повреждена линия электропередачи после атаки дронов.",
]


def test_a_protest_that_goes_on_the_next_day_joins_and_the_link_says_why() -> None:
    day1, day2 = story(1, E[0], TBILISI_1, 0), story(2, MILD, TBILISI_2, 1)
    lines = link_stories([day1, day2, *FILLER], [2], SETTINGS)
    assert lines.line_of[1] == lines.line_of[2] == 1  # the oldest story's id
    (link,) = [x for x in lines.links if {x.a, x.b} == {1, 2}]
    assert "names" in link.signals and "centroid" not in link.signals  # a mild centroid, backed by names
    assert any(n.startswith("тбилис") for n in link.shared) and any(
        n.startswith("кобахидз") for n in link.shared
    )
    assert "d apart" in why(link) and link.gap_hours > 20


def test_two_drone_attacks_in_two_regions_on_two_days_stay_apart() -> None:
    belgorod, kursk = story(1, E[0], BELGOROD, 0), story(2, MILD, KURSK, 1)
    lines = link_stories([belgorod, kursk, *FILLER], [2], SETTINGS)
    assert lines.line_of[1] == 1 and lines.line_of[2] == 2
    assert not lines.links
    # the same topic's centroid is close, but not close enough on its own
    assert judge_stories(belgorod, kursk, {}, SETTINGS) is None


def test_a_close_centroid_alone_joins_but_a_weak_one_with_names_does_not() -> None:
    a, b = story(1, E[0], BELGOROD, 0), story(2, STRONG, BELGOROD, 1)
    assert link_stories([a, b, *FILLER], [2], SETTINGS).line_of[2] == 1
    c = story(3, WEAK, TBILISI_2, 1)
    assert link_stories([story(1, E[0], TBILISI_1, 0), c, *FILLER], [3], SETTINGS).line_of[3] == 3


def test_only_stories_of_different_days_within_the_gap_join() -> None:
    a = story(1, E[0], TBILISI_1, 0)
    same_day = story(2, STRONG, TBILISI_2, 0.1)  # hours after: the story stage's to judge, not this one's
    assert link_stories([a, same_day, *FILLER], [2], SETTINGS).line_of[2] == 2
    late = story(3, STRONG, TBILISI_2, 4)  # four days on: beyond storylines.max_gap_days
    assert link_stories([a, late, *FILLER], [3], SETTINGS).line_of[3] == 3
    one_post = story(4, STRONG, TBILISI_2[:1], 1)  # a story of one post joins nothing
    assert link_stories([a, one_post, *FILLER], [4], SETTINGS).line_of[4] == 4


def test_ids_stay_and_stories_already_placed_are_not_compared_again() -> None:
    # stored: 1 and 2 in storyline 1; 7 alone though it is close to 1 (a pair not touched is not judged)
    stored = [
        story(1, E[0], TBILISI_1, 0, storyline=1),
        story(2, MILD, TBILISI_2, 1, storyline=1),
        story(7, STRONG, TBILISI_2, 1.5, storyline=7),
    ]
    new = story(9, with_cosine(E[4], 0.9, E[3]), BELGOROD, 2)  # unrelated
    lines = link_stories([*stored, new, *FILLER], [9], SETTINGS)
    assert lines.line_of[1] == lines.line_of[2] == 1 and lines.line_of[7] == 7 and lines.line_of[9] == 9
    assert not lines.merges and not lines.links


def test_a_late_link_merges_two_storylines_under_the_older_id() -> None:
    a = story(3, E[0], TBILISI_1, 0, storyline=3)
    apart = with_cosine(E[0], 0.9, E[1])  # rescaled 0.5: 3 and 8 stay apart
    b = story(8, apart, TBILISI_2, 1, storyline=8)
    bridge_vector = (E[0] + apart) / np.linalg.norm(E[0] + apart)  # cosine 0.975 to both
    bridge = story(12, bridge_vector.astype(np.float32), TBILISI_2, 2)  # the next day, close to both
    lines = link_stories([a, b, bridge, *FILLER], [12], SETTINGS)
    assert lines.line_of[3] == lines.line_of[8] == lines.line_of[12] == 3
    assert lines.merges == ((8, 3),)
    assert {frozenset((x.a, x.b)) for x in lines.links} >= {frozenset((3, 12)), frozenset((8, 12))}


def test_a_story_merged_away_takes_its_storyline_along() -> None:
    # the story stage merged story 20 (in storyline 4) into 21: 21 joins storyline 4 by force
    old = story(4, E[0], BELGOROD, 0, storyline=4)
    absorbed = story(20, E[0], BELGOROD, 1, storyline=4)
    into = story(21, E[3], KURSK, 1)
    lines = link_stories([old, absorbed, into, *FILLER], [21], SETTINGS, forced=[(21, 20)])
    assert lines.line_of[21] == 4


def test_a_digest_item_continues_a_storyline_the_previous_digest_showed() -> None:
    t = datetime(2024, 12, 2, 12, tzinfo=UTC)
    line_of = {10: 10, 11: 10, 12: 12}
    shown = {10: t, 12: t - timedelta(hours=3)}
    found = continuation(11, line_of, shown)
    assert found is not None and found.storyline == 10 and found.shown_last == t
    assert continuation(10, line_of, shown) is None  # the story itself was shown: an ordinary update
    assert continuation(13, line_of, shown) is None  # in no storyline the digest showed
    firsts = [t - timedelta(hours=1), t + timedelta(hours=1), t + timedelta(hours=5)]
    assert new_developments(firsts, t) == 2


# --- recurring series: the nightly drone tally of tg_ru_news_2024 (real posts, 27–29 November 2024) ---
# three channels post it each night on their own template (the ministry's wording, that night's figures)
DRONE_NIGHTS = [
    [
        (
            8,
            "ПВО за ночь перехватила и уничтожила 22 украинских беспилотника над российскими "
            "регионами: 10 - над Ростовской областью, 7 - над Белгородской, 2 - над Воронежской и "
            "по 1 – над Курской, Брянской",
        ),
        (
            23,
            "⚡️Минобороны РФ: «ПВО за ночь перехватила и уничтожила 22 беспилотника над "
            "российскими регионами: 10 - над Ростовской областью, 7 - над Белгородской, 2 - над "
            "Воронежской». Топор Live. Подписаться",
        ),
        (
            19,
            "В течение прошедшей ночи средства ПВО уничтожили 24 БПЛА над территорией Ростовской "
            "области, сообщило Минобороны РФ. По его данным, еще пять беспилотников сбили над "
            "Брянской областью",
        ),
    ],
    [
        (
            8,
            "ПВО за ночь уничтожила 25 украинских беспилотников над российскими регионами: 14 - "
            "над Краснодарским краем, 6 – над Брянской областью, 3 – над Крымом и 2 – над "
            "Ростовской областью",
        ),
        (
            23,
            "⚡Минобороны РФ: «ПВО за ночь уничтожила 25 беспилотников над российскими регионами: "
            "14 - над Краснодарским краем, 6 – над Брянской областью, 2 – над Ростовской "
            "областью». Топор Live. Подписаться",
        ),
        (
            19,
            "В течение прошедшей ночи средства ПВО уничтожили 14 украинских беспилотников над "
            "территорией Краснодарского края, сообщило Минобороны РФ. По его данным, шесть БПЛА "
            "сбили над Брянской областью",
        ),
    ],
    [
        (
            8,
            "ПВО за ночь уничтожила и перехватила 47 украинских БПЛА над российскими регионами: 29 "
            "уничтожены над Ростовской областью, 8 - над Краснодарским краем, по 3 – над "
            "Белгородской, Брянской и Воронежской",
        ),
        (
            23,
            "⚡Минобороны РФ: «ПВО за ночь уничтожила и перехватила 47 БПЛА над российскими "
            "регионами: 29 уничтожены над Ростовской областью, 8 - над Краснодарским краем». Топор "
            "Live. Подписаться",
        ),
        (
            19,
            "В течение прошедшей ночи средства ПВО уничтожили 30 беспилотников над территорией "
            "Ростовской области, сообщило Минобороны РФ. По его данным, три БПЛА сбили над "
            "Брянской областью",
        ),
    ],
]


def posted(
    id: int, vector: np.ndarray, posts: list[tuple[int, str]], day: float
) -> tuple[StorySummary, list[SeriesPost]]:
    """A story of ``(channel, text)`` posts, an hour apart from ``day`` 03:00, and its posts as the
    series test reads them."""
    dev = [
        DevPost(id * 100 + i, ch, day * DAY + (3 + i) * HOUR, t, vector) for i, (ch, t) in enumerate(posts)
    ]
    texts = [t for _ch, t in posts]
    summary = development(id, dev, CapitalisedNames().names(texts), None)
    return summary, [SeriesPost(p.channel_id, p.ts, p.text) for p in dev]


def test_a_drone_tally_series_on_three_nights_stays_three_storylines() -> None:
    vectors = [E[0], MILD, with_cosine(E[0], 0.95, E[3])]  # as alike as the real nights (a mild centroid)
    nights = [
        posted(31 + i, v, night, i) for i, (v, night) in enumerate(zip(vectors, DRONE_NIGHTS, strict=True))
    ]
    summaries = [s for s, _p in nights]
    texts = {s.id: p for s, p in nights}
    # the centroid and the region names alone would join them: the case no threshold separates
    blind = link_stories([*summaries, *FILLER], [32, 33], SETTINGS)
    assert blind.line_of[31] == blind.line_of[32] == blind.line_of[33] == 31
    lines = link_stories([*summaries, *FILLER], [32, 33], SETTINGS, texts=lambda sid: texts.get(sid, ()))
    assert [lines.line_of[i] for i in (31, 32, 33)] == [31, 32, 33]
    assert not lines.links
    assert series_of(texts[31], texts[33]) is not None  # each night an instance of one series


def test_a_continuing_event_still_joins_when_its_posts_are_read() -> None:
    day1, p1 = posted(1, E[0], [(1, t) for t in TBILISI_1], 0)
    day2, p2 = posted(2, MILD, [(1, t) for t in TBILISI_2], 1)  # the same channel, the next day
    texts = {1: p1, 2: p2}
    lines = link_stories([day1, day2, *FILLER], [2], SETTINGS, texts=lambda sid: texts.get(sid, ()))
    assert lines.line_of[2] == 1
    assert series_of(p1, p2) is None


def test_two_series_instances_join_through_a_rare_name_beyond_the_template() -> None:
    # both nights' stories also tell of an attack on one named plant: that is no part of the tally
    plant = [
        (7, "В Брянске отражена атака беспилотников на завод «Кремний», сообщил губернатор Богомаз."),
        (3, "Губернатор Богомаз: атака на завод «Кремний» отражена, пострадавших нет."),
    ]
    again = [
        (7, "Завод «Кремний» снова атаковали беспилотники, рассказал Богомаз."),
        (3, "Губернатор Богомаз сообщил о новой атаке дронов на завод «Кремний» в Брянске."),
    ]
    n1, p1 = posted(41, E[0], [*DRONE_NIGHTS[0], *plant], 0)
    n2, p2 = posted(42, MILD, [*DRONE_NIGHTS[1], *again], 1)
    assert series_of(p1, p2) is not None
    texts = {41: p1, 42: p2}
    lines = link_stories([n1, n2, *FILLER], [42], SETTINGS, texts=lambda sid: texts.get(sid, ()))
    assert lines.line_of[42] == 41
    (link,) = lines.links
    assert any(n.startswith(("кремни", "богомаз")) for n in link.shared)


def test_a_large_event_with_one_daily_report_in_it_is_no_series_instance() -> None:
    # the ministry's daily tally is one post of a large story of the offensive: the routine is a small part
    report = (
        "Сирийские и российские войска уничтожили за сутки {} штабов и {} складов оружия террористов в Алеппо"
    )
    big = [SeriesPost(8, 0.0, report.format(5, 7))] + [
        SeriesPost(ch, HOUR * ch, f"Повстанцы вошли в Алеппо, бои идут в квартале {ch}, сообщает агентство")
        for ch in range(10, 20)
    ]
    small = [SeriesPost(8, DAY, report.format(4, 9)), SeriesPost(3, DAY, "ВВС Сирии ударили по Идлибу")]
    assert series_of(big, small) is None
    assert series_of(big[:1], small) is not None  # the two reports alone: one series
