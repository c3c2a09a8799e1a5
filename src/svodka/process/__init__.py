"""Run the pipeline on what is new since the watermark: normalise, language, ads, copies, embed, cluster.

Storage stays here at the edge; the stages are plain functions (:mod:`svodka.process.stages`). Cheap stages
decide first, so the embedding model only sees posts that need it: ads are left out, and a text already
embedded (a copy with its origin's words, the same text in another post) takes the vector it has. The new
posts go in date-ordered batches (:mod:`svodka.process.batches`); each batch's analysis, vectors, story
assignments, merges and progress are one transaction, so a kill loses at most the batch in flight, and
readers never see analysed posts without their stories.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable, Mapping, Sequence
from contextlib import ExitStack
from dataclasses import dataclass, field
from typing import Any

from svodka.engine import EmbedderSpec, Engine, LocalEngine, open_engine, shards
from svodka.errors import LeaseLost
from svodka.model import PostAnalysis, StoredPost
from svodka.pipeline.ads import NON_NEWS
from svodka.pipeline.cluster import ClusterSettings
from svodka.pipeline.copies import CopySettings
from svodka.pipeline.embed import Embedder
from svodka.pipeline.handles import learn_store_handles
from svodka.pipeline.networks import NetworkOptions, batch_counts, update_networks
from svodka.process.batches import WATERMARK, Run, batches, context_ranges, plan_run, progress_state
from svodka.process.claimed import VectorJob, batch_vectors
from svodka.process.corrections import allowed_merges, merge_guard
from svodka.process.develop import develop_batch
from svodka.process.kinds import judge_unjudged
from svodka.process.stages import (
    Placement,
    analyse,
    find_copies,
    place,
    plan_embedding,
)
from svodka.process.storylines import storylines_batch
from svodka.store.base import Lease, Store

__all__ = ["WATERMARK", "ProcessReport", "context_ranges", "process"]

log = logging.getLogger(__name__)
Progress = Callable[[int, int], None]  # (posts done, posts in the run)


@dataclass(slots=True)
class ProcessReport:
    posts: int = 0
    ads: int = 0
    non_news: int = 0  # memes, advice, bare captions …: kept out of stories like ads, counted apart
    copies: int = 0
    embedded: int = 0  # texts put through the model (the rest came from the cache or were not needed)
    claimed: int = 0  # posts embedded under a claim of their own (svodka.process.claimed), ahead of placing
    window: int = 0  # stored posts read as context: those within the window of a new post
    stories_new: int = 0
    stories_joined: int = 0
    merges: int = 0
    batches: int = 0  # committed, each whole
    judged: int = 0  # posts analysed before their kind was stored, judged now (svodka.process.kinds)
    languages: dict[str, int] = field(default_factory=dict)
    seconds: dict[str, float] = field(default_factory=dict)  # per stage

    def counts(self) -> dict[str, float | dict[str, float]]:
        """Every count by name (``errors.Committed``: what a lost lease's error carries)."""
        return {name: getattr(self, name) for name in ProcessReport.__slots__}

    @property
    def total_seconds(self) -> float:
        return sum(self.seconds.values())

    def add_time(self, stage: str, since: float) -> float:
        now = time.perf_counter()
        self.seconds[stage] = self.seconds.get(stage, 0.0) + now - since
        return now


@dataclass(frozen=True, slots=True)
class _Context:
    """What every batch of one call of :func:`process` shares."""

    store: Store
    settings: Mapping[str, Any]
    engine: Engine  # where analysis and embedding run (svodka.engine)
    model: EmbedderSpec
    model_name: str  # names the vector cache rows
    report: ProcessReport
    stop: threading.Event | None = None  # set: end after the batch in flight (the rest resumes next run)
    lease: Lease | None = None  # the placement lease the run holds: confirmed before and in each batch

    def confirm_lease(self) -> None:
        """:class:`LeaseLost` unless the run's placement lease is still its own (``LeaseRepo.confirm``;
        inside the batch's transaction, its fence: nobody takes the lease over before the commit)."""
        if self.lease is not None and not self.store.lease.confirm(self.lease):
            raise LeaseLost(
                f"the story placement lease ({self.lease.name}) is no longer this worker's (another took it "
                "over, or its PostgreSQL session ended); it stops before committing another batch (every "
                "batch it committed is kept)",
                self.report,
            )


def process(
    store: Store,
    settings: Mapping[str, Any],
    on_progress: Progress | None = None,
    embedder: Embedder | None = None,
    engine: Engine | None = None,
    stop: threading.Event | None = None,
    lease: Lease | None = None,
) -> ProcessReport:
    """Analyse and place every post stored after the watermark, batch by batch (an interrupted run is
    finished first); returns counts and seconds per stage. ``on_progress(done, total)`` counts posts.

    ``embedder``: a loaded model, used here (the local engine). ``engine``: where analysis and embedding
    run (:mod:`svodka.engine`); by default the one ``engine.kind`` names, opened when there is work.
    ``stop``: once set, the run ends after the batch in flight, and the next run resumes after it.
    ``lease``: the placement lease (``store.lease``) the run holds: a batch is committed only while it is
    the run's own, else :class:`LeaseLost` (its ``done``: this report, of the batches committed before)."""
    report = ProcessReport()
    t = time.perf_counter()
    report.judged = judge_unjudged(store.analysis)  # a store upgraded in place: its old posts' kinds
    run = plan_run(store.posts, store.analysis, store.claims.settled_post_id())
    report.add_time("read", t)
    done = 0
    with ExitStack() as stack:
        while run is not None:
            model = EmbedderSpec(settings["pipeline.embedder"], settings["pipeline.device"])
            name = model.name
            if embedder is not None:  # the given model, here, whatever engine.kind says
                engine, name = LocalEngine(embedder), embedder.name
            elif engine is None:
                engine = stack.enter_context(open_engine(settings))
            ctx = _Context(store, settings, engine, model, name, report, stop, lease)
            run, done = _run(ctx, run, done, on_progress)  # LeaseLost carries the report (confirm_lease)
    if done:  # the channels' handles their new posts show (svodka.pipeline.handles)
        learn_store_handles(store.channels, store.posts)
        names = {c.id: c.name for c in store.channels.list()}  # and the channel networks (pipeline.networks)
        update_networks(store.networks, names, NetworkOptions.from_settings(settings))
    return report


def _run(ctx: _Context, run: Run, done: int, on_progress: Progress | None) -> tuple[Run | None, int]:
    """One run's batches; then the run of what arrived meanwhile when this one was a resumed one."""
    store, settings, report = ctx.store, ctx.settings, ctx.report
    total = done + len(run.posts)
    parts = list(batches(run.posts, settings["pipeline.batch_posts"]))
    if not parts:  # a resumed run whose remaining posts were deleted meanwhile
        with store.transaction():
            _write_state(store, progress_state(run, (), last=True))
    for i, batch in enumerate(parts):
        if ctx.stop is not None and ctx.stop.is_set():
            return None, done
        ctx.confirm_lease()  # before the batch's work
        advance = _advance(on_progress, done, total)
        _batch(ctx, run, batch, i == len(parts) - 1, advance)
        done += len(batch)
        advance(len(batch))
    if not run.resumed:
        return None, done
    t = time.perf_counter()
    # what arrived after the interrupted run began
    following = plan_run(store.posts, store.analysis, store.claims.settled_post_id())
    report.add_time("read", t)
    return following, done


def _advance(on_progress: Progress | None, base: int, total: int) -> Callable[[int], None]:
    def advance(n: int) -> None:
        if on_progress:
            on_progress(base + n, total)

    return advance


def _batch(
    ctx: _Context, run: Run, posts: Sequence[StoredPost], last: bool, advance: Callable[[int], None]
) -> None:
    """One batch: read its context, run the stages, write everything in one transaction."""
    store, settings, report = ctx.store, ctx.settings, ctx.report
    t = time.perf_counter()
    rows = _analyse(ctx.engine, posts)
    t = report.add_time("normalize+language+ads", t)

    copy_settings = CopySettings(
        window_hours=settings["pipeline.copy_window_hours"], threshold=settings["pipeline.copy_threshold"]
    )
    hours = max(copy_settings.window_hours, settings["pipeline.window_hours"])
    ids = {p.id for p in posts}
    window = [
        w
        for lo, hi in context_ranges([p.date.timestamp() for p in posts], hours)
        for w in store.analysis.window(lo, run.until, until=hi)
        # never the batch itself (analysed already only where a version before batches was killed
        # between writing the analysis and the stories)
        if w.post_id not in ids
    ]
    forwards = store.analysis.forward_origins([p.id for p in posts])
    rows = find_copies(posts, rows, window, forwards, copy_settings)
    t = report.add_time("copies", t)

    plan = plan_embedding(rows, window)
    job = VectorJob(store, ctx.engine, ctx.model, ctx.model_name, settings)
    progress = lambda k, n: advance(len(posts) * k // n)  # noqa: E731
    # the batch's posts another worker embeds now are waited for, the rest claimed here (process.claimed)
    with batch_vectors(job, run.watermark, plan, ids, report, progress) as got:
        vectors = got.vectors
        t = time.perf_counter()
        cluster_settings = ClusterSettings.from_settings(settings, ctx.model_name, vectors.values())
        # the clusterer never merges two stories an analyst keeps apart (process.corrections)
        placement = place(posts, rows, window, vectors, cluster_settings, merge_guard(store, window))
        t = report.add_time("cluster", t)

        with store.transaction():
            ctx.confirm_lease()  # and in its transaction: the fence
            store.analysis.save(rows.values())
            store.analysis.put_vectors(ctx.model_name, got.rows)
            got.done(store)
            first = store.stories.reserve_ids(len(placement.created)) if placement.created else 0
            assignments, merges = placement.with_ids(first)
            merges = allowed_merges(store, merges)  # none a correction forbids (process.corrections)
            store.stories.save(assignments, merges)
            grouping = develop_batch(
                store, settings, cluster_settings.sem_floor, window, posts, rows, assignments, merges, vectors
            )
            t = report.add_time("write", t)
            sem, batch = cluster_settings.sem_floor, (assignments, merges)
            storylines_batch(store, settings, sem, window, posts, rows, batch, grouping, vectors)
            t = report.add_time("storylines", t)
            store.networks.add(batch_counts(posts, rows, window, forwards))
            _write_state(store, progress_state(run, posts, last))
        report.add_time("write", t)
    _count(report, rows, len(window), placement)
    log.debug("batch of %d posts committed (%d new stories)", len(posts), placement.stories_new)


def _analyse(engine: Engine, posts: Sequence[StoredPost]) -> dict[int, PostAnalysis]:
    """:func:`analyse` over the engine's shards of the batch (one shard, here, on the local engine)."""
    rows: dict[int, PostAnalysis] = {}
    for part in engine.map_batches(analyse, shards(posts, engine.parallelism)):
        rows.update(part)
    return rows


def _write_state(store: Store, values: Mapping[str, int]) -> None:
    for key, value in values.items():
        store.analysis.set_state(key, value)


def _count(
    report: ProcessReport, rows: Mapping[int, PostAnalysis], window: int, placement: Placement
) -> None:
    report.batches += 1
    report.posts += len(rows)
    for r in rows.values():
        lang = r.language or ""
        report.languages[lang] = report.languages.get(lang, 0) + 1
    flagged = [r.ad_reason or "" for r in rows.values() if r.is_ad]
    non_news = sum(reason.startswith(NON_NEWS) for reason in flagged)
    report.non_news += non_news
    report.ads += len(flagged) - non_news
    report.copies += sum(r.origin_post_id is not None for r in rows.values())
    report.window += window
    report.stories_new += placement.stories_new
    report.stories_joined += placement.stories_joined
    report.merges += len(placement.merges)
