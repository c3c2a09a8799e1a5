"""A quiet story takes a new post only at threshold + quiet_margin (pipeline.cluster; issue 15)."""

from __future__ import annotations

import math
from dataclasses import replace

import numpy as np

from svodka.pipeline.cluster import ClusterItem, ClusterSettings, StoryClusterer
from svodka.pipeline.features import extract

# Semantic signal only, no time decay worth the name (a half-life of years) and no channel effects: a pair
# scores (cos - 0.8) / 0.2, so a post at 36.87° (cos 0.8 + 0.2 * 0.51) from a story's posts scores 0.51.
SEMANTIC = ClusterSettings(
    threshold=0.5, weights=(1.0, 0.0, 0.0), same_channel_penalty=0.0, half_life_hours=1e6
)
HOUR = 3600.0
MARGINAL = math.degrees(math.acos(0.8 + 0.2 * 0.51))  # scores 0.51: over 0.5, under 0.5 + 0.03


def _at(pid: int, degrees: float, hours: float, story: int | None = None) -> ClusterItem:
    a = math.radians(degrees)
    vector = np.array([math.cos(a), math.sin(a), 0.0], dtype=np.float32)
    return ClusterItem(pid, pid, hours * HOUR, vector, extract(""), story=story)


def _story(clusterer: StoryClusterer, hours: float = 0.0) -> int:
    stories = {clusterer.add(_at(i, 0.0, hours + i / 60)).story for i in range(1, 4)}
    assert len(stories) == 1
    return stories.pop()


def test_a_marginal_post_does_not_resume_a_story_quiet_for_hours() -> None:
    clusterer = StoryClusterer(SEMANTIC)
    story = _story(clusterer)
    late = clusterer.add(_at(10, MARGINAL, hours=3.0))  # 3 h after its last post: 0.51 < 0.53
    assert late.story != story
    before = StoryClusterer(replace(SEMANTIC, quiet_margin=0.0))  # as before the rule: it joins
    story = _story(before)
    assert before.add(_at(10, MARGINAL, hours=3.0)).story == story


def test_a_live_story_takes_the_same_post_and_a_clear_match_resumes_a_quiet_one() -> None:
    live = StoryClusterer(SEMANTIC)
    story = _story(live)
    assert live.add(_at(10, MARGINAL, hours=1.5)).story == story  # within quiet_hours of its last post
    quiet = StoryClusterer(SEMANTIC)
    story = _story(quiet)
    assert quiet.add(_at(10, 10.0, hours=5.0)).story == story  # cos 0.985: scores 0.92, far over the bar


def test_a_post_in_between_keeps_the_story_live_and_a_loaded_window_remembers_it() -> None:
    clusterer = StoryClusterer(SEMANTIC)
    story = _story(clusterer)
    assert clusterer.add(_at(10, 0.0, hours=1.9)).story == story  # an update 1.9 h on
    assert clusterer.add(_at(11, MARGINAL, hours=3.5)).story == story  # 1.6 h after that update
    # the next run loads the window from the store: the story's latest post time comes back with it
    resumed = StoryClusterer(SEMANTIC)
    resumed.load([replace(item, story=story) for item in clusterer.items.values()])
    assert resumed.add(_at(12, -MARGINAL, hours=6.0)).story != story  # 2.5 h after its latest post
    again = StoryClusterer(SEMANTIC)
    again.load([replace(item, story=story) for item in clusterer.items.values()])
    assert again.add(_at(12, -MARGINAL, hours=5.0)).story == story  # 1.5 h after it


def test_a_merged_story_is_as_live_as_the_livelier_of_the_two() -> None:
    clusterer = StoryClusterer(SEMANTIC)
    clusterer.load([_at(1, 0.0, 0.0, story=7), _at(2, 0.0, 0.1, story=7), _at(3, 0.0, 4.0, story=9)])
    clusterer._merge(7, 9)
    assert clusterer._last[7] == 4.0 * HOUR and 9 not in clusterer._last
    assert clusterer.add(_at(4, MARGINAL, hours=5.0)).story == 7  # 1 h after the merged story's latest post
    unmerged = StoryClusterer(SEMANTIC)
    unmerged.load([_at(1, 0.0, 0.0, story=7), _at(2, 0.0, 0.1, story=7)])
    assert unmerged.add(_at(4, MARGINAL, hours=5.0)).story != 7  # story 7 alone was quiet
