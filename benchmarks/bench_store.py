"""The store backends side by side, in one run on the same posts: import (posts.save in batches, then the
bulk full-text indexing), re-import (everything unchanged) and search latency, SQLite and PostgreSQL.

    .venv/bin/python benchmarks/bench_store.py                         # tg_ru_news_2024 (22,099 posts)
    .venv/bin/python benchmarks/bench_store.py --pg postgresql://svodka@db/bench  # an empty database

Without ``--pg`` the PostgreSQL side runs on a throwaway server this script starts (svodka.store.postgres.
scratch: initdb in a temporary folder, fsync off — as the tests run it; a production server with fsync on
commits each batch to disk as well). The posts are read from the file once, before any timing, so the
figures are the stores' own: ``store/s`` is posts saved per second (batches of ``--batch`` posts, one
transaction each), ``index/s`` posts made searchable per second afterwards.

On a shared machine the wall times follow the load; the CPU columns do not: the CPU time spent on it by this
process and (on the throwaway server) by every PostgreSQL process — ``index cpu/s`` is posts indexed per CPU
second, ``cpu ms`` a search's CPU time. Per query: median and p95 of the wall time, mean CPU time. Before the
searches PostgreSQL is vacuumed (what autovacuum starts after a bulk load would otherwise run beside them).

``--src DIR`` (repeatable) searches the same two stores with each code tree in turn (a process of its own,
``PYTHONPATH=DIR``; the stores are loaded once, by this script's own tree), ``--turns`` times in that order,
and checks that every tree gives the same answers — ids, order, scores, snippets, counts — for the queries
ranked, on page 2, newest first, within dates, and counted::

    PYTHONPATH=src .venv/bin/python benchmarks/bench_store.py --src ../main/src --src src --rounds 10
"""

from __future__ import annotations

import argparse
import gc
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path

import psycopg

from svodka.ingest import batched_posts
from svodka.model import Post, SearchHit
from svodka.sources.files import ReadOptions, ReadStats, detect
from svodka.store import Store, open_store
from svodka.store.postgres.scratch import PgServer, pg_bindir

ROOT = Path(__file__).resolve().parent.parent
RU = ROOT.parent / "shared" / "data" / "tg_ru_news_2024" / "posts.jsonl"
QUERIES = ["выборы", "курс рубля", '"в москве"', "украин* -россия", "трамп OR байден", "погода москва"]


def pg_database(url: str | None) -> tuple[str, PgServer | None]:
    """The PostgreSQL database to measure: ``url`` as given (a server of its own, unseen), else a new
    database on a throwaway server started here (returned, for its CPU and to stop it)."""
    if url is not None:
        return url, None
    bindir = pg_bindir()
    if bindir is None:
        sys.exit("PostgreSQL is not installed (scripts/system-deps.sh), or give --pg URL")
    server = PgServer(bindir)
    return server.new_database("bench", "bench"), server


def read_posts(path: Path) -> list[Post]:
    return list(detect(path).read(path, ReadOptions(), ReadStats()))


def server_cpu(server_dir: Path) -> Callable[[], float]:
    """The CPU seconds used so far by the processes of a local server (postmaster and its children) in
    ``server_dir``, those that have ended included (each process counted at the last value seen)."""
    postmaster = (server_dir / "data" / "postmaster.pid").read_text().split()[0]
    children = Path(f"/proc/{postmaster}/task/{postmaster}/children")
    seen: dict[str, int] = {}

    def used() -> float:
        for pid in [postmaster, *children.read_text().split()]:
            try:
                ran = int(Path(f"/proc/{pid}/schedstat").read_text().split()[0])
            except (OSError, ValueError, IndexError):
                continue  # a process that ended meanwhile
            seen[pid] = max(seen.get(pid, 0), ran)
        return sum(seen.values()) / 1e9

    return used


def vacuum(url: str) -> None:
    """What autovacuum would do after the bulk load, done before the searches (else it runs beside them, in
    their time): statistics, visibility, GIN pending lists."""
    with psycopg.connect(url, autocommit=True) as conn:
        conn.execute("VACUUM ANALYZE")


def _p95(times: list[float]) -> float:
    return sorted(times)[int(0.95 * (len(times) - 1))]


def measure(
    store: Store,
    posts: list[Post],
    batch: int,
    search_rounds: int,
    other_cpu: Callable[[], float],
    settle: Callable[[], None],
) -> dict[str, float]:
    def cpu() -> float:
        return time.process_time() + other_cpu()

    loaded = load(store, posts, batch, cpu)
    settle()
    return {**loaded, **searches(store, search_rounds, other_cpu)}


def load(store: Store, posts: list[Post], batch: int, cpu: Callable[[], float]) -> dict[str, float]:
    """Save, index and save again ``posts``: posts per second of each (and indexed per CPU second)."""
    started = time.perf_counter()
    new = sum(store.posts.save(b).new for b in batched_posts(posts, batch))
    stored = time.perf_counter() - started
    cpu_started = cpu()
    started = time.perf_counter()
    indexed = store.posts.index_pending()
    index = time.perf_counter() - started
    index_cpu = cpu() - cpu_started
    started = time.perf_counter()
    unchanged = sum(store.posts.save(b).unchanged for b in batched_posts(posts, batch))
    again = time.perf_counter() - started
    assert new == indexed == unchanged == len(posts), (new, indexed, unchanged, len(posts))
    return {
        "store": len(posts) / stored,
        "index": len(posts) / index,
        "index_cpu": len(posts) / index_cpu if index_cpu else 0.0,
        "again": len(posts) / again,
    }


def searches(store: Store, search_rounds: int, other_cpu: Callable[[], float]) -> dict[str, float]:
    """``search_rounds`` rounds of :data:`QUERIES`: median and p95 wall ms over all and per query, and the
    mean CPU ms (this process and ``other_cpu``, the server's)."""
    times: list[float] = []
    by_query: dict[str, list[float]] = {q: [] for q in QUERIES}
    cpu_of: dict[str, float] = dict.fromkeys(QUERIES, 0.0)
    for _ in range(search_rounds):
        for q in QUERIES:
            server = other_cpu()  # outside the timed part: it reads /proc
            client, t = time.process_time(), time.perf_counter()
            store.posts.search(q, limit=20)
            times.append(time.perf_counter() - t)
            cpu_of[q] += time.process_time() - client
            cpu_of[q] += other_cpu() - server
            by_query[q].append(times[-1])
    return {
        "search_p50": statistics.median(times) * 1000,
        "search_p95": _p95(times) * 1000,
        "search_cpu": sum(cpu_of.values()) / len(times) * 1000,
        **{f"q:{q}": statistics.median(ts) * 1000 for q, ts in by_query.items()},
        **{f"p95:{q}": _p95(ts) * 1000 for q, ts in by_query.items()},
        **{f"cpu:{q}": cpu_of[q] / search_rounds * 1000 for q in QUERIES},
    }


def _hit(h: SearchHit) -> list[object]:
    return [h.post.id, h.rank, h.snippet]


def answers(store: Store) -> dict[str, object]:
    """What each query answers, in every form a search page asks it (compared between code trees)."""
    since, until = datetime(2024, 6, 1, tzinfo=UTC), datetime(2024, 12, 31, tzinfo=UTC)
    out: dict[str, object] = {}
    for q in QUERIES:
        out[q] = [
            [_hit(h) for h in store.posts.search(q, limit=20)],
            [_hit(h) for h in store.posts.search(q, limit=20, offset=20)],
            [_hit(h) for h in store.posts.search_recent(q, limit=20)],
            [_hit(h) for h in store.posts.search(q, limit=20, since=since, until=until)],
            store.posts.count_matches(q),
        ]
    return out


def child(sqlite: Path, url: str, server_dir: str, rounds: int) -> None:
    """Search the two stores loaded by the parent (``--src``): one JSON line of figures and answers."""
    out: dict[str, object] = {}
    for name, target in (("sqlite", str(sqlite)), ("postgresql", url)):
        with open_store(target) as store:
            found = answers(store)  # also the untimed warm-up round
            other = server_cpu(Path(server_dir)) if name == "postgresql" and server_dir else (lambda: 0.0)
            out[name] = {"figures": searches(store, rounds, other), "answers": found}
    print(json.dumps(out, ensure_ascii=False))


def compare_trees(
    posts: list[Post], batch: int, srcs: list[Path], turns: int, rounds: int, pg: str | None
) -> None:
    """Load both stores once, then search them with each tree in turn, ``turns`` times: figures per turn,
    and whether every tree answered every query the same."""
    server = None
    with tempfile.TemporaryDirectory(prefix="svodka-bench-") as tmp:
        try:
            sqlite = Path(tmp) / "bench.db"
            with open_store(sqlite) as store:
                load(store, posts, batch, time.process_time)
            url, server = pg_database(pg)
            with open_store(url) as store:
                load(store, posts, batch, time.process_time)
            vacuum(url)
            runs: list[tuple[str, dict[str, dict[str, object]]]] = []
            for turn in range(turns):
                for src in srcs:
                    done = subprocess.run(
                        [
                            sys.executable,
                            __file__,
                            "--child",
                            str(sqlite),
                            url,
                            str(server.dir if server else ""),
                            "--rounds",
                            str(rounds),
                        ],
                        env={**os.environ, "PYTHONPATH": str(src)},
                        stdout=subprocess.PIPE,
                        text=True,
                        check=True,
                    )
                    runs.append((f"{_code(src)}#{turn + 1}", json.loads(done.stdout.splitlines()[-1])))
        finally:
            if server is not None:
                server.stop()
    print(
        f"{'code#turn':<12} {'sqlite p50 / p95 ms':>20} {'postgresql p50 / p95 ms':>24} {'p95 ratio':>10} "
        f"{'cpu ms sqlite / pg':>19}"
    )
    for code, run in runs:
        s, p = (run[b]["figures"] for b in ("sqlite", "postgresql"))
        print(
            f"{code:<12} {s['search_p50']:>10.1f} / {s['search_p95']:<7.1f} {p['search_p50']:>13.1f} / "
            f"{p['search_p95']:<8.1f} {p['search_p95'] / s['search_p95']:>9.2f}× "
            f"{s['search_cpu']:>9.2f} / {p['search_cpu']:<7.2f}"
        )
    print(f"{'query: pg p50 / p95 / cpu ms':<28}" + "".join(f"{c:>22}" for c, _ in runs))
    for q in QUERIES:
        cells = []
        for _, run in runs:
            p = run["postgresql"]["figures"]
            cells.append(f"{p['q:' + q]:.1f} / {p['p95:' + q]:.1f} / {p['cpu:' + q]:.2f}")
        print(f"{q:<28}" + "".join(f"{c:>22}" for c in cells))
    for backend in ("sqlite", "postgresql"):
        first = runs[0][1][backend]["answers"]
        differ = [c for c, run in runs if run[backend]["answers"] != first]
        print(
            f"{backend}: answers "
            + (f"DIFFER in {', '.join(differ)}" if differ else "identical in every run")
        )


def _code(src: Path) -> str:
    return src.parent.name if src.name == "src" else src.name


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--posts", type=Path, default=RU, help="a file `svodka import` reads")
    ap.add_argument("--batch", type=int, default=5000, help="posts per transaction (store.batch_size)")
    ap.add_argument("--pg", help="an empty PostgreSQL database to use instead of a throwaway server")
    ap.add_argument("--rounds", type=int, default=5, help="rounds of the search queries")
    ap.add_argument("--src", type=Path, action="append", help="a code tree's src/ folder to search with")
    ap.add_argument("--turns", type=int, default=2, help="with --src: searches by each tree, in turn")
    ap.add_argument("--child", nargs=3, metavar=("SQLITE", "URL", "SERVER_DIR"), help=argparse.SUPPRESS)
    args = ap.parse_args()
    if args.child:
        child(Path(args.child[0]), args.child[1], args.child[2], args.rounds)
        return
    posts = read_posts(args.posts)
    gc.freeze()  # the posts read stay out of the collector's walks: it timed them in every search
    print(f"{len(posts):,} posts of {args.posts.name}, batches of {args.batch:,}", flush=True)
    if args.src:
        compare_trees(posts, args.batch, [s.resolve() for s in args.src], args.turns, args.rounds, args.pg)
        return
    results: dict[str, dict[str, float]] = {}
    server = None
    with tempfile.TemporaryDirectory(prefix="svodka-bench-") as tmp:
        try:
            with open_store(Path(tmp) / "bench.db") as sqlite:
                results["sqlite"] = measure(sqlite, posts, args.batch, args.rounds, lambda: 0.0, lambda: None)
            url, server = pg_database(args.pg)
            with open_store(url) as pg:
                other = (
                    server_cpu(server.dir) if server is not None else (lambda: 0.0)
                )  # a remote one: unseen
                settle = lambda: vacuum(url)  # noqa: E731
                results["postgresql"] = measure(pg, posts, args.batch, args.rounds, other, settle)
        finally:
            if server is not None:
                server.stop()
    print(
        f"{'backend':<11} {'store/s':>9} {'index/s':>9} {'index cpu/s':>12} {'again/s':>9} "
        f"{'search p50 ms':>14} {'p95 ms':>8} {'cpu ms':>7}"
    )
    for name, r in results.items():
        print(
            f"{name:<11} {r['store']:>9,.0f} {r['index']:>9,.0f} {r['index_cpu']:>12,.0f} "
            f"{r['again']:>9,.0f} {r['search_p50']:>14.1f} {r['search_p95']:>8.1f} {r['search_cpu']:>7.2f}"
        )
    s, p = results["sqlite"], results["postgresql"]
    print(f"{'query: p50 / p95 / cpu ms':<26} {'sqlite':>20} {'postgresql':>20}")
    for q in QUERIES:
        cells = [f"{r['q:' + q]:.1f} / {r['p95:' + q]:.1f} / {r['cpu:' + q]:.2f}" for r in (s, p)]
        print(f"{q:<26} {cells[0]:>20} {cells[1]:>20}")
    print(
        f"PostgreSQL / SQLite: store {p['store'] / s['store']:.2f}×, index {p['index'] / s['index']:.2f}× "
        f"(per CPU second {p['index_cpu'] / s['index_cpu']:.2f}×), re-import {p['again'] / s['again']:.2f}×, "
        f"search p95 {p['search_p95'] / s['search_p95']:.2f}× (time), "
        f"search CPU {p['search_cpu'] / s['search_cpu']:.2f}×"
    )


if __name__ == "__main__":
    main()
