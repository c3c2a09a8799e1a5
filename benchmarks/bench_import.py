"""Import rate (posts/s) and peak memory of `svodka import`, measured on a real corpus and a synthetic export.

Each import runs as its own process (the real CLI entry point, into a fresh database), so peak memory is
that process's ru_maxrss (os.wait4), not this script's.

    .venv/bin/python benchmarks/bench_import.py                 # tg_ru_news_2024 + a 1,000,000-post export
    .venv/bin/python benchmarks/bench_import.py --posts 100000  # a smaller synthetic export
    .venv/bin/python benchmarks/bench_import.py --escaped 4000000  # and the one-message export of issue 13 §8

``--escaped N`` adds a row for an export of one message whose text is N ``\\u0436`` escapes (24 MiB per 4M):
ijson's yajl2_c took time quadratic in such a string, the streaming walk (sources/json_stream.py) linear.

    .venv/bin/python benchmarks/bench_import.py --posts 0 --src ../base/src --src src --rounds 2
    .venv/bin/python benchmarks/bench_import.py --posts 200000 --postgresql   # SQLite and PostgreSQL in turn

``--src DIR`` (repeatable) runs the import with that code tree (``PYTHONPATH``; default: the interpreter's
own), each input with every tree in turn, ``--rounds`` times (old, new, old, new); ``--posts 0`` skips the
synthetic export.
``--postgresql`` imports each input into SQLite and into a new database of a throwaway PostgreSQL server
(``svodka.store.postgres.scratch``, as the tests use: fsync off) in turn, and prints the ratio of their rates.
"""

from __future__ import annotations

import argparse
import itertools
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from svodka.store.postgres.scratch import PgServer

ROOT = Path(__file__).resolve().parent.parent
RU = ROOT.parent / "shared" / "data" / "tg_ru_news_2024" / "posts.jsonl"


def import_once(
    path: Path, workdir: Path, src: Path | None = None, db: str | None = None
) -> tuple[int, float, float, float, float]:
    """(posts, wall seconds, storing seconds, indexing seconds, peak MiB) of one `svodka import` of ``path``
    into a new database (``db``: a new PostgreSQL database's URL; default a new SQLite file). Wall time
    includes start-up; storing is reading + saving; indexing is the bulk full-text indexing the command runs
    afterwards so that the posts are searchable."""
    db = db or str(workdir / f"bench-{time.monotonic_ns()}.db")
    code = "import sys; from svodka.cli import main; sys.argv = ['svodka', *sys.argv[1:]]; main()"
    out_path, err_path = workdir / "out.json", workdir / "err.txt"
    started = time.perf_counter()
    with out_path.open("wb") as out, err_path.open("wb") as err:
        proc = subprocess.Popen(
            [sys.executable, "-c", code, "import", "--json", "--db", db, str(path)],
            stdout=out,
            stderr=err,
            env={**os.environ, "PYTHONPATH": str(src)} if src else None,
        )
        # wait4 gives this one child's own ru_maxrss (KiB on Linux): the import process's peak memory
        _, status, usage = os.wait4(proc.pid, 0)
    seconds = time.perf_counter() - started
    if os.waitstatus_to_exitcode(status):
        raise SystemExit(f"import failed: {err_path.read_text(errors='replace')}")
    report = json.loads(out_path.read_bytes())[0]
    posts = report["new"] + report["edited"] + report["unchanged"]
    for suffix in ("", "-wal", "-shm"):
        Path(f"{db}{suffix}").unlink(missing_ok=True)
    return posts, seconds, report["seconds"], report["index_seconds"], usage.ru_maxrss / 1024


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--posts", type=int, default=1_000_000, help="size of the synthetic export")
    ap.add_argument("--keep", type=Path, help="reuse/keep the synthetic export at this path")
    ap.add_argument("--escaped", type=int, default=0, help="also one message of N \\uXXXX escapes")
    ap.add_argument("--src", type=Path, action="append", help="a code tree's src/ folder; repeatable")
    ap.add_argument("--rounds", type=int, default=1, help="import each input this many times per --src")
    ap.add_argument("--postgresql", action="store_true", help="also into PostgreSQL (a throwaway server)")
    args = ap.parse_args()
    srcs: list[Path | None] = [p.resolve() for p in args.src] if args.src else [None]
    with tempfile.TemporaryDirectory(prefix="svodka-bench-") as tmp:
        work = Path(tmp)
        rows = []
        if RU.exists():
            rows.append(("tg_ru_news_2024 posts.jsonl", RU))
        synthetic = args.keep or work / "synthetic.json"
        if args.posts and not synthetic.exists():
            subprocess.run(
                [
                    sys.executable,
                    str(ROOT / "benchmarks" / "make_synthetic_export.py"),
                    str(synthetic),
                    "--posts",
                    str(args.posts),
                ],
                check=True,
            )
        if args.posts:
            rows.append((f"synthetic result.json ({synthetic.stat().st_size >> 20} MiB)", synthetic))
        if args.escaped:
            escaped = work / "escaped.json"
            head = '{"name":"e","type":"public_channel","id":9,"messages":[{"id":1,"type":"message",'
            escaped.write_text(
                head + '"date_unixtime":"1700000000","text":"' + "\\u0436" * args.escaped + '"}]}'
            )
            rows.append((f"one message, {args.escaped:,} \\u escapes", escaped))
        server = None
        backends: list[str] = ["sqlite"]
        if args.postgresql:
            from svodka.store.postgres.scratch import PgServer, pg_bindir

            bindir = pg_bindir()
            if bindir is None:
                raise SystemExit("--postgresql: no initdb (scripts/system-deps.sh installs PostgreSQL)")
            server = PgServer(bindir)
            backends.append("postgresql")
        try:
            table(rows, srcs, backends, args.rounds, work, server)
        finally:
            if server is not None:
                server.stop()


def table(
    rows: list[tuple[str, Path]],
    srcs: list[Path | None],
    backends: list[str],
    rounds: int,
    work: Path,
    server: PgServer | None,
) -> None:
    """One line per import: each input with every code tree and backend in turn, ``rounds`` times; with two
    backends, the ratio PostgreSQL / SQLite of the mean rates (wall and storing) per input."""
    names = itertools.count(1)
    print(
        f"{'input':<40} {'code':<6} {'backend':<10} {'posts':>9} {'wall s':>7} {'posts/s':>8} {'store s':>8} "
        f"{'store/s':>8} {'index s':>8} {'index/s':>8} {'peak MiB':>9}"
    )
    for name, path in rows:
        rates: dict[str, list[tuple[float, float]]] = {b: [] for b in backends}
        for _round in range(rounds):
            for src in srcs:
                code = "-" if src is None else src.parent.name if src.name == "src" else src.name
                for backend in backends:
                    db = None
                    if server is not None and backend == "postgresql":
                        db = server.new_database(work, f"import{next(names)}")
                    posts, wall, store, index, peak = import_once(path, work, src, db)
                    rates[backend].append((posts / wall, posts / store))
                    print(
                        f"{name:<40} {code:<6} {backend:<10} {posts:>9} {wall:>7.1f} {posts / wall:>8,.0f} "
                        f"{store:>8.1f} {posts / store:>8,.0f} "
                        f"{index:>8.1f} {posts / max(index, 1e-9):>8,.0f} {peak:>9.0f}",
                        flush=True,
                    )
                    if server is not None and db is not None:
                        server.drop_for(work)
        if len(backends) == 2:
            sq, pg = rates["sqlite"], rates["postgresql"]
            wall_ratio = sum(r[0] for r in pg) / sum(r[0] for r in sq)
            store_ratio = sum(r[1] for r in pg) / sum(r[1] for r in sq)
            print(f"{name:<40} PostgreSQL / SQLite: wall {wall_ratio:.2f}x, store {store_ratio:.2f}x (rates)")


if __name__ == "__main__":
    main()
