"""Embedding claimed in batches, so any number of `svodka process` workers share it (``store.embed_claims``).

A worker takes the next ``pipeline.claim_posts`` posts that no run has analysed and no claim holds or has
done, lowest ids first (the order they were stored); normalises them and judges ads (not their language:
the embedding does not need it), embeds the texts that need a vector and are not cached, and stores the
vectors with the claim's end in one commit (:func:`embed_next`). A worker killed mid-batch leaves its
claim to expire after ``pipeline.claim_ttl``; the posts then return to the pool.

The worker placing stories (the lease holder, :mod:`svodka.process`) needs its batch's vectors in time
order: it claims the batch's posts without a vector that no other worker holds, waits for those another
worker is embedding now (embedding the next free posts itself meanwhile), then embeds its own and stores
them with the batch, in its transaction (:func:`batch_vectors`); before it embeds, it renews its claims on
the spot, and what expired while it waited and another worker claimed is waited for like the rest of theirs.
So no post is embedded twice and none is placed before its vector exists; a post whose claim expired is
claimed again like a free one. With one
worker nothing is ever in flight: it embeds and stores its batch exactly as it did before claims.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Collection, Iterator, Mapping
from contextlib import AbstractContextManager, ExitStack, contextmanager
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import numpy as np

from svodka.engine import EmbedderSpec, Engine
from svodka.model import StoredPost
from svodka.pipeline.embed import from_blob, to_blob
from svodka.process.stages import EmbedPlan, embedding_plan
from svodka.store.base import EmbedClaim, Store

if TYPE_CHECKING:
    from svodka.process import ProcessReport

log = logging.getLogger(__name__)

WAIT = 0.2  # seconds between looks at posts another worker is embedding, when nothing else is free


@dataclass(frozen=True, slots=True)
class VectorJob:
    """What embedding needs: the store, where the model runs, which model, the settings."""

    store: Store
    engine: Engine
    model: EmbedderSpec
    model_name: str  # names the vector cache rows and the claims
    settings: Mapping[str, Any]


def vectors(
    job: VectorJob,
    plan: EmbedPlan,
    report: ProcessReport,
    on_chunk: Callable[[int, int], None] | None = None,
    fresh: dict[int, np.ndarray] | None = None,
) -> tuple[dict[int, np.ndarray], list[tuple[int, int, bytes]]]:
    """Every needed vector: the post's own cached one, else one embedded for the same text earlier in this
    batch (``fresh``: text hash -> vector, as the model gave it; what is embedded here is added), else one
    cached for the same text, else embedded (once per text); and the cache rows to write for posts that
    had none."""
    analysis, name, fresh = job.store.analysis, job.model_name, {} if fresh is None else fresh
    t = time.perf_counter()
    cached = {pid: from_blob(b) for pid, b in analysis.vectors(name, list(plan.need.items())).items()}
    by_hash = {plan.need[pid]: v for pid, v in cached.items()}
    by_hash.update({h: fresh[h] for h in plan.texts if h in fresh and h not in by_hash})
    wanted = [h for h in plan.texts if h not in by_hash]
    by_hash.update({h: from_blob(b) for h, b in analysis.vectors_by_hash(name, wanted).items()})
    texts = {h: text for h, text in plan.texts.items() if h not in by_hash}
    t = report.add_time("vectors", t)  # the cache
    embedded = job.engine.embed(texts, job.model, job.settings["pipeline.embed_batch"], on_chunk)
    by_hash.update(embedded)
    fresh.update(embedded)
    report.add_time("embed", t)  # the model itself (its first call loads it)
    report.embedded += len(texts)
    found = {pid: cached.get(pid, by_hash[h]) for pid, h in plan.need.items()}
    return found, [(pid, h, to_blob(found[pid])) for pid, h in plan.need.items() if pid not in cached]


def embed_next(job: VectorJob, after_id: int, report: ProcessReport) -> bool:
    """Claim the next free posts after ``after_id`` (the watermark), embed them and store their vectors
    with the claim's end in one commit; False when nothing was free."""
    settings = job.settings
    held = job.store.embed_claims.hold(
        job.model_name, after_id, settings["pipeline.claim_posts"], settings["pipeline.claim_ttl"]
    )
    return _embed(job, held, embedding_plan, report) is not None


def _embed(
    job: VectorJob,
    held: AbstractContextManager[EmbedClaim],
    plan_of: Callable[[tuple[StoredPost, ...]], EmbedPlan],
    report: ProcessReport,
    fresh: dict[int, np.ndarray] | None = None,
) -> dict[int, np.ndarray] | None:
    """Embed what the claim ``held`` takes (``plan_of`` its posts) and store the vectors with the claim's
    end in one commit; the claimed posts' vectors, or None when it took nothing."""
    with held as claim:
        if not claim.posts:
            return None
        embedded = report.embedded
        found, rows = vectors(job, plan_of(claim.posts), report, fresh=fresh)
        with job.store.transaction():
            job.store.analysis.put_vectors(job.model_name, rows)
            job.store.embed_claims.done(claim, report.embedded - embedded)
    report.claimed += len(claim.posts)
    log.debug("embedded a claim of %d posts (%d texts)", len(claim.posts), report.embedded - embedded)
    return found


@dataclass(frozen=True, slots=True)
class BatchVectors:
    """The placing worker's batch's vectors, the cache rows to write, and its own claims with the texts
    each embedded: done in the batch's transaction (:meth:`done`)."""

    vectors: dict[int, np.ndarray]
    rows: list[tuple[int, int, bytes]]
    claims: tuple[tuple[EmbedClaim, int], ...]

    def done(self, store: Store) -> None:
        for claim, embedded in self.claims:
            store.embed_claims.done(claim, embedded)


@contextmanager
def batch_vectors(
    job: VectorJob,
    after_id: int,
    plan: EmbedPlan,
    batch: Collection[int],
    report: ProcessReport,
    on_chunk: Callable[[int, int], None] | None = None,
) -> Iterator[BatchVectors]:
    """:func:`vectors` for the placing worker's batch (post ids ``batch``; ``plan`` also names its
    window's posts), its claims held for the block: the batch's posts without a vector that no other worker
    holds are claimed ``pipeline.claim_posts`` at a time; those another worker is embedding now are waited
    for, the next free posts embedded meanwhile; then what this worker claimed is embedded at once, as a
    lone worker always did, and stored with the batch (``BatchVectors.done`` in its transaction): a worker
    killed mid-batch leaves no vector of it, and its claims expire."""
    claims, name = job.store.embed_claims, job.model_name
    size, ttl = job.settings["pipeline.claim_posts"], job.settings["pipeline.claim_ttl"]
    need = {p: h for p, h in plan.need.items() if p in batch}
    with ExitStack() as held:
        mine: list[EmbedClaim] = []
        taken: set[int] = set()
        while True:
            rest = {p: h for p, h in need.items() if p not in taken}
            cached = job.store.analysis.vectors(name, list(rest.items()))
            missing = [p for p in rest if p not in cached]
            if not missing:
                lost = _lost(job, mine, taken, ttl)
                if not lost:
                    break
                taken -= lost  # another worker's now: waited for like theirs
                continue
            got = None
            for i in range(0, len(missing), size):  # the parts of them no other worker holds
                claim = held.enter_context(claims.hold_posts(name, missing[i : i + size], ttl))
                if claim.posts:
                    mine.append(claim)
                    taken.update(p.id for p in claim.posts)
                    got = claim
            if got is not None:
                continue
            if not claims.in_flight(name, missing):
                break  # none can be claimed, none is being embedded: the posts went
            if not embed_next(job, after_id, report):  # others embed them now: help with what comes next
                time.sleep(WAIT)
        fresh: dict[int, np.ndarray] = {}
        found, rows = vectors(job, plan, report, on_chunk, fresh)
        texts = [(c, len({need[p.id] for p in c.posts if p.id in need} & fresh.keys())) for c in mine]
        yield BatchVectors(found, rows, tuple(texts))


def _lost(job: VectorJob, mine: Collection[EmbedClaim], taken: Collection[int], ttl: float) -> set[int]:
    """Those of ``taken`` (the posts of the placing worker's claims ``mine``) another worker holds now: the
    claims are renewed on the spot before it embeds them (after waiting for other workers, maybe long), and
    what expired meanwhile and was claimed again is not its own to embed."""
    lost: set[int] = set()
    for claim in mine:
        kept = job.store.embed_claims.confirm(claim, ttl)
        lost.update(p.id for p in claim.posts if p.id in taken and p.id not in kept)
    if lost:
        log.info(
            "%d posts of this batch's claims went to another worker meanwhile: waiting for them", len(lost)
        )
    return lost


def _part(plan: EmbedPlan, need: Mapping[int, int], posts: tuple[StoredPost, ...]) -> EmbedPlan:
    """The piece of the batch's plan a claim of ``posts`` took."""
    hashes = {p.id: need[p.id] for p in posts if p.id in need}
    return EmbedPlan(hashes, {h: plan.texts[h] for h in hashes.values()})
