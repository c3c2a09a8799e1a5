"""Scheduled digests in `svodka watch`, with real parts: the fake t.me on 127.0.0.1 (tests/collect_server.py)
serving real posts of tg_ru_news_2024, a real aiosmtpd SMTP server, the real pipeline (USE embedder) and
SQLite. The watch loop runs as the library with a controllable clock, and `svodka watch` as a subprocess.

Shown: a due digest is processed, built, saved and delivered once; a restart does not repeat it; slots
missed while stopped give one digest; a refusing SMTP server is one log line and a recorded error,
collection goes on, and the retry sends the e-mail once without rewriting the files.
"""

from __future__ import annotations

import asyncio
import email
import email.policy
import json
import logging
import os
import signal
import subprocess
import sys
import time
from collections.abc import Awaitable, Callable, Iterator
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from collect_server import FakeChannel, FakeTelegram, World, load_channels
from conftest import open_test_store, shared
from smtp_server import Sink, smtp_server
from svodka.collect import Context, config_from, jobs_for, watch
from svodka.collect.http import Fetcher
from svodka.collect.registry import parse_channel
from svodka.digest.jobs import jobs_from, open_slot
from svodka.digest.model import JobState
from svodka.pipeline.embed import USEEmbedder
from svodka.scheduled import ScheduledDigests
from svodka.settings import Settings, Tables, defaults, load
from svodka.store import Store, open_store

NOON = datetime(2024, 12, 4, 12, tzinfo=UTC)  # the sample's posts end on 2024-12-04 at 09:00 UTC
HIDDEN = 1e9  # publish_at of posts that appear only when a test says so


# --- real parts ----------------------------------------------------------------------------------------
@pytest.fixture
def smtp() -> Iterator[tuple[Sink, int]]:
    with smtp_server() as running:
        yield running


@pytest.fixture(scope="module")
def real_channels() -> list[FakeChannel]:
    return load_channels(shared("tg_ru_news_2024", "posts.jsonl"), max_channels=4, max_posts=12)


@pytest.fixture
def world(real_channels: list[FakeChannel]) -> World:
    w = World()
    for ch in real_channels:
        posts = [replace(p) for p in ch.posts]
        for p in posts[-3:]:  # the newest three appear when a test publishes them
            p.publish_at = HIDDEN
        w.channels[ch.handle] = replace(ch, posts=posts)
    return w


@pytest.fixture
def server(world: World) -> Iterator[FakeTelegram]:
    with FakeTelegram(world) as srv:
        yield srv


@pytest.fixture(scope="module")
def embedder() -> USEEmbedder:
    model = USEEmbedder()  # ~15x faster than e5 here; the pipeline is the same
    model.embed(["загрузка модели"])  # loaded once for the module, not inside a test's deadline
    return model


def publish_rest(world: World) -> int:
    n = 0
    for ch in world.channels.values():
        for p in ch.posts:
            if p.publish_at == HIDDEN:
                p.publish_at, n = 0.0, n + 1
    return n


class Clock:
    """Time that flows at real speed from a settable moment (the loop's timers stay real)."""

    def __init__(self, start: datetime) -> None:
        self.jump(start)

    def jump(self, to: datetime) -> None:
        self.base, self.t0 = to, time.monotonic()

    def __call__(self) -> datetime:
        return self.base + timedelta(seconds=time.monotonic() - self.t0)


def settings_for(
    server: FakeTelegram, port: int, out: Path, period: str = "last", interval: float = 0.3
) -> Settings:
    job = {
        "name": "noon",
        "schedule": "every day at 12:00 UTC",
        "period": period,
        "top": 5,
        "formats": ["md", "json"],
        "out": str(out),
        "email": ["reader@example.org"],
    }
    return defaults(
        digest__language="en",  # the English labels (digest.language = auto: the Russian posts' language)
        telegram__web_base_url=server.url,
        network__timeout=2.0,
        collect__interval=interval,
        collect__max_interval=interval * 2,
        collect__host_rate=0,
        collect__retry_delay=0.05,
        collect__backoff_base=0.3,
        collect__backoff_cap=0.6,
        collect__backfill_posts=1000,
        collect__edit_window_hours=0,
        smtp__host="127.0.0.1",
        smtp__port=port,
        smtp__sender="svodka@example.org",
        digest__jobs=Tables([job]),
    )


def new_store(path: str | Path, world: World) -> Store:
    store = open_store(path)
    for handle in world.channels:
        store.channels.add(parse_channel(handle))
    return store


Script = Callable[[], Awaitable[None]]


def run_watch(
    store: Store, settings: Settings, clock: Clock, digests: ScheduledDigests, script: Script
) -> int:
    """`svodka watch` as the library runs it, with ``script`` driving the clock and checking; then stop."""

    async def main() -> int:
        cfg = config_from(settings)
        stop = asyncio.Event()
        async with Fetcher(cfg) as fetcher:
            ctx = Context(store, fetcher, cfg, clock=clock)
            loop = asyncio.create_task(
                watch(ctx, stop, lambda: jobs_for(store, "web"), tick=0.1, followup=digests, catch_up=5.0)
            )
            try:
                await script()
            finally:
                stop.set()
            return await loop

    return asyncio.run(main())


async def until(cond: Callable[[], bool], timeout: float, what: str) -> None:
    deadline = time.monotonic() + timeout
    while not cond():
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for {what}")
        await asyncio.sleep(0.05)


def stored_posts(store: Store) -> int:
    return store.posts.count()


def digests_in(store: Store) -> list[tuple[int, int, int]]:
    """(id, since, until) of every stored digest, in id order; times in Unix seconds."""
    rows = sorted(store.digests.list(limit=1_000_000), key=lambda d: d.id)
    return [(d.id, int(d.since.timestamp()), int(d.until.timestamp())) for d in rows]


# --- the library loop with a controllable clock ----------------------------------------------------------
def test_due_digest_is_delivered_once_and_restarts_neither_repeat_nor_skip(
    tmp_path: Path,
    store_url: str,
    world: World,
    server: FakeTelegram,
    smtp: tuple[Sink, int],
    embedder: USEEmbedder,
) -> None:
    sink, port = smtp
    db, out = store_url, tmp_path / "out"
    # A source is re-read every minute, so only the catch-up round before the digest sees new posts.
    settings = settings_for(server, port, out, interval=60.0)
    (job,) = jobs_from(settings)
    clock = Clock(NOON - timedelta(seconds=20))
    visible = sum(len(ch.visible(0)) for ch in world.channels.values())

    # 1. Collection runs; at 12:00 the digest is due: catch-up, process, build, save, deliver — once.
    store = new_store(db, world)
    digests = ScheduledDigests(store, settings, [job], clock=clock, embedder=embedder)
    assert digests.start()["noon"].next_due == NOON  # a new job waits for its first slot

    async def first() -> None:
        await until(lambda: stored_posts(store) == visible, 30, "the first collection")
        assert not sink.messages and not out.exists()  # not due yet
        publish_rest(world)  # posts that only the catch-up round before the digest can see
        clock.jump(NOON + timedelta(seconds=1))
        await until(lambda: len(sink.messages) == 1, 30, "the e-mail")
        await asyncio.sleep(1.0)  # the loop goes on ticking: nothing is sent twice

    t0 = time.monotonic()
    run_watch(store, settings, clock, digests, first)
    assert len(sink.messages) == 1
    _, rcpts, raw = sink.messages[0]
    msg = email.message_from_bytes(raw, policy=email.policy.default)
    assert rcpts == ["reader@example.org"] and msg["Subject"].startswith("Digest")
    doc = json.loads((out / "noon.json").read_text(encoding="utf-8"))
    assert (out / "noon.md").read_text(encoding="utf-8").startswith("#")
    assert [a.get_filename() for a in msg.iter_attachments()] == ["digest.json"]
    # The first digest of a "last" job covers one schedule step: the day up to the slot.
    assert doc["period"]["since"] == "2024-12-03T12:00:00+00:00"
    assert doc["period"]["until"] == "2024-12-04T12:00:00+00:00"
    assert 1 <= len(doc["items"]) <= 5
    # The catch-up round collected the posts published just before the slot, then processing placed them.
    assert store.posts.count() == sum(len(ch.posts) for ch in world.channels.values())
    assert store.analysis.get_state("watermark") == max(p.id for p in store.posts.iter())
    state = store.digest_jobs.get("noon")
    assert state.pending is None and state.failures == 0 and state.last_error is None
    assert state.next_due == NOON + timedelta(days=1) and state.last_until == NOON
    assert state.last_digest_id == doc["id"] and state.last_run is not None
    store.close()
    print(f"\nfirst digest delivered {time.monotonic() - t0:.1f} s after the loop started")

    # 2. Restart seconds later: the digest is not repeated.
    store = open_store(db)
    clock.jump(NOON + timedelta(seconds=30))
    digests = ScheduledDigests(store, settings, [job], clock=clock, embedder=embedder)

    async def again() -> None:
        await asyncio.sleep(1.5)

    run_watch(store, settings, clock, digests, again)
    assert len(sink.messages) == 1 and len(digests_in(store)) == 1
    store.close()

    # 3. Down for three days: the missed 5th, 6th and 7th noon slots give one digest, since the last one.
    store = open_store(db)
    clock.jump(NOON + timedelta(days=3, seconds=30))
    digests = ScheduledDigests(store, settings, [job], clock=clock, embedder=embedder)

    async def after_outage() -> None:
        await until(lambda: len(sink.messages) == 2, 30, "the catch-up digest")
        await asyncio.sleep(1.0)

    run_watch(store, settings, clock, digests, after_outage)
    assert len(sink.messages) == 2
    rows = digests_in(store)
    assert len(rows) == 2
    assert (rows[1][1], rows[1][2]) == (int(NOON.timestamp()), int((NOON + timedelta(days=3)).timestamp()))
    state = store.digest_jobs.get("noon")
    assert state.next_due == NOON + timedelta(days=4) and state.pending is None
    store.close()


def test_refusing_smtp_is_logged_once_collection_goes_on_and_the_retry_sends_once(
    tmp_path: Path,
    world: World,
    server: FakeTelegram,
    smtp: tuple[Sink, int],
    embedder: USEEmbedder,
    caplog: pytest.LogCaptureFixture,
    monkeypatch: pytest.MonkeyPatch,
    cli_run: Any,
) -> None:
    sink, port = smtp
    sink.refuse = True
    db, out = cli_run.db, tmp_path / "out"  # the backend's store the in-process CLI reads too
    settings = settings_for(server, port, out, period="24h")
    (job,) = jobs_from(settings)
    clock = Clock(NOON + timedelta(seconds=1))
    store = new_store(db, world)
    # The noon slot is due (as after a restart): it runs at once.
    store.digest_jobs.put(JobState("noon", schedule=job.schedule.text, next_due=NOON))
    digests = ScheduledDigests(store, settings, [job], clock=clock, embedder=embedder)
    caplog.set_level(logging.WARNING, logger="svodka.scheduled")
    seen: dict[str, Any] = {}

    async def script() -> None:
        await until(lambda: sink.refused == 1, 30, "the refused e-mail")
        await until(lambda: store.digest_jobs.get("noon").failures == 1, 15, "the recorded failure")
        state = store.digest_jobs.get("noon")
        seen["failed"] = state
        seen["mtime"] = (out / "noon.md").stat().st_mtime_ns
        # Collection goes on while the e-mail waits for its retry.
        before = stored_posts(store)
        assert publish_rest(world) > 0
        await until(lambda: stored_posts(store) > before, 15, "collection after the failure")
        seen["status"] = cli_run("status", db_path=db)  # in-process `svodka status` on the same file
        sink.refuse = False
        await until(lambda: len(sink.messages) == 1, 30, "the retried e-mail")
        await asyncio.sleep(1.0)

    # `svodka status` needs the job in its config: give it the same table through the environment.
    monkeypatch.setenv("SVODKA_DIGEST_JOBS", json.dumps(list(settings["digest.jobs"])))
    run_watch(store, settings, clock, digests, script)

    failed: JobState = seen["failed"]
    assert failed.pending is not None and failed.pending.done == ("files",)  # the files went out
    assert failed.last_error and "SMTP" in failed.last_error and "451" in failed.last_error
    assert failed.pending.retry_at is not None and failed.last_error_at is not None
    assert failed.pending.retry_at > failed.last_error_at
    warnings = [r for r in caplog.records if r.name == "svodka.scheduled"]
    assert len(warnings) == 1 and "\n" not in warnings[0].getMessage() and "451" in warnings[0].getMessage()
    status = seen["status"]
    assert status.exit_code == 0
    assert (
        "digest:noon" in status.output
        and "1 failure(s)" in status.output
        and "not yet: email" in status.output
    )
    assert "last error" in status.output and "451" in status.output
    # Retried once: one e-mail, the same saved digest, the files not written again.
    assert len(sink.messages) == 1 and sink.refused == 1 and len(digests_in(store)) == 1
    assert (out / "noon.md").stat().st_mtime_ns == seen["mtime"]
    sent = email.message_from_bytes(sink.messages[0][2], policy=email.policy.default)
    doc = json.loads(next(iter(sent.iter_attachments())).get_content())
    assert doc["id"] == failed.pending.digest_id
    state = store.digest_jobs.get("noon")
    assert state.pending is None and state.failures == 0 and state.last_run is not None
    assert state.last_error == failed.last_error  # kept for `svodka status`, with its time
    store.close()


# --- `svodka watch` as a subprocess -------------------------------------------------------------------------
def _watch(db: Path, cfg: Path) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [sys.executable, "-m", "svodka", "--db", str(db), "--config", str(cfg), "watch"],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env={**os.environ, "PYTHONUNBUFFERED": "1"},
    )


def _stop(proc: subprocess.Popen[str]) -> tuple[str, str]:
    proc.send_signal(signal.SIGTERM)
    out, err = proc.communicate(timeout=20)
    assert proc.returncode == 0, err
    return out, err


def test_watch_command_delivers_a_missed_digest_once_and_status_shows_it(
    tmp_path: Path, world: World, server: FakeTelegram, smtp: tuple[Sink, int], cli_run: Any
) -> None:
    sink, port = smtp
    db, out, cfg = cli_run.db, tmp_path / "out", tmp_path / "svodka.toml"
    cfg.write_text(
        f"""
[telegram]
web_base_url = "{server.url}"
[network]
timeout = 2.0
[collect]
interval = 0.3
max_interval = 0.6
host_rate = 0
backfill_posts = 1000
edit_window_hours = 0
[pipeline]
embedder = "use"
[smtp]
host = "127.0.0.1"
port = {port}
[digest]
fresh_wait = 5

[[digest.jobs]]
name = "hourly"
schedule = "every 1h"
period = "1000d"
top = 3
formats = ["md", "html"]
out = "{out}"
email = ["a@example.org", "b@example.org"]
""",
        encoding="utf-8",
    )
    settings = load(cfg, environ={})
    (job,) = jobs_from(settings)
    store = new_store(db, world)
    # svodka was down when the last hourly slot passed: it is owed once.
    slot = job.schedule.previous_run(datetime.now(UTC))
    store.digest_jobs.put(JobState("hourly", schedule=job.schedule.text, next_due=slot))
    store.close()

    proc = _watch(db, cfg)
    deadline = time.monotonic() + 60
    while len(sink.messages) < 1 and time.monotonic() < deadline and proc.poll() is None:
        time.sleep(0.1)
    time.sleep(0.5)
    stdout, stderr = _stop(proc)
    assert len(sink.messages) == 1, stderr
    assert sink.messages[0][1] == ["a@example.org", "b@example.org"]
    assert "watching 4 source(s) and 1 digest(s)" in stderr
    lines = [x for x in stdout.splitlines() if x.startswith("digest hourly")]
    assert len(lines) == 1 and "delivered: files, email" in lines[0] and "3 stories" in lines[0]
    assert sorted(p.name for p in out.iterdir()) == ["hourly.html", "hourly.md"]

    # Restarted within the hour: collection resumes, the digest is not sent again.
    proc = _watch(db, cfg)
    time.sleep(3.0)
    stdout, _ = _stop(proc)
    assert len(sink.messages) == 1 and not [x for x in stdout.splitlines() if x.startswith("digest")]

    status = cli_run("--config", str(cfg), "status", db_path=db)
    assert status.exit_code == 0
    row = next(x for x in status.output.splitlines() if x.startswith("digest:hourly"))
    assert row.split()[-1] == "ok" and row.split()[-2] == "1"  # delivered digest #1
    nxt = [(slot + timedelta(hours=h)).strftime("%Y-%m-%d %H:%M:%S") for h in (1, 2)]  # 2: an hour turned
    assert nxt[0] in row or nxt[1] in row
    js = json.loads(cli_run("--config", str(cfg), "status", "--json", db_path=db).output)
    rows = {r["source"]: r for r in js}
    assert rows["digest:hourly"]["last_digest_id"] == 1 and rows["digest:hourly"]["pending"] is None
    assert all(rows[f"web:{h}"]["posts_collected"] > 0 for h in world.channels)


# --- a crash between saving and recording ---------------------------------------------------------------
def test_a_digest_saved_just_before_a_crash_is_delivered_not_built_again(
    backend: str, tmp_path: Path, real_channels: list[FakeChannel], embedder: USEEmbedder
) -> None:
    """kill -9 between saving the digest and recording it: the restart finds it and delivers that one."""
    from svodka.digest.compose import build_digest, save_digest
    from svodka.model import ChannelRef, Post
    from svodka.process import process
    from svodka.scheduled import digest_options

    store = open_test_store(backend, tmp_path, "c")
    store.posts.save(
        Post(channel=ChannelRef(handle=c.handle), message_id=p.message_id, date=p.date, text=p.text)
        for c in real_channels
        for p in c.posts
    )
    settings = defaults(
        digest__jobs=Tables(
            [{"name": "d", "schedule": "every day at 12:00", "out": str(tmp_path / "o"), "formats": ["json"]}]
        )
    )
    process(store, settings, embedder=embedder)
    (job,) = jobs_from(settings)
    store.digest_jobs.put(JobState("d", schedule=job.schedule.text, next_due=NOON - timedelta(days=1)))
    runner = ScheduledDigests(
        store, settings, [job], clock=lambda: NOON - timedelta(days=1), embedder=embedder
    )
    (first,) = runner.run_due(NOON - timedelta(days=1, seconds=-5))
    assert first.error is None and first.digest_id == 1
    # The noon slot is opened and its digest saved; then the process dies before recording it.
    state, _ = open_slot(job, store.digest_jobs.get("d"), NOON + timedelta(seconds=5))
    store.digest_jobs.put(state)
    assert state.pending is not None and state.pending.digest_id is None
    saved = save_digest(
        store,
        build_digest(store, job.query(state.pending.since, state.pending.until), digest_options(settings)),
    )
    store.close()

    store = open_test_store(backend, tmp_path, "c")
    runner = ScheduledDigests(
        store, settings, [job], clock=lambda: NOON + timedelta(seconds=9), embedder=embedder
    )
    assert runner.due_at() == state.pending.started  # the pending slot is owed at once
    (report,) = runner.run_due(NOON + timedelta(seconds=9))
    assert report.error is None and report.digest_id == saved.id == 2
    assert [r.id for r in store.digests.list()] == [2, 1]  # not built and saved a second time
    doc = json.loads((tmp_path / "o" / "d.json").read_text(encoding="utf-8"))
    assert doc["id"] == 2 and doc["previous_id"] == 1  # the saved one, compared with the one before
    after = store.digest_jobs.get("d")
    assert after.pending is None and after.last_digest_id == 2 and after.last_until == NOON
    assert after.next_due == NOON + timedelta(days=1)
    store.close()
