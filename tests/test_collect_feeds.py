"""RSS/Atom collection with ETag, and proxies (HTTP and SOCKS5) for web and feeds, against real local
servers."""

from __future__ import annotations

import asyncio
import contextlib
import socket
import struct
import threading
from collections.abc import Iterator
from dataclasses import replace
from datetime import UTC, datetime

import pytest

from collect_server import FakePost, FakeTelegram, World, load_channels
from conftest import shared
from svodka.collect import CollectConfig, Context, Outcome, job_for, run_cycle
from svodka.collect.config import config_from
from svodka.collect.http import Fetcher
from svodka.errors import ConfigError
from svodka.model import PLATFORM_RSS, ChannelRef
from svodka.settings import defaults
from svodka.sources.rss import parse_feed
from svodka.store import Store


@pytest.fixture
def world() -> World:
    w = World()
    ch = load_channels(shared("tg_ru_news_2024", "posts.jsonl"), max_channels=1, max_posts=30)[0]
    w.channels[ch.handle] = ch
    w.feeds["bbc"] = [replace(p) for p in ch.posts[:12]]
    return w


@pytest.fixture
def server(world: World) -> Iterator[FakeTelegram]:
    with FakeTelegram(world) as srv:
        yield srv


def _cycle(store: Store, cfg: CollectConfig, refs: list[ChannelRef]) -> list[Outcome]:
    jobs = [job_for(store.channels.add(r), cfg.telegram_via) for r in refs]

    async def main() -> list[Outcome]:
        async with Fetcher(cfg) as f:
            return await run_cycle(jobs, Context(store, f, cfg))

    return asyncio.run(main())


def _cfg(url: str, **kw: object) -> CollectConfig:
    return replace(
        CollectConfig(web_base_url=url, host_rate=0, timeout=2, retry_delay=0.01, backfill_posts=1000), **kw
    )  # type: ignore[arg-type]


def test_feed_etag_new_items_and_edits(store: Store, world: World, server: FakeTelegram) -> None:
    url = f"{server.url}/feeds/bbc.xml"
    ref = ChannelRef(PLATFORM_RSS, handle=url)
    [first] = _cycle(store, _cfg(server.url), [ref])
    assert first.error is None and first.new == 12
    assert store.channels.get(ChannelRef("rss", handle=url)).title == "Feed bbc"
    state = store.state.get(f"rss:{url}")
    assert state.extra["etag"] and state.posts_collected == 12
    [second] = _cycle(store, _cfg(server.url), [ref])
    assert second.new == 0 and world.stats["not_modified"] == 1  # If-None-Match → 304, nothing parsed
    items = world.feeds["bbc"]
    items.append(FakePost(999_999, datetime(2024, 12, 5, tzinfo=UTC), "Новая новость\nподробности"))
    items[0].text += " (обновлено)"
    [third] = _cycle(store, _cfg(server.url), [ref])
    assert (third.new, third.edited) == (1, 1)
    assert store.posts.count() == 13


def test_feed_url_keeps_its_case(store: Store, world: World, server: FakeTelegram) -> None:
    # A URL's path is case-sensitive (unlike a Telegram username): the feed must be fetched as given.
    world.feeds["BBC_World"] = world.feeds["bbc"]
    url = f"{server.url}/feeds/BBC_World.xml"
    [out] = _cycle(store, _cfg(server.url), [ChannelRef(PLATFORM_RSS, handle=url)])
    assert out.error is None and out.new == 12
    assert store.channels.get(ChannelRef("rss", handle=url)).handle == url


def test_feed_parser_reads_atom_and_html_summaries() -> None:
    atom = b"""<?xml version="1.0" encoding="utf-8"?><feed xmlns="http://www.w3.org/2005/Atom">
    <title>Example</title><entry><id>tag:x,2024:1</id><title>Headline</title>
    <link href="https://example.org/a"/><updated>2024-11-30T10:00:00Z</updated>
    <summary type="html">&lt;p&gt;First&lt;br/&gt;second &lt;b&gt;bold&lt;/b&gt;&lt;/p&gt;</summary>
    </entry></feed>"""
    feed = parse_feed(atom, "https://example.org/atom", datetime.now(UTC))
    [post] = feed.posts
    assert feed.title == "Example" and post.url == "https://example.org/a"
    assert post.text == "Headline\n\nFirst\nsecond bold"
    assert post.date == datetime(2024, 11, 30, 10, tzinfo=UTC)
    assert parse_feed(atom, "u", datetime.now(UTC)).posts[0].message_id == post.message_id  # stable id


def test_http_proxy_carries_web_requests(store: Store, world: World, server: FakeTelegram) -> None:
    # t.me is unreachable by name here; only the proxy (the local server in proxy mode) gets through.
    handle = next(iter(world.channels))
    cfg = _cfg("http://telegram.invalid", proxy=server.url)
    [out] = _cycle(store, cfg, [ChannelRef(handle=handle)])
    assert out.error is None and out.new == 30
    assert world.stats["proxied"] >= 2
    direct = _cfg("http://telegram.invalid", retries=0)
    [fails] = _cycle(store, direct, [ChannelRef(handle=handle)])
    assert fails.error is not None


class Socks5:
    """A minimal SOCKS5 server (no auth, CONNECT only) on 127.0.0.1, counting connections."""

    def __init__(self) -> None:
        self.sock = socket.create_server(("127.0.0.1", 0))
        self.port = self.sock.getsockname()[1]
        self.connections = 0
        threading.Thread(target=self._serve, daemon=True).start()

    def _serve(self) -> None:
        while True:
            try:
                client, _ = self.sock.accept()
            except OSError:
                return
            threading.Thread(target=self._handle, args=(client,), daemon=True).start()

    def _handle(self, c: socket.socket) -> None:
        try:
            c.recv(257)  # greeting: version, methods
            c.sendall(b"\x05\x00")
            head = c.recv(4)
            if head[3] == 1:
                host = socket.inet_ntoa(c.recv(4))
            elif head[3] == 3:
                host = c.recv(c.recv(1)[0]).decode()
            else:
                return
            port = struct.unpack(">H", c.recv(2))[0]
            upstream = socket.create_connection((host, port), timeout=5)
            self.connections += 1
            c.sendall(b"\x05\x00\x00\x01" + socket.inet_aton("127.0.0.1") + struct.pack(">H", port))
            for a, b in ((c, upstream), (upstream, c)):
                threading.Thread(target=self._pipe, args=(a, b), daemon=True).start()
        except OSError:
            c.close()

    @staticmethod
    def _pipe(a: socket.socket, b: socket.socket) -> None:
        try:
            while data := a.recv(65536):
                b.sendall(data)
        except OSError:
            pass
        finally:
            for s in (a, b):
                with contextlib.suppress(OSError):
                    s.shutdown(socket.SHUT_RDWR)

    def close(self) -> None:
        self.sock.close()


def test_socks5_proxy_per_source(store: Store, world: World, server: FakeTelegram) -> None:
    socks = Socks5()
    try:
        handle = next(iter(world.channels))
        cfg = _cfg(server.url, proxies={handle: f"socks5://127.0.0.1:{socks.port}"})
        url = f"{server.url}/feeds/bbc.xml"
        outs = _cycle(store, cfg, [ChannelRef(handle=handle), ChannelRef(PLATFORM_RSS, handle=url)])
        assert all(o.error is None for o in outs) and outs[0].new == 30 and outs[1].new == 12
        assert socks.connections >= 1  # the channel went through SOCKS5 …
        before = socks.connections
        _cycle(store, _cfg(server.url), [ChannelRef(PLATFORM_RSS, handle=url)])
        assert socks.connections == before  # … the feed, without a proxy of its own, did not
    finally:
        socks.close()


def test_proxy_settings_are_checked() -> None:
    cfg = config_from(
        defaults(
            collect__proxies="rian_ru=socks5://10.0.0.1:1080,feeds.bbci.co.uk=http://p:3128",
            network__proxy="http://global:8080",
        )
    )
    assert cfg.proxy_for("rian_ru") == "socks5://10.0.0.1:1080"
    assert cfg.proxy_for("other", "feeds.bbci.co.uk") == "http://p:3128"
    assert cfg.proxy_for("other") == "http://global:8080"
    with pytest.raises(ConfigError, match=r"collect\.proxies"):
        config_from(defaults(collect__proxies="nonsense"))
    with pytest.raises(ConfigError, match="telegram_via"):
        config_from(defaults(collect__telegram_via="pigeon"))
