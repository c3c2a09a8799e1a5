"""Collect one RSS/Atom feed, with conditional GET (ETag / Last-Modified kept in the source's state);
:data:`SOURCE` is the feed source of the registry (:mod:`svodka.collect.registry`)."""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import replace

from svodka.collect.config import CollectConfig
from svodka.collect.context import Context
from svodka.collect.http import Response, host_of, with_retries
from svodka.collect.jobs import Job, Outcome
from svodka.model import PLATFORM_RSS, Channel, ChannelRef, SourceState
from svodka.sources.identifiers import feed_ref
from svodka.sources.rss import Feed, parse_feed


async def collect_feed(job: Job, state: SourceState, ctx: Context) -> tuple[SourceState, Outcome]:
    url = job.channel.handle or ""
    outcome = Outcome(job.key)
    now = ctx.clock()
    headers = {}
    if state.extra.get("etag"):
        headers["If-None-Match"] = str(state.extra["etag"])
    if state.extra.get("last_modified"):
        headers["If-Modified-Since"] = str(state.extra["last_modified"])
    proxy = ctx.cfg.proxy_for(url, host_of(url))

    async def attempt() -> tuple[Response, Feed | None]:
        resp = await ctx.fetcher.get(url, headers=headers, proxy=proxy)
        if resp.status == 304:
            return resp, None
        return resp, parse_feed(resp.text, url, now)

    resp, feed = await with_retries(ctx.cfg, attempt, ctx.rng)
    outcome.pages = 1
    extra = dict(state.extra)
    if feed is not None:
        result = ctx.store.posts.save(feed.posts, seen_at=now)
        outcome.new, outcome.edited = result.new, result.edited
        if feed.title and feed.title != job.channel.title:
            ctx.store.channels.update_info(job.channel.id, title=feed.title)
        state = replace(state, posts_collected=state.posts_collected + result.new)
    for header, key in (("ETag", "etag"), ("Last-Modified", "last_modified")):
        value = resp.headers.get(header)
        if value:
            extra[key] = value
    state = replace(state, extra=extra)
    ctx.store.state.put(state, channel_id=job.channel.id)
    return state, outcome


class FeedSource:
    """RSS and Atom feeds, by URL."""

    kind = "rss"
    platform = PLATFORM_RSS
    examples = "a feed URL (https://…)"
    needs = "its feed URL"
    settings = ("network.proxy", "collect.proxies")

    def parse(self, text: str) -> ChannelRef | None:
        return feed_ref(text)

    def takes(self, channel: Channel, cfg: CollectConfig, handed_over: Collection[str]) -> bool:
        return bool(channel.handle)

    async def collect(self, job: Job, state: SourceState, ctx: Context) -> tuple[SourceState, Outcome]:
        return await collect_feed(job, state, ctx)


SOURCE = FeedSource()
