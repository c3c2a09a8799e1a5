"""The MTProto source: real ``telethon.tl.types`` messages (built from real posts of tg_ru_news_2024)
mapped to stored posts, history backfill and incremental collection by id, edits, deletions, and
FloodWait honoured. A fake client stands in for Telegram; nothing here contacts it."""

from __future__ import annotations

import asyncio
import os
import re
import signal
import subprocess
import sys
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from telethon.errors import FloodWaitError
from telethon.tl import types

from conftest import shared
from svodka.collect import CollectConfig, Context, Link, job_for, run_cycle
from svodka.collect.http import Fetcher
from svodka.errors import ConfigError, RateLimited
from svodka.model import ChannelRef, Entity
from svodka.settings import defaults
from svodka.sources.telegram_mtproto import TelethonSource, connect, message_to_post, proxy_args
from svodka.store import Store, open_store

CHANNEL_ID = 1101170442


def _utf16_len(s: str) -> int:
    return len(s.encode("utf-16-le")) // 2


def make_message(mid: int, date: datetime, text: str, **kw: Any) -> types.Message:
    """A real Telethon Message with URL and hashtag entities at UTF-16 offsets, as Telegram sends them."""
    entities: list[Any] = []
    for m in re.finditer(r"https?://\S+|#\w+", text):
        offset, length = _utf16_len(text[: m.start()]), _utf16_len(m.group(0))
        cls = types.MessageEntityUrl if m.group(0).startswith("http") else types.MessageEntityHashtag
        entities.append(cls(offset=offset, length=length))
    return types.Message(
        id=mid,
        peer_id=types.PeerChannel(CHANNEL_ID),
        date=date,
        message=text,
        entities=entities or None,
        post=True,
        **kw,
    )


@pytest.fixture(scope="module")
def real_posts() -> list[tuple[int, datetime, str]]:
    import json

    rows = []
    with shared("tg_ru_news_2024", "posts.jsonl").open(encoding="utf-8") as f:
        for line in f:
            r = json.loads(line)
            if r["sender_id"] == -1001101170442:  # RIA Novosti
                rows.append(
                    (r["message_id"], datetime.fromisoformat(r["date"]).astimezone(UTC), r["text"] or "")
                )
    if len(rows) < 150:  # fall back to the first channel in the file
        with shared("tg_ru_news_2024", "posts.jsonl").open(encoding="utf-8") as f:
            first = [json.loads(line) for line in f][:400]
        sid = first[0]["sender_id"]
        rows = [
            (r["message_id"], datetime.fromisoformat(r["date"]).astimezone(UTC), r["text"] or "")
            for r in first
            if r["sender_id"] == sid
        ]
    return sorted(rows)[-150:]


class FakeClient:
    """Telethon's get_entity / get_messages over a list of real Message objects; can raise FloodWait."""

    def __init__(self, messages: list[types.Message]) -> None:
        self.messages = {m.id: m for m in messages}
        self.flood: int | None = None
        self.known_ids: set[int] = set()  # what the session's entity cache holds
        self.calls: list[tuple[str, dict[str, Any]]] = []
        self.entity = types.Channel(
            id=CHANNEL_ID,
            title="РИА Новости",
            photo=types.ChatPhotoEmpty(),
            date=datetime(2013, 1, 1, tzinfo=UTC),
            username="rian_ru",
            broadcast=True,
        )

    async def get_entity(self, name: Any) -> Any:
        self.calls.append(("get_entity", {"name": name}))
        if self.flood:
            raise FloodWaitError(request=None, capture=self.flood)
        self.known_ids.add(self.entity.id)
        return self.entity

    async def get_input_entity(self, peer: Any) -> Any:
        if peer.channel_id not in self.known_ids:  # what Telethon says for an id it never saw
            raise ValueError(f"Could not find the input entity for {peer!r}")
        return types.InputPeerChannel(peer.channel_id, access_hash=1)

    async def get_messages(
        self, entity: Any, limit: int = 100, offset_id: int = 0, min_id: int = 0, reverse: bool = False
    ) -> list[Any]:
        self.calls.append(("get_messages", {"limit": limit, "offset_id": offset_id, "min_id": min_id}))
        if self.flood:
            raise FloodWaitError(request=None, capture=self.flood)
        ids = sorted(self.messages)
        if reverse:
            return [self.messages[i] for i in ids if i > min_id][:limit]
        chosen = [i for i in reversed(ids) if (offset_id == 0 or i < offset_id) and i > min_id][:limit]
        return [self.messages[i] for i in chosen]


def test_message_mapping_of_real_telethon_objects() -> None:
    date = datetime(2024, 11, 30, 9, 0, tzinfo=UTC)
    text = "🔥 Взрыв в Москве #срочно https://ria.ru/20241130/vzryv.html"
    msg = make_message(
        7001,
        date,
        text,
        views=12345,
        forwards=17,
        post_author="Иван",
        fwd_from=types.MessageFwdHeader(date=date, from_id=types.PeerChannel(1036240821), channel_post=555),
        reply_to=types.MessageReplyHeader(reply_to_msg_id=6999),
        media=types.MessageMediaPhoto(photo=types.PhotoEmpty(id=1)),
        edit_date=date + timedelta(minutes=3),
        reactions=types.MessageReactions(
            results=[
                types.ReactionCount(reaction=types.ReactionEmoji("👍"), count=40),
                types.ReactionCount(reaction=types.ReactionEmoji("😢"), count=2),
            ]
        ),
    )
    post = message_to_post(msg, ChannelRef(handle="rian_ru"))
    assert post is not None
    assert (post.message_id, post.date, post.text) == (7001, date, text)
    # the emoji is two UTF-16 units: offsets must not be off by one
    assert Entity("hashtag", "#срочно") in post.entities
    assert post.links == ("https://ria.ru/20241130/vzryv.html",)
    assert (post.views, post.forwards, post.reactions, post.reply_to, post.media) == (
        12345,
        17,
        42,
        6999,
        "photo",
    )
    assert post.forward is not None and (post.forward.tg_id, post.forward.message_id) == (1036240821, 555)
    assert post.edited == date + timedelta(minutes=3) and post.author == "Иван"
    service = types.MessageService(
        id=7002, peer_id=types.PeerChannel(CHANNEL_ID), date=date, action=types.MessageActionPinMessage()
    )
    assert message_to_post(service, ChannelRef(handle="rian_ru")) is None
    video = types.MessageMediaDocument(
        document=types.Document(
            id=1,
            access_hash=0,
            file_reference=b"",
            date=date,
            mime_type="video/mp4",
            size=1,
            dc_id=2,
            attributes=[types.DocumentAttributeVideo(duration=3, w=1, h=1, round_message=True)],
        )
    )
    assert (
        message_to_post(make_message(7003, date, "", media=video), ChannelRef(handle="x")).media
        == "round_video"
    )  # type: ignore[union-attr]


def _run(store: Store, client: FakeClient, cfg: CollectConfig) -> Any:
    job = job_for(store.channels.add(ChannelRef(handle="rian_ru")), "mtproto")

    async def main() -> Any:
        async with Fetcher(cfg) as f:
            ctx = Context(store, f, cfg, links={"mtproto": Link(client=TelethonSource(client))})
            return (await run_cycle([job], ctx))[0]

    return asyncio.run(main())


def test_backfill_incremental_edits_deletions(
    store: Store, real_posts: list[tuple[int, datetime, str]]
) -> None:
    messages = [make_message(mid, d, t, views=100 + i) for i, (mid, d, t) in enumerate(real_posts)]
    client = FakeClient(messages)
    cfg = CollectConfig(backfill_posts=120, edit_window_hours=24 * 365 * 10, edit_window_pages=2, jitter=0)
    first = _run(store, client, cfg)
    assert first.error is None and first.new == 120
    channel = store.channels.get(ChannelRef(handle="rian_ru"))
    assert channel.tg_id == CHANNEL_ID and channel.title == "РИА Новости"  # resolved once, cached
    state = store.state.get("mtproto:rian_ru")
    assert state.extra["tg_id"] == CHANNEL_ID and state.position == real_posts[-1][0]
    stored = store.posts.by_key(channel.id, real_posts[-1][0])
    assert stored is not None and stored.text == real_posts[-1][2] and stored.views == 100 + 149
    # new posts, an edit with its real edit date, a deletion
    last_id, last_date, _ = real_posts[-1]
    for k in range(1, 131):  # more than one batch of 100 arrive between runs
        client.messages[last_id + k] = make_message(
            last_id + k, last_date + timedelta(minutes=k), f"новость {k}"
        )
    target = real_posts[-3]
    client.messages[target[0]] = make_message(
        target[0], target[1], target[2] + " (дополнено)", edit_date=last_date + timedelta(hours=1)
    )
    del client.messages[real_posts[-5][0]]
    second = _run(store, client, cfg)
    assert (second.new, second.edited, second.deleted) == (130, 1, 1)
    assert client.calls.count(("get_entity", {"name": "rian_ru"})) == 1  # the id came from the cache
    edited = store.posts.by_key(channel.id, target[0])
    assert edited is not None and edited.text.endswith("(дополнено)") and edited.versions == 2
    gone = store.posts.by_key(channel.id, real_posts[-5][0])
    assert gone is not None and gone.deleted_at is not None and gone.text == real_posts[-5][2]
    assert store.state.get("mtproto:rian_ru").position == last_id + 130
    client.known_ids.clear()  # a fresh session: the cached id alone is not enough, the name is resolved again
    third = _run(store, client, cfg)
    assert third.error is None and client.calls.count(("get_entity", {"name": "rian_ru"})) == 2


def test_floodwait_is_honoured_and_shown(store: Store, real_posts: list[tuple[int, datetime, str]]) -> None:
    client = FakeClient([make_message(mid, d, t) for mid, d, t in real_posts[:10]])
    client.flood = 420
    out = _run(store, client, CollectConfig(max_inline_wait=10))
    assert out.error and "FloodWait" in out.error and "420" in out.error
    state = store.state.get("mtproto:rian_ru")
    assert state.extra["wait"] == "rate_limited"
    assert state.next_attempt - state.last_error_at >= timedelta(seconds=420)  # type: ignore[operator]
    calls = len(client.calls)
    again = _run(store, client, CollectConfig())  # collect again at once: skipped, Telegram not asked
    assert again.skipped and len(client.calls) == calls
    with pytest.raises(RateLimited) as err:
        asyncio.run(TelethonSource(client).newest(None, 10))
    assert err.value.retry_after == 420


def test_connect_needs_credentials_and_proxies_parse() -> None:
    async def go() -> None:
        async with connect(defaults()):
            pass

    with pytest.raises(ConfigError, match="api_id"):
        asyncio.run(go())
    assert proxy_args("socks5://u:p@127.0.0.1:1080")["proxy"] == {
        "proxy_type": "socks5",
        "addr": "127.0.0.1",
        "port": 1080,
        "rdns": True,
        "username": "u",
        "password": "p",
    }
    mt = proxy_args("mtproxy://ee0123456789abcdef@proxy.example:443")
    assert (
        mt["proxy"] == ("proxy.example", 443, "ee0123456789abcdef") and "MTProxy" in mt["connection"].__name__
    )
    with pytest.raises(ConfigError):
        proxy_args("ftp://x:1")


def test_auto_mode_moves_a_channel_without_preview_to_mtproto(
    store: Store, real_posts: list[tuple[int, datetime, str]]
) -> None:
    from collect_server import FakeChannel, FakeTelegram, World
    from svodka.collect import jobs_for

    world = World()
    world.channels["rian_ru"] = FakeChannel("rian_ru", "РИА Новости", CHANNEL_ID, 1000, preview=False)
    client = FakeClient([make_message(mid, d, t) for mid, d, t in real_posts[:30]])
    store.channels.add(ChannelRef(handle="rian_ru"))
    with FakeTelegram(world) as srv:
        cfg = CollectConfig(web_base_url=srv.url, telegram_via="auto", host_rate=0, retry_delay=0.01)

        async def cycle() -> Any:
            async with Fetcher(cfg) as f:
                ctx = Context(store, f, cfg, links={"mtproto": Link(client=TelethonSource(client))})
                return await run_cycle(jobs_for(store, "auto"), ctx)

        [web] = asyncio.run(cycle())
        assert web.key == "web:rian_ru" and web.error and "no public web preview" in web.error
        [mt] = asyncio.run(cycle())
        assert mt.key == "mtproto:rian_ru" and mt.error is None and mt.new == 30


def _without_credentials(monkeypatch: pytest.MonkeyPatch, where: Path) -> dict[str, str]:
    for var in ("SVODKA_TELEGRAM_API_ID", "SVODKA_TELEGRAM_API_HASH"):
        monkeypatch.delenv(var, raising=False)
    monkeypatch.chdir(where)  # no svodka.toml here
    return {k: v for k, v in os.environ.items() if not k.startswith("SVODKA_TELEGRAM_API")}


NOT_COLLECTED = (
    "not collected (it needs an @username (`svodka channels add @name`), or telegram.api_id "
    "and telegram.api_hash, then `svodka login` (MTProto))"
)


def test_collect_by_numeric_id_without_credentials_says_what_to_do(
    tmp_path: Path, store_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    env = _without_credentials(monkeypatch, tmp_path)
    db = store_url
    done = subprocess.run(
        [sys.executable, "-m", "svodka", "--db", db, "collect", "--", "-1001101170442"],
        capture_output=True,
        text=True,
        env=env,
        timeout=120,
    )
    assert done.returncode != 0
    assert done.stderr.count(f"1101170442: {NOT_COLLECTED}") == 1, done.stderr
    assert "Traceback" not in done.stderr
    status = subprocess.run(
        [sys.executable, "-m", "svodka", "--db", db, "status"], capture_output=True, text=True, env=env
    )
    assert "mtproto:" not in status.stdout + status.stderr  # nothing was tried, so no error to show


def test_watch_reports_a_channel_imported_by_id_once_and_never_runs_it(store: Store) -> None:
    """Issue 13 item 18: with MTProto not set up, a channel imported by id (no username) was an MTProto job
    failing with "the MTProto source is not connected" on every round."""
    from svodka.collect import watch, watch_jobs

    store.channels.resolve(ChannelRef(ext_id=str(CHANNEL_ID), title="РИА Новости"))  # as an import does
    cfg = CollectConfig(mtproto_ready=False, interval=0.05, jitter=0.0)
    told: list[str] = []

    async def run() -> int:
        async with Fetcher(cfg) as f:
            ctx = Context(store, f, cfg)
            stop = asyncio.Event()
            asyncio.get_running_loop().call_later(0.6, stop.set)
            return await watch(
                ctx, stop, watch_jobs(store, cfg, lambda left: told.append(left.line())), tick=0.05
            )

    assert asyncio.run(run()) == 0
    assert told == [f"РИА Новости (1101170442): {NOT_COLLECTED}"]
    assert store.state.all() == []
    # set up MTProto and the same channel is a job again
    jobs = watch_jobs(store, CollectConfig(mtproto_ready=True), told.append)()
    assert [j.key for j in jobs] == [f"mtproto:{CHANNEL_ID}"]


def test_watch_prints_not_collected_once(
    tmp_path: Path, store_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    env = _without_credentials(monkeypatch, tmp_path)
    db = store_url
    with open_store(db) as s:
        s.channels.resolve(ChannelRef(ext_id=str(CHANNEL_ID), title="РИА Новости"))
    cfg = tmp_path / "svodka.toml"
    cfg.write_text("[collect]\ninterval = 0.1\n", encoding="utf-8")
    proc = subprocess.Popen(
        [sys.executable, "-m", "svodka", "--db", db, "--config", str(cfg), "watch"],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=env,
    )
    time.sleep(4.0)  # start-up plus many rounds of 0.1 s
    proc.send_signal(signal.SIGTERM)
    out, err = proc.communicate(timeout=60)
    assert proc.returncode == 0, err
    assert err.count(NOT_COLLECTED) == 1, err
    assert "not connected" not in out + err
