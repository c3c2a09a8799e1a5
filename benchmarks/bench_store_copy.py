"""Rate (posts/s) and peak memory of `svodka store copy`: SQLite → PostgreSQL → SQLite, SQLite → SQLite.

The source is a SQLite store: ``--store PATH`` (e.g. the 1M-post store of benchmarks/bench_pipeline_1m.py,
``$TMPDIR/svodka-bench-1m-use-48.db``: posts, analysis, vectors, stories), or one imported from a synthetic
export of ``--posts`` posts (benchmarks/make_synthetic_export.py, real texts). Each copy is the real CLI in
its own process, so its peak memory is that process's ru_maxrss (os.wait4); the PostgreSQL server's is the
largest VmHWM of its processes, sampled every half second (shared buffers included). The CLI reports the
copy's seconds (with the source's checksums, taken from the rows as they are copied) apart from the
verification's (the destination read back and hashed), and each table's copy seconds.
PostgreSQL is a throwaway server (svodka.store.postgres.scratch.PgServer, fsync off), as the tests use; its
folder is made under $TMPDIR.

    .venv/bin/python benchmarks/bench_store_copy.py                  # 100,000 synthetic posts
    .venv/bin/python benchmarks/bench_store_copy.py --store $TMPDIR/svodka-bench-1m-use-48.db --kill

``--kill``: the PostgreSQL → SQLite copy is killed (SIGKILL) once a random share of the rows is committed
and run again, which must say it resumed, copy only the rows left and verify equal; its figures are then
both runs together (seconds summed, the larger peak).
"""

from __future__ import annotations

import argparse
import os
import random
import signal
import sqlite3
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
ENV = {**os.environ, "PYTHONPATH": str(ROOT / "src")}


class ServerPeak:
    """The largest VmHWM (MiB) of any process of the PostgreSQL server whose postmaster is ``pid``, sampled
    every half second while in use."""

    def __init__(self, pid: int) -> None:
        self.pid, self.peak, self._stop = pid, 0.0, threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def __enter__(self) -> ServerPeak:
        self.peak = 0.0
        self._stop.clear()
        self._thread = threading.Thread(target=self._run, daemon=True)
        self._thread.start()
        return self

    def __exit__(self, *_: object) -> None:
        self._stop.set()
        self._thread.join()

    def _run(self) -> None:
        while not self._stop.wait(0.5):
            for pid in [self.pid, *children(self.pid)]:
                self.peak = max(self.peak, vm_hwm(pid))


def children(pid: int) -> list[int]:
    try:
        return [int(p) for p in Path(f"/proc/{pid}/task/{pid}/children").read_text().split()]
    except OSError:
        return []


def vm_hwm(pid: int) -> float:
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
    except OSError:
        pass
    return 0.0


def run(args: list[str]) -> tuple[float, float, list[str]]:
    """Run ``svodka ARGS``; returns (seconds, peak RSS in MiB, stdout's lines)."""
    with tempfile.TemporaryFile() as out, tempfile.TemporaryFile() as err:
        start = time.perf_counter()
        proc = subprocess.Popen([sys.executable, "-m", "svodka", *args], env=ENV, stdout=out, stderr=err)
        _, status, usage = os.wait4(proc.pid, 0)
        seconds = time.perf_counter() - start
        out.seek(0)
        err.seek(0)
        if os.waitstatus_to_exitcode(status):
            raise SystemExit(f"svodka {' '.join(args)} failed: {err.read().decode()[-500:]}")
        lines = out.read().decode().strip().splitlines()
    return seconds, usage.ru_maxrss / 1024, lines


def posts_in(path: str) -> int:
    conn = sqlite3.connect(path)
    try:
        return int(conn.execute("SELECT COUNT(*) FROM posts").fetchone()[0])
    finally:
        conn.close()


def report(name: str, posts: int, secs: float, rss: float, lines: list[str], server: float | None) -> None:
    srv = f", server peak {server:.0f} MiB" if server is not None else ""
    print(f"{name:<22} {secs:7.1f} s {posts / secs:9,.0f} posts/s peak {rss:5.0f} MiB{srv}", flush=True)
    print(f"    {lines[-1]}", flush=True)
    for line in lines[1:-1]:
        cells = line.split()
        if int(cells[1]) >= 1000 or "MISMATCH" in line:
            print(f"    {line}", flush=True)


def committed(url: str) -> int:
    """Rows the copy into ``url`` (a SQLite file or a PostgreSQL URL) has committed so far."""
    query = "SELECT COALESCE(SUM(rows), 0) FROM copy_progress"
    if url.startswith("postgresql"):
        import psycopg

        with psycopg.connect(url) as conn:
            row = conn.execute(query).fetchone()
    else:
        try:
            lite = sqlite3.connect(f"file:{url}?mode=ro", uri=True, timeout=30)
            row = lite.execute(query).fetchone()
            lite.close()
        except sqlite3.Error:  # not made yet, or its migrations still running
            return 0
    return int(row[0]) if row else 0


def killed_and_resumed(src: str, dst: str, rows: int) -> tuple[float, float, list[str], str]:
    """Copy ``src`` to ``dst``, SIGKILL it once it has committed a random share of the ``rows`` to copy (a
    point inside a table's batches or between two tables), run it again: it must say it resumed, copy only
    the rows left and verify equal. Returns both runs' seconds, the larger peak (MiB), the second run's
    output and what happened."""
    target = int(random.uniform(0.1, 0.9) * rows)
    start = time.perf_counter()
    proc = subprocess.Popen(
        [sys.executable, "-m", "svodka", "store", "copy", src, dst],
        env=ENV,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    while proc.poll() is None and committed(dst) < target:
        time.sleep(0.5)
    if proc.poll() is not None:
        raise SystemExit(f"the copy ended before {target:,} rows were committed")
    os.kill(proc.pid, signal.SIGKILL)
    _, _, usage = os.wait4(proc.pid, 0)
    at, done = time.perf_counter() - start, committed(dst)
    secs, rss, lines = run(["store", "copy", src, dst])
    assert "(resumed)" in lines[-1] and not any("MISMATCH" in ln for ln in lines), lines[-1]
    again = int(lines[-1].split()[1])
    assert again == rows - done, f"the rerun copied {again:,} rows, {rows - done:,} were left"
    what = f"killed (SIGKILL) at {at:.0f} s with {done:,} of {rows:,} rows committed, resumed: verified equal"
    return at + secs, max(rss, usage.ru_maxrss / 1024), lines, what


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--posts", type=int, default=100_000, help="posts of a synthetic store (no --store)")
    ap.add_argument("--store", help="an existing SQLite store as the source (left as it is)")
    ap.add_argument("--no-postgresql", action="store_true", help="Only SQLite → SQLite.")
    ap.add_argument("--no-sqlite-copy", action="store_true", help="Leave out SQLite → SQLite.")
    ap.add_argument("--kill", action="store_true", help="Kill -9 the copy back to SQLite, then resume it.")
    args = ap.parse_args()
    with tempfile.TemporaryDirectory(prefix="svodka-bench-copy-") as tmp:
        if args.store:
            src = args.store
        else:
            export, src = Path(tmp) / "export.json", str(Path(tmp) / "src.db")
            subprocess.run(
                [
                    sys.executable,
                    str(ROOT / "benchmarks" / "make_synthetic_export.py"),
                    str(export),
                    "--posts",
                    str(args.posts),
                ],
                check=True,
            )
            secs, rss, _ = run(["--db", src, "import", str(export)])
            export.unlink()
            print(f"import {args.posts} posts into SQLite: {secs:.1f} s, peak {rss:.0f} MiB")
        posts = posts_in(src)
        print(
            f"source: {src}, {posts:,} posts, {Path(src).stat().st_size >> 20:,} MiB"
            f" (load {os.getloadavg()[0]:.1f})"
        )
        if not args.no_sqlite_copy:
            copy = Path(tmp) / "copy.db"
            secs, rss, lines = run(["store", "copy", src, str(copy)])
            report("SQLite → SQLite", posts, secs, rss, lines, None)
            for p in Path(tmp).glob("copy.db*"):
                p.unlink()
        if args.no_postgresql:
            return
        from svodka.store.postgres.scratch import PgServer, pg_bindir

        bindir = pg_bindir()
        if bindir is None:
            raise SystemExit("no initdb: PostgreSQL is not installed (scripts/system-deps.sh)")
        server = PgServer(bindir)
        try:
            postmaster = int((server.dir / "data" / "postmaster.pid").read_text().split()[0])
            pg = server.new_database(Path(tmp), "bench")
            with ServerPeak(postmaster) as peak:
                secs, rss, lines = run(["store", "copy", src, pg])
            report("SQLite → PostgreSQL", posts, secs, rss, lines, peak.peak)
            rows = int(lines[-1].split()[1])
            back = str(Path(tmp) / "back.db")
            with ServerPeak(postmaster) as peak:
                if args.kill:
                    secs, rss, lines, what = killed_and_resumed(pg, back, rows)
                    print(what, flush=True)
                else:
                    secs, rss, lines = run(["store", "copy", pg, back])
            report("PostgreSQL → SQLite", posts, secs, rss, lines, peak.peak)
            for p in Path(tmp).glob("back.db*"):
                p.unlink()
            server.drop_for(Path(tmp))
        finally:
            server.stop()


if __name__ == "__main__":
    main()
