"""What the web app reads of stories, digests and channel credibility, over ``store.stories``,
``store.digests`` and :func:`svodka.pipeline.credibility.learn_records`.

The credibility records are learned from a few thousand recent stories (a third of a second on a store of
22k posts), so they are cached per store for :data:`RECORDS_TTL_S` and computed by one request at a time:
a cold cache makes the other requests wait for that one computation instead of each doing its own, and an
expired one is served as it is while a single request refreshes it (:class:`svodka.web.ttl.Ttl`).
"""

from __future__ import annotations

import dataclasses
import logging
from collections.abc import Sequence
from datetime import UTC, datetime, timedelta
from typing import Any

from svodka.digest.compose import load_story
from svodka.digest.schema import DigestDocument
from svodka.errors import SvodkaError
from svodka.model import Story
from svodka.pipeline.credibility import TIER_PRIOR, ChannelRecord, learn_records
from svodka.pipeline.networks import membership
from svodka.process.corrections import without_not_news, without_not_news_posts
from svodka.store import Store
from svodka.web.ttl import Ttl

log = logging.getLogger(__name__)


# --- stories -----------------------------------------------------------------------------------------
def story(store: Store, story_id: int) -> Story:
    """The story as its digest card shows it: every development of it (a development's id opens its story),
    without the posts analysts marked not news."""
    return without_not_news_posts(store, load_story(store, story_id))


def stories(store: Store, since: datetime | None = None, limit: int = 50, offset: int = 0) -> list[Story]:
    """Stories active since ``since``, the most recently active first."""
    return list(store.stories.list(since=since, limit=limit, offset=offset))


def search_stories(store: Store, query: str, limit: int = 10) -> list[Story]:
    """Stories matching ``query``; empty when the story search fails (the post results still show)."""
    try:
        # not what analysts marked not news (svodka.process.corrections)
        return without_not_news(store, list(store.stories.search(query, limit=limit)))
    except SvodkaError as e:
        log.warning("story search failed for %r: %s", query, e)
        return []


@dataclasses.dataclass(frozen=True, slots=True)
class Trend:
    story: Story
    recent: int  # posts in the last `hours`
    before: int  # posts in the `hours` before that
    channels: int  # distinct channels in the last `hours`

    @property
    def growth(self) -> float:
        return (self.recent + 1) / (self.before + 1)


def trending(store: Store, hours: float = 6.0, limit: int = 20, now: datetime | None = None) -> list[Trend]:
    """Stories growing fastest: posts in the last ``hours`` against the ``hours`` before, with reach.

    Ranked by recent posts from distinct channels times growth, so a burst of one channel's posts does not
    outrank a story that many channels pick up.
    """
    now = now or datetime.now(UTC)
    window = timedelta(hours=hours)
    found = []
    for s in without_not_news(store, stories(store, since=now - window, limit=500)):  # not what analysts hid
        recent = [m for m in s.members if now - window <= m.post.date <= now]
        before = sum(1 for m in s.members if now - 2 * window <= m.post.date < now - window)
        if recent:
            found.append(Trend(s, len(recent), before, len({m.post.channel_id for m in recent})))
    found.sort(key=lambda t: (t.channels * t.growth, t.recent, t.story.id), reverse=True)
    return found[:limit]


# --- digests -----------------------------------------------------------------------------------------
def digests(
    store: Store,
    limit: int = 50,
    offset: int = 0,
    since: datetime | None = None,
    until: datetime | None = None,
) -> list[dict[str, Any]]:
    """Digests as listed (id, kind, period, when made, how many stories), newest first; ``since``/``until``
    keep those whose period overlaps that span."""
    fetch = limit + offset if since is None and until is None else 10_000
    records = [
        r
        for r in store.digests.list(limit=fetch)
        if (since is None or r.until >= since) and (until is None or r.since < until)
    ]
    return [
        {
            "id": r.id,
            "kind": r.kind,
            "name": r.name or f"Digest {r.id}",
            "since": r.since,
            "until": r.until,
            "created_at": r.created_at,
            "stories": len(r.items) - len(r.folded),
        }
        for r in records[offset : offset + limit]
    ]


def digest(store: Store, digest_id: int) -> DigestDocument:
    """One digest as its JSON document (``docs/digest-schema.md``): the content of the HTML renderer."""
    data = store.digests.body(digest_id)
    if data.get("id") is None:  # the document was rendered before the store gave it its id
        data["id"] = digest_id
    return data


# --- credibility -------------------------------------------------------------------------------------
RECORDS_TTL_S = 300.0  # learning the records reads a few thousand stories: once every few minutes
RECORDS_STORIES = 5000  # the most recently active stories the records are learned from


RECORDS: Ttl[dict[int, ChannelRecord]] = Ttl(lambda: RECORDS_TTL_S)  # the TTL as set when asked


def learn(store: Store) -> dict[int, ChannelRecord]:
    """Every channel's credibility record over the store's recent stories (uncached)."""
    channels = {c.id: c for c in store.channels.list()}
    networks = membership(store.networks.list())  # a channel network is one source
    return dict(learn_records(stories(store, limit=RECORDS_STORIES), channels, None, networks))


def records(store: Store) -> dict[int, ChannelRecord]:
    """:func:`learn`, cached for :data:`RECORDS_TTL_S`, single-flight and stale-while-refreshing.

    Cold, every caller waits for one computation (the first to take the lock does it, the others find its
    result); expired, the caller that takes the lock refreshes while the rest get the previous records
    (:class:`svodka.web.ttl.Ttl`).
    """
    return RECORDS.get(store, "records", lambda: learn(store))


def credibility(store: Store, channel_ids: Sequence[int]) -> dict[int, dict[str, Any]]:
    """The learned credibility record per channel that has one."""
    learned = records(store)
    out = {}
    for cid in channel_ids:
        r = learned.get(cid)
        if r is None:
            continue
        out[cid] = {
            "score": round(float(r.score), 3),
            "corroboration_rate": round(float(r.corroboration_rate), 3),
            "stories": r.stories,
            "corroborated": r.corroborated,
            "first": r.first,
            "copies": r.copies,
            "explain": r.explain(),
            "tier": r.tier,
            "prior": round(TIER_PRIOR.get(r.tier, 0.6), 2),
            "posts": r.posts,
            "multi": r.multi,
        }
    return out
