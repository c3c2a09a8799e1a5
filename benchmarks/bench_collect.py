"""Collection benchmark: t.me/s pages parsed per second, and one watch cycle over 1,000 channels × 20
posts against the local fake t.me (tests/collect_server.py) running in a separate process.

    .venv/bin/python benchmarks/bench_collect.py [--data ../shared/data] [--channels 1000] [--posts 20]

Rows:
* parsing: the real saved page (tme_s_html_sample, 20 posts, pretty-printed, 160 KB) and a generated page
  of 20 real tg_ru_news_2024 posts in the same markup — pages/s and posts/s;
* one cycle of `svodka watch` work (run_cycle, the same code path as the daemon) over N channels: the
  first cycle stores every post, the second finds nothing new (steady state) — time, requests,
  posts/s; peak memory is ru_maxrss of this process (the server runs in its own process).
The per-host rate limit is off here (collect.host_rate = 0): against real t.me the default 2 requests/s
makes a 1,000-channel cycle take ~500 s by design.
"""

from __future__ import annotations

import argparse
import asyncio
import multiprocessing as mp
import resource
import sys
import tempfile
import time
from dataclasses import replace
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "src"))
sys.path.insert(0, str(ROOT / "tests"))

from collect_server import FakeChannel, FakeTelegram, World, load_channels, render_page  # noqa: E402
from svodka.collect import CollectConfig, Context, job_for, run_cycle  # noqa: E402
from svodka.collect.http import Fetcher  # noqa: E402
from svodka.model import ChannelRef  # noqa: E402
from svodka.sources.telegram_web import parse_page  # noqa: E402
from svodka.store import open_store  # noqa: E402


def channels_for(data: Path, n: int, per: int) -> list[FakeChannel]:
    """N channels of ``per`` real posts each: the corpus's posts dealt out in order."""
    pool = [p for ch in load_channels(data / "tg_ru_news_2024" / "posts.jsonl") for p in ch.posts]
    out = []
    for i in range(n):
        chunk = [replace(p) for p in pool[(i * per) % len(pool) : (i * per) % len(pool) + per]]
        out.append(FakeChannel(f"bench{i:05d}", f"Канал {i}", 2_000_000_000 + i, 1000 + i, chunk))
    return out


def bench_parse(data: Path) -> None:
    sample = next((data / "tme_s_html_sample").glob("*.html"), None)
    pages: list[tuple[str, str, str]] = []
    if sample is not None:
        pages.append(
            ("real sample page (xCareers, 2020 markup)", sample.read_text(encoding="utf-8"), "xCareers")
        )
    ch = channels_for(data, 1, 20)[0]
    pages.append(("generated page, 20 tg_ru_news_2024 posts", render_page(ch, ch.posts, 1), ch.handle))
    for name, html, handle in pages:
        n, posts = 0, 0
        start = time.perf_counter()
        while time.perf_counter() - start < 3.0:
            posts += len(parse_page(html, handle).posts)
            n += 1
        secs = time.perf_counter() - start
        rate = f"{n / secs:,.0f} pages/s ({posts / secs:,.0f} posts/s)"
        print(f"| parse: {name}, {len(html) // 1024} KB | {rate} |")


def serve(channels: list[FakeChannel], conn: object) -> None:
    world = World()
    for c in channels:
        world.channels[c.handle] = c
    with FakeTelegram(world) as srv:
        conn.send(srv.url)  # type: ignore[attr-defined]
        conn.recv()  # type: ignore[attr-defined]  # until told to stop


def bench_cycle(data: Path, n: int, per: int, concurrency: int) -> None:
    channels = channels_for(data, n, per)
    parent, child = mp.Pipe()
    proc = mp.Process(target=serve, args=(channels, child), daemon=True)
    proc.start()
    url = parent.recv()
    try:
        with tempfile.TemporaryDirectory() as tmp:
            store = open_store(Path(tmp) / "bench.db")
            cfg = CollectConfig(
                web_base_url=url,
                host_rate=0,
                concurrency=concurrency,
                backfill_posts=per,
                edit_window_hours=0,
                timeout=30,
            )
            jobs = [job_for(store.channels.add(ChannelRef(handle=c.handle)), "web") for c in channels]

            async def cycle() -> tuple[int, int, int]:
                async with Fetcher(cfg) as f:
                    outs = await run_cycle(jobs, Context(store, f, cfg))
                    return sum(o.new for o in outs), sum(1 for o in outs if o.error), f.requests

            for label in ("first cycle (all new)", "second cycle (nothing new)"):
                start = time.perf_counter()
                new, errors, requests = asyncio.run(cycle())
                secs = time.perf_counter() - start
                print(
                    f"| watch cycle, {n:,} channels × {per} posts, {label}, concurrency {concurrency} | "
                    f"{secs:.1f} s, {requests:,} requests, {new:,} new posts ({new / secs:,.0f} posts/s, "
                    f"{n / secs:,.0f} channels/s), {errors} errors |"
                )
            assert store.posts.count() == n * per, store.posts.count()
            store.close()
    finally:
        parent.send("stop")
        proc.join(timeout=10)
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"| peak memory of the collector process (ru_maxrss, server excluded) | {peak:.0f} MiB |")


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--data", type=Path, default=ROOT.parent / "shared" / "data")
    ap.add_argument("--channels", type=int, default=1000)
    ap.add_argument("--posts", type=int, default=20)
    ap.add_argument("--concurrency", type=int, default=16)
    args = ap.parse_args()
    print("| what | figure |\n| --- | --- |")
    bench_parse(args.data)
    bench_cycle(args.data, args.channels, args.posts, args.concurrency)


if __name__ == "__main__":
    main()
