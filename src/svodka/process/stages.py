"""The pipeline's stages as plain functions over records: analyse → copies → embed → place.

Each takes what the one before it handed over and what the store read for it, and returns a record; none
touches the store, so a distributed engine can map them over batches. :mod:`svodka.process` reads, calls
them in order and writes their results in one transaction.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, replace

import numpy as np

from svodka.model import PostAnalysis, StoredPost, WindowPost
from svodka.pipeline.ads import classify_ad, post_kind
from svodka.pipeline.cluster import PROVISIONAL, ClusterItem, ClusterSettings, StoryClusterer
from svodka.pipeline.copies import CopyIndex, CopyItem, CopySettings
from svodka.pipeline.features import extract
from svodka.pipeline.language import detect_language
from svodka.pipeline.normalize import normalize, text_hash

MIN_EMBED_CHARS = 20  # shorter texts ("Видео", "Срочно") carry no event to compare


def analyse(posts: Sequence[StoredPost]) -> dict[int, PostAnalysis]:
    """Normalise, detect the language, judge ads and non-news and the post's kind (a report, or a channel's
    plug for its own episode: :func:`~svodka.pipeline.ads.post_kind`); a millisecond or two per post, most
    of it the language."""
    rows: dict[int, PostAnalysis] = {}
    for p in posts:
        row = _judged(p)
        rows[p.id] = replace(row, language=detect_language(row.norm_text))
    return rows


def _judged(p: StoredPost) -> PostAnalysis:
    """The post normalised, judged as an ad or not and given its kind; no language yet."""
    norm = normalize(p.text)
    verdict = classify_ad(p.text, norm, p.media)
    return PostAnalysis(
        p.id, None, verdict.is_ad, verdict.reason, norm, text_hash(norm), None, post_kind(norm)
    )


def embedding_plan(posts: Sequence[StoredPost]) -> EmbedPlan:
    """What :func:`plan_embedding` asks of these posts' analysis alone, without detecting their languages
    (which the embedding does not need): what a worker that only embeds does."""
    return plan_embedding({p.id: _judged(p) for p in posts}, ())


def find_copies(
    posts: Sequence[StoredPost],
    rows: Mapping[int, PostAnalysis],
    window: Sequence[WindowPost],
    forwards: Mapping[int, int],
    settings: CopySettings,
) -> dict[int, PostAnalysis]:
    """``rows`` with the origin of each copy: forward metadata, then exact/near-duplicate text against the
    stored window and the earlier posts of the batch, in date order. Ads are nobody's copy or origin."""
    index = CopyIndex(settings)
    order = sorted(
        [(float(w.date), w.post_id, "old") for w in window]
        + [(p.date.timestamp(), p.id, "new") for p in posts]
    )
    old = {w.post_id: w for w in window}
    channel = {p.id: p.channel_id for p in posts}
    out = dict(rows)
    for ts, pid, kind in order:
        if kind == "old":
            w = old[pid]
            index.add(
                CopyItem(pid, w.channel_id, ts, w.norm_text, w.text_hash), known_origin=w.origin_post_id
            )
            continue
        r = rows[pid]
        if r.is_ad:
            continue
        origin = index.add(CopyItem(pid, channel[pid], ts, r.norm_text, r.text_hash, forwards.get(pid)))
        if origin is not None:
            out[pid] = replace(r, origin_post_id=origin)
    return out


@dataclass(frozen=True, slots=True)
class EmbedPlan:
    """The posts the clusterer compares by vector, and one text per distinct normalised text."""

    need: dict[int, int]  # post id -> text hash
    texts: dict[int, str]  # text hash -> the text, once however many posts carry it


def plan_embedding(rows: Mapping[int, PostAnalysis], window: Sequence[WindowPost]) -> EmbedPlan:
    need: dict[int, int] = {}
    texts: dict[int, str] = {}
    for pid, r in rows.items():
        if not r.is_ad and len(r.norm_text) >= MIN_EMBED_CHARS:
            need[pid] = r.text_hash
            texts.setdefault(r.text_hash, r.norm_text)
    for w in window:
        if len(w.norm_text) >= MIN_EMBED_CHARS:
            need[w.post_id] = w.text_hash
            texts.setdefault(w.text_hash, w.norm_text)
    return EmbedPlan(need, texts)


@dataclass(frozen=True, slots=True)
class Placement:
    """Where the batch's posts went. Stories started here carry provisional ids (:data:`PROVISIONAL` on):
    :meth:`with_ids` maps them to ids the store reserved."""

    assignments: tuple[tuple[int, int, float], ...]  # (post id, story id, score)
    merges: tuple[tuple[int, int], ...]  # (absorbed, into)
    created: tuple[int, ...]  # provisional ids, ascending
    known: frozenset[int]  # the window's stories

    def with_ids(self, first: int) -> tuple[list[tuple[int, int, float]], list[tuple[int, int]]]:
        """Assignments and merges with ``created[i]`` as ``first + i`` (in order: a merge still keeps the
        older id)."""
        ids = {p: first + i for i, p in enumerate(self.created)}

        def real(story: int) -> int:
            return ids.get(story, story)

        return (
            [(pid, real(s), score) for pid, s, score in self.assignments],
            [(real(a), real(b)) for a, b in self.merges],
        )

    @property
    def stories_new(self) -> int:
        return len({s for _p, s, _x in self.assignments} - self.known)

    @property
    def stories_joined(self) -> int:
        return len({s for _p, s, _x in self.assignments} & self.known)


def cluster_item(
    post_id: int,
    channel_id: int,
    ts: float,
    norm_text: str,
    vectors: Mapping[int, np.ndarray],
    links: Sequence[str] = (),
    origin: int | None = None,
    story: int | None = None,
) -> ClusterItem:
    """A post as the clusterer compares it: its vector (None when it has none), the features of its
    normalised text and links, the post it copies and, for a post already placed, its story. The one way
    to build a :class:`ClusterItem` from stored posts: :func:`place` and the clusterer's replay in
    benchmarks/bench_story_signals.py both use it, so the replay cannot drift from the pipeline. (A window
    post comes without its links: :class:`~svodka.model.WindowPost` does not carry them.)"""
    return ClusterItem(
        post_id, channel_id, ts, vectors.get(post_id), extract(norm_text, tuple(links)), origin, story
    )


def place(
    posts: Sequence[StoredPost],
    rows: Mapping[int, PostAnalysis],
    window: Sequence[WindowPost],
    vectors: Mapping[int, np.ndarray],
    settings: ClusterSettings,
    may_merge: Callable[[int, int], bool] | None = None,
) -> Placement:
    """Continue the window's stories with the batch's non-ad posts, in date order; ``may_merge(a, b)``
    refuses merges of stories an analyst keeps apart (:func:`svodka.process.corrections.merge_guard`)."""
    clusterer = StoryClusterer(settings, next_story=PROVISIONAL, may_merge=may_merge)
    clusterer.load(
        cluster_item(
            w.post_id,
            w.channel_id,
            float(w.date),
            w.norm_text,
            vectors,
            origin=w.origin_post_id,
            story=w.story_id,
        )
        for w in window
        if w.story_id
    )
    placed = []
    for p in sorted(posts, key=lambda p: (p.date, p.id)):
        r = rows[p.id]
        if r.is_ad:
            continue
        item = cluster_item(
            p.id, p.channel_id, p.date.timestamp(), r.norm_text, vectors, p.links, r.origin_post_id
        )
        placed.append(clusterer.add(item))
    final = clusterer.story_of
    return Placement(
        assignments=tuple((a.post_id, final[a.post_id], round(a.score, 4)) for a in placed),
        merges=tuple(clusterer.merges),
        created=tuple(clusterer.created),
        known=frozenset(w.story_id for w in window if w.story_id),
    )
