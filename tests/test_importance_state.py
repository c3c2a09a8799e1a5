"""A state act weighs as politics whatever it regulates (issue 14, fourth pass): the budget law filed under
economy and the data-leak law under technology were ranked #32 and #53 of stories_dev's day."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest

from conftest import shared
from svodka.digest import DigestQuery, build_digest
from svodka.digest.compose import DigestOptions
from svodka.digest.voice import Voice, term_note
from svodka.evaluate.gold import GoldStories, gold_stories
from svodka.model import Channel, StoredPost, Story, StoryMember
from svodka.pipeline.importance import (
    DeskProfile,
    ImportanceContext,
    importance,
    state_act_share,
    story_topic,
)
from svodka.store import open_store

DAY = datetime(2024, 11, 30, tzinfo=UTC)
Q = DigestQuery(DAY, datetime(2024, 12, 1, tzinfo=UTC), top=200)


@pytest.fixture(scope="module")
def gold(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[GoldStories, dict[int, Channel]]]:
    with open_store(Path(tmp_path_factory.mktemp("state")) / "gold.db") as store:
        g = gold_stories(store, shared("stories_dev"))
        channels = {c.id: c for c in store.channels.list()}
    yield g, channels


def _story(g: GoldStories, label: str) -> Story:
    return next(s for s in g.stories if g.labels[s.id] == label)


def test_a_law_under_economy_or_technology_weighs_as_politics(
    gold: tuple[GoldStories, dict[int, Channel]],
) -> None:
    g, channels = gold
    budget, leaks = _story(g, "s144"), _story(g, "s090")  # the budget law; penalties for data leaks
    # (the topic model files the data-leak law under politics, the lexicon alone under technology)
    assert story_topic(budget, {}) == "economy" and story_topic(leaks, {}) in ("technology", "politics")
    assert state_act_share(budget) == 1.0 and state_act_share(leaks) >= 0.5
    ctx = ImportanceContext()
    for story in (s for s in (budget, leaks) if story_topic(s, {}) != "politics"):
        value, note = importance(story, ctx)
        plain, _ = importance(story, ImportanceContext(desk=DeskProfile(state_act_share=1.01)))
        assert "a state act" in note
        assert "акт государства" in term_note(note, Voice("ru", "UTC"))
        assert value - plain == pytest.approx(1.0 - DeskProfile().topic_weights[story_topic(story, {})])
    ranks = [
        {
            g.labels[it.card.story_id]: it.rank
            for it in build_digest(g.stories, Q, DigestOptions(channels=channels, desk=desk)).items
        }
        for desk in (DeskProfile(state_act_share=1.01), DeskProfile())
    ]
    # Measured on the day with the lexicon's topics: the data-leak law #54 → #6, the budget law (2 posts of 2
    # channels) #32 → #28; with the topic model the data-leak law is politics (#6 either way)
    assert ranks[1]["s090"] <= 15 and ranks[1]["s090"] <= ranks[0]["s090"]
    assert ranks[1]["s144"] < ranks[0]["s144"]


def test_a_story_about_the_state_is_no_state_act() -> None:
    day = datetime(2024, 11, 30, 9, tzinfo=UTC)
    texts = [
        "Курс рубля упал после заявления министра финансов",  # the state speaks, it does not legislate
        "Госдума приняла закон о бюджете",
        "Суд назначил наказание водителю",  # a court's sentence is no penalty brought in
    ]
    posts = [StoredPost(n + 1, n + 1, f"c{n}", n + 1, day, t, None) for n, t in enumerate(texts)]
    story = Story(1, tuple(StoryMember(p) for p in posts), day, day)
    assert state_act_share(story) == pytest.approx(1 / 3)
    assert "a state act" not in importance(story, ImportanceContext())[1]
