"""Story clustering decisions: top-k story score, look-alikes, consistent lexical cosine, stable ids."""

from __future__ import annotations

import math
from dataclasses import replace

import numpy as np

from svodka.pipeline.cluster import ClusterItem, ClusterSettings, StoryClusterer
from svodka.pipeline.features import extract

# Semantic signal only, no time or channel effects: a pair's score is (cos - 0.8) / 0.2, clipped to 0..1.
SEMANTIC = ClusterSettings(threshold=0.5, weights=(1.0, 0.0, 0.0), same_channel_penalty=0.0)


def _at(pid: int, degrees: float, story: int | None = None, text: str = "") -> ClusterItem:
    """A post whose vector lies at ``degrees`` in one plane: the cosine of two posts is cos(angle between)."""
    a = math.radians(degrees)
    vector = np.array([math.cos(a), math.sin(a), 0.0], dtype=np.float32)
    return ClusterItem(pid, channel_id=pid, ts=0.0, vector=vector, features=extract(text), story=story)


def test_a_drifting_story_keeps_its_updates_where_average_linkage_drops_them() -> None:
    # Each update is 10° from the last: close to the latest reports, unrelated to the first (40° away).
    for top_k, joined in ((3, True), (100, False)):
        clusterer = StoryClusterer(replace(SEMANTIC, top_k=top_k))
        stories = [clusterer.add(_at(i, 10.0 * i)).story for i in range(4)]
        assert len(set(stories)) == 1  # up to 3 members, top-k is average linkage: the first four agree
        last = clusterer.add(_at(4, 40.0))
        assert (last.story == stories[0]) is joined


def test_one_lookalike_member_does_not_pull_a_post_in() -> None:
    clusterer = StoryClusterer(SEMANTIC)
    clusterer.load([_at(1, 0.0, story=7), _at(2, 90.0, story=7), _at(3, 180.0, story=7)])
    assert clusterer.add(_at(4, 3.0)).story != 7  # near one member only: a new story
    single = StoryClusterer(replace(SEMANTIC, top_k=1))
    single.load([_at(1, 0.0, story=7), _at(2, 90.0, story=7), _at(3, 180.0, story=7)])
    assert single.add(_at(4, 3.0)).story == 7  # single linkage would chain it in


def test_lexical_cosine_uses_one_idf_as_documents_arrive() -> None:
    clusterer = StoryClusterer()
    text = "Протестующие в Тбилиси устроили пожар в здании парламента Грузии"
    first = _at(1, 0.0, text=text)
    clusterer.add(first)
    for i, other in enumerate(["Парламент Швейцарии обсудил бюджет", "Пожар в Тбилиси потушили"], start=2):
        clusterer.add(_at(i, 90.0, text=other))
        twin = _at(100 + i, 0.0, text=text)
        assert math.isclose(clusterer._lexical(first, twin), 1.0, rel_tol=1e-9)  # a text is its own twin
    unrelated = _at(200, 0.0, text="Курс рубля на бирже")
    assert clusterer._lexical(first, unrelated) == 0.0


def test_ids_of_placed_posts_never_change() -> None:
    clusterer = StoryClusterer(SEMANTIC, next_story=40)
    placed = {i: clusterer.add(_at(i, 10.0 * i)).story for i in range(3)}
    clusterer.add(_at(10, 120.0))  # a new story; the first three stay where they were
    assert {i: clusterer.story_of[i] for i in placed} == placed
    assert min(placed.values()) >= 40
