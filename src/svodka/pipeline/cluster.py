"""Incremental story clustering: each new post joins the story it fits best, or starts one.

A post is compared with the posts of candidate stories only: the ``candidates`` nearest posts by embedding
inside the time window (a bounded window, never an all-pairs matrix over the store), plus the story of the
post it copies. The pair score combines signals, since each one alone errs in its own way:

* semantic similarity of the e5/USE vectors, rescaled from the model's compressed cosine range
  (``sem_floor``…1 → 0…1);
* lexical overlap: TF-IDF cosine of content-word stems (IDF from the posts the clusterer has seen);
* shared links (the same article or document behind two posts);
* time: the score decays towards half its value with a half-life of ``half_life_hours``;
* one channel rarely posts the same event twice without saying so: ``same_channel_penalty``.

A post joins the story it scores best against, if that score reaches ``threshold``. The story score is the
mean of the post's ``top_k`` best pair scores among the story's latest ``max_members`` members: between
single linkage (one lookalike member drags a post in, and chains unrelated events together) and average
linkage (a live story drifts — the fire at the parliament reads little like the morning's rally — so an
update that matches the latest reports closely is still held down by every early one). Requiring several
members to agree keeps the first property; comparing with the closest members, not all, removes the
second. For a story of up to ``top_k`` posts this is average linkage.

A live event is continuous: a story with no post in the last ``quiet_hours`` takes a new post only at
``threshold + quiet_margin``. Its next post is then either clearly the same event or, more often than not,
another one of the same kind: a law signed on one template hours later, the minister's statement about a
neighbouring event, the evening's drone report after the night's (benchmarks/README.md, "A quiet story").

When a post reaches the threshold for two stories and those two stories score at least ``threshold``
against each other, they merge (the older id survives, the other is kept as an alias). Story ids therefore
never change for posts already placed. Weights and threshold sit in the middle of a plateau measured on
stories_dev and on each half of that day separately (benchmarks/README.md, `svodka eval stories`).
"""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from svodka.pipeline.embed import unrelated_cosine
from svodka.pipeline.features import Features


@dataclass(frozen=True, slots=True)
class ClusterSettings:
    threshold: float = 0.28
    window_hours: float = 48.0
    half_life_hours: float = 12.0
    sem_floor: float = 0.8  # cosine of unrelated posts: by model, see embed.UNRELATED_COSINE (e5 0.80)
    weights: tuple[float, float, float] = (0.6, 0.4, 0.2)  # semantic, lexical, shared links (see features.py)
    same_channel_penalty: float = 0.1
    candidates: int = 30
    max_members: int = 24  # a story is compared through its latest members: bounded cost per post
    top_k: int = 3  # story score: mean of the post's k best pair scores in the story (see above)
    quiet_hours: float = 2.0  # a story with no post for this long takes a post only at threshold + margin
    quiet_margin: float = 0.03

    @classmethod
    def from_settings(
        cls, settings: Mapping[str, Any], embedder_name: str, vectors: Iterable[np.ndarray] = ()
    ) -> ClusterSettings:
        """The ``pipeline.*`` settings, with the floor resolved here once: ``pipeline.sem_floor`` when set
        (>= 0); at -1 the embedder's own (:func:`~svodka.pipeline.embed.unrelated_cosine`: e5's cosines
        crowd near 0.8, USE's spread from 0.1, another model's is measured on ``vectors``)."""
        floor = settings["pipeline.sem_floor"]
        return cls(
            threshold=settings["pipeline.threshold"],
            window_hours=settings["pipeline.window_hours"],
            half_life_hours=settings["pipeline.half_life_hours"],
            same_channel_penalty=settings["pipeline.same_channel_penalty"],
            sem_floor=floor if floor >= 0 else unrelated_cosine(embedder_name, vectors),
        )


PROVISIONAL = 1 << 40  # first id of the stories a run starts: the store maps them to reserved ids


@dataclass(frozen=True, slots=True)
class ClusterItem:
    id: int
    channel_id: int
    ts: float
    vector: np.ndarray | None  # L2-normalised; None when the post has no text to embed
    features: Features
    origin: int | None = None  # the post it copies
    story: int | None = None  # set for posts already placed (loaded from the store)


@dataclass(slots=True)
class StoryAssignment:
    post_id: int
    story: int
    score: float


@dataclass(slots=True)
class StoryClusterer:
    """The state of the window: placed posts, their stories, document frequencies.

    Stories it starts get ids from ``next_story`` on; a caller that writes to a shared store starts it at
    :data:`PROVISIONAL` and maps :attr:`created` to ids the store reserves (in order, so a merge still
    keeps the older story)."""

    settings: ClusterSettings = field(default_factory=ClusterSettings)
    next_story: int = 1
    items: dict[int, ClusterItem] = field(default_factory=dict)
    story_of: dict[int, int] = field(default_factory=dict)
    members: dict[int, list[int]] = field(default_factory=dict)
    merges: list[tuple[int, int]] = field(default_factory=list)  # (absorbed, into)
    created: list[int] = field(default_factory=list)  # ids of the stories started here, in order
    # whether two stories may merge (no: an analyst keeps them apart; process.corrections.merge_guard)
    may_merge: Callable[[int, int], bool] | None = None
    _df: Counter[str] = field(default_factory=Counter)
    _n_docs: int = 0
    # Vectors of the window's posts, rows appended in place (capacity doubles), with their ids and times.
    _ids: list[int] = field(default_factory=list)
    _matrix: np.ndarray | None = None
    _times: np.ndarray | None = None
    _norms: dict[int, float] = field(default_factory=dict)  # TF-IDF norms under the current IDF
    _last: dict[int, float] = field(default_factory=dict)  # each story's latest post time

    # --- state -----------------------------------------------------------------------------------------
    def load(self, placed: Iterable[ClusterItem]) -> None:
        """Posts already in stories (the window before the new posts), with their story ids."""
        for item in sorted(placed, key=lambda i: (i.ts, i.id)):
            assert item.story is not None
            self._add(item, item.story)
            self.next_story = max(self.next_story, item.story + 1)

    def _add(self, item: ClusterItem, story: int) -> None:
        self.items[item.id] = item
        self.story_of[item.id] = story
        self.members.setdefault(story, []).append(item.id)
        self._last[story] = max(self._last.get(story, item.ts), item.ts)
        # The document frequencies change: norms are recomputed under the new IDF when next needed, so a
        # cosine's numerator and denominator always use the same weights. Within one window, a run continued
        # from the store (load() re-adds the window in date order) has the frequencies of one long run.
        self._df.update(item.features.words)
        self._n_docs += 1
        self._norms.clear()
        if item.vector is not None:
            n = len(self._ids)
            if self._matrix is None or n == len(self._matrix):
                grown = np.zeros((max(256, 2 * n), len(item.vector)), np.float32)
                times = np.zeros(len(grown), np.float64)
                if self._matrix is not None and self._times is not None:
                    grown[:n], times[:n] = self._matrix[:n], self._times[:n]
                self._matrix, self._times = grown, times
            assert self._times is not None
            self._matrix[n] = item.vector
            self._times[n] = item.ts
            self._ids.append(item.id)

    def _expire(self, now: float) -> None:
        """Drop the vectors of posts that left the window, in chunks (compacting costs O(window))."""
        if self._matrix is None or self._times is None:
            return
        n = len(self._ids)
        keep = self._times[:n] >= now - self.settings.window_hours * 3600
        if n - int(keep.sum()) < 256:
            return
        self._ids = [i for i, k in zip(self._ids, keep, strict=True) if k]
        m = len(self._ids)
        self._matrix[:m] = self._matrix[:n][keep]
        self._times[:m] = self._times[:n][keep]

    # --- scoring ---------------------------------------------------------------------------------------
    def _idf(self, word: str) -> float:
        return math.log((1 + self._n_docs) / (1 + self._df.get(word, 0))) + 1.0

    def _norm_now(self, item: ClusterItem) -> float:
        return math.sqrt(sum(self._idf(w) ** 2 for w in item.features.words))

    def _norm(self, item: ClusterItem) -> float:
        norm = self._norms.get(item.id)
        if norm is None:
            norm = self._norms[item.id] = self._norm_now(item)
        return norm

    def _lexical(self, a: ClusterItem, b: ClusterItem) -> float:
        common = a.features.words & b.features.words
        if not common:
            return 0.0
        dot = sum(self._idf(w) ** 2 for w in common)
        return dot / (self._norm(a) * self._norm(b))

    def pair_score(self, a: ClusterItem, b: ClusterItem) -> float:
        s = self.settings
        if a.origin == b.id or b.origin == a.id or (a.origin is not None and a.origin == b.origin):
            return 1.0
        sem = 0.0
        if a.vector is not None and b.vector is not None:
            cos = float(a.vector @ b.vector)
            sem = min(1.0, max(0.0, (cos - s.sem_floor) / (1.0 - s.sem_floor)))
        lex = self._lexical(a, b)
        links = 1.0 if a.features.links & b.features.links else 0.0
        w_sem, w_lex, w_links = s.weights
        score = w_sem * sem + w_lex * lex + w_links * links
        hours = abs(a.ts - b.ts) / 3600
        score *= 0.5 + 0.5 * 0.5 ** (hours / s.half_life_hours)
        if a.channel_id == b.channel_id:
            score -= s.same_channel_penalty
        return score

    def _story_score(self, item: ClusterItem, story: int) -> float:
        s = self.settings
        horizon = item.ts - s.window_hours * 3600
        latest = self.members[story][-s.max_members :]
        scores = [self.pair_score(item, self.items[m]) for m in latest if self.items[m].ts >= horizon]
        best = sorted(scores, reverse=True)[: max(1, s.top_k)]
        score = sum(best) / len(best) if best else 0.0
        if item.ts - self._last.get(story, item.ts) > s.quiet_hours * 3600:
            score -= s.quiet_margin  # a quiet story: see the module's docstring
        return score

    def _stories_score(self, a: int, b: int) -> float:
        scores = [
            self.pair_score(self.items[x], self.items[y]) for x in self.members[a] for y in self.members[b]
        ]
        return sum(scores) / len(scores) if scores else 0.0

    # --- placing ---------------------------------------------------------------------------------------
    def _candidates(self, item: ClusterItem) -> set[int]:
        stories: set[int] = set()
        if item.origin is not None and item.origin in self.story_of:
            stories.add(self.story_of[item.origin])
        if item.vector is not None and self._matrix is not None and self._times is not None and self._ids:
            n = len(self._ids)
            sims = self._matrix[:n] @ item.vector
            # posts that left the window (not yet compacted away) must not take a candidate's place
            sims[self._times[:n] < item.ts - self.settings.window_hours * 3600] = -np.inf
            k = min(self.settings.candidates, n)
            for idx in np.argpartition(-sims, k - 1)[:k]:
                if np.isfinite(sims[idx]):
                    stories.add(self.story_of[self._ids[int(idx)]])
        return stories

    def add(self, item: ClusterItem) -> StoryAssignment:
        """Place one post (call in date order); returns its story and its score against it."""
        self._expire(item.ts)
        if item.origin is not None and item.origin in self.story_of:
            story = self.story_of[item.origin]  # a copy belongs where its origin is
            self._add(item, story)
            return StoryAssignment(item.id, story, 1.0)
        scored = sorted(((self._story_score(item, s), s) for s in self._candidates(item)), reverse=True)
        threshold = self.settings.threshold
        if not scored or scored[0][0] < threshold:
            story = self.next_story
            self.next_story += 1
            self.created.append(story)
            self._add(item, story)
            return StoryAssignment(item.id, story, 1.0)
        best_score, story = scored[0]
        self._add(item, story)
        for score, other in scored[1:3]:
            if score < threshold or other not in self.members or other == story:
                continue
            if self._stories_score(story, other) >= threshold and (
                self.may_merge is None or self.may_merge(story, other)
            ):
                story = self._merge(story, other)
        return StoryAssignment(item.id, story, best_score)

    def _merge(self, a: int, b: int) -> int:
        """Merge two stories into the older id (the smaller one: ids grow with time)."""
        keep, gone = min(a, b), max(a, b)
        for pid in self.members.pop(gone):
            self.story_of[pid] = keep
            self.members[keep].append(pid)
        self._last[keep] = max(self._last[keep], self._last.pop(gone))
        self.merges.append((gone, keep))
        return keep
