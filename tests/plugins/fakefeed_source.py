"""A test-only source, registered like a third-party package's (entry point ``svodka.sources``): the
"fakefeed" platform, JSON pages of posts served by a local HTTP server (``GET <url>?after=<id>`` gives
``{"title": …, "posts": [{"id", "date", "text"}, …]}``, oldest first, a page at a time).

References: ``fakefeed:<http URL>``. One collection reads pages after the saved position until an empty
or short one, storing and checkpointing each page; fetching goes through the collector's fetcher and
retries, so host rate, proxies, backoff and breaker apply as to any source.
"""

from __future__ import annotations

import json
from collections.abc import Collection
from dataclasses import replace
from datetime import datetime

from svodka.collect.config import CollectConfig
from svodka.collect.context import Context
from svodka.collect.http import with_retries
from svodka.collect.jobs import Job, Outcome
from svodka.errors import SourceError
from svodka.model import Channel, ChannelRef, Post, SourceState

PLATFORM = "fakefeed"
PAGE = 5


class FakeFeedSource:
    kind = "fakefeed"
    platform = PLATFORM
    examples = "fakefeed:<URL>"
    needs = "its fakefeed: URL"
    settings = ("collect.host_rate",)

    def parse(self, text: str) -> ChannelRef | None:
        if not text.startswith("fakefeed:"):
            return None
        return ChannelRef(PLATFORM, handle=text.removeprefix("fakefeed:"))

    def takes(self, channel: Channel, cfg: CollectConfig, handed_over: Collection[str]) -> bool:
        return bool(channel.handle)

    async def collect(self, job: Job, state: SourceState, ctx: Context) -> tuple[SourceState, Outcome]:
        url, outcome, now = job.channel.handle or "", Outcome(job.key), ctx.clock()
        ref = ChannelRef(PLATFORM, handle=url)
        while True:
            after = state.position or 0

            async def attempt(after: int = after) -> dict:  # type: ignore[type-arg]
                resp = await ctx.fetcher.get(f"{url}?after={after}")
                try:
                    return json.loads(resp.text)  # type: ignore[no-any-return]
                except ValueError as e:
                    raise SourceError(f"{url}: not JSON ({e})") from None

            page = await with_retries(ctx.cfg, attempt, ctx.rng)
            outcome.pages += 1
            posts = [
                Post(ref, int(p["id"]), datetime.fromisoformat(p["date"]), str(p["text"]))
                for p in page["posts"]
            ]
            result = ctx.store.posts.save(posts, seen_at=now)
            outcome.new += result.new
            outcome.edited += result.edited
            if page.get("title") and page["title"] != job.channel.title:
                ctx.store.channels.update_info(job.channel.id, title=page["title"])
            if posts:
                state = replace(
                    state,
                    position=max(after, *(p.message_id for p in posts)),
                    posts_collected=state.posts_collected + result.new,
                )
                ctx.store.state.put(state, channel_id=job.channel.id)
            if len(posts) < PAGE:
                return state, outcome
