"""Collect one channel from its public web preview (``t.me/s/<name>``).

Order of work, each page stored in its own transaction and the saved position written right after, so a
crash at any point loses nothing already stored and the next run resumes:

1. the newest page (new posts, fresh views, edits and deletions among the newest ~20);
2. if more than a page appeared since last time, older pages until the saved position is reached —
   the position moves only once the gap is closed;
3. older pages inside the edit window (``collect.edit_window_hours``, at most ``edit_window_pages``);
4. on a channel's first collections, backfill with ``?before=<id>`` down to ``collect.backfill_posts``
   posts or ``collect.backfill_days`` days, resumable from the oldest id reached.
"""

from __future__ import annotations

import logging
from collections.abc import Collection
from dataclasses import replace
from datetime import datetime, timedelta
from urllib.parse import urlsplit

from svodka.collect.config import CollectConfig
from svodka.collect.context import Context
from svodka.collect.http import PermanentError, with_retries
from svodka.collect.jobs import Job, Outcome
from svodka.model import PLATFORM_TELEGRAM, Channel, ChannelRef, SourceState
from svodka.sources.identifiers import telegram_handle_ref
from svodka.sources.telegram_web import WebPage, page_url, parse_page

log = logging.getLogger(__name__)


def _oldest_date(page: WebPage) -> datetime | None:
    return min((p.date for p in page.posts), default=None)


class WebChannelRun:
    """One collection of one channel; see the module docstring for the order of work."""

    def __init__(self, job: Job, state: SourceState, ctx: Context) -> None:
        if not job.channel.handle:
            raise PermanentError(
                f"{job.channel.name} has no @username, which the web preview needs; use the MTProto "
                'source (collect.telegram_via = "mtproto")'
            )
        self.job, self.state, self.ctx = job, state, ctx
        self.handle = job.channel.handle
        self.ref = ChannelRef(PLATFORM_TELEGRAM, handle=self.handle)
        self.now = ctx.clock()
        self.outcome = Outcome(job.key)
        host = urlsplit(ctx.cfg.web_base_url).netloc
        self.proxy = ctx.cfg.proxy_for(self.handle, host)

    async def fetch(self, before: int | None) -> WebPage:
        ctx = self.ctx

        async def attempt() -> WebPage:
            resp = await ctx.fetcher.get(
                page_url(ctx.cfg.web_base_url, self.handle, before), proxy=self.proxy
            )
            return parse_page(resp.text, self.handle, resp.url, seen_at=self.now)

        page = await with_retries(ctx.cfg, attempt, ctx.rng)
        self.outcome.pages += 1
        if page.unreadable:  # kept out of the store, and not taken for deleted: see parse_page
            log.warning(
                "%s: message(s) %s left out: neither text nor media we know (t.me markup changed?); "
                "what is stored of them is kept",
                self.job.key,
                ", ".join(map(str, page.unreadable)),
            )
        return page

    def absorb(self, page: WebPage) -> None:
        """Store a page, then mark what vanished from its id range deleted (and what came back restored)."""
        store, cid = self.ctx.store, self.job.channel.id
        posts = [replace(p, channel=self.ref) for p in page.posts]
        result = store.posts.save(posts, seen_at=self.now)
        self.outcome.new += result.new
        self.outcome.edited += result.edited
        if page.ids:
            live = set(store.posts.message_ids(cid, min(page.ids), max(page.ids)))
            gone = live - set(page.ids)
            if gone:
                self.outcome.deleted += store.posts.mark_deleted(cid, sorted(gone), "web")
            back = [p.message_id for p in posts if p.message_id not in live]
            if back:  # saved a moment ago, so absent from `live` only if marked deleted earlier
                store.posts.mark_restored(cid, back)
                self.outcome.restored += len(back)
        self.state = replace(self.state, posts_collected=self.state.posts_collected + result.new)

    def checkpoint(self, **changes: object) -> None:
        self.state = replace(self.state, **changes)  # type: ignore[arg-type]
        self.ctx.store.state.put(self.state, channel_id=self.job.channel.id)

    async def run(self) -> tuple[SourceState, Outcome]:
        cfg = self.ctx.cfg
        first = await self.fetch(None)
        info = first.channel
        ch = self.job.channel
        if (info.title and info.title != ch.title) or (
            info.subscribers and info.subscribers != ch.subscribers
        ):
            self.ctx.store.channels.update_info(ch.id, title=info.title, subscribers=info.subscribers)
        self.absorb(first)
        extra = dict(self.state.extra)
        cursor, last = first.before, first
        if self.state.position is None:
            extra["backfill_count"] = len(first.posts)
            extra["backfill_done"] = first.before is None
            self.checkpoint(position=first.max_id, oldest=first.min_id, extra=extra)
        else:
            position = self.state.position
            while cursor is not None and last.min_id is not None and last.min_id > position + 1:
                last = await self.fetch(cursor)
                self.absorb(last)
                self.checkpoint()
                cursor = last.before if last.ids else None
            self.checkpoint(position=max(position, first.max_id or position))
            horizon = self.now - timedelta(hours=cfg.edit_window_hours)
            while (
                cursor is not None
                and self.outcome.pages < cfg.edit_window_pages
                and (_oldest_date(last) or self.now) >= horizon
            ):
                last = await self.fetch(cursor)
                self.absorb(last)
                self.checkpoint()
                cursor = last.before if last.ids else None
        await self.backfill()
        self.outcome.through = self.state.position
        return self.state, self.outcome

    async def backfill(self) -> None:
        cfg = self.ctx.cfg
        extra = dict(self.state.extra)
        if extra.get("backfill_done") or self.state.oldest is None:
            return
        count = int(extra.get("backfill_count", 0))
        horizon = self.now - timedelta(days=cfg.backfill_days) if cfg.backfill_days > 0 else None
        cursor: int | None = self.state.oldest
        while cursor is not None and count < cfg.backfill_posts:
            page = await self.fetch(cursor)
            self.absorb(page)
            count += len(page.posts)
            oldest_date = _oldest_date(page)
            extra["backfill_count"] = count
            cursor = page.before if page.ids else None
            if horizon is not None and oldest_date is not None and oldest_date < horizon:
                cursor = None
            oldest = min(self.state.oldest or page.min_id or 0, page.min_id or self.state.oldest or 0)
            self.checkpoint(oldest=oldest, extra=dict(extra))
        extra["backfill_done"] = True
        self.checkpoint(extra=extra)


async def collect_web(job: Job, state: SourceState, ctx: Context) -> tuple[SourceState, Outcome]:
    return await WebChannelRun(job, state, ctx).run()


class TelegramWebSource:
    """Public Telegram channels by username, read from the web preview ``t.me/s/<name>`` (no account)."""

    kind = "web"
    platform = PLATFORM_TELEGRAM
    examples = "@name, name, t.me/name, t.me/s/name"
    needs = "an @username (`svodka channels add @name`)"
    settings = (
        "telegram.web_base_url",
        "collect.telegram_via",
        "collect.backfill_posts",
        "collect.backfill_days",
        "collect.edit_window_hours",
        "collect.edit_window_pages",
        "collect.proxies",
    )

    def parse(self, text: str) -> ChannelRef | None:
        return telegram_handle_ref(text)

    def takes(self, channel: Channel, cfg: CollectConfig, handed_over: Collection[str]) -> bool:
        if not channel.handle or cfg.telegram_via == "mtproto":
            return False
        # collect.telegram_via = "auto": a channel without a web preview goes to MTProto
        return not (cfg.telegram_via == "auto" and f"{self.kind}:{channel.handle}" in handed_over)

    async def collect(self, job: Job, state: SourceState, ctx: Context) -> tuple[SourceState, Outcome]:
        return await collect_web(job, state, ctx)


SOURCE = TelegramWebSource()
