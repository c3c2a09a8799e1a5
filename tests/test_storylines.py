"""Storylines: stories of different days that continue one another, linked under a stable id."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import numpy as np

from svodka.pipeline.developing import CapitalisedNames, DevPost, development
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
