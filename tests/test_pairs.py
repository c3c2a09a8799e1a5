"""The candidate pairs of the story level and of storylines come from one function
(svodka.pipeline.pairs.close_pairs): the same pairs each stage found before, on a fixed set of centroids."""

from __future__ import annotations

import numpy as np

from svodka.pipeline import developing, storylines
from svodka.pipeline.developing import Development, DevelopSettings
from svodka.pipeline.pairs import close_pairs
from svodka.pipeline.storylines import StorylineSettings


def summaries(n: int = 40, seed: int = 7) -> list[Development]:
    """``n`` developments around five topics (some without a centroid, some of one post), shuffled ids."""
    rng = np.random.default_rng(seed)
    topics = rng.normal(size=(5, 16))
    out = []
    for k, ident in enumerate(rng.permutation(np.arange(100, 100 + n))):
        v = topics[k % 5] + rng.normal(scale=0.35, size=16)
        centroid = None if k % 9 == 4 else (v / np.linalg.norm(v)).astype(np.float32)
        dev = Development(int(ident), centroid, frozenset(), frozenset(), frozenset({k}), k, k, 1 + k % 3)
        out.append(dev)
    return out


def brute_force(
    items: list[Development], touched: set[int], floor: float, lowest: float
) -> list[tuple[int, int]]:
    """Every pair spelled out, as both stages did it before: a touched item against each item, self and
    the second sight of a pair of two touched items left out."""
    out = []
    for a in items:
        if a.id not in touched or a.centroid is None:
            continue
        for b in items:
            if b.centroid is None or a.id == b.id or (b.id in touched and b.id < a.id):
                continue
            if (float(a.centroid @ b.centroid) - floor) / (1 - floor) >= lowest - 1e-6:
                out.append((a.id, b.id))
    return out


def ids(pairs: object) -> list[tuple[int, int]]:
    return [(a.id, b.id) for a, b in pairs]  # type: ignore[attr-defined]


def test_close_pairs_is_every_close_pair_once() -> None:
    items = summaries()
    touched = {d.id for d in items[::3]}
    for floor, lowest in ((0.1, 0.4), (0.5, 0.6), (0.8, 0.75)):
        found = ids(close_pairs(items, touched, floor, lowest))
        assert found == brute_force(items, touched, floor, lowest)
        assert len(set(found)) == len(found) == len({frozenset(p) for p in found})
    assert ids(close_pairs(items, set(), 0.1, 0.4)) == []
    assert ids(close_pairs(items, {items[4].id}, 0.1, 0.0)) == []  # the touched one has no centroid


def test_both_stages_get_the_pairs_they_got_before() -> None:
    items = summaries()
    touched = {d.id for d in items[::4]}
    story = DevelopSettings(sem_floor=0.1)
    lowest = min(story.centroid_alone, story.centroid_names, story.centroid_link)
    found = ids(developing._candidates(items, touched, story))
    assert found == brute_force(items, touched, 0.1, lowest)
    assert len(found) > 10  # the set has close pairs and far ones
    lines = StorylineSettings(sem_floor=0.1, min_posts=2)
    lowest = min(lines.centroid_alone, lines.centroid_names, lines.centroid_link)
    big = [d for d in items if d.n_posts >= 2]
    found = ids(storylines._candidates(items, touched, lines))
    assert found == brute_force(big, touched, 0.1, lowest)
    assert found and all(d.n_posts >= 2 for d in items for p in found if d.id in p)
