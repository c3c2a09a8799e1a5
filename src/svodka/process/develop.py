"""The story stage, after placement: the batch's developments (clusters) grouped into stories.

Each batch links the developments that got posts (new or joined) to every development of the batch's
window (:func:`svodka.pipeline.developing.group`), and writes the stories with the batch's other results,
in its transaction. A development's summary is built from its posts inside the window: their vectors (the
ones the clusterer compared), normalised texts and links.
"""

from __future__ import annotations

import logging
from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from svodka.errors import ConfigError
from svodka.model import PostAnalysis, StoredPost, WindowPost
from svodka.pipeline.developing import (
    CapitalisedNames,
    Development,
    DevelopSettings,
    DevLink,
    DevPost,
    Grouping,
    NameFinder,
    NatashaNames,
    development,
    group,
)
from svodka.pipeline.event_time import common_time, event_time
from svodka.pipeline.features import _link_key
from svodka.process.corrections import keep_apart
from svodka.store.base import Store

log = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class Placed:
    """A post as the story stage sees it: in which development, with what text."""

    post_id: int
    channel_id: int
    ts: float
    text: str
    development: int


def dev_posts(
    placed: Iterable[Placed],
    vectors: Mapping[int, np.ndarray],
    links: Mapping[int, tuple[str, ...]],
) -> dict[int, list[DevPost]]:
    """``placed`` as the grouping and the linking compare them (each post's vector and its links' keys),
    by ``development`` (the storyline stage puts a story id there)."""
    by_dev: dict[int, list[DevPost]] = defaultdict(list)
    for p in placed:
        link_keys = tuple(_link_key(u) for u in links.get(p.post_id, ()) if u)
        by_dev[p.development].append(
            DevPost(p.post_id, p.channel_id, p.ts, p.text, vectors.get(p.post_id), link_keys)
        )
    return by_dev


def summarise(
    placed: Iterable[Placed],
    vectors: Mapping[int, np.ndarray],
    links: Mapping[int, tuple[str, ...]],
    finder: NameFinder,
    story_of: Mapping[int, int],
) -> list[Development]:
    """Every development of ``placed`` summarised (names found once per post), with the time of its event
    its posts agree on (:func:`svodka.pipeline.event_time.common_time`)."""
    out = []
    for dev_id, posts in sorted(dev_posts(placed, vectors, links).items()):
        names = finder.names([p.text for p in posts])
        when = common_time([event_time(p.text, p.ts) for p in posts])
        out.append(development(dev_id, posts, names, story_of.get(dev_id), when))
    return out


def develop(
    store: Store,
    placed: Sequence[Placed],
    touched: Iterable[int],
    merges: Sequence[tuple[int, int]],
    vectors: Mapping[int, np.ndarray],
    finder: NameFinder,
    settings: DevelopSettings,
) -> Grouping:
    """Group the window's developments into stories and write them (inside the caller's transaction).

    ``placed``: the window's and the batch's posts with their developments after placement (merges
    applied); ``touched``: the developments that got posts; ``merges``: the clusterer's ``(absorbed,
    into)`` of this batch, whose stories join."""
    gone = {a for a, _b in merges}
    placed = [p for p in placed if p.development not in gone]
    dev_ids = sorted({p.development for p in placed} | {b for _a, b in merges})
    story_of = store.developments.story_of([*dev_ids, *gone])
    # a merged-away development's story goes on in the development that absorbed it
    carried = [(b, story_of[a]) for a, b in merges if a in story_of]
    devs = summarise(
        placed, vectors, store.developments.post_links([p.post_id for p in placed]), finder, story_of
    )
    apart = keep_apart(store, {d.id: d.story for d in devs})  # analysts' cannot-links (process.corrections)
    grouping = group(devs, touched, settings, forced=_forced(devs, carried), apart=apart)
    store.developments.save(grouping.story_of, [_row(link) for link in grouping.links], gone=sorted(gone))
    if grouping.merges:
        log.debug("stories merged: %s", grouping.merges)
    return grouping


def _forced(devs: Sequence[Development], carried: Sequence[tuple[int, int]]) -> list[tuple[int, int]]:
    """Pairs of developments to join because the clusterer merged one into the other: the absorbing one
    with any development of the absorbed one's story."""
    by_story: dict[int, int] = {}
    for d in devs:
        if d.story is not None:
            by_story.setdefault(d.story, d.id)
    return [(b, by_story[s]) for b, s in carried if s in by_story and by_story[s] != b]


def _row(link: DevLink) -> tuple[int, int, float, str]:
    why = "+".join(link.signals)
    if link.shared:
        why += ": " + ", ".join(link.shared)
    return link.a, link.b, link.centroid, why


def finder_for(name: str) -> NameFinder:
    """The name finder ``pipeline.story_names`` names (one per process: natasha loads its models once)."""
    if name not in _FINDERS:
        if name == "caps":
            _FINDERS[name] = CapitalisedNames()
        elif name == "natasha":
            _FINDERS[name] = NatashaNames()
        else:
            raise ConfigError(f"pipeline.story_names: {name!r} is not caps or natasha")
    return _FINDERS[name]


_FINDERS: dict[str, NameFinder] = {}


def placed_posts(
    window: Sequence[WindowPost],
    posts: Sequence[StoredPost],
    rows: Mapping[int, PostAnalysis],
    assignments: Sequence[tuple[int, int, float]],
    merges: Sequence[tuple[int, int]],
) -> list[Placed]:
    """The posts of one batch already placed in developments: the window's placed posts, in their
    development after the batch's ``merges`` (followed to the last one), then the batch's own posts as
    ``assignments`` placed them."""
    into = dict(merges)

    def final(dev: int) -> int:
        seen = set()
        while dev in into and dev not in seen:
            seen.add(dev)
            dev = into[dev]
        return dev

    batch = {p.id: p for p in posts}
    return [
        Placed(w.post_id, w.channel_id, float(w.date), w.norm_text, final(w.story_id))
        for w in window
        if w.story_id
    ] + [
        Placed(pid, batch[pid].channel_id, batch[pid].date.timestamp(), rows[pid].norm_text, sid)
        for pid, sid, _score in assignments
    ]


def develop_batch(
    store: Store,
    settings: Mapping[str, Any],
    sem_floor: float,
    window: Sequence[WindowPost],
    posts: Sequence[StoredPost],
    rows: Mapping[int, PostAnalysis],
    assignments: Sequence[tuple[int, int, float]],
    merges: Sequence[tuple[int, int]],
    vectors: Mapping[int, np.ndarray],
) -> Grouping:
    """The story stage of one batch of :func:`svodka.process.process`: its window's and its own placed
    posts, in their developments after the batch's merges, grouped (:func:`develop`)."""
    return develop(
        store,
        placed_posts(window, posts, rows, assignments, merges),
        {sid for _p, sid, _x in assignments},
        list(merges),
        vectors,
        finder_for(settings["pipeline.story_names"]),
        DevelopSettings.from_settings(settings, sem_floor),
    )
