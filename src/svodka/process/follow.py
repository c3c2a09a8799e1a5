"""`svodka process --follow`: keep running the pipeline as posts arrive, any number of workers on one store.

Story placement needs the posts in time order, so one worker at a time holds the placement lease
(``store.lease``, "process") and works; the others wait for it and one takes over as soon as the holder
stops or dies. Each batch is one transaction: a worker killed mid-batch leaves it uncommitted, and the next
holder does it again from the run's progress — no post is embedded, stored or placed twice.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable, Mapping
from typing import Any

from svodka.engine import open_engine
from svodka.errors import StoreError
from svodka.process import ProcessReport, Progress, process
from svodka.store.base import Store

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
    flight is finished first); returns the posts processed. Looks for new posts, and for a lease another
    worker held, every ``pipeline.follow_poll`` seconds; ``on_wait(holder)`` once per holder waited for."""
    poll, ttl = settings["pipeline.follow_poll"], settings["pipeline.lease_ttl"]
    total, told = 0, ""
    with open_engine(settings) as engine:  # the model is loaded once, at the first embedding
        while not stop.is_set():
            with store.lease.hold(LEASE, ttl) as lease:
                if not lease.held:
                    if lease.holder != told:
                        on_wait(lease.holder)
                        told = lease.holder
                    stop.wait(poll)
                    continue
                told = ""
                while not stop.is_set():
                    try:
                        report = process(store, settings, on_progress, engine=engine, stop=stop)
                    except StoreError as e:  # e.g. the database restarting: the same batches next turn
                        log.warning("process: %s; trying again in %.0f s", e, poll)
                        report = ProcessReport()
                    total += report.posts
                    if report.posts:
                        on_report(report)
                    else:
                        stop.wait(poll)
    return total
