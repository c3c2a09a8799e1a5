"""`svodka watch` as a real subprocess against the local fake t.me: kill -9 at random points and restart
(nothing acknowledged is lost, nothing is stored twice), SIGTERM stops it cleanly; `svodka status`."""

from __future__ import annotations

import random
import re
import signal
import time
from collections import Counter
from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path

import pytest

from collect_server import FakeTelegram, FaultPlan, World, load_channels
from conftest import shared
from processes import Processes, run_svodka
from svodka.errors import StoreError
from svodka.store import open_store

POINTS = 12  # kill -9 points; every fourth may land while Python starts
ACK = re.compile(r"^web:(\w+): (\d+) new, \d+ edited, \d+ deleted.*stored through #(\d+)$")


@pytest.fixture
def world() -> World:
    w = World()
    channels = load_channels(shared("tg_ru_news_2024", "posts.jsonl"), max_channels=20, max_posts=100)
    rng = random.Random(5)
    for ch in channels:
        # The newest 60 posts of each channel appear while the daemon runs (over ~12 s).
        posts = [
            replace(p, publish_at=rng.uniform(0, 12) if i >= 40 else 0.0) for i, p in enumerate(ch.posts)
        ]
        posts.sort(key=lambda p: p.message_id)
        for i in range(41, len(posts)):  # ids grow with publication time, as on Telegram
            posts[i].publish_at = max(posts[i].publish_at, posts[i - 1].publish_at)
        w.channels[ch.handle] = replace(ch, posts=posts)
    w.latency = 0.01  # slow enough that a run spans several transactions
    return w


@pytest.fixture
def server(world: World) -> Iterator[FakeTelegram]:
    with FakeTelegram(world) as srv:
        yield srv


def _config(tmp_path: Path, url: str) -> Path:
    cfg = tmp_path / "svodka.toml"
    cfg.write_text(
        f"""
[telegram]
web_base_url = "{url}"
[network]
timeout = 1.0
[collect]
interval = 0.3
max_interval = 1.0
jitter = 0.2
concurrency = 4
host_rate = 0
retry_delay = 0.05
backoff_base = 0.1
backoff_cap = 0.5
backfill_posts = 100000
edit_window_hours = 0
# a killed daemon's claims on its sources expire after this (the next run waits at most that long)
claim_ttl = 2.0
""",
        encoding="utf-8",
    )
    return cfg


@pytest.fixture
def procs(tmp_path: Path) -> Iterator[Processes]:
    with Processes(tmp_path) as running:
        yield running


def _stored(db: str) -> dict[str, list[int]]:
    """Message ids per channel handle, read as another process reads (read-only, never migrating)."""
    try:
        with open_store(db, readonly=True) as store:
            handles = {c.id: c.handle for c in store.channels.list()}
            rows = [(handles[p.channel_id], p.message_id) for p in store.posts.iter()]
    except StoreError:  # not created yet, or killed before the first migration finished
        return {}
    out: dict[str, list[int]] = {}
    for handle, mid in rows:
        out.setdefault(handle or "", []).append(mid)
    return out


@pytest.mark.slow
def test_kill_9_at_12_random_points_loses_and_doubles_nothing(
    tmp_path: Path, store_url: str, world: World, server: FakeTelegram, procs: Processes
) -> None:
    """12 kills (was 20): 3 that may land while it starts, 9 while it works, spread over the ~12 s of
    publishing and past it; every point checks the same invariants, and each kill costs a start-up (1-3 s)."""
    db, cfg = store_url, _config(tmp_path, server.url)
    run_svodka(db, cfg, "channels", "add", *world.channels)
    world.set_faults(FaultPlan(rate=0.1, kinds=("503", "reset", "truncated"), seed=3))
    rng = random.Random(20)
    acked_new: Counter[str] = Counter()
    acked_ids: list[tuple[str, int]] = []
    kills = 0
    for i in range(POINTS):
        proc = procs.start(db, cfg, "watch")
        if i % 4 == 0:  # a kill that may land while Python starts or the daemon opens its store
            time.sleep(rng.uniform(0.05, 1.0))
        else:  # a kill while it works: counted from "watching" (start-up takes 1-3 s on a loaded machine)
            procs.wait_output(proc, "watching", 60)
            time.sleep(rng.uniform(0.1, 1.2))
        procs.kill(proc)
        assert proc.returncode == -signal.SIGKILL
        kills += 1
        for line in procs.output(proc, "out").splitlines():
            m = ACK.match(line)
            if m:
                acked_new[m.group(1)] += int(m.group(2))
                acked_ids.append((m.group(1), int(m.group(3))))
        now = _stored(db)
        # everything acknowledged before the kill is in the database
        for handle, n in acked_new.items():
            assert len(now.get(handle, [])) >= n, handle
        for handle, mid in acked_ids:
            assert mid in now.get(handle, []), (handle, mid)
    # let the published posts all appear, then one last run to completion
    time.sleep(max(0.0, 12.5 - world.elapsed()))
    expected = {h: sorted(p.message_id for p in ch.posts) for h, ch in world.channels.items()}
    proc = procs.start(db, cfg, "watch")
    procs.wait_output(proc, "watching", 60)  # signal handlers are set
    deadline = time.monotonic() + 40
    while time.monotonic() < deadline:
        got = _stored(db)
        if all(sorted(got.get(h, [])) == ids for h, ids in expected.items()):
            break
        time.sleep(0.3)
    procs.stop([proc], 15)
    assert "stopped after" in procs.output(proc)
    got = _stored(db)
    lost = sum(len(set(ids) - set(got.get(h, []))) for h, ids in expected.items())
    doubled = sum(n - 1 for n in Counter((h, m) for h, ids in got.items() for m in ids).values() if n > 1)
    print(
        f"\nkill -9 x{kills}: {sum(map(len, expected.values()))} posts published, {lost} lost, "
        f"{doubled} doubled, "
        f"{sum(acked_new.values())} acknowledged before kills"
    )
    assert lost == 0 and doubled == 0
    assert sum(acked_new.values()) > 0  # the daemon really worked between kills


def test_sigterm_stops_watch_cleanly_and_status_reports(
    tmp_path: Path, store_url: str, world: World, server: FakeTelegram, cli_run, procs: Processes
) -> None:  # type: ignore[no-untyped-def]
    db, cfg = store_url, _config(tmp_path, server.url)
    handles = list(world.channels)[:3]
    run_svodka(db, cfg, "channels", "add", *handles, "@gone_channel")
    proc = procs.start(db, cfg, "watch")
    procs.wait_output(proc, "watching", 60)
    deadline = time.monotonic() + 20
    while time.monotonic() < deadline and len(_stored(db)) < 3:
        time.sleep(0.2)
    procs.stop([proc], 15)
    assert "stopped after" in procs.output(proc)
    result = cli_run("--config", str(cfg), "status", db_path=db)
    assert result.exit_code == 0
    for h in handles:
        assert f"web:{h}" in result.output
    assert "web:gone_channel" in result.output and "not found" in result.output and "MTProto" in result.output
    js = cli_run("--config", str(cfg), "status", "--json", db_path=db)
    import json

    rows = {r["source"]: r for r in json.loads(js.output)}
    assert rows[f"web:{handles[0]}"]["posts_collected"] > 0 and rows[f"web:{handles[0]}"]["last_success"]
    assert rows["web:gone_channel"]["failures"] >= 1 and rows["web:gone_channel"]["next_attempt"]


def test_collect_command_runs_one_cycle(tmp_path: Path, world: World, server: FakeTelegram, cli_run) -> None:  # type: ignore[no-untyped-def]
    cfg = _config(tmp_path, server.url)
    handles = list(world.channels)[:2]
    result = cli_run("--config", str(cfg), "collect", *(f"t.me/s/{h}" for h in handles), "--backfill", "30")
    assert result.exit_code == 0, result.output
    lines = result.output.strip().splitlines()
    assert len(lines) == 2 and all(
        re.search(r": 40 new, 0 edited, 0 deleted; stored through #\d+", x) for x in lines
    )
    again = cli_run("--config", str(cfg), "collect", "--json")
    import json

    rows = json.loads(again.output)
    assert {r["key"] for r in rows} == {f"web:{h}" for h in handles} and all(r["new"] == 0 for r in rows)
    world.channels[handles[0]].exists = False
    world.channels[handles[1]].exists = False
    from svodka.errors import SvodkaError

    with pytest.raises(SvodkaError, match="all 2 source"):  # main() turns it into one line and exit 1
        cli_run("--config", str(cfg), "collect")
