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

CPU time, which a shared machine cannot fake: each import is run a second time by a child process that calls
what the CLI calls (``ingest.import_file``, then ``posts.index_pending``) and measures, per phase, its own CPU
(``time.process_time``, every thread) and the CPU of the PostgreSQL server: the backends serving its database
(the postmaster's children whose process title names it, read from ``/proc/PID/schedstat``, ns) and, apart,
everything else the server ran meanwhile (checkpointer, WAL writer, autovacuum …; ended processes through the
postmaster's ``cutime``; a parallel worker names its leader, not the database, and counts there). Why
``/proc`` and not ``pg_stat_statements``: its times are wall times inside the server, which a loaded machine
stretches as it stretches ours; ``schedstat`` counts only time on a CPU. *Parsing* is the client's CPU
outside ``posts.save`` during the import, *storing* the client's CPU inside it and the server's, *indexing*
the bulk full-text indexing. The implied rate on one idle core is posts / (client + server CPU), the
background included; wall times are reported beside it.

``--saves N --postgresql`` measures the write path alone instead (:func:`saves_child`: the last input's first
N posts saved new, then again), with each ``--src`` in turn::

    .venv/bin/python benchmarks/bench_import.py --posts 100000 --keep /tmp/s.json --postgresql \\
        --saves 100000 --src ../main/src --src src --rounds 2

``--profile DIR`` writes a cProfile of each child (``DIR/<backend>-<n>.pstats``).
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
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from collections.abc import Iterable
    from datetime import datetime

    from svodka.model import Post, SaveResult
    from svodka.store.postgres.scratch import PgServer

ROOT = Path(__file__).resolve().parent.parent
RU = ROOT.parent / "shared" / "data" / "tg_ru_news_2024" / "posts.jsonl"
PHASES = ("parse", "store", "index")


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
    _remove_sqlite(db)
    return posts, seconds, report["seconds"], report["index_seconds"], usage.ru_maxrss / 1024


def _remove_sqlite(db: str) -> None:
    if not db.startswith("postgresql"):
        for suffix in ("", "-wal", "-shm"):
            Path(f"{db}{suffix}").unlink(missing_ok=True)


# --- CPU time --------------------------------------------------------------------------------------------


def _ran(pid: int | str) -> int:
    """Nanoseconds process ``pid`` has run on a CPU (its threads together); 0 once it has ended."""
    try:
        return int(Path(f"/proc/{pid}/schedstat").read_text().split()[0])
    except (OSError, ValueError, IndexError):
        return 0


def server_cpu(postmaster: int, database: str) -> tuple[float, float]:
    """CPU seconds a local PostgreSQL server has used so far: (the client backends of ``database``, all the
    rest: postmaster, background processes, autovacuum, and every child already ended — the kernel adds a
    reaped child's time to the postmaster's ``cutime``/``cstime``, at clock-tick resolution)."""
    fields = Path(f"/proc/{postmaster}/stat").read_text().rsplit(")", 1)[1].split()
    reaped = (int(fields[13]) + int(fields[14])) / os.sysconf("SC_CLK_TCK")  # fields 16 and 17 of stat
    mine, rest = 0, _ran(postmaster)
    children = Path(f"/proc/{postmaster}/task/{postmaster}/children").read_text().split()
    for pid in children:
        try:
            title = Path(f"/proc/{pid}/cmdline").read_bytes().decode(errors="replace")
        except OSError:
            continue
        ran = _ran(pid)
        # a client backend's title: "postgres: USER DATABASE HOST(PORT) STATE"
        if f" {database} " in title and "autovacuum" not in title:
            mine += ran
        else:
            rest += ran
    return mine / 1e9, rest / 1e9 + reaped


@dataclass
class Phase:
    """One phase of an import: wall seconds and CPU seconds of the client, the server's backends serving it
    and the rest of the server."""

    wall: float = 0.0
    client: float = 0.0
    backends: float = 0.0
    background: float = 0.0

    @property
    def cpu(self) -> float:
        return self.client + self.backends + self.background


def child(path: Path, db: str, postmaster: int, profile: Path | None) -> None:
    """The measured import (run as its own process by :func:`cpu_once`): prints one JSON object."""
    from svodka.ingest import import_file
    from svodka.settings import setting
    from svodka.sources.files import ReadOptions, ReadStats, detect
    from svodka.store import open_store

    database = db.rsplit("/", 1)[-1] if db.startswith("postgresql") else ""

    def server() -> tuple[float, float]:
        return server_cpu(postmaster, database) if postmaster else (0.0, 0.0)

    # the file read once before, so that each phase reads it from the page cache
    stats, fmt = ReadStats(), detect(path)
    posts = sum(1 for _ in fmt.read(path, ReadOptions(), stats))
    store = open_store(db)
    batch = setting("store.batch_size").default
    phases = {name: Phase() for name in PHASES}
    save = store.posts.save
    inside = phases["store"]

    def timed_save(batch_posts: Iterable[Post], seen_at: datetime | None = None) -> SaveResult:
        started = time.process_time()
        try:
            return save(batch_posts, seen_at)
        finally:
            inside.client += time.process_time() - started

    store.posts.save = timed_save  # type: ignore[method-assign,assignment]
    profiler = None
    if profile is not None:
        import cProfile

        profiler = cProfile.Profile()
        profiler.enable()
    wall, cpu, (mine, rest) = time.perf_counter(), time.process_time(), server()
    report = import_file(store, path, batch_size=batch)
    wall2, cpu2, (mine2, rest2) = time.perf_counter(), time.process_time(), server()
    inside.wall = wall2 - wall
    inside.backends, inside.background = mine2 - mine, rest2 - rest
    phases["parse"].client = cpu2 - cpu - inside.client
    store.posts.index_pending()
    wall3, cpu3, (mine3, rest3) = time.perf_counter(), time.process_time(), server()
    if profiler is not None and profile is not None:
        profiler.disable()
        profiler.dump_stats(profile)
    phases["index"] = Phase(wall3 - wall2, cpu3 - cpu2, mine3 - mine2, rest3 - rest2)
    store.close()
    stored = report.saved.total
    if stored != posts:
        raise SystemExit(f"{stored} posts stored of {posts} read")
    print(json.dumps({"posts": stored, **{k: vars(v) for k, v in phases.items()}}))


def saves_child(path: Path, n: int, db: str, postmaster: int) -> None:
    """The write path alone (run as its own process by :func:`saves`): the first ``n`` posts of ``path`` read
    once, then ``posts.save`` in batches into the new database ``db``, then the same again (every post
    unchanged); prints the CPU µs a post of each (client, backends, rest of the server)."""
    from svodka.ingest import batched_posts
    from svodka.sources.files import ReadOptions, ReadStats, detect
    from svodka.store import open_store

    posts = list(itertools.islice(detect(path).read(path, ReadOptions(), ReadStats()), n))
    database = db.rsplit("/", 1)[-1]
    store = open_store(db)
    for label in ("new", "again"):
        cpu, (mine, rest), wall = time.process_time(), server_cpu(postmaster, database), time.perf_counter()
        for batch in batched_posts(posts, 5000):
            store.posts.save(batch)
        client, (mine2, rest2) = time.process_time() - cpu, server_cpu(postmaster, database)
        us = [x / len(posts) * 1e6 for x in (client, mine2 - mine, rest2 - rest)]
        print(
            f"{label:<6} {us[0]:5.1f} + {us[1]:5.1f} + {us[2]:4.1f} = {sum(us):5.1f} µs a post, "
            f"{1e6 / sum(us):7,.0f} posts/CPU s (wall {time.perf_counter() - wall:.1f} s)",
            flush=True,
        )
    store.close()


def saves(path: Path, n: int, srcs: list[Path | None], rounds: int, work: Path, server: PgServer) -> None:
    """:func:`saves_child` with every code tree in turn, ``rounds`` times (old, new, old, new)."""
    postmaster = int((server.dir / "data" / "postmaster.pid").read_text().split()[0])
    for round_ in range(rounds):
        for src in srcs:
            db = server.new_database(work, f"saves{round_}{_code(src)}", migrated=src is None)
            command = [sys.executable, __file__, "--saves-child", str(path), "--saves", str(n), "--db", db]
            env = {**os.environ, "PYTHONPATH": str(src)} if src else None
            done = subprocess.run(
                [*command, "--postmaster", str(postmaster)], capture_output=True, text=True, env=env
            )
            if done.returncode:
                raise SystemExit(f"saves failed: {done.stderr}")
            for line in done.stdout.splitlines():
                print(f"{_code(src):<10} {line}", flush=True)
            server.drop_for(work)


def cpu_once(
    path: Path, workdir: Path, src: Path | None, db: str | None, postmaster: int, profile: Path | None
) -> tuple[int, dict[str, Phase]]:
    """Posts and the :class:`Phase` of each of :data:`PHASES` of one import of ``path`` by :func:`child`."""
    db = db or str(workdir / f"bench-cpu-{time.monotonic_ns()}.db")
    command = [sys.executable, __file__, "--child", str(path), "--db", db, "--postmaster", str(postmaster)]
    if profile is not None:
        command += ["--profile-to", str(profile)]
    env = {**os.environ, "PYTHONPATH": str(src)} if src else None
    done = subprocess.run(command, capture_output=True, text=True, env=env)
    _remove_sqlite(db)
    if done.returncode:
        raise SystemExit(f"import failed: {done.stderr}")
    out = json.loads(done.stdout.splitlines()[-1])
    return out["posts"], {name: Phase(**out[name]) for name in PHASES}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--posts", type=int, default=1_000_000, help="size of the synthetic export")
    ap.add_argument("--keep", type=Path, help="reuse/keep the synthetic export at this path")
    ap.add_argument("--escaped", type=int, default=0, help="also one message of N \\uXXXX escapes")
    ap.add_argument("--src", type=Path, action="append", help="a code tree's src/ folder; repeatable")
    ap.add_argument("--rounds", type=int, default=1, help="import each input this many times per --src")
    ap.add_argument("--postgresql", action="store_true", help="also into PostgreSQL (a throwaway server)")
    ap.add_argument("--no-ru", action="store_true", help="leave out tg_ru_news_2024")
    ap.add_argument("--profile", type=Path, help="write a cProfile of each measured import into this folder")
    ap.add_argument(
        "--saves",
        type=int,
        default=0,
        help="instead: the write path alone on PostgreSQL, N posts of the input saved new and again",
    )
    ap.add_argument("--child", type=Path, help=argparse.SUPPRESS)
    ap.add_argument("--saves-child", type=Path, help=argparse.SUPPRESS)
    ap.add_argument("--db", help=argparse.SUPPRESS)
    ap.add_argument("--postmaster", type=int, default=0, help=argparse.SUPPRESS)
    ap.add_argument("--profile-to", type=Path, help=argparse.SUPPRESS)
    args = ap.parse_args()
    if args.child:
        child(args.child, args.db, args.postmaster, args.profile_to)
        return
    if args.saves_child:
        saves_child(args.saves_child, args.saves, args.db, args.postmaster)
        return
    srcs: list[Path | None] = [p.resolve() for p in args.src] if args.src else [None]
    with tempfile.TemporaryDirectory(prefix="svodka-bench-") as tmp:
        work = Path(tmp)
        rows = []
        if RU.exists() and not args.no_ru:
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
        if args.profile:
            args.profile.mkdir(parents=True, exist_ok=True)
        try:
            if args.saves and server is not None:
                saves(rows[-1][1], args.saves, srcs, args.rounds, work, server)
                return
            table(rows, srcs, backends, args.rounds, work, server, args.profile)
        finally:
            if server is not None:
                server.stop()


def _code(src: Path | None) -> str:
    return "-" if src is None else src.parent.name if src.name == "src" else src.name


def table(
    rows: list[tuple[str, Path]],
    srcs: list[Path | None],
    backends: list[str],
    rounds: int,
    work: Path,
    server: PgServer | None,
    profile: Path | None = None,
) -> None:
    """Per import: a line of the CLI's wall times and peak memory, then a line of CPU time per phase; each
    input with every code tree and backend in turn, ``rounds`` times; with two backends, the ratios
    PostgreSQL / SQLite of the mean rates (wall, storing, and storing + indexing per CPU second)."""
    names = itertools.count(1)
    postmaster = 0
    if server is not None:
        postmaster = int((server.dir / "data" / "postmaster.pid").read_text().split()[0])
    print(
        f"{'input':<40} {'code':<6} {'backend':<10} {'posts':>9} {'wall s':>7} {'posts/s':>8} {'store s':>8} "
        f"{'store/s':>8} {'index s':>8} {'index/s':>8} {'peak MiB':>9}"
    )
    print(
        f"{'':<40} {'':<6} {'':<10} {'CPU ms per 1,000 posts: client + backends + rest of server':>60}"
        f"   {'posts/s per CPU s':>26}"
    )
    for name, path in rows:
        rates: dict[str, list[tuple[float, float, float]]] = {b: [] for b in backends}
        for _round in range(rounds):
            for src in srcs:
                code = _code(src)
                for backend in backends:
                    db = None
                    if server is not None and backend == "postgresql":
                        db = server.new_database(work, f"import{next(names)}", migrated=src is None)
                    posts, wall, store, index, peak = import_once(path, work, src, db)
                    print(
                        f"{name:<40} {code:<6} {backend:<10} {posts:>9} {wall:>7.1f} {posts / wall:>8,.0f} "
                        f"{store:>8.1f} {posts / store:>8,.0f} "
                        f"{index:>8.1f} {posts / max(index, 1e-9):>8,.0f} {peak:>9.0f}",
                        flush=True,
                    )
                    if server is not None and db is not None:
                        server.drop_for(work)
                        db = server.new_database(work, f"import{next(names)}", migrated=src is None)
                    out = None
                    if profile is not None:
                        out = profile / f"{backend}-{code.replace('/', '_')}-{next(names)}.pstats"
                    n, phases = cpu_once(path, work, src, db, postmaster if db else 0, out)
                    print(_cpu_line(n, phases), flush=True)
                    if server is not None and db is not None:
                        server.drop_for(work)
                    both = phases["store"].cpu + phases["index"].cpu
                    rates[backend].append((posts / wall, posts / store, n / both))
        if len(backends) == 2:
            sq, pg = rates["sqlite"], rates["postgresql"]
            wall_ratio, store_ratio, cpu_ratio = (_ratio(pg, sq, i) for i in range(3))
            mean = sum(r[2] for r in pg) / len(pg)
            print(
                f"{name:<40} PostgreSQL / SQLite: wall {wall_ratio:.2f}x, store {store_ratio:.2f}x (rates); "
                f"store + index per CPU second {cpu_ratio:.2f}x (PostgreSQL {mean:,.0f} posts/s on one core)"
            )


def _ratio(a: list[tuple[float, float, float]], b: list[tuple[float, float, float]], i: int) -> float:
    return sum(r[i] for r in a) / sum(r[i] for r in b)


def _cpu_line(posts: int, phases: dict[str, Phase]) -> str:
    """CPU ms per 1,000 posts of each phase (client + backends + rest), and the implied posts/s on one idle
    core for each and for storing + indexing."""
    k = 1000 / posts

    def cell(p: Phase) -> str:
        return f"{p.client * k * 1e3:.0f}+{p.backends * k * 1e3:.0f}+{p.background * k * 1e3:.0f}"

    parse, store, index = (phases[n] for n in PHASES)
    both = store.cpu + index.cpu
    return (
        f"{'':<40} {'cpu':<6} {'':<10} parse {cell(parse):>11}  store {cell(store):>13}  "
        f"index {cell(index):>13}   parse {posts / max(parse.cpu, 1e-9):>7,.0f}  "
        f"store {posts / max(store.cpu, 1e-9):>7,.0f}  index {posts / max(index.cpu, 1e-9):>7,.0f}  "
        f"store+index {posts / max(both, 1e-9):>7,.0f}  "
        f"(wall store {store.wall:.1f} s, index {index.wall:.1f} s)"
    )


if __name__ == "__main__":
    main()
