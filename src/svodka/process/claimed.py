"""Embedding claimed in batches, so any number of `svodka process` workers share it (``store.embed_claims``).

A worker takes the next ``pipeline.claim_posts`` posts that no run has analysed and no claim holds or has
done, earliest first; analyses them (microseconds), embeds the texts that need a vector and are not cached,
and stores the vectors with the claim's end in one commit (:func:`embed_next`). A worker killed mid-batch
leaves its claim to expire after ``pipeline.claim_ttl``; the posts then return to the pool.

The worker placing stories (the lease holder, :mod:`svodka.process`) needs its batch's vectors in time
order: before it embeds, it waits for the batch's posts another worker is embedding now — embedding the next
free posts itself meanwhile — and claims the rest of the batch (:func:`batch_claim`), so no post is embedded
twice and none is placed before its vector exists. A post whose claim expired is claimed again like a free
one. With one worker nothing is ever in flight: it claims its whole batch and embeds it as before.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import numpy as np

from svodka.engine import EmbedderSpec, Engine
from svodka.pipeline.embed import from_blob, to_blob
from svodka.process.stages import EmbedPlan, analyse, plan_embedding
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
    job: VectorJob, plan: EmbedPlan, report: ProcessReport, on_chunk: Callable[[int, int], None] | None = None
) -> tuple[dict[int, np.ndarray], list[tuple[int, int, bytes]]]:
    """Every needed vector: the post's own cached one, else one cached for the same text, else embedded
    (once per text); and the cache rows to write for posts that had none."""
    analysis, name = job.store.analysis, job.model_name
    t = time.perf_counter()
    cached = {pid: from_blob(b) for pid, b in analysis.vectors(name, list(plan.need.items())).items()}
    by_hash = {plan.need[pid]: v for pid, v in cached.items()}
    wanted = [h for h in plan.texts if h not in by_hash]
    by_hash.update({h: from_blob(b) for h, b in analysis.vectors_by_hash(name, wanted).items()})
    texts = {h: text for h, text in plan.texts.items() if h not in by_hash}
    t = report.add_time("vectors", t)  # the cache
    by_hash.update(job.engine.embed(texts, job.model, job.settings["pipeline.embed_batch"], on_chunk))
    report.add_time("embed", t)  # the model itself (its first call loads it)
    report.embedded += len(texts)
    found = {pid: cached.get(pid, by_hash[h]) for pid, h in plan.need.items()}
    return found, [(pid, h, to_blob(found[pid])) for pid, h in plan.need.items() if pid not in cached]


def embed_next(job: VectorJob, after_id: int, report: ProcessReport) -> bool:
    """Claim the next free posts after ``after_id`` (the watermark), embed them and store their vectors
    with the claim's end in one commit; False when nothing was free."""
    claims, settings = job.store.embed_claims, job.settings
    with claims.hold(
        job.model_name, after_id, settings["pipeline.claim_posts"], settings["pipeline.claim_ttl"]
    ) as claim:
        if not claim.posts:
            return False
        plan = plan_embedding(analyse(claim.posts), ())
        embedded = report.embedded
        _, rows = vectors(job, plan, report)
        with job.store.transaction():
            job.store.analysis.put_vectors(job.model_name, rows)
            claims.done(claim, report.embedded - embedded)
    report.claimed += len(claim.posts)
    log.debug("embedded a claim of %d posts (%d texts)", len(claim.posts), report.embedded - embedded)
    return True


@contextmanager
def batch_claim(
    job: VectorJob, after_id: int, need: Mapping[int, int], report: ProcessReport
) -> Iterator[EmbedClaim]:
    """The claim of the batch's posts that need a vector (``need``: post id -> text hash) and have none
    cached, held for the block; the caller stores their vectors and calls ``embed_claims.done`` in its
    batch's transaction. Waits first for those of them other workers are embedding now."""
    claims, ttl = job.store.embed_claims, job.settings["pipeline.claim_ttl"]
    while True:
        while claims.in_flight(job.model_name, list(need)):
            if not embed_next(job, after_id, report):  # help with what comes next meanwhile
                time.sleep(WAIT)
        cached = job.store.analysis.vectors(job.model_name, list(need.items()))
        missing = [pid for pid in need if pid not in cached]
        with claims.hold_posts(job.model_name, missing, ttl) as claim:
            got = {p.id for p in claim.posts}
            # another worker took some of them between the look and the claim: wait for it too
            if got == set(missing) or not claims.in_flight(
                job.model_name, [p for p in missing if p not in got]
            ):
                yield claim
                return
