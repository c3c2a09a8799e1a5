"""Developing stories: developments (clusters) grouped into stories, explained, incremental and stable."""

from __future__ import annotations

import numpy as np

from svodka.pipeline.developing import (
    CapitalisedNames,
    Development,
    DevelopSettings,
    DevPost,
    capitalised_names,
    development,
    group,
    judge,
    name_weights,
)

HOUR = 3600.0
SETTINGS = DevelopSettings(sem_floor=0.8)


def unit(*xs: float) -> np.ndarray:
    v = np.array(xs, dtype=np.float32)
    return v / np.linalg.norm(v)


def with_cosine(base: np.ndarray, cos: float, side: np.ndarray) -> np.ndarray:
    """A unit vector at cosine ``cos`` to ``base`` (``side`` orthogonal to it)."""
    return (cos * base + np.sqrt(1 - cos * cos) * side).astype(np.float32)


E1, E2, E3, E4 = (unit(*row) for row in np.eye(4))
# rescaled (floor 0.8): cosine 0.96 → 0.8 (links alone), 0.93 → 0.65 (needs names), 0.86 → 0.3 (apart)
STRONG, MILD, WEAK = with_cosine(E1, 0.96, E2), with_cosine(E1, 0.93, E3), with_cosine(E1, 0.86, E4)


def dev(
    id: int,
    vector: np.ndarray,
    names: frozenset[str] = frozenset(),
    hours: tuple[float, float] = (0, 1),
    story: int | None = None,
    links: frozenset[str] = frozenset(),
) -> Development:
    return Development(id, vector, names, links, frozenset({id}), hours[0] * HOUR, hours[1] * HOUR, 2, story)


# Filler developments, so that a name's rarity (IDF) is measured over a window, as in a real day.
FILLER = [dev(100 + i, unit(0, 0, 0, 1), frozenset({f"n{i}", "москв"})) for i in range(8)]


def test_close_centroids_join_and_the_link_says_why() -> None:
    a, b = dev(1, E1), dev(2, STRONG, hours=(2, 3))
    result = group([a, b, *FILLER], [1, 2], SETTINGS)
    assert result.story_of[1] == result.story_of[2] == 1  # the oldest development's id
    (link,) = [x for x in result.links if {x.a, x.b} == {1, 2}]
    assert link.signals == ("centroid",)
    assert abs(link.centroid - 0.8) < 0.01 and link.gap_hours == 1.0


def test_a_milder_similarity_needs_rare_shared_names() -> None:
    """Two laws signed the same day read alike; only shared rare names (the law, its subject) join."""
    laws = [
        dev(1, E1, frozenset({"путин", "закон", "осаго"})),
        dev(2, MILD, frozenset({"путин", "закон", "маткапита"})),
    ]
    apart = group([*laws, *FILLER], [1, 2], SETTINGS)
    assert apart.story_of[1] != apart.story_of[2]
    same = [dev(1, E1, frozenset({"алепп", "хтш"})), dev(2, MILD, frozenset({"алепп", "хтш", "хам"}))]
    joined = group([*same, *FILLER], [1, 2], SETTINGS)
    assert joined.story_of[1] == joined.story_of[2]
    assert [x.signals for x in joined.links if {x.a, x.b} == {1, 2}] == [("names",)]
    assert "алепп" in joined.links[0].shared


def test_common_names_alone_do_not_join() -> None:
    """Two events in one city: "Москва" is in every other development of the window, it weighs little."""
    city = [dev(1, E1, frozenset({"москв"})), dev(2, MILD, frozenset({"москв"}))]
    result = group([*city, *FILLER], [1, 2], SETTINGS)
    assert result.story_of[1] != result.story_of[2]
    assert name_weights([*city, *FILLER])["москв"] < 1.0 < SETTINGS.names_weight


def test_a_shared_link_joins_a_milder_pair_but_weak_similarity_never() -> None:
    url = frozenset({"duma.gov.ru/news/1"})
    assert group([dev(1, E1, links=url), dev(2, MILD, links=url)], [1, 2], SETTINGS).story_of[2] == 1
    assert judge(dev(1, E1, links=url), dev(2, WEAK, links=url), {}, SETTINGS) is None


def test_developments_far_apart_in_time_stay_apart() -> None:
    """Two drone attacks on one region, morning and night: close centroids, hours apart."""
    a, b = dev(1, E1, hours=(0, 1)), dev(2, STRONG, hours=(9, 10))
    assert group([a, b], [1, 2], SETTINGS).story_of[2] == 2
    assert judge(a, b, {}, SETTINGS) is None


def test_ids_are_stable_and_a_late_link_keeps_the_older_story() -> None:
    """Stories already stored keep their ids; a new development linking two of them merges them under
    the older (smaller) id."""
    # each at cosine 0.96 to the bridge, 0.84 to each other (rescaled 0.2: apart)
    old = [dev(3, with_cosine(E1, 0.96, E2), story=3), dev(5, with_cosine(E1, 0.96, -E2), story=5)]
    assert judge(old[0], old[1], {}, SETTINGS) is None
    bridge = dev(9, E1, hours=(1, 2))
    result = group([*old, bridge], [9], SETTINGS)
    assert result.story_of == {3: 3, 5: 3, 9: 3}
    assert result.merges == ((5, 3),)
    # a development joining one story takes that story's id, whatever its own
    alone = group([dev(3, E1, story=3), dev(7, STRONG, hours=(1, 2))], [7], SETTINGS)
    assert alone.story_of == {3: 3, 7: 3} and alone.merges == ()


def test_untouched_developments_are_not_compared_again() -> None:
    """Only the developments that got posts are judged (against all): two stored stories that would now
    link stay as they are until one of them changes."""
    a, b = dev(1, E1, story=1), dev(2, STRONG, story=2)
    assert group([a, b], [], SETTINGS).story_of == {1: 1, 2: 2}
    assert group([a, b], [2], SETTINGS).story_of == {1: 1, 2: 1}


def test_capitalised_names_skip_sentence_starts_and_keep_abbreviations() -> None:
    names = capitalised_names("Боевики ХТШ вошли в Алеппо. Сирийская армия отступила к Хаме, сообщает ТАСС.")
    assert {"хтш", "алепп", "хам", "тасс"} <= names
    assert "боевик" not in names and "сирийск" not in names


def test_a_development_keeps_the_names_most_of_its_posts_share() -> None:
    texts = ["Удар по Алеппо: погибли 5 человек", "В Алеппо вошли боевики, пишет Reuters", "Алеппо и Хама"]
    posts = [DevPost(i, i, i * HOUR, t, E1, ()) for i, t in enumerate(texts)]
    d = development(7, posts, CapitalisedNames().names(texts))
    assert "алепп" in d.names and "reuters" not in d.names  # in 3 posts vs. in one
    assert d.first == 0 and d.last == 2 * HOUR and d.n_posts == 3
    tagged = development(8, [DevPost(1, 1, 0, "Протест #Тбилиси у парламента", E1)], [frozenset()])
    assert "#тбилиси" in tagged.links


COVER = DevelopSettings(sem_floor=0.8, centroid_cover=0.55)
# a window of a real day's size: a name in 2 of 42 developments is rare (IDF 3.0), as the rule wants
DAY = [dev(200 + i, unit(0, 0, 0, 1), frozenset({f"m{i}"})) for i in range(40)]
# rescaled (floor 0.8): cosine 0.915 → 0.575: below `centroid_names` (0.6), above `centroid_cover` (0.55)
NEAR = with_cosine(E1, 0.915, E3)


def posts_of(id: int, vector: np.ndarray, texts: list[str], hour: float = 0) -> Development:
    posts = [DevPost(id * 100 + i, i, (hour + i / 10) * HOUR, t, vector) for i, t in enumerate(texts)]
    return development(id, posts, CapitalisedNames().names(texts))


# the day's big story: its core names (in half its posts and more) are Южная Корея and Сеул
MARTIAL = posts_of(
    1,
    E1,
    [
        "Президент Южной Кореи объявил военное положение, сообщает Yonhap.",
        "Военная техника на улицах Сеула: в Южной Корее введено военное положение.",
        "Парламент Южной Кореи проголосовал за отмену военного положения, передает ТАСС.",
        "У парламента в Сеуле собираются люди, пишет Reuters.",
    ],
)


def test_a_development_every_post_of_which_names_the_others_core_joins_it() -> None:
    """The impeachment talk names South Korea in each of its posts, not much else; its centroid is only
    fairly close to the martial-law story's, and its name weight is diluted by the agencies it cites."""
    talk = posts_of(
        2,
        NEAR,
        [
            "Президента Южной Кореи могут арестовать, пишет The Korea Herald.",
            "Ожидается, что президенту Южной Кореи объявят импичмент, — Bloomberg.",
        ],
        hour=2,
    )
    assert {"южн", "кор", "сеул"} == MARTIAL.core  # not the agencies it cites once each
    window = [MARTIAL, talk, *DAY]
    assert group(window, [1, 2], SETTINGS).story_of[2] == 2  # the names share alone is too thin
    joined = group(window, [1, 2], COVER)
    assert joined.story_of[2] == 1
    (link,) = [x for x in joined.links if {x.a, x.b} == {1, 2}]
    assert link.signals == ("names",) and "кор" in link.shared


def test_coverage_needs_every_post_two_posts_and_a_rare_name() -> None:
    """One post that names the place in passing, a development of one post, or a name in every other
    development of the window (Москва) do not join."""
    mixed = posts_of(
        2, NEAR, ["Президента Южной Кореи могут арестовать.", "Курс биткоина упал до $93 тысяч."], hour=2
    )
    single = posts_of(3, NEAR, ["Президента Южной Кореи могут арестовать."], hour=2)
    assert group([MARTIAL, mixed, *DAY], [1, 2], COVER).story_of[2] == 2
    assert group([MARTIAL, single, *DAY], [1, 3], COVER).story_of[3] == 3
    moscow = [f"Пробки в Москве достигли {n} баллов, пишет Mash." for n in (8, 9, 9)]
    traffic, rain = posts_of(4, E1, moscow), posts_of(5, NEAR, ["Ливень в Москве.", "В Москве дождь."], 1)
    city = [traffic, rain, *[dev(200 + i, unit(0, 0, 0, 1), frozenset({"москв"})) for i in range(40)]]
    assert "москв" in traffic.core
    assert group(city, [4, 5], COVER).story_of[5] == 5


def test_coverage_is_off_where_the_setting_is_not_given() -> None:
    """Storylines reuse :func:`judge` with their own thresholds; the coverage rule is the story stage's."""
    talk = posts_of(2, NEAR, ["Президента Южной Кореи арестуют.", "Президенту Южной Кореи — импичмент."], 2)
    idf = name_weights([MARTIAL, talk, *DAY])
    assert judge(MARTIAL, talk, idf, SETTINGS) is None
    assert judge(MARTIAL, talk, idf, COVER) is not None
