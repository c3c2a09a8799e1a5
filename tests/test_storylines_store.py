"""store.storylines on both backends: stories with their storyline and summary, links, merges and moves."""

from __future__ import annotations

import numpy as np

from svodka.store import Store
from svodka.store.base import StorylineEntry

DAY = 86400.0


def entry(story: int, line: int, day: float, posts: int = 3) -> StorylineEntry:
    vec = np.zeros(4, dtype=np.float32)
    vec[story % 4] = 1.0
    return StorylineEntry(
        story,
        line,
        day * DAY,
        day * DAY + 3600,
        posts,
        vec.tobytes(),
        ("тбилис", "кобахидз"),
        ("#грузия",),
        (1, 2),
    )


def test_entries_round_trip_and_the_candidates_are_the_recent_ones(store: Store) -> None:
    with store.transaction():
        store.storylines.save(
            [entry(1, 1, 0), entry(2, 1, 1), entry(5, 5, 3, posts=1)], [(1, 2, 0.8, "centroid")]
        )
    got = store.storylines.stories(1)
    assert [e.story_id for e in got] == [1, 2]  # oldest first
    assert got[0] == entry(1, 1, 0)  # every field as written, the centroid's bytes too
    assert np.frombuffer(got[1].centroid or b"", dtype=np.float32).tolist() == [0, 0, 1, 0]
    assert [e.story_id for e in store.storylines.since(0.5 * DAY)] == [2, 5]
    assert store.storylines.of_stories([1, 2, 5, 99]) == {1: 1, 2: 1, 5: 5}
    assert store.storylines.links([1, 2]) == [(1, 2, 0.8, "centroid")]
    assert store.storylines.links([1, 5]) == []
    assert store.storylines.largest() == [(1, 2)]
    assert store.storylines.stories(42) == []


def test_a_merge_moves_every_story_and_a_story_merged_away_is_forgotten(store: Store) -> None:
    store.storylines.save([entry(1, 1, 0), entry(3, 3, 1), entry(4, 3, 2), entry(6, 6, 2)])
    # story 6 joins storyline 3, which merges into 1 (its stories 3 and 4 with it); story 4 merged away
    store.storylines.save(
        [entry(6, 1, 2.5, posts=5)], [(3, 6, 0.9, "centroid"), (1, 6, 0.7, "names")], gone=[4], moves={3: 1}
    )
    assert [e.story_id for e in store.storylines.stories(1)] == [1, 3, 6]
    assert store.storylines.stories(3) == []
    assert store.storylines.of_stories([4]) == {}
    assert store.storylines.stories(1)[-1].posts == 5  # the row replaced, not doubled
    assert store.storylines.links([1, 3, 6]) == [(1, 6, 0.7, "names"), (3, 6, 0.9, "centroid")]
    store.storylines.save([], [(1, 6, 0.1, "again")])  # a link is recorded once
    assert store.storylines.links([1, 6]) == [(1, 6, 0.7, "names")]
    assert store.storylines.largest(min_stories=1) == [(1, 3)]


def test_a_failed_batch_stores_none_of_its_storylines(store: Store) -> None:
    store.storylines.save([entry(1, 1, 0)])
    try:
        with store.transaction():
            store.storylines.save([entry(2, 1, 1)], moves={1: 1})
            raise RuntimeError("killed")
    except RuntimeError:
        pass
    assert store.storylines.of_stories([1, 2]) == {1: 1}
