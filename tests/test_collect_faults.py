"""The collector against a real local server that fails on purpose: 429s, 5xx bursts, resets, timeouts,
truncated and malformed pages, a changed layout, a channel that disappears."""

from __future__ import annotations

import asyncio
import logging
import random
import time
from collections.abc import Iterator, Sequence
from dataclasses import replace
from datetime import UTC, datetime, timedelta

import pytest

from collect_server import FakeChannel, FakePost, FakeTelegram, FaultPlan, World, load_channels, normalize
from conftest import shared
from svodka.collect import CollectConfig, Context, Outcome, job_for, run_cycle
from svodka.collect.http import Fetcher
from svodka.model import ChannelRef
from svodka.store import Store


@pytest.fixture(scope="module")
def real_channels() -> list[FakeChannel]:
    return load_channels(shared("tg_ru_news_2024", "posts.jsonl"), max_channels=10, max_posts=100)


@pytest.fixture
def world(real_channels: list[FakeChannel]) -> World:
    return World.of(real_channels)


@pytest.fixture
def server(world: World) -> Iterator[FakeTelegram]:
    with FakeTelegram(world) as srv:
        yield srv


def config(server: FakeTelegram, **kw: object) -> CollectConfig:
    base = CollectConfig(
        web_base_url=server.url,
        host_rate=0,
        timeout=0.5,
        retries=2,
        retry_delay=0.02,
        backoff_base=0.01,
        backoff_cap=0.05,
        breaker_threshold=1000,
        backfill_posts=10_000,
        interval=0,
        jitter=0.1,
        max_inline_wait=2,
        concurrency=4,
    )
    return replace(base, **kw)  # type: ignore[arg-type]


def cycle(store: Store, cfg: CollectConfig, handles: Sequence[str]) -> list[Outcome]:
    jobs = [job_for(store.channels.add(ChannelRef(handle=h)), "web") for h in handles]

    async def main() -> list[Outcome]:
        async with Fetcher(cfg) as fetcher:
            return await run_cycle(jobs, Context(store, fetcher, cfg))

    return asyncio.run(main())


def stored(store: Store, handle: str) -> dict[int, str]:
    cid = store.channels.get(ChannelRef(handle=handle)).id
    return {p.message_id: p.text for p in store.posts.iter(channel_ids=[cid])}


def test_thirty_percent_failures_still_collect_every_post(
    store: Store, world: World, server: FakeTelegram, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.ERROR)
    kinds = ("429", "503", "reset", "timeout", "truncated", "short_body", "malformed")
    world.set_faults(FaultPlan(rate=0.30, kinds=kinds, retry_after=1, timeout_sleep=0.8, seed=11, exact=True))
    cfg = config(server)
    handles = list(world.channels)
    cycles = 0
    while cycles < 30:
        cycles += 1
        outcomes = cycle(store, cfg, handles)
        states = [store.state.get(o.key) for o in outcomes]
        if all(o.error is None and o.skipped is None for o in outcomes) and all(
            s.extra.get("backfill_done") for s in states
        ):
            break
    requests, faults = (
        world.stats["requests"],
        sum(v for k, v in world.stats.items() if k.startswith("fault:")),
    )
    print(f"\n30% faults: {requests} requests, {faults} failed ({faults / requests:.0%}), {cycles} cycle(s)")
    assert faults >= (requests // 20) * 6  # the server really failed 30 % of every 20 requests
    for kind in kinds:
        assert world.stats["fault:" + kind] > 0, kind
    expected = sum(len(ch.posts) for ch in world.channels.values())
    got = 0
    for ch in world.channels.values():
        posts = stored(store, ch.handle)
        assert sorted(posts) == [p.message_id for p in ch.posts]  # every post, none twice
        for p in ch.posts:
            assert posts[p.message_id] == normalize(p.text)  # nothing half-read was stored
        got += len(posts)
    assert got == expected == store.posts.count()
    # nothing was stored as an edit or a deletion: broken pages never reached the store
    assert all(s.edits == 0 and s.deletions == 0 for s in store.channels.stats())


def test_429_retry_after_is_honoured_never_early(store: Store, world: World, server: FakeTelegram) -> None:
    handle = next(iter(world.channels))
    world.set_faults(FaultPlan(rate=1.0, kinds=("429",), retry_after=120))
    [out] = cycle(store, config(server, max_inline_wait=5), [handle])
    assert out.error and "429" in out.error
    state = store.state.get(f"web:{handle}")
    assert state.extra["wait"] == "rate_limited"
    assert state.next_attempt is not None and state.last_error_at is not None
    assert state.next_attempt - state.last_error_at >= timedelta(seconds=120)
    requests = world.stats["requests"]
    [again] = cycle(store, config(server), [handle])  # a second `collect` right away: skipped, no request
    assert again.skipped and "rate limited" in again.skipped
    assert world.stats["requests"] == requests


def test_backoff_grows_and_breaker_opens(store: Store, world: World, server: FakeTelegram) -> None:
    handle = next(iter(world.channels))
    world.set_faults(FaultPlan(rate=1.0, kinds=("503",)))
    cfg = config(
        server,
        retries=0,
        backoff_base=10,
        backoff_cap=40,
        jitter=0,
        breaker_threshold=4,
        breaker_cooldown=1000,
    )
    delays = []
    for _ in range(5):
        cycle(store, cfg, [handle])
        s = store.state.get(f"web:{handle}")
        assert s.next_attempt is not None and s.last_error_at is not None
        delays.append(round((s.next_attempt - s.last_error_at).total_seconds()))
    assert delays == [10, 20, 40, 1000, 1000]  # doubling, capped, then the breaker's cooldown
    assert store.state.get(f"web:{handle}").extra["wait"] == "breaker"
    world.set_faults(FaultPlan(rate=0))
    [ok] = cycle(store, cfg, [handle])  # the trial run succeeds: breaker closed
    assert ok.error is None and store.state.get(f"web:{handle}").failures == 0


def test_changed_layout_is_reported_and_stores_nothing(
    store: Store, world: World, server: FakeTelegram
) -> None:
    handle = next(iter(world.channels))
    world.layout_changed = True
    [out] = cycle(store, config(server, retries=0), [handle])
    assert out.error and "markup changed" in out.error
    assert store.posts.count() == 0


def test_channel_that_disappears_keeps_its_posts(store: Store, world: World, server: FakeTelegram) -> None:
    handle, other = list(world.channels)[:2]
    cycle(store, config(server), [handle, other])
    before = stored(store, handle)
    world.channels[handle].exists = False
    world.channels[other].preview = False
    gone, card = cycle(store, config(server), [handle, other])
    assert gone.error and "not found" in gone.error and "MTProto" in gone.error
    assert card.error and "no public web preview" in card.error and "svodka login" in card.error
    for h in (handle, other):  # not hammered: they rest like an open breaker
        s = store.state.get(f"web:{h}")
        assert s.extra["wait"] == "permanent" and s.next_attempt - s.last_error_at >= timedelta(seconds=2800)  # type: ignore[operator]
    assert stored(store, handle) == before  # nothing marked deleted or lost
    assert all(s.deletions == 0 for s in store.channels.stats())


def test_edits_and_deletions_found_on_refetch(store: Store, world: World, server: FakeTelegram) -> None:
    handle = next(iter(world.channels))
    ch = world.channels[handle]
    cfg = config(server, edit_window_hours=24 * 365 * 10, edit_window_pages=3)
    cycle(store, cfg, [handle])
    cid = store.channels.get(ChannelRef(handle=handle)).id
    edited, deleted, old_deleted = ch.posts[-2], ch.posts[-5], ch.posts[-45]
    old_text = edited.text
    edited.text, edited.edited = old_text + "\n\nUPD: уточнение", True
    deleted.deleted = old_deleted.deleted = True
    ch.posts.append(
        FakePost(
            ch.posts[-1].message_id + 1,
            ch.posts[-1].date + timedelta(minutes=5),
            "Новый пост #новость",
            forward=("РИА Новости", "rian_ru", 250000),
            reply_to=None,
        )
    )
    [out] = cycle(store, cfg, [handle])
    assert (out.new, out.edited, out.deleted) == (1, 1, 2)
    post = store.posts.by_key(cid, edited.message_id)
    assert post is not None and post.text.endswith("UPD: уточнение") and post.versions == 2
    assert [v.text for v in store.posts.versions(post.id)] == [normalize(old_text)]
    for gone in (deleted, old_deleted):
        kept = store.posts.by_key(cid, gone.message_id)
        assert kept is not None and kept.deleted_at is not None and kept.text == normalize(gone.text)
    new = store.posts.by_key(cid, ch.posts[-1].message_id)
    assert new is not None and (new.fwd_handle, new.fwd_message_id, new.fwd_name) == (
        "rian_ru",
        250000,
        "РИА Новости",
    )
    # a post that comes back (un-deleted, or a hiccup) is restored
    deleted.deleted = False
    [back] = cycle(store, cfg, [handle])
    assert back.restored == 1 and store.posts.by_key(cid, deleted.message_id).deleted_at is None  # type: ignore[union-attr]


def test_backfill_stops_at_count_then_only_new(store: Store, world: World, server: FakeTelegram) -> None:
    handle = next(iter(world.channels))
    ch = world.channels[handle]
    cfg = config(server, backfill_posts=30, edit_window_hours=0)
    cycle(store, cfg, [handle])
    got = sorted(stored(store, handle))
    assert got == [p.message_id for p in ch.posts[-40:]]  # two pages of 20 reach 30 posts
    pages = world.stats["pages"]
    cycle(store, cfg, [handle])
    assert world.stats["pages"] == pages + 1  # afterwards only the newest page
    for i in range(45):  # more than two pages appear at once: the gap is walked back and closed
        last = ch.posts[-1]
        ch.posts.append(FakePost(last.message_id + 1, last.date + timedelta(minutes=1), f"пост {i}"))
    cycle(store, cfg, [handle])
    assert sorted(stored(store, handle)) == [p.message_id for p in ch.posts[-85:]]
    assert store.state.get(f"web:{handle}").position == ch.posts[-1].message_id


def test_concurrency_limit_and_per_host_rate(store: Store, world: World, server: FakeTelegram) -> None:
    world.latency = 0.05
    world.set_faults(FaultPlan(rate=0))
    handles = list(world.channels)
    outs = cycle(store, config(server, concurrency=3, backfill_posts=0), handles)
    assert all(o.error is None for o in outs)
    assert 1 < world.stats["max_inflight"] <= 3  # sources really ran side by side, never more than 3
    world.latency = 0.0
    start = time.monotonic()
    cycle(store, config(server, concurrency=8, host_rate=10.0, backfill_posts=0), handles)
    # 10 channels, one page each, at most 10 requests/s to 127.0.0.1: the 10th waits ~0.9 s
    assert time.monotonic() - start >= 0.85


def test_schedule_jitter_and_backoff_policy() -> None:
    from svodka.collect import policy
    from svodka.errors import RateLimited, SourceError
    from svodka.model import SourceState

    cfg = CollectConfig(
        interval=600,
        jitter=0.2,
        backoff_base=30,
        backoff_cap=3600,
        breaker_threshold=3,
        breaker_cooldown=7200,
    )
    rng = random.Random(1)
    now = datetime(2024, 12, 1, tzinfo=UTC)
    nexts = [
        (policy.on_success(SourceState("k"), now, cfg, rng).next_attempt - now).total_seconds()  # type: ignore[operator]
        for _ in range(200)
    ]
    assert 480 <= min(nexts) < 520 and 680 < max(nexts) <= 720  # ±20 %, spread out
    s = SourceState("k")
    waits = []
    for _ in range(4):
        s = policy.on_failure(s, SourceError("boom"), now, cfg, rng)
        waits.append((s.next_attempt - now).total_seconds())  # type: ignore[operator]
    assert 24 <= waits[0] <= 36 and 48 <= waits[1] <= 72  # base, doubled (±20 %)
    assert waits[2] >= 7200 * 0.8 and s.extra["wait"] == "breaker"  # third failure: breaker open
    limited = policy.on_failure(SourceState("k"), RateLimited("429", 5000), now, cfg, rng)
    assert (limited.next_attempt - now).total_seconds() >= 5000  # type: ignore[operator]
    assert policy.must_wait(limited, now) and not policy.must_wait(limited, now + timedelta(seconds=5001))
    ok = policy.on_success(s, now, cfg, rng)
    assert ok.failures == 0 and "wait" not in ok.extra and ok.last_error == "boom"  # history kept
    quiet = [ok]
    for _ in range(6):  # nothing new, run after run: the source is read less and less often
        quiet.append(policy.on_success(quiet[-1], now, cfg, rng, active=False))
    assert [q.extra["interval"] for q in quiet] == [600, 900, 1350, 2025, 3037.5, 3600, 3600]
    assert policy.on_success(quiet[-1], now, cfg, rng, active=True).extra["interval"] == 600  # posts again
