"""Run the pipeline on what is new since the watermark: normalise, language, ads, copies, embed, cluster.

Storage stays here at the edge; every stage is a plain function in :mod:`svodka.pipeline`. Cheap stages
decide first, so the embedding model only sees posts that need it: ads are left out, and a copy takes its
origin's story — its vector comes from the cache only when its own text has one.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from typing import Any

import numpy as np

from svodka.pipeline.ads import NON_NEWS, classify_ad
from svodka.pipeline.cluster import ClusterItem, ClusterSettings, StoryClusterer
from svodka.pipeline.copies import CopyIndex, CopyItem, CopySettings
from svodka.pipeline.embed import Embedder, from_blob, make_embedder, to_blob, unrelated_cosine
from svodka.pipeline.features import extract
from svodka.pipeline.language import detect_language
from svodka.pipeline.normalize import normalize, text_hash
from svodka.store.sqlite.stories import PostAnalysis

log = logging.getLogger(__name__)
WATERMARK = "watermark"
MIN_EMBED_CHARS = 20  # shorter texts ("Видео", "Срочно") carry no event to compare


@dataclass(slots=True)
class ProcessReport:
    posts: int = 0
    ads: int = 0
    non_news: int = 0  # memes, advice, bare captions …: kept out of stories like ads, counted apart
    copies: int = 0
    embedded: int = 0  # vectors computed (the rest came from the cache or were not needed)
    window: int = 0  # stored posts read as context: those within the window of a new post
    stories_new: int = 0
    stories_joined: int = 0
    merges: int = 0
    languages: dict[str, int] = field(default_factory=dict)
    seconds: dict[str, float] = field(default_factory=dict)  # per stage

    @property
    def total_seconds(self) -> float:
        return sum(self.seconds.values())


def cluster_settings(settings: Mapping[str, Any]) -> ClusterSettings:
    return ClusterSettings(
        threshold=settings["pipeline.threshold"],
        window_hours=settings["pipeline.window_hours"],
        half_life_hours=settings["pipeline.half_life_hours"],
        same_channel_penalty=settings["pipeline.same_channel_penalty"],
        sem_floor=settings["pipeline.sem_floor"] if settings["pipeline.sem_floor"] >= 0 else 0.8,
    )


def with_semantic_floor(
    cs: ClusterSettings, settings: Mapping[str, Any], embedder_name: str, vectors: Iterable[np.ndarray]
) -> ClusterSettings:
    """``pipeline.sem_floor`` when set (>= 0); at -1 the embedder's own floor (:func:`unrelated_cosine`:
    e5's cosines crowd near 0.8, USE's spread from 0.1, another model's is measured on ``vectors``)."""
    if settings["pipeline.sem_floor"] >= 0:
        return cs
    return replace(cs, sem_floor=unrelated_cosine(embedder_name, vectors))


def context_ranges(dates: Sequence[float], hours: float) -> list[tuple[int, int]]:
    """The date ranges a run reads stored posts from: ``hours`` either side of each new post, merged.

    A run of the newest posts reads one range, the hours before them; a batch that also holds backlog (a
    channel's history imported late) reads a range around each old post too — never every stored post
    between the oldest new post and now, which in a store of months would be most of the store.
    """
    span = hours * 3600
    ranges: list[tuple[int, int]] = []
    for d in sorted(dates):
        lo, hi = int(d - span), int(d + span) + 1
        if ranges and lo <= ranges[-1][1]:
            ranges[-1] = (ranges[-1][0], max(ranges[-1][1], hi))
        else:
            ranges.append((lo, hi))
    return ranges


def process(
    store: Any,
    settings: Mapping[str, Any],
    on_progress: Callable[[int], None] | None = None,
    embedder: Embedder | None = None,
) -> ProcessReport:
    """Analyse and place every post stored after the watermark; returns counts and seconds per stage."""
    report = ProcessReport()
    analysis, stories = store.analysis, store.stories
    watermark = analysis.get_state(WATERMARK)
    t = time.perf_counter()
    posts = [p for p in store.posts.iter(after_id=watermark) if p.deleted_at is None]
    report.seconds["read"] = time.perf_counter() - t
    if not posts:
        return report
    report.posts = len(posts)
    last_id = max(p.id for p in store.posts.iter(after_id=watermark))

    # 1–3: normalise, language, ads (microseconds per post)
    t = time.perf_counter()
    rows: dict[int, PostAnalysis] = {}
    for p in posts:
        norm = normalize(p.text)
        verdict = classify_ad(p.text, norm, p.media)
        lang = detect_language(norm)
        rows[p.id] = PostAnalysis(p.id, lang, verdict.is_ad, verdict.reason, norm, text_hash(norm))
        report.languages[lang] = report.languages.get(lang, 0) + 1
    flagged = [r.ad_reason or "" for r in rows.values() if r.is_ad]
    report.non_news = sum(reason.startswith(NON_NEWS) for reason in flagged)
    report.ads = len(flagged) - report.non_news
    report.seconds["normalize+language+ads"] = time.perf_counter() - t

    # 4: copies — forward metadata, then exact/near-duplicate text against the window before the batch
    t = time.perf_counter()
    csettings = CopySettings(
        window_hours=settings["pipeline.copy_window_hours"], threshold=settings["pipeline.copy_threshold"]
    )
    cs = cluster_settings(settings)
    hours = max(csettings.window_hours, cs.window_hours)
    window = [
        w
        for lo, hi in context_ranges([p.date.timestamp() for p in posts], hours)
        for w in analysis.window(lo, watermark, until=hi)
    ]
    report.window = len(window)
    forwards = analysis.forward_origins([p.id for p in posts])
    index = CopyIndex(csettings)
    order = sorted(
        [(float(w[2]), w[0], "old") for w in window] + [(p.date.timestamp(), p.id, "new") for p in posts]
    )
    old = {w[0]: w for w in window}
    by_id = {p.id: p for p in posts}
    for ts, pid, kind in order:
        if kind == "old":
            w = old[pid]
            index.add(CopyItem(pid, w[1], ts, w[3], w[4]), known_origin=w[5])
            continue
        r = rows[pid]
        if r.is_ad:
            continue
        origin = index.add(
            CopyItem(pid, by_id[pid].channel_id, ts, r.norm_text, r.text_hash, forwards.get(pid))
        )
        if origin is not None:
            rows[pid] = PostAnalysis(pid, r.language, r.is_ad, r.ad_reason, r.norm_text, r.text_hash, origin)
    report.copies = sum(r.origin_post_id is not None for r in rows.values())
    report.seconds["copies"] = time.perf_counter() - t

    # 5: embeddings for what clustering needs (not ads), from the cache first
    t = time.perf_counter()
    need = {
        pid: r.text_hash for pid, r in rows.items() if not r.is_ad and len(r.norm_text) >= MIN_EMBED_CHARS
    }
    need.update({w[0]: w[4] for w in window if len(w[3]) >= MIN_EMBED_CHARS})
    embedder = embedder or make_embedder(settings["pipeline.embedder"], device=settings["pipeline.device"])
    cached = analysis.vectors(embedder.name, list(need.items()))
    vectors = {pid: from_blob(b) for pid, b in cached.items()}
    # An exact copy (the same normalised words as its origin) borrows the origin's vector, unembedded.
    same_as = {
        pid: r.origin_post_id
        for pid, r in rows.items()
        if pid in need and r.origin_post_id in need and need[r.origin_post_id] == r.text_hash
    }
    missing = [pid for pid in need if pid not in vectors and pid not in same_as]
    texts = {pid: rows[pid].norm_text if pid in rows else old[pid][3] for pid in missing}
    batch = settings["pipeline.embed_batch"]
    model_s = 0.0
    for i in range(0, len(missing), batch):
        ids = missing[i : i + batch]
        tm = time.perf_counter()
        mat = embedder.embed([texts[pid] for pid in ids])
        model_s += time.perf_counter() - tm
        analysis.put_vectors(
            embedder.name, [(pid, need[pid], to_blob(v)) for pid, v in zip(ids, mat, strict=True)]
        )
        for pid, v in zip(ids, mat, strict=True):
            vectors[pid] = v.astype(np.float32)
        if on_progress:
            on_progress(len(ids))
    borrowed = [(pid, o) for pid, o in same_as.items() if pid not in vectors and o in vectors]
    for pid, origin in borrowed:
        vectors[pid] = vectors[origin]
    analysis.put_vectors(embedder.name, [(pid, need[pid], to_blob(vectors[pid])) for pid, _o in borrowed])
    report.embedded = len(missing)
    report.seconds["vectors"] = time.perf_counter() - t - model_s  # the cache: reads, writes, borrowing
    report.seconds["embed"] = model_s  # the model itself (its first call loads it)

    # 6: clustering, continuing the stories of the window
    t = time.perf_counter()
    cs = with_semantic_floor(cs, settings, embedder.name, vectors.values())
    clusterer = StoryClusterer(cs, next_story=stories.next_id())
    clusterer.load(
        ClusterItem(w[0], w[1], float(w[2]), vectors.get(w[0]), extract(w[3]), w[5], w[6])
        for w in window
        if w[6]
    )
    assignments = []
    for p in sorted(posts, key=lambda p: (p.date, p.id)):
        r = rows[p.id]
        if r.is_ad:
            continue
        a = clusterer.add(
            ClusterItem(
                p.id,
                p.channel_id,
                p.date.timestamp(),
                vectors.get(p.id),
                extract(r.norm_text, p.links),
                r.origin_post_id,
            )
        )
        assignments.append(a)
    final = clusterer.story_of
    merges = clusterer.merges
    known = {w[6] for w in window if w[6]}
    new_ids = {final[a.post_id] for a in assignments} - known
    report.stories_new = len(new_ids)
    report.stories_joined = len({final[a.post_id] for a in assignments} & known)
    report.merges = len(merges)
    report.seconds["cluster"] = time.perf_counter() - t

    t = time.perf_counter()
    analysis.save(rows.values())
    stories.save([(a.post_id, final[a.post_id], round(a.score, 4)) for a in assignments], merges)
    analysis.set_state(WATERMARK, last_id)
    report.seconds["write"] = time.perf_counter() - t
    return report
