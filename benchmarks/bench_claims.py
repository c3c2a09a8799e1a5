"""Embedding claims per second as the claimed posts pile up (issue 18 §3): one claimant takes every
unprocessed post, ``--claim`` at a time, with no embedding, on a fresh store of N posts.

    PYTHONPATH=src .venv/bin/python benchmarks/bench_claims.py [--posts 2000 20000] [--claim 200]
        [--db postgresql://…]

Each claim is taken, marked done (as the transaction storing its vectors does) and released, as
``store.embed_claims.hold`` is used by `svodka process` workers; the watermark stays at 0 (the placing worker
has not finished its run), so every earlier claim is still in the table. Printed per N: claims/s over the
whole pass, and the milliseconds of the first and the last tenth of the claims (a scan past the claimed
posts makes the last ones slower). Compare two trees in one run by alternating PYTHONPATH.
"""

from __future__ import annotations

import argparse
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

from svodka.model import ChannelRef, Post
from svodka.store import open_store

MODEL = "bench-model"
T0 = datetime(2024, 1, 1, tzinfo=UTC)


def fresh(db: str | None, tmp: Path, n: int) -> str:
    if db is None:
        return str(tmp / f"claims-{n}.db")
    import psycopg

    with psycopg.connect(db, autocommit=True) as conn:
        conn.execute("DROP SCHEMA public CASCADE")
        conn.execute("CREATE SCHEMA public")
    return db


def one(url: str, n: int, size: int) -> tuple[float, float, float, int]:
    with open_store(url) as store:
        posts = [
            Post(ChannelRef(handle=f"c{i % 20}"), i, T0 + timedelta(minutes=i), f"новость номер {i}")
            for i in range(n)
        ]
        for i in range(0, n, 5000):
            store.posts.save(posts[i : i + 5000])
        times: list[float] = []
        taken = 0
        while True:
            t = time.perf_counter()
            with store.embed_claims.hold(MODEL, 0, size, 60.0) as claim:
                if not claim.posts:
                    break
                with store.transaction():
                    store.embed_claims.done(claim, len(claim.posts))
            times.append(time.perf_counter() - t)
            taken += len(claim.posts)
    tenth = max(1, len(times) // 10)
    first = sum(times[:tenth]) / tenth * 1000
    last = sum(times[-tenth:]) / tenth * 1000
    return len(times) / sum(times), first, last, taken


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--posts", type=int, nargs="+", default=[2000, 20000])
    parser.add_argument("--claim", type=int, default=200)
    parser.add_argument("--db", help="a PostgreSQL database to use (emptied first); default: SQLite files")
    args = parser.parse_args()
    print("| posts | claims/s | first tenth ms/claim | last tenth ms/claim | posts claimed |")
    print("| ---: | ---: | ---: | ---: | ---: |")
    with tempfile.TemporaryDirectory(prefix="bench-claims-") as tmp:
        for n in args.posts:
            rate, first, last, taken = one(fresh(args.db, Path(tmp), n), n, args.claim)
            print(f"| {n:,} | {rate:.1f} | {first:.2f} | {last:.2f} | {taken:,} |", flush=True)


if __name__ == "__main__":
    main()
