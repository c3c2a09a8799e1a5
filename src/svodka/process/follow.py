"""`svodka process --follow`: keep running the pipeline as posts arrive, any number of workers on one store.

Story placement needs the posts in time order, so one worker at a time holds the placement lease
(``store.lease``, "process") and places; the others embed meanwhile: each claims the next batch of posts
that need vectors (:mod:`svodka.process.claimed`), embeds it and stores the vectors, and tries for the lease
again between claims, so one takes over as soon as the holder stops or dies. Each batch is one transaction:
a worker killed mid-batch leaves it uncommitted (its embedding claim expires), and the next holder does it
again from the run's progress — no post is stored or placed twice.

A one-shot `svodka process` that finds the lease held (:func:`help_then_place`) does its part of "process
what is stored now": it embeds claims for the holder while any is free, and between claims looks for the
lease, until the posts stored when it started are placed — by the holder, or by itself once the lease is
free (the holder stopped or died before placing them).
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable, Mapping
from typing import Any

from svodka.engine import EmbedderSpec, Engine, open_engine
from svodka.errors import Committed, LeaseLost, StoreError
from svodka.process import ProcessReport, Progress, process
from svodka.process.batches import WATERMARK
from svodka.process.claimed import VectorJob, embed_next
from svodka.store.base import Lease, Store

log = logging.getLogger(__name__)

LEASE = "process"


def follow(
    store: Store,
    settings: Mapping[str, Any],
    stop: threading.Event,
    on_report: Callable[[ProcessReport], None],
    on_wait: Callable[[str], None],
    on_progress: Progress | None = None,
) -> int:
    """Run :func:`svodka.process.process` whenever posts are new, until ``stop`` is set (the batch in
    flight is finished first); returns the posts processed. While another worker holds the lease, embed
    the posts it will place next, a claim at a time (``on_report`` after each), and look for the lease
    again; with nothing to do, every ``pipeline.follow_poll`` seconds. ``on_wait(holder)`` once per holder
    waited for."""
    poll, ttl = settings["pipeline.follow_poll"], settings["pipeline.lease_ttl"]
    total, told = 0, ""
    with open_engine(settings) as engine:  # the model is loaded once, at the first embedding
        while not stop.is_set():
            with store.lease.hold(LEASE, ttl) as lease:
                if lease.held:
                    told = ""
                    total += _place(store, settings, engine, lease, stop, on_report, on_progress)
                    continue
            if lease.holder != told:
                on_wait(lease.holder)
                told = lease.holder
            try:
                report = embed_claimed(store, settings, engine, stop, rounds=1)
            except StoreError as e:
                log.warning("process: %s; trying again in %.0f s", e, poll)
                report = ProcessReport()
            if report.claimed:
                on_report(report)
            else:
                stop.wait(poll)
    return total


def _place(
    store: Store,
    settings: Mapping[str, Any],
    engine: Engine,
    lease: Lease,
    stop: threading.Event,
    on_report: Callable[[ProcessReport], None],
    on_progress: Progress | None,
) -> int:
    """Hold on to the lease and place what arrives until ``stop``, or until the lease is lost (then it is
    let go, and taken again as any worker takes it); returns the posts processed."""
    poll, total = settings["pipeline.follow_poll"], 0
    while not stop.is_set():
        try:
            report = process(store, settings, on_progress, engine=engine, stop=stop, lease=lease)
        except LeaseLost as e:
            log.warning("process: %s", e)
            done = _done(e)
            if done.posts:
                on_report(done)
            stop.wait(poll)
            return total + done.posts
        except StoreError as e:  # e.g. the database restarting: the same batches next turn
            log.warning("process: %s; trying again in %.0f s", e, poll)
            report = ProcessReport()
        total += report.posts
        if report.posts:
            on_report(report)
        else:
            stop.wait(poll)
    return total


def help_then_place(
    store: Store,
    settings: Mapping[str, Any],
    engine: Engine,
    on_progress: Progress | None = None,
) -> ProcessReport:
    """A one-shot worker that found the lease held: embed claims of the posts the holder needs next, wait
    (``pipeline.follow_poll``) when none is free, and take the lease as soon as it is free, then place
    what is left itself; it returns once every post stored when it started (up to the settled id, as a run
    takes them) is placed, by whichever worker. The report: what it embedded, and what it placed."""
    poll, ttl = settings["pipeline.follow_poll"], settings["pipeline.lease_ttl"]
    model = EmbedderSpec(settings["pipeline.embedder"], settings["pipeline.device"])
    job = VectorJob(store, engine, model, model.name, settings)
    backlog, report = store.claims.settled_post_id(), ProcessReport()
    while store.analysis.get_state(WATERMARK) < backlog:
        with store.lease.hold(LEASE, ttl) as lease:
            if lease.held:  # the holder stopped or died with posts left: this worker places them
                try:
                    return _merged(report, process(store, settings, on_progress, engine=engine, lease=lease))
                except LeaseLost as e:  # what it placed is kept; it helps again, or takes the lease again
                    log.warning("process: %s", e)
                    report = _merged(report, _done(e))
        try:
            embedded = embed_next(job, store.analysis.get_state(WATERMARK), report)
        except StoreError as e:
            log.warning("process: %s; trying again in %.0f s", e, poll)
            embedded = False
        if not embedded:  # nothing free to claim: the holder is placing what is embedded
            time.sleep(poll)
    return report


def _done(lost: LeaseLost) -> ProcessReport:
    """What the run that lost its lease committed before."""
    return _merged(ProcessReport(), lost.done)


def _merged(a: ProcessReport, b: Committed) -> ProcessReport:
    """The counts of both reports added up (seconds per stage, languages: per key)."""
    out = ProcessReport()
    for name, y in b.counts().items():
        x = getattr(a, name)
        if isinstance(x, dict) and isinstance(y, Mapping):
            setattr(out, name, {k: x.get(k, 0) + y.get(k, 0) for k in {*x, *y}})
        else:
            setattr(out, name, x + y)
    return out


def embed_claimed(
    store: Store,
    settings: Mapping[str, Any],
    engine: Engine,
    stop: threading.Event | None = None,
    rounds: int = 0,
) -> ProcessReport:
    """Embed claims of the posts the worker placing stories needs next, until none is free (or after
    ``rounds`` claims, when given, or once ``stop`` is set): what a worker without the lease does."""
    model = EmbedderSpec(settings["pipeline.embedder"], settings["pipeline.device"])
    job = VectorJob(store, engine, model, model.name, settings)
    report, n = ProcessReport(), 0
    while not (stop is not None and stop.is_set()) and not (rounds and n >= rounds):
        if not embed_next(job, store.analysis.get_state(WATERMARK), report):
            break
        n += 1
    return report
