"""Collect one channel through MTProto (Telethon): the same rules as the web source, by message id.

The username is resolved once and the numeric id cached (state ``extra.tg_id`` and the channel row);
new posts are read oldest-first after the saved position, so the position can advance with every batch;
messages of the edit window (at most ``edit_window_pages`` × 100) are re-read for edits (exact edit
dates) and deletions.
"""

from __future__ import annotations

from collections.abc import Callable, Collection
from contextlib import suppress
from dataclasses import replace
from datetime import timedelta
from typing import Any

from svodka.collect.config import CollectConfig
from svodka.collect.context import Context
from svodka.collect.jobs import Job, Outcome
from svodka.errors import ConfigError, SourceError, StoreError
from svodka.model import PLATFORM_TELEGRAM, Channel, ChannelRef, SourceState
from svodka.sources.identifiers import telegram_id_ref
from svodka.sources.telegram_mtproto import ResolvedChannel, TelethonSource, message_to_post, oldest_date

BATCH = 100  # messages per request: Telegram's own page size for history


class ClaimedClient:
    """The MTProto client as one job uses it: every request (a name resolved, a batch of history) first
    checks the job's claim on its source (:meth:`Context.check_claim`), so no loop of the collector can
    forget it."""

    def __init__(self, source: TelethonSource, check: Callable[[], None]) -> None:
        self.source, self.check = source, check

    async def resolve(self, name: str | int) -> ResolvedChannel:
        self.check()
        return await self.source.resolve(name)

    async def input_entity(self, peer: Any) -> Any:
        self.check()
        return await self.source.input_entity(peer)

    async def newest(self, entity: Any, limit: int, offset_id: int = 0) -> list[Any]:
        self.check()
        return await self.source.newest(entity, limit, offset_id=offset_id)

    async def after(self, entity: Any, min_id: int, limit: int) -> list[Any]:
        self.check()
        return await self.source.after(entity, min_id, limit)


class MtprotoRun:
    def __init__(self, job: Job, state: SourceState, ctx: Context, source: ClaimedClient) -> None:
        self.job, self.state, self.ctx, self.source = job, state, ctx, source
        self.outcome = Outcome(job.key)
        self.now = ctx.clock()
        self.ref = ChannelRef(PLATFORM_TELEGRAM, handle=job.channel.handle, ext_id=job.channel.ext_id)

    def checkpoint(self, **changes: object) -> None:
        self.state = replace(self.state, **changes)  # type: ignore[arg-type]
        self.ctx.store.state.put(self.state, channel_id=self.job.channel.id)

    def absorb(self, messages: list[Any], check_deleted: bool = False) -> None:
        store, cid = self.ctx.store, self.job.channel.id
        posts = [p for p in (message_to_post(m, self.ref) for m in messages) if p is not None]
        result = store.posts.save(posts, seen_at=self.now)
        self.outcome.new += result.new
        self.outcome.edited += result.edited
        self.outcome.pages += 1
        if check_deleted and messages:
            ids = {int(m.id) for m in messages}
            live = set(store.posts.message_ids(cid, min(ids), max(ids)))
            gone = live - ids
            if gone:
                self.outcome.deleted += store.posts.mark_deleted(cid, sorted(gone), "mtproto")
            back = [p.message_id for p in posts if p.message_id not in live]
            if back:
                store.posts.mark_restored(cid, back)
                self.outcome.restored += len(back)
        self.state = replace(self.state, posts_collected=self.state.posts_collected + result.new)

    async def entity(self) -> Any:
        cached = self.state.extra.get("tg_id") or self.job.channel.tg_id
        from telethon.tl.types import PeerChannel

        if cached:
            # Telethon needs the channel's access hash, which its session keeps from the first
            # resolution; a fresh session (e.g. a new session string) has to resolve the name again.
            try:
                return await self.source.input_entity(PeerChannel(int(cached)))
            except SourceError:
                if not self.job.channel.handle:
                    raise
        name = self.job.channel.handle
        if not name:
            raise SourceError(f"{self.job.channel.name}: neither a username nor an id to look up")
        resolved = await self.source.resolve(name)
        # Cache the id on the channel too, so imports by id find it; if another row already has this id
        # (an import by id), keep them apart.
        with suppress(StoreError):
            self.ctx.store.channels.resolve(
                ChannelRef(PLATFORM_TELEGRAM, handle=name, ext_id=str(resolved.tg_id))
            )
        if resolved.title and resolved.title != self.job.channel.title:
            self.ctx.store.channels.update_info(self.job.channel.id, title=resolved.title)
        self.checkpoint(extra={**self.state.extra, "tg_id": resolved.tg_id})
        return resolved.entity

    async def run(self) -> tuple[SourceState, Outcome]:
        entity = await self.entity()
        if self.state.position is None:
            await self.backfill(entity, offset_id=0)
        else:
            while True:  # new posts, oldest first: the position advances with each stored batch
                batch = await self.source.after(entity, self.state.position or 0, BATCH)
                if not batch:
                    break
                self.absorb(batch)
                self.checkpoint(position=max(self.state.position or 0, *(int(m.id) for m in batch)))
                if len(batch) < BATCH:
                    break
            await self.reread(entity)
            if not self.state.extra.get("backfill_done") and self.state.oldest:
                await self.backfill(entity, offset_id=self.state.oldest)
        self.outcome.through = self.state.position
        return self.state, self.outcome

    async def reread(self, entity: Any) -> None:
        """Re-read the edit window (newest first, 100 a page, at most edit_window_pages pages)."""
        cfg = self.ctx.cfg
        horizon = self.now - timedelta(hours=cfg.edit_window_hours)
        offset_id = 0
        for _ in range(max(cfg.edit_window_pages, 1)):
            batch = await self.source.newest(entity, BATCH, offset_id=offset_id)
            recent = [m for m in batch if m.date is None or m.date >= horizon]
            if not recent:
                break
            self.absorb(recent, check_deleted=True)
            self.checkpoint()
            if len(recent) < len(batch) or len(batch) < BATCH:
                break
            offset_id = min(int(m.id) for m in batch)

    async def backfill(self, entity: Any, offset_id: int) -> None:
        cfg = self.ctx.cfg
        extra = dict(self.state.extra)
        count = int(extra.get("backfill_count", 0))
        horizon = self.now - timedelta(days=cfg.backfill_days) if cfg.backfill_days > 0 else None
        first = offset_id == 0
        while first or count < cfg.backfill_posts:
            limit = max(
                1, min(BATCH, (cfg.backfill_posts - count) if not first else (cfg.backfill_posts or 20))
            )
            batch = await self.source.newest(entity, limit, offset_id=offset_id)
            if batch:
                self.absorb(batch)
                ids = [int(m.id) for m in batch]
                count += len(batch)
                offset_id = min(ids)
                extra["backfill_count"] = count
                position = max(self.state.position or 0, *ids) if first else self.state.position
                self.checkpoint(position=position, oldest=offset_id, extra=dict(extra))
            first = False
            oldest = oldest_date(batch)
            if len(batch) < limit or (horizon is not None and oldest is not None and oldest < horizon):
                break
        extra["backfill_done"] = True
        self.checkpoint(extra=extra)


async def collect_mtproto(job: Job, state: SourceState, ctx: Context) -> tuple[SourceState, Outcome]:
    link = ctx.link(job.kind)
    async with link.lock:
        if link.client is None and link.connect is not None:
            try:
                link.client = await link.connect()
                link.error = None
            except ConfigError as e:  # missing credentials or login: the same for every job, say it
                link.error = str(e)
                link.connect = None
            except SourceError as e:  # network: try again on the next job
                link.error = str(e)
    if not isinstance(link.client, TelethonSource):
        why = link.error or "set telegram.api_id/api_hash and run `svodka login`"
        raise SourceError(f"the MTProto source is not connected ({why})")
    return await MtprotoRun(job, state, ctx, ClaimedClient(link.client, ctx.check_claim)).run()


class MtprotoSource:
    """Telegram channels through MTProto with the user's own account (Telethon): by username or id."""

    kind = "mtproto"
    platform = PLATFORM_TELEGRAM
    examples = "a -100… channel id, t.me/c/<id>/<post>"
    needs = "telegram.api_id and telegram.api_hash, then `svodka login` (MTProto)"
    settings = (
        "telegram.api_id",
        "telegram.api_hash",
        "telegram.session",
        "collect.telegram_via",
        "collect.mtproto_proxy",
    )

    def parse(self, text: str) -> ChannelRef | None:
        return telegram_id_ref(text)

    def takes(self, channel: Channel, cfg: CollectConfig, handed_over: Collection[str]) -> bool:
        if not (channel.handle or channel.ext_id):
            return False
        if cfg.telegram_via == "mtproto":
            return True
        if cfg.telegram_via == "auto" and channel.handle and f"web:{channel.handle}" in handed_over:
            return True
        # a channel known by id only (an import): the web preview cannot read it; MTProto can, if set up
        return channel.handle is None and cfg.mtproto_ready

    async def collect(self, job: Job, state: SourceState, ctx: Context) -> tuple[SourceState, Outcome]:
        return await collect_mtproto(job, state, ctx)


SOURCE = MtprotoSource()
