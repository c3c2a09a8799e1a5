"""Several `svodka process` workers on one store: the pipeline over N real posts with 1 worker vs 2.

    PYTHONPATH=src .venv/bin/python benchmarks/bench_workers.py [--posts 2000] [--embedder use|e5]
        [--threads 1] [--db postgresql://…]

The first ``--posts`` posts of tg_ru_news_2024 are stored in a fresh store (SQLite in a temp folder, or a
fresh PostgreSQL database named by ``--db``, emptied first) for each run. A worker is a process of its own
(spawned) that loads its model (``--threads`` model threads; 0: the model's default), waits for the others,
then does what `svodka process` does: the one that takes the placement lease runs the pipeline (claiming
its batches' posts, waiting for those another worker embeds, helping meanwhile); the others embed claimed
batches while any is free and end once the posts are placed (what a one-shot `svodka process` does).
The clock runs from the common start until the placing worker is done; the models' loading is not in it.
Printed: posts/s of each run, the 2-worker ratio, how many posts each worker claimed, and the placing
worker's seconds per stage (what one worker does alone bounds the speed-up).
"""

from __future__ import annotations

import argparse
import json
import multiprocessing as mp
import sys
import tempfile
import time
from datetime import datetime
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
DATA = ROOT.parent / "shared" / "data" / "tg_ru_news_2024" / "posts.jsonl"
sys.path.insert(0, str(ROOT / "src"))

from svodka.model import ChannelRef, Post  # noqa: E402
from svodka.store import open_store  # noqa: E402


def real_posts(limit: int) -> list[Post]:
    out = []
    with DATA.open(encoding="utf-8") as f:
        for line in f:
            if len(out) >= limit:
                break
            r = json.loads(line)
            ref = ChannelRef(handle=f"c{abs(int(r['sender_id']))}", title=str(r["channel"]))
            out.append(Post(ref, int(r["message_id"]), datetime.fromisoformat(r["date"]), r["text"] or ""))
    return out


def fresh_store(db: str | None, tmp: Path, name: str) -> str:
    if db is None:
        return str(tmp / f"{name}.db")
    import psycopg

    with psycopg.connect(db, autocommit=True) as conn:
        conn.execute("DROP SCHEMA public CASCADE")
        conn.execute("CREATE SCHEMA public")
    return db


def worker(url: str, settings: dict[str, Any], threads: int, start: Any, out: Any) -> None:
    from svodka.engine import EmbedderSpec, LocalEngine
    from svodka.process import process
    from svodka.process.follow import help_then_place

    model = EmbedderSpec(settings["pipeline.embedder"], threads=threads or None).load()
    engine = LocalEngine(model)
    model.embed(["прогрев модели перед замером"])  # loaded and warm before the clock
    store = open_store(url)
    start.wait()
    t = time.perf_counter()
    with store.lease.hold("process", 600.0) as lease:
        if lease.held:
            report = process(store, settings, engine=engine)
        else:
            report = help_then_place(store, settings, engine)
    out.put(
        {
            "placed": lease.held,
            "seconds": time.perf_counter() - t,
            "posts": report.posts,
            "claimed": report.claimed,
            "embedded": report.embedded,
            "stages": report.seconds,
        }
    )
    store.close()


def run(posts: list[Post], workers: int, args: argparse.Namespace, tmp: Path) -> dict[str, Any]:
    from svodka.settings import defaults

    url = fresh_store(args.db, tmp, f"w{workers}")
    with open_store(url) as store:
        store.posts.save(posts)
    settings = {**dict(defaults().items()), "pipeline.embedder": args.embedder}
    ctx = mp.get_context("spawn")
    start, out = ctx.Barrier(workers + 1), ctx.Queue()
    procs = [
        ctx.Process(target=worker, args=(url, settings, args.threads, start, out)) for _ in range(workers)
    ]
    for p in procs:
        p.start()
    start.wait()  # every model loaded
    t = time.perf_counter()
    results = [out.get(timeout=3600) for _ in procs]
    for p in procs:
        p.join()
    placer = next(r for r in results if r["placed"])
    wall = placer["seconds"]
    with open_store(url) as store:
        log = store.embed_claims.log()
    claims = sorted(sum(r.posts for r in log if r.holder == h) for h in {r.holder for r in log})
    return {
        "workers": workers,
        "seconds": wall,
        "rate": len(posts) / wall,
        "claimed": claims,
        "stages": placer["stages"],
        "embedded": sum(r["embedded"] for r in results),
        "elapsed": time.perf_counter() - t,
    }


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--posts", type=int, default=2000)
    parser.add_argument("--embedder", default="use")
    parser.add_argument("--threads", type=int, default=1, help="model threads per worker (0: its default)")
    parser.add_argument("--db", help="a PostgreSQL database to use (emptied first); default: SQLite files")
    args = parser.parse_args()
    posts = real_posts(args.posts)
    with tempfile.TemporaryDirectory(prefix="bench-workers-") as tmp:
        rows = [run(posts, n, args, Path(tmp)) for n in (1, 2)]
    backend = "PostgreSQL" if args.db else "SQLite"
    threads = args.threads or "default"
    print(f"\n{len(posts):,} posts, {args.embedder}, {backend}, {threads} model thread(s) per worker")
    print("| workers | seconds | posts/s | posts claimed per worker | texts embedded | placer: stages s |")
    print("| ---: | ---: | ---: | --- | ---: | --- |")
    for r in rows:
        stages = ", ".join(f"{k} {v:.1f}" for k, v in r["stages"].items())
        print(
            f"| {r['workers']} | {r['seconds']:.1f} | {r['rate']:.1f} | {' / '.join(map(str, r['claimed']))} "
            f"| {r['embedded']:,} | {stages} |"
        )
    print(f"2 workers vs 1: {rows[1]['rate'] / rows[0]['rate']:.2f}×")


if __name__ == "__main__":
    main()
