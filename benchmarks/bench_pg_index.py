"""PostgreSQL's search index alone (issue 18 §1): the posts stored once, then made searchable again and again.

    .venv/bin/python benchmarks/bench_pg_index.py --rounds 2      # tg_ru_news_2024 (22,099 posts)

The posts of ``--posts`` are stored (``posts.save``, batches of 5,000) into a database of a throwaway server
(``svodka.store.postgres.scratch``, fsync off, as the tests). Each round the index is emptied (``post_search``
truncated and vacuumed, ``fts_state`` back to 0) and rebuilt by ``posts.index_pending`` with one connection,
then with two (``fulltext.INDEX_WORKERS``: sessions indexing parts of a chunk at once); and once by the same
statement with the stems' GIN index dropped first and built after the load (``CREATE INDEX``: a variant
measured, not the store's code). Per way: wall seconds, posts/s, CPU µs a post of every server process (the
client waits), posts per CPU second. Before the rounds, every stored vector is compared with the one its own
split gives (``translate``, each vector split apart: the index's definition before one split served both).
"""

from __future__ import annotations

import argparse
import time
from pathlib import Path

import psycopg

from bench_store import RU, read_posts, server_cpu
from svodka.ingest import batched_posts
from svodka.store import Store, open_store
from svodka.store.postgres import fulltext
from svodka.store.postgres.scratch import PgServer, pg_bindir

SPACES = " " * len(fulltext._SPLIT)
DIFFERENT = (
    "SELECT COUNT(*) FILTER (WHERE s.tsv::text <> "
    f"to_tsvector('russian', translate(p.text, '{fulltext._SPLIT}', '{SPACES}'))::text "
    f"OR s.words <> {fulltext.CAPPED}::tsvector AND s.words::text <> "
    f"to_tsvector('simple', translate(p.text, 'ёЁ{fulltext._SPLIT}', 'еЕ{SPACES}'))::text), COUNT(*) "
    "FROM post_search s JOIN posts p ON p.id = s.post_id"
)


def empty(url: str) -> None:
    with psycopg.connect(url, autocommit=True) as conn:
        conn.execute("TRUNCATE post_search")
        conn.execute("UPDATE fts_state SET indexed_upto = 0")
        conn.execute("CREATE INDEX IF NOT EXISTS post_search_tsv ON post_search USING GIN (tsv)")
        conn.execute("VACUUM ANALYZE post_search")


def gin_after(url: str) -> int:
    """The index's statement into an empty post_search without its GIN index, then ``CREATE INDEX``."""
    with psycopg.connect(url, autocommit=True) as conn:
        conn.execute("DROP INDEX post_search_tsv")
        top = conn.execute("SELECT MAX(id) FROM posts").fetchone()[0]  # type: ignore[index]
        with conn.transaction():
            conn.execute("SET LOCAL work_mem = '64MB'")
            n = conn.execute(
                "INSERT INTO post_search (post_id, tsv, words) SELECT p.id, v.tsv, v.words FROM posts p "
                f"CROSS JOIN LATERAL {fulltext.index_values('p.text')} v WHERE p.id <= %s",
                (top,),
            ).rowcount
        conn.execute("SET maintenance_work_mem = '256MB'")
        conn.execute("CREATE INDEX post_search_tsv ON post_search USING GIN (tsv)")
        conn.execute("UPDATE fts_state SET indexed_upto = %s", (top,))
    return n


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--posts", type=Path, default=RU, help="a file `svodka import` reads")
    ap.add_argument("--rounds", type=int, default=2)
    args = ap.parse_args()
    posts = read_posts(args.posts)
    bindir = pg_bindir()
    if bindir is None:
        raise SystemExit("PostgreSQL is not installed (scripts/system-deps.sh)")
    server = PgServer(bindir)
    try:
        url = server.new_database("bench", "index")
        cpu = server_cpu(server)
        with open_store(url) as store:
            for batch in batched_posts(posts, 5000):
                store.posts.save(batch)
            store.posts.index_pending()
            with psycopg.connect(url) as conn:
                differ, total = conn.execute(DIFFERENT).fetchone()  # type: ignore[misc]
            print(f"{total:,} posts indexed; vectors unlike their own split's: {differ}", flush=True)
            ways = {
                "index_pending, 1 connection": lambda: _pending(store, 1),
                "index_pending, 2 connections": lambda: _pending(store, 2),
            }
            head = f"{'round':<6} {'way':<34} {'wall s':>7} {'posts/s':>8} {'server µs/post':>15}"
            print(f"{head} {'posts/CPU s':>12}")
            for r in range(1, args.rounds + 1):
                for name, way in [*ways.items(), ("GIN built after the load", lambda: gin_after(url))]:
                    empty(url)
                    c, t = cpu(), time.perf_counter()
                    n = way()
                    wall, used = time.perf_counter() - t, cpu() - c
                    if n != len(posts):
                        raise SystemExit(f"{name}: {n} of {len(posts)} posts indexed")
                    print(
                        f"{r:<6} {name:<34} {wall:>7.2f} {n / wall:>8,.0f} {used / n * 1e6:>15.1f} "
                        f"{n / used:>12,.0f}",
                        flush=True,
                    )
            empty(url)
    finally:
        server.stop()


def _pending(store: Store, workers: int) -> int:
    fulltext.INDEX_WORKERS = workers
    return store.posts.index_pending()


if __name__ == "__main__":
    main()
