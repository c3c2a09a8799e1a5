"""Rate (posts/s) and peak memory of `svodka store copy`: SQLite → PostgreSQL → SQLite, SQLite → SQLite.

A SQLite store of N posts is imported from a synthetic export (benchmarks/make_synthetic_export.py, real
texts), then copied by the real CLI, each copy its own process, so peak memory is that process's ru_maxrss
(os.wait4). The time includes the verification (every table read again on both sides for its checksum).
PostgreSQL is a throwaway server (svodka.store.postgres.scratch.PgServer), as the tests use.

    .venv/bin/python benchmarks/bench_store_copy.py                  # 100,000 posts
    .venv/bin/python benchmarks/bench_store_copy.py --posts 1000000  # the 1M-post store of issue 18 §2
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def run(args: list[str]) -> tuple[float, float, str]:
    """Run ``svodka ARGS``; returns (seconds, peak RSS in MiB, stdout's last line)."""
    env = {**os.environ, "PYTHONPATH": str(ROOT / "src")}
    with tempfile.TemporaryFile() as out, tempfile.TemporaryFile() as err:
        start = time.perf_counter()
        proc = subprocess.Popen([sys.executable, "-m", "svodka", *args], env=env, stdout=out, stderr=err)
        _, status, usage = os.wait4(proc.pid, 0)
        seconds = time.perf_counter() - start
        proc.returncode = os.waitstatus_to_exitcode(status)
        out.seek(0)
        err.seek(0)
        if proc.returncode:
            raise SystemExit(f"svodka {' '.join(args)} failed: {err.read().decode()[-500:]}")
        lines = out.read().decode().strip().splitlines()
    return seconds, usage.ru_maxrss / 1024, lines[-1] if lines else ""


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--posts", type=int, default=100_000)
    ap.add_argument("--no-postgresql", action="store_true", help="Only SQLite → SQLite.")
    args = ap.parse_args()
    with tempfile.TemporaryDirectory(prefix="svodka-bench-copy-") as tmp:
        export, src = Path(tmp) / "export.json", str(Path(tmp) / "src.db")
        posts = ["--posts", str(args.posts)]
        subprocess.run(
            [sys.executable, str(ROOT / "benchmarks" / "make_synthetic_export.py"), str(export), *posts],
            check=True,
        )
        secs, rss, _ = run(["--db", src, "import", str(export)])
        print(f"import {args.posts} posts into SQLite: {secs:.1f} s, peak {rss:.0f} MiB")
        copies = [("SQLite → SQLite", src, str(Path(tmp) / "copy.db"))]
        server = None
        if not args.no_postgresql:
            from svodka.store.postgres.scratch import PgServer, pg_bindir

            bindir = pg_bindir()
            if bindir is not None:
                server = PgServer(bindir)
                pg = server.new_database(Path(tmp), "bench")
                copies += [
                    ("SQLite → PostgreSQL", src, pg),
                    ("PostgreSQL → SQLite", pg, str(Path(tmp) / "back.db")),
                ]
        try:
            for name, a, b in copies:
                secs, rss, last = run(["store", "copy", a, b])
                print(
                    f"{name:<22} {secs:7.1f} s {args.posts / secs:9,.0f} posts/s peak {rss:5.0f} MiB ({last})"
                )
        finally:
            if server is not None:
                server.stop()


if __name__ == "__main__":
    main()
