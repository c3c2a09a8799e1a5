"""The channel networks' evidence rebuilt from every stored post (`svodka channels networks rebuild`).

`svodka process` adds the evidence batch by batch (:func:`svodka.pipeline.networks.batch_counts`); a store
processed before networks were kept, or a corpus only imported, gets it here from the cheap stages alone —
normalise, ads and copies (no embeddings, no stories): a few seconds for tens of thousands of posts.
Evidence is kept per post, so a rebuild counts nothing twice.
"""

from __future__ import annotations

import logging
from collections import deque
from collections.abc import Iterator, Mapping
from typing import Any

from svodka.model import Network, NetworkCounts, WindowPost
from svodka.pipeline.copies import CopySettings
from svodka.pipeline.networks import NetworkOptions, batch_counts, update_networks
from svodka.process.batches import batches
from svodka.process.stages import analyse, find_copies
from svodka.store.base import Store

log = logging.getLogger(__name__)


def evidence_batches(store: Store, settings: Mapping[str, Any]) -> Iterator[NetworkCounts]:
    """Every stored post's evidence, batch by batch in date order through the copies stage (the caller
    writes each: ``store.networks.add``)."""
    copy = CopySettings(
        window_hours=settings["pipeline.copy_window_hours"], threshold=settings["pipeline.copy_threshold"]
    )
    posts = sorted(
        (p for p in store.posts.iter() if p.deleted_at is None), key=lambda p: (p.date.timestamp(), p.id)
    )
    window: deque[WindowPost] = deque()
    span = copy.window_hours * 3600
    for batch in batches(posts, settings["pipeline.batch_posts"]):
        start = batch[0].date.timestamp() - span
        while window and window[0].date < start:
            window.popleft()
        forwards = store.analysis.forward_origins([p.id for p in batch])
        context = list(window)
        rows = find_copies(batch, analyse(batch), context, forwards, copy)
        yield batch_counts(batch, rows, context, forwards)
        for p in batch:
            r = rows[p.id]
            if not r.is_ad:
                window.append(
                    WindowPost(
                        p.id,
                        p.channel_id,
                        int(p.date.timestamp()),
                        r.norm_text,
                        r.text_hash,
                        r.origin_post_id,
                        None,
                    )
                )
    log.info("network evidence rebuilt from %d posts", len(posts))


def rebuild_networks(
    store: Store, settings: Mapping[str, Any], options: NetworkOptions | None = None
) -> list[Network]:
    """Every stored post's evidence (:func:`evidence_batches`), then the networks found."""
    for counts in evidence_batches(store, settings):
        with store.transaction():
            store.networks.add(counts)
    opt = options or NetworkOptions.from_settings(settings)
    return update_networks(store.networks, {c.id: c.name for c in store.channels.list()}, opt)
