"""The collector against hostile answers from a real local server (issue 13): redirect loops and other
httpx failures, an endless page, a Retry-After of 2099, a page whose texts lost their markup. Each one
is a source's error — one line, shown by `svodka status`, through backoff, breaker and host rate — and
nothing stored is lost."""

from __future__ import annotations

import asyncio
import json
import os
import signal
import subprocess
import sys
import time
from collections.abc import Iterator, Sequence
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from collect_server import FakeChannel, FakeTelegram, FaultPlan, World, load_channels, normalize
from conftest import new_store_url, open_test_store, shared
from svodka.collect import CollectConfig, Context, Outcome, job_for, run_cycle
from svodka.collect.http import MAX_REDIRECTS, Fetcher
from svodka.model import ChannelRef
from svodka.store import Store


@pytest.fixture(scope="module")
def real_channels() -> list[FakeChannel]:
    return load_channels(shared("tg_ru_news_2024", "posts.jsonl"), max_channels=2, max_posts=40)


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
        timeout=2.0,
        retries=2,
        retry_delay=0.01,
        backoff_base=10,
        backoff_cap=40,
        jitter=0,
        breaker_threshold=3,
        breaker_cooldown=1000,
        backfill_posts=10_000,
        max_inline_wait=1,
    )
    return replace(base, **kw)  # type: ignore[arg-type]


def cycle(store: Store, cfg: CollectConfig, handles: Sequence[str]) -> list[Outcome]:
    jobs = [job_for(store.channels.add(ChannelRef(handle=h)), "web") for h in handles]

    async def main() -> list[Outcome]:
        async with Fetcher(cfg) as fetcher:
            return await run_cycle(jobs, Context(store, fetcher, cfg))

    return asyncio.run(main())


def _toml(tmp_path: Path, url: str, collect: str) -> Path:
    cfg = tmp_path / "svodka.toml"
    cfg.write_text(
        f'[telegram]\nweb_base_url = "{url}"\n[network]\ntimeout = 2.0\n[collect]\n{collect}\n',
        encoding="utf-8",
    )
    return cfg


def _svodka(db: str, cfg: Path, *args: str, timeout: float = 60) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "svodka", "--db", str(db), "--config", str(cfg), *args],
        capture_output=True,
        text=True,
        timeout=timeout,
    )


# --- 2. redirect loops and every other network failure ------------------------------------------------
def test_redirect_loop_is_one_line_and_shown_in_status(
    tmp_path: Path, store_url: str, world: World, server: FakeTelegram
) -> None:
    world.set_faults(FaultPlan(rate=1.0, kinds=("redirect_loop",), only_paths="/s/loopy"))
    db, cfg = store_url, _toml(tmp_path, server.url, "host_rate = 0\nretries = 2")
    run = _svodka(db, cfg, "collect", "@loopy")
    assert run.returncode != 0 and "Traceback" not in run.stderr, run.stderr
    [line] = run.stdout.splitlines()
    assert line.startswith("web:loopy: error:") and "redirect loop" in line
    assert world.stats["path:/s/loopy"] == MAX_REDIRECTS + 1  # one collection, no quick retries
    status = _svodka(db, cfg, "status")
    assert status.returncode == 0 and "web:loopy" in status.stdout and "redirect loop" in status.stdout
    rows = {r["source"]: r for r in json.loads(_svodka(db, cfg, "status", "--json").stdout)}
    assert rows["web:loopy"]["failures"] == 1 and rows["web:loopy"]["wait"] == "backoff"


def test_watch_on_a_looping_host_keeps_the_host_rate_and_backs_off(
    tmp_path: Path, store_url: str, world: World, server: FakeTelegram
) -> None:
    world.set_faults(FaultPlan(rate=1.0, kinds=("redirect_loop",)))
    collect = (
        "interval = 0.2\nhost_rate = 2\nretries = 2\nretry_delay = 0.05\njitter = 0\n"
        "backoff_base = 1\nbackoff_cap = 2\nbreaker_threshold = 3\nbreaker_cooldown = 600"
    )
    db, cfg = store_url, _toml(tmp_path, server.url, collect)
    assert _svodka(db, cfg, "channels", "add", "@loopy").returncode == 0
    proc = subprocess.Popen(
        [sys.executable, "-m", "svodka", "--db", str(db), "--config", str(cfg), "watch"],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env={**os.environ, "PYTHONUNBUFFERED": "1"},
    )
    try:
        assert proc.stderr is not None and "watching" in proc.stderr.readline()
        started = time.monotonic()
        time.sleep(8)
        requests, elapsed = world.stats["path:/s/loopy"], time.monotonic() - started
        proc.send_signal(signal.SIGTERM)
        out, err = proc.communicate(timeout=20)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.communicate(timeout=10)
    print(f"\nwatch on a redirect loop: {requests} requests in {elapsed:.1f} s at host_rate 2")
    assert proc.returncode == 0 and "Traceback" not in err, err
    # host_rate = 2 holds for every hop (before: 1,596 requests in 40 s), and backoff spaces the runs
    assert 0 < requests <= 2 * elapsed + 2
    errors = [x for x in out.splitlines() if x.startswith("web:loopy: error:")]
    assert 1 <= len(errors) <= 3 and all("redirect loop" in x for x in errors)
    rows = {r["source"]: r for r in json.loads(_svodka(db, cfg, "status", "--json").stdout)}
    assert rows["web:loopy"]["failures"] == len(errors) and "redirect loop" in rows["web:loopy"]["last_error"]


def test_redirect_loop_opens_the_breaker(store: Store, world: World, server: FakeTelegram) -> None:
    world.set_faults(FaultPlan(rate=1.0, kinds=("redirect_loop",)))
    cfg = config(server)
    delays = []
    for _ in range(3):
        [out] = cycle(store, cfg, ["loopy"])
        assert out.error and "redirect loop" in out.error
        s = store.state.get("web:loopy")
        assert s.next_attempt is not None and s.last_error_at is not None
        delays.append(round((s.next_attempt - s.last_error_at).total_seconds()))
    assert delays == [10, 20, 1000] and store.state.get("web:loopy").extra["wait"] == "breaker"
    assert world.stats["path:/s/loopy"] == 3 * (MAX_REDIRECTS + 1)


@pytest.mark.parametrize(
    ("kind", "says"),
    [("bad_redirect", "cannot be fetched"), ("bad_gzip", "DecodingError"), ("reset", "connection failed")],
)
def test_every_httpx_failure_is_the_sources_error(
    store: Store, world: World, server: FakeTelegram, kind: str, says: str
) -> None:
    handle = next(iter(world.channels))
    world.set_faults(FaultPlan(rate=1.0, kinds=(kind,)))
    [out] = cycle(store, config(server, retries=0), [handle])
    assert out.error and says in out.error and "\n" not in out.error
    s = store.state.get(f"web:{handle}")
    assert s.failures == 1 and s.last_error == out.error and s.next_attempt is not None
    assert store.posts.count() == 0


def test_feeds_with_unfetchable_urls_are_their_own_errors(
    store: Store, world: World, server: FakeTelegram
) -> None:
    """A stored feed URL that httpx or the socket refuses (a port over 65535, a broken IPv6 host, no
    host) is that feed's error; the good feed beside it is collected in the same cycle."""
    from svodka.model import PLATFORM_RSS

    world.feeds["news"] = next(iter(world.channels.values())).posts[:5]
    bad = ["http://127.0.0.1:99999/feed.xml", "http://[::1/feed.xml", "http:///feed.xml"]
    urls = [*bad, f"{server.url}/feeds/news.xml"]
    jobs = [job_for(store.channels.add(ChannelRef(PLATFORM_RSS, handle=u)), "web") for u in urls]

    async def main() -> list[Outcome]:
        async with Fetcher(config(server)) as fetcher:
            return await run_cycle(jobs, Context(store, fetcher, config(server)))

    *failed, good = asyncio.run(main())
    assert all(o.error and "fetch" in o.error for o in failed), failed
    assert good.error is None and good.new == 5
    for o in failed:
        s = store.state.get(o.key)
        assert s.failures == 1 and s.next_attempt is not None and s.extra["wait"] == "backoff"


def test_host_rate_counts_every_redirect_hop(world: World, server: FakeTelegram) -> None:
    world.set_faults(FaultPlan(rate=1.0, kinds=("redirect_loop",)))

    async def main() -> float:
        async with Fetcher(config(server, host_rate=10.0)) as fetcher:
            start = time.monotonic()
            with pytest.raises(Exception, match="redirect loop"):
                await fetcher.get(f"{server.url}/s/loopy")
            return time.monotonic() - start

    # 6 requests at 10/s: the last one waits ~0.5 s (httpx's own redirects went out at once)
    assert asyncio.run(main()) >= 0.45


# --- 10. a page without end ---------------------------------------------------------------------------
def test_endless_page_is_cut_at_max_page_bytes(store: Store, world: World, server: FakeTelegram) -> None:
    handle = next(iter(world.channels))
    world.set_faults(FaultPlan(rate=1.0, kinds=("endless",), endless_bytes=64 * 1024 * 1024))
    [out] = cycle(store, config(server, max_page_bytes=1_000_000), [handle])
    assert out.error and "larger than collect.max_page_bytes (1,000,000 bytes)" in out.error
    assert "ends early" not in out.error
    assert world.stats["requests"] == 1  # not fetched again by the quick retries
    time.sleep(0.2)  # the server notices the hang-up
    # the client stopped reading at the limit: what the server got out is the limit plus socket buffers
    assert world.stats["endless_bytes"] < 16 * 1024 * 1024
    assert store.state.get(f"web:{handle}").failures == 1


def test_declared_size_over_the_limit_is_not_read(store: Store, world: World, server: FakeTelegram) -> None:
    handle = next(iter(world.channels))
    [out] = cycle(store, config(server, max_page_bytes=2_000), [handle])  # a real page is ~40 KB
    assert out.error and "max_page_bytes" in out.error
    [ok] = cycle(store, config(server), [handle])  # the default limit lets it through
    assert ok.error is None and ok.new > 0


def _peak_rss_mb(db: str, cfg: Path, *args: str) -> tuple[float, subprocess.CompletedProcess[str]]:
    """Run the CLI in a child that reports its own peak RSS."""
    code = (
        "import resource, runpy, sys\n"
        "sys.argv = ['svodka'] + sys.argv[1:]\n"
        "try:\n    runpy.run_module('svodka', run_name='__main__')\n"
        "finally:\n"
        "    print('maxrss_kb', resource.getrusage(resource.RUSAGE_SELF).ru_maxrss, file=sys.stderr)\n"
    )
    run = subprocess.run(
        [sys.executable, "-c", code, "--db", str(db), "--config", str(cfg), *args],
        capture_output=True,
        text=True,
        timeout=120,
    )
    return int(run.stderr.split("maxrss_kb")[-1].split()[0]) / 1024, run


def test_endless_page_keeps_memory_bounded(
    backend: str, tmp_path: Path, world: World, server: FakeTelegram
) -> None:
    """`svodka collect` of a 160 MB page (before: ~690 MB RSS for 128 MB) stays near the RSS of an
    ordinary collection."""
    handle = next(iter(world.channels))
    cfg = _toml(tmp_path, server.url, "host_rate = 0\nmax_page_bytes = 4194304")
    idle, ok = _peak_rss_mb(new_store_url(backend, tmp_path, "idle"), cfg, "collect", f"@{handle}")
    assert ok.returncode == 0 and " new" in ok.stdout, ok.stderr
    world.set_faults(FaultPlan(rate=1.0, kinds=("endless",), endless_bytes=160 * 1024 * 1024))
    rss, run = _peak_rss_mb(new_store_url(backend, tmp_path, "big"), cfg, "collect", "@endless")
    assert "max_page_bytes" in run.stdout and "Traceback" not in run.stderr, run.stderr
    print(f"\nendless page, max_page_bytes 4 MiB: peak RSS {rss:.0f} MB (an ordinary collect: {idle:.0f} MB)")
    assert rss < idle + 100  # reading it whole: > idle + 400


# --- 6. Retry-After without bound ---------------------------------------------------------------------
def test_retry_after_of_2099_is_capped_and_shown(
    tmp_path: Path, store_url: str, world: World, server: FakeTelegram
) -> None:
    world.set_faults(FaultPlan(rate=1.0, kinds=("429",), retry_after_header="Wed, 21 Oct 2099 07:28:00 GMT"))
    handle = next(iter(world.channels))
    db, cfg = store_url, _toml(tmp_path, server.url, "host_rate = 0\nretry_after_cap = 7200")
    run = _svodka(db, cfg, "collect", f"@{handle}")
    assert "429" in run.stdout and "capped at collect.retry_after_cap = 7200 s" in run.stdout
    rows = {r["source"]: r for r in json.loads(_svodka(db, cfg, "status", "--json").stdout)}
    row = rows[f"web:{handle}"]
    error_at = datetime.fromisoformat(row["last_error_at"])
    wait = datetime.fromisoformat(row["next_attempt"]) - error_at
    assert timedelta(seconds=7200) <= wait <= timedelta(seconds=7201)  # not 2099
    assert row["retry_after_cap_s"] == 7200 and row["asked_wait_s"] > 70 * 365 * 86400
    status = _svodka(db, cfg, "status").stdout
    assert "rate limited" in status and "cut to collect.retry_after_cap 7200 s" in status
    assert "at most 7200 s: collect.retry_after_cap" in status and "--now" in status

    skipped = _svodka(db, cfg, "collect", f"@{handle}")  # still asked to wait: skipped, no request
    assert "skipped (rate limited until" in skipped.stdout
    world.set_faults(FaultPlan(rate=0))
    now = _svodka(db, cfg, "collect", "--now", f"@{handle}")
    assert now.returncode == 0 and "lifted (--now)" in now.stderr
    assert now.stdout.startswith(f"web:{handle}: 40 new")
    row = {r["source"]: r for r in json.loads(_svodka(db, cfg, "status", "--json").stdout)}[f"web:{handle}"]
    assert row["failures"] == 0 and row["wait"] is None


def test_retry_after_cap_in_policy_also_holds_for_huge_numbers() -> None:
    import random

    from svodka.collect import policy
    from svodka.errors import RateLimited
    from svodka.model import SourceState

    cfg = CollectConfig(retry_after_cap=3600, jitter=0)
    now = datetime(2024, 12, 1, tzinfo=UTC)
    for asked in (5000.0, 1e20):  # 1e20 s overflowed timedelta before
        s = policy.on_failure(SourceState("k"), RateLimited("429", asked), now, cfg, random.Random(1))
        assert s.next_attempt == now + timedelta(seconds=3600) and s.extra["asked_wait"] > 3600
    short = policy.on_failure(SourceState("k"), RateLimited("429", 120), now, cfg, random.Random(1))
    assert short.next_attempt == now + timedelta(seconds=120) and "asked_wait" not in short.extra
    assert policy.waiting(short, now) and not policy.waiting(policy.clear_wait(short), now)
    cleared = policy.clear_wait(short)
    assert policy.due(cleared, now) and cleared.failures == 1 and cleared.last_error == "429"


# --- 5. a markup change -------------------------------------------------------------------------------
def test_renamed_text_element_is_a_markup_error_not_edits(
    store: Store, world: World, server: FakeTelegram
) -> None:
    handle = next(iter(world.channels))
    cfg = config(server, retries=0, edit_window_hours=24 * 365 * 10)
    [first] = cycle(store, cfg, [handle])
    assert first.error is None and first.new == 40
    before = {p.message_id: (p.text, p.versions) for p in store.posts.iter()}
    world.set_faults(FaultPlan(rate=1.0, kinds=("text_markup",)))
    [out] = cycle(store, cfg, [handle])
    assert out.error and "markup changed" in out.error and (out.new, out.edited, out.deleted) == (0, 0, 0)
    assert {p.message_id: (p.text, p.versions) for p in store.posts.iter()} == before  # nothing blanked
    world.set_faults(FaultPlan(rate=0))
    [back] = cycle(store, cfg, [handle])  # the markup comes back: no edits either
    assert back.error is None and (back.new, back.edited, back.deleted) == (0, 0, 0)
    ch = world.channels[handle]
    assert {mid: text for mid, (text, _) in before.items()} == {
        p.message_id: normalize(p.text) for p in ch.posts
    }


def test_health_page_clears_a_wait(backend: str, tmp_path: Path) -> None:
    from svodka.model import SourceState
    from svodka.web.app import create_app
    from svodka.web.auth import hash_password
    from svodka.web.server import running
    from test_web_support import login

    store = open_test_store(backend, tmp_path, "web")
    store.users.add("boss", hash_password("admin-pass-1"), "admin")
    store.users.add("ana", hash_password("analyst-pass-1"), "analyst")
    now = datetime.now(UTC)
    parked = SourceState(
        key="web:parked",
        last_error="t.me asked us to slow down (429)",
        last_error_at=now,
        failures=1,
        next_attempt=now + timedelta(hours=6),
        extra={"wait": "rate_limited", "asked_wait": 2.3e9},
    )
    store.state.put(parked)
    store.state.put(SourceState(key="web:fine", last_success=now, next_attempt=now + timedelta(minutes=5)))
    with running(create_app(store)) as base:
        analyst = login(base, "ana", "analyst-pass-1")
        assert "Clear wait" not in analyst.get("/health").text  # an admin's button
        r = analyst.post("/health/clear", data={"source": "web:parked", "csrf_token": analyst.csrf})  # type: ignore[attr-defined]
        assert r.status_code == 403
        admin = login(base, "boss", "admin-pass-1")
        page = admin.get("/health").text
        assert page.count("Clear wait") == 1 and 'value="web:parked"' in page
        r = admin.post("/health/clear", data={"source": "web:parked", "csrf_token": admin.csrf})  # type: ignore[attr-defined]
        assert r.status_code == 303 and r.headers["location"] == "/health"
        missing = admin.post("/health/clear", data={"source": "web:nosuch", "csrf_token": admin.csrf})  # type: ignore[attr-defined]
        assert missing.status_code == 404
    cleared = store.state.get("web:parked")
    assert cleared.next_attempt is None and "wait" not in cleared.extra and "asked_wait" not in cleared.extra
    assert cleared.failures == 1 and cleared.last_error == parked.last_error  # its history is kept
    assert store.state.get("web:fine").next_attempt is not None
    store.close()
