"""One way to build the clusterer's items: ``process.stages.cluster_item``, for ``place`` and the replay."""

from __future__ import annotations

import math
from datetime import UTC, datetime

import numpy as np

from svodka.model import PostAnalysis, StoredPost, WindowPost
from svodka.pipeline.cluster import ClusterSettings, StoryClusterer
from svodka.pipeline.features import extract
from svodka.process.stages import cluster_item, place

SEMANTIC = ClusterSettings(threshold=0.5, weights=(1.0, 0.0, 0.0), same_channel_penalty=0.0)
TEXTS = [
    "В Тбилиси протестующие снова собрались у здания парламента",
    "Протестующие в Тбилиси у парламента: полиция применила водомёты",
    "Путин подписал закон о федеральном бюджете на 2025 год",
    "Протесты у парламента Грузии продолжаются третью ночь",
]
ANGLES = [0.0, 10.0, 90.0, 15.0]


def _vectors() -> dict[int, np.ndarray]:
    return {
        i + 1: np.array([math.cos(math.radians(a)), math.sin(math.radians(a)), 0.0], np.float32)
        for i, a in enumerate(ANGLES)
    }


def test_a_window_post_and_a_batch_post_become_the_same_item_but_for_links() -> None:
    vectors = _vectors()
    window = cluster_item(1, 5, 100.0, TEXTS[0], vectors, origin=None, story=3)
    batch = cluster_item(1, 5, 100.0, TEXTS[0], vectors, ("https://www.example.org/a?x=1",), None)
    assert window.features.words == batch.features.words == extract(TEXTS[0]).words
    assert window.features.links == frozenset() and batch.features.links == frozenset({"example.org/a"})
    assert window.story == 3 and batch.story is None
    assert np.array_equal(window.vector, vectors[1])
    assert cluster_item(9, 5, 100.0, "Видео", vectors).vector is None  # no vector: compared by words only


def test_place_is_the_clusterer_fed_with_cluster_items() -> None:
    """The replay of bench_story_signals.py (a StoryClusterer fed with cluster_item in date order) puts
    every post where ``place`` puts it: same stories, same scores."""
    vectors = _vectors()
    day = datetime(2024, 11, 30, 12, tzinfo=UTC).timestamp()
    posts = [
        StoredPost(i + 1, 10 + i, f"c{i}", i + 1, datetime.fromtimestamp(day + 60 * i, UTC), t, None)
        for i, t in enumerate(TEXTS)
    ]
    rows = {p.id: PostAnalysis(p.id, "ru", False, None, p.text, hash(p.text)) for p in posts}
    # the first post is the window's, already placed in story 7
    window = [WindowPost(1, 10, int(day), TEXTS[0], hash(TEXTS[0]), None, 7)]
    placement = place(posts[1:], rows, window, vectors, SEMANTIC)
    replay = StoryClusterer(SEMANTIC, next_story=placement.created[0] if placement.created else 1 << 40)
    replay.load([cluster_item(1, 10, float(int(day)), TEXTS[0], vectors, story=7)])
    got = [
        replay.add(cluster_item(p.id, p.channel_id, p.date.timestamp(), p.text, vectors, p.links))
        for p in posts[1:]
    ]
    assert [(a.post_id, replay.story_of[a.post_id], round(a.score, 4)) for a in got] == list(
        placement.assignments
    )
    stories = {pid: s for pid, s, _x in placement.assignments}
    assert stories[2] == stories[4] == 7 and stories[3] != 7  # the protests together, the law apart
