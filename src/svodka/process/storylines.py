"""The storyline stage, after the story stage: the batch's stories linked to the stories of the days before.

Each batch summarises the stories that got posts (their posts inside the batch's window: vectors, names,
links), links them to each other and to the stored stories of the last ``storylines.max_gap_days``
(:func:`svodka.pipeline.storylines.link_stories`), and writes every touched story's row, the links and the
storylines merged, in the batch's transaction. Stories not touched are not compared again.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Mapping, Sequence
from dataclasses import replace
from functools import cache
from typing import Any

import numpy as np

from svodka.errors import NotFoundError
from svodka.model import PostAnalysis, StoredPost, WindowPost
from svodka.pipeline.developing import DevPost, Grouping
from svodka.pipeline.series import SeriesPost
from svodka.pipeline.storylines import (
    Lines,
    StorylineSettings,
    StorySummary,
    link_stories,
    summarise_story,
    why,
)
from svodka.process.develop import Placed, dev_posts, finder_for, placed_posts
from svodka.store.base import Store, StorylineEntry

log = logging.getLogger(__name__)


def summary_of(entry: StorylineEntry) -> StorySummary:
    """A stored story as the linking compares it."""
    centroid = np.frombuffer(entry.centroid, dtype=np.float32) if entry.centroid is not None else None
    return StorySummary(
        entry.story_id,
        centroid,
        frozenset(entry.names),
        frozenset(entry.links),
        frozenset(entry.channels),
        entry.first,
        entry.last,
        entry.posts,
        entry.storyline_id,
    )


def story_texts(store: Store) -> Callable[[int], list[SeriesPost]]:
    """The posts of a stored story (every development of it), read once a story, for the series test."""

    @cache
    def posts(story_id: int) -> list[SeriesPost]:
        out = []
        for dev in dict.fromkeys([story_id, *store.developments.developments(story_id)]):
            try:
                members = store.stories.get(dev).members
            except NotFoundError:
                continue
            out += [SeriesPost(m.post.channel_id, m.post.date.timestamp(), m.post.text) for m in members]
        return out

    return posts


def entry_of(summary: StorySummary, storyline: int) -> StorylineEntry:
    centroid = summary.centroid
    return StorylineEntry(
        summary.id,
        storyline,
        summary.first,
        summary.last,
        summary.n_posts,
        np.asarray(centroid, dtype=np.float32).tobytes() if centroid is not None else None,
        tuple(sorted(summary.names)),
        tuple(sorted(summary.links)),
        tuple(sorted(summary.channels)),
    )


def _summaries(
    by_story: Mapping[int, list[DevPost]], names: str, lines: Mapping[int, int]
) -> list[StorySummary]:
    """Each story of ``by_story`` (its posts by story id) summarised, names found once a post."""
    finder = finder_for(names)
    return [
        summarise_story(sid, ps, finder.names([p.text for p in ps]), lines.get(sid))
        for sid, ps in sorted(by_story.items())
    ]


def place_stories(
    store: Store,
    placed: Sequence[Placed],
    vectors: Mapping[int, np.ndarray],
    grouping: Grouping,
    settings: StorylineSettings,
    names: str,
) -> Lines:
    """Link the stories of ``placed`` (posts with their developments after the batch; ``grouping``: the
    story stage's result) that got posts to the stored stories of the days before, and write them
    (inside the caller's transaction). ``names``: the name finder (``pipeline.story_names``)."""
    story_of = grouping.story_of
    touched_devs = {p.development for p in placed if p.development in story_of}
    gone = {a for a, _b in grouping.merges}
    touched = {story_of[d] for d in touched_devs} - gone
    posts = [replace(p, development=story_of[p.development]) for p in placed if p.development in story_of]
    posts = [p for p in posts if p.development in touched]
    if not posts:
        return Lines({}, (), ())
    stored_lines = store.storylines.of_stories(sorted(touched))
    links = store.developments.post_links([p.post_id for p in posts])
    fresh = _summaries(dev_posts(posts, vectors, links), names, stored_lines)
    cutoff = min(s.first for s in fresh) - settings.max_gap_days * 86400
    known = {e.story_id: e for e in store.storylines.since(cutoff)}
    fresh = [replace(s, first=min(s.first, known[s.id].first)) if s.id in known else s for s in fresh]
    stories = [summary_of(e) for sid, e in known.items() if sid not in touched] + fresh
    ids = {s.id for s in stories}
    forced = [(into, a) for a, into in grouping.merges if a in ids and into in ids]
    lines = link_stories(stories, touched, settings, forced, story_texts(store))
    store.storylines.save(
        [entry_of(s, lines.line_of[s.id]) for s in fresh],
        [(link.a, link.b, link.centroid, why(link)) for link in lines.links],
        gone=sorted(gone),
        moves=dict(lines.merges),
    )
    if lines.merges:
        log.debug("storylines merged: %s", lines.merges)
    return lines


def storylines_batch(
    store: Store,
    settings: Mapping[str, Any],
    sem_floor: float,
    window: Sequence[WindowPost],
    posts: Sequence[StoredPost],
    rows: Mapping[int, PostAnalysis],
    placement: tuple[Sequence[tuple[int, int, float]], Sequence[tuple[int, int]]],
    grouping: Grouping,
    vectors: Mapping[int, np.ndarray],
) -> Lines:
    """The storyline stage of one batch of :func:`svodka.process.process`, after
    :func:`svodka.process.develop.develop_batch` gave ``grouping``: the stories with a post of the batch
    (``placement``: its assignments and the clusterer's merges), summarised from their posts in the
    window and the batch, linked over days."""
    assignments, merges = placement
    placed = placed_posts(window, posts, rows, assignments, merges)
    story_of = grouping.story_of
    touched = {story_of[sid] for _p, sid, _x in assignments if sid in story_of}
    return place_stories(
        store,
        [p for p in placed if story_of.get(p.development) in touched],
        vectors,
        grouping,
        StorylineSettings.from_settings(settings, sem_floor),
        settings["pipeline.story_names"],
    )
