"""The kind of posts analysed before the ads stage judged it (migration 0037 left it NULL on their rows).

:func:`judge_unjudged` gives each such row the kind :func:`svodka.pipeline.ads.post_kind` reads from its
stored normalised text — the text the stage itself judges a new post by, so an upgraded store holds what a
fresh run would — in batches of ``batch`` rows, each written on its own: an interrupted upgrade resumes where
it stopped. ``svodka process`` runs it before the new posts, so a store upgraded in place is judged by its
first run (regular expressions only: a few µs a post, a year of posts in a minute or so, most of it the
reads and writes); later runs find the partial index empty at once.
"""

from __future__ import annotations

import logging

from svodka.pipeline.ads import post_kind
from svodka.store.base import AnalysisRepo

log = logging.getLogger(__name__)
BATCH = 5000  # rows read, judged and written at a time


def judge_unjudged(analysis: AnalysisRepo, batch: int = BATCH) -> int:
    """Judge the kind of every analysed row that has none; returns how many were judged."""
    done = 0
    while rows := analysis.unjudged(batch):
        analysis.set_kinds({pid: post_kind(norm) for pid, norm in rows})
        done += len(rows)
        log.info("judged the kind of %d posts analysed before it was stored", done)
    return done
