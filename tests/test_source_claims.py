"""Several collectors on one store share the sources through ``store.claims``: one holder of a source at a
time, a claim expires when its collector dies (kill -9), every claim is logged; the runner skips a source
another collector holds; a post committed late under a lower id is not passed over by `svodka process`."""

from __future__ import annotations

import asyncio
import json
import os
import signal
import subprocess
import sys
import threading
import time
from datetime import UTC, datetime, timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest

from svodka.collect import CollectConfig, Context, run_cycle
from svodka.collect.http import Fetcher
from svodka.collect.jobs import job_for
from svodka.model import ChannelRef, Post
from svodka.process.batches import plan_run
from svodka.store import Store, open_store

HOLDER = """
import sys, time
from svodka.store import open_store
store = open_store(sys.argv[1])
with store.claims.hold("web:newsroom", float(sys.argv[2])) as claim:
    print("held" if claim.held else "not held", flush=True)
    time.sleep(600)
"""

T0 = datetime(2024, 12, 2, 9, tzinfo=UTC)
SAMPLE = Path(__file__).parent.parent / "samples" / "tg_ru_news_2024-12-02.jsonl"


def test_one_collector_holds_a_source_at_a_time(store_url: str) -> None:
    me = f"pid {os.getpid()} on {os.uname().nodename}"
    with open_store(store_url) as store, open_store(store_url) as other:
        with store.claims.hold("web:a", 30.0) as first:
            assert first == type(first)("web:a", held=True, holder=me)
            with other.claims.hold("web:a", 30.0) as second:
                assert not second.held and second.holder == me
            with other.claims.hold("web:b", 30.0) as third:  # claims are per source
                assert third.held
        with other.claims.hold("web:a", 30.0) as again:  # released at the end of the block
            assert again.held
        log = store.claims.log()
    assert [(r.key, r.holder) for r in log] == [("web:a", me), ("web:b", me), ("web:a", me)]
    assert all(r.released_at is not None and r.claimed_at <= r.released_at <= r.expires_at for r in log)
    assert log[0].released_at <= log[2].claimed_at  # type: ignore[operator]


def test_a_killed_collectors_claim_expires(store_url: str) -> None:
    open_store(store_url).close()  # migrated before two processes race for it
    holder = subprocess.Popen(
        [sys.executable, "-c", HOLDER, store_url, "2.0"], stdout=subprocess.PIPE, text=True
    )
    try:
        assert holder.stdout is not None and holder.stdout.readline().strip() == "held"
        time.sleep(1.5)  # past a renewal (every ttl/3): the claim is still held
        with open_store(store_url) as store, store.claims.hold("web:newsroom", 2.0) as claim:
            assert not claim.held and claim.holder.startswith(f"pid {holder.pid} on ")
    finally:
        os.kill(holder.pid, signal.SIGKILL)
        holder.wait(10)
    killed_at = time.time()
    with open_store(store_url) as store:
        while True:
            with store.claims.hold("web:newsroom", 2.0) as claim:
                if claim.held or time.time() > killed_at + 10:
                    break
            time.sleep(0.1)
        assert claim.held
        assert time.time() - killed_at > 0.5  # it waited for the expiry: killed, the holder released nothing
        dead, taken = store.claims.log()
    assert dead.released_at is None and taken.released_at is not None
    assert dead.claimed_at + 1.5 < dead.expires_at <= taken.claimed_at  # renewed, then expired


def test_the_runner_leaves_a_source_another_collector_holds(store: Store) -> None:
    channel = store.channels.by_id(store.channels.resolve(ChannelRef(handle="newsroom")))
    cfg = CollectConfig(web_base_url="http://127.0.0.1:9", retries=0, claim_ttl=30.0)
    job = job_for(channel, cfg)
    assert job is not None

    async def cycle() -> list[str | None]:
        async with Fetcher(cfg) as fetcher:
            return [o.skipped for o in await run_cycle([job], Context(store, fetcher, cfg))]

    with store.claims.hold(job.key, 30.0):
        assert asyncio.run(cycle()) == [f"being collected by pid {os.getpid()} on {os.uname().nodename}"]
    assert store.state.get(job.key).last_error is None  # not run: nothing fetched, nothing failed
    assert asyncio.run(cycle()) == [None]  # free again: run (and failed, nothing listens on port 9)
    assert store.state.get(job.key).failures == 1


@pytest.mark.backends(
    "postgresql", reason="SQLite has one writer: no id is visible before a lower one is committed"
)
def test_a_post_committed_late_under_a_lower_id_is_not_passed_over(store_url: str) -> None:
    a_ref, b_ref = ChannelRef(handle="slow_channel"), ChannelRef(handle="fast_channel")
    with open_store(store_url) as a, open_store(store_url) as b:
        a.posts.save([Post(a_ref, 1, T0, "Первая новость медленного канала")])
        b.posts.save([Post(b_ref, 1, T0, "Первая новость быстрого канала")])
        writing, release = threading.Event(), threading.Event()

        def slow_page() -> None:  # a collector's page: its id drawn now, committed later
            with a.transaction():
                a.posts.save([Post(a_ref, 2, T0 + timedelta(minutes=1), "Вторая новость, записана поздно")])
                writing.set()
                release.wait(20)

        writer = threading.Thread(target=slow_page)
        writer.start()
        assert writing.wait(20)
        b.posts.save([Post(b_ref, 2, T0 + timedelta(minutes=2), "Вторая новость, записана сразу")])
        seen = {p.text for p in b.posts.iter()}
        assert "Вторая новость, записана сразу" in seen and "Вторая новость, записана поздно" not in seen
        settled: list[int] = []
        reader = threading.Thread(target=lambda: settled.append(b.claims.settled_post_id()))
        reader.start()
        time.sleep(0.5)
        waited = reader.is_alive()  # the lower id is still being written: the answer waits for it
        release.set()
        writer.join(20)
        reader.join(20)
        assert waited and settled == [max(p.id for p in b.posts.iter())]
        run = plan_run(b.posts, b.analysis, settled[0])
        assert run is not None and len(run.posts) == 4 and run.until == settled[0]


def test_a_collector_whose_claim_went_unrenewed_stops_before_its_next_request(
    store: Store, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A renewal held up (a busy store) past a third of the ttl: another collector may take the source
    then, so this one sends no further request; what it stored stays, and the source has not failed."""
    from collect_server import FakeTelegram, World, load_channels
    from conftest import shared

    channel_data = load_channels(shared("tg_ru_news_2024", "posts.jsonl"), max_channels=1, max_posts=200)[0]
    world = World.of([channel_data])
    world.latency = 0.3  # a page every 0.3 s: ten pages of backfill outlast the claim
    renewals: list[float] = []

    def never(self: object, key: str, token: str, ttl: float) -> bool:
        renewals.append(time.monotonic())
        return False  # taken over by another process meanwhile (nothing extends it)

    monkeypatch.setattr(type(store.claims), "renew", never)
    with FakeTelegram(world) as srv:
        cfg = CollectConfig(web_base_url=srv.url, retries=0, claim_ttl=1.5, backfill_posts=200, host_rate=0)
        channel = store.channels.by_id(store.channels.resolve(ChannelRef(handle=channel_data.handle)))
        job = job_for(channel, cfg)
        assert job is not None

        async def cycle() -> list[str | None]:
            async with Fetcher(cfg) as fetcher:
                return [o.skipped for o in await run_cycle([job], Context(store, fetcher, cfg))]

        began = time.monotonic()
        (skipped,) = asyncio.run(cycle())
    requests = [at for at, path, _ in world.requests if path.startswith("/s/")]
    assert skipped is not None and "not renewed in time" in skipped
    assert renewals  # it tried to renew
    assert 1 <= len(requests) < 10  # stopped well before the ten pages
    # no request after the claim could have run out (the store's expiry: the take + ttl, never renewed)
    assert max(requests) < time.time() - (time.monotonic() - began) + cfg.claim_ttl
    state = store.state.get(job.key)
    assert state.failures == 0 and state.last_error is None
    assert store.posts.count() > 0  # the pages read before it stopped are stored


def test_a_new_http_collector_gets_the_claim_check_from_the_shared_path(
    store: Store, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A collector written against the shared HTTP path only (the test plug-in "fakefeed": ``ctx.fetcher``
    and ``with_retries``, no claim check of its own) stops before its next request once its claim went
    unrenewed, as the built-in ones do: the fetcher of its job checks the claim."""
    from plugins.fakefeed_source import PAGE, PLATFORM, FakeFeedSource
    from svodka.collect import runner
    from svodka.collect.jobs import Job

    posts = [
        {"id": i, "date": (T0 + timedelta(minutes=i)).isoformat(), "text": f"Новость номер {i}"}
        for i in range(1, 51)
    ]
    asked: list[float] = []

    class Slow(BaseHTTPRequestHandler):
        def log_message(self, format: str, *args: object) -> None:
            pass

        def do_GET(self) -> None:
            asked.append(time.time())
            time.sleep(0.3)  # ten pages outlast the claim
            after = int(parse_qs(urlsplit(self.path).query).get("after", ["0"])[0])
            page = [p for p in posts if int(p["id"]) > after][:PAGE]  # type: ignore[call-overload]
            body = json.dumps({"posts": page}, ensure_ascii=False).encode()
            self.send_response(200)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

    refused: list[float] = []

    def never(self: object, key: str, token: str, ttl: float) -> bool:
        refused.append(time.monotonic())
        return False  # taken over by another process meanwhile

    monkeypatch.setattr(type(store.claims), "renew", never)
    monkeypatch.setattr(runner, "by_kind", lambda kind: FakeFeedSource())
    server = ThreadingHTTPServer(("127.0.0.1", 0), Slow)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        url = f"http://127.0.0.1:{server.server_port}/news.json"
        channel = store.channels.by_id(store.channels.resolve(ChannelRef(PLATFORM, handle=url)))
        job = Job("fakefeed", channel)
        cfg = CollectConfig(retries=0, claim_ttl=1.5, host_rate=0)

        async def cycle() -> list[str | None]:
            async with Fetcher(cfg) as fetcher:
                return [o.skipped for o in await run_cycle([job], Context(store, fetcher, cfg))]

        began = time.time()
        (skipped,) = asyncio.run(cycle())
    finally:
        server.shutdown()
        server.server_close()
    assert skipped is not None and "not renewed in time" in skipped
    assert refused and 1 <= len(asked) < 10  # stopped well before the ten pages
    assert max(asked) < began + cfg.claim_ttl  # no request once the claim could have run out
    state = store.state.get(job.key)
    assert state.failures == 0 and state.last_error is None
    assert 0 < store.posts.count() == state.position  # the pages read are stored and checkpointed


def test_an_mtproto_collector_whose_claim_went_unrenewed_stops_before_its_next_batch(
    store: Store, monkeypatch: pytest.MonkeyPatch
) -> None:
    """MTProto's requests go through the job's claim check too (``ClaimedClient``): a backfill of ten
    batches, each 0.3 s, stops once the claim's renewals are refused."""
    from svodka.collect import Link, mtproto
    from svodka.collect.jobs import Job
    from svodka.sources.telegram_mtproto import TelethonSource
    from test_collect_mtproto import FakeClient, make_message

    rows = [json.loads(line) for line in SAMPLE.read_text(encoding="utf-8").splitlines()[:50]]
    messages = [make_message(1000 + i, T0 + timedelta(minutes=i), r["text"]) for i, r in enumerate(rows)]
    asked: list[float] = []

    class Slow(FakeClient):
        async def get_messages(self, *args: Any, **kwargs: Any) -> list[Any]:
            asked.append(time.time())
            await asyncio.sleep(0.3)
            return await super().get_messages(*args, **kwargs)

    monkeypatch.setattr(type(store.claims), "renew", lambda self, key, token, ttl: False)
    monkeypatch.setattr(mtproto, "BATCH", 5)  # ten requests of five
    cfg = CollectConfig(retries=0, claim_ttl=1.5, backfill_posts=50, telegram_via="mtproto")
    job = Job("mtproto", store.channels.by_id(store.channels.resolve(ChannelRef(handle="rian_ru"))))

    async def cycle() -> list[str | None]:
        async with Fetcher(cfg) as fetcher:
            ctx = Context(store, fetcher, cfg, links={"mtproto": Link(client=TelethonSource(Slow(messages)))})
            return [o.skipped for o in await run_cycle([job], ctx)]

    began = time.time()
    (skipped,) = asyncio.run(cycle())
    assert skipped is not None and "not renewed in time" in skipped
    assert 1 <= len(asked) < 10 and max(asked) < began + cfg.claim_ttl
    state = store.state.get(job.key)
    assert state.failures == 0 and state.last_error is None
    assert 0 < store.posts.count() == 5 * len(asked)  # every batch read is stored
