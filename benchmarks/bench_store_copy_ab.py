"""Old code against new: `svodka store copy STORE → PostgreSQL` by each code tree's CLI in turn, one server.

    .venv/bin/python benchmarks/bench_store_copy_ab.py STORE.db --src ../main/src --src src

Each copy goes into a new database of a throwaway PostgreSQL server (svodka.store.postgres.scratch); prints
wall, the copying process's CPU and peak memory (os.wait4) and the CLI's last line.
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import time
from pathlib import Path

from svodka.store.postgres.scratch import PgServer, pg_bindir


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("store", help="a SQLite store, the source")
    ap.add_argument("--src", type=Path, action="append", required=True, help="a code tree's src/; repeatable")
    args = ap.parse_args()
    bindir = pg_bindir()
    if bindir is None:
        raise SystemExit("no initdb: PostgreSQL is not installed (scripts/system-deps.sh)")
    server = PgServer(bindir)
    try:
        for i, code in enumerate(p.resolve() for p in args.src):
            db = server.new_database("ab", f"ab{i}")
            start = time.perf_counter()
            proc = subprocess.Popen(
                [sys.executable, "-m", "svodka", "store", "copy", args.store, db],
                env={**os.environ, "PYTHONPATH": str(code)},
                stdout=subprocess.PIPE,
                text=True,
            )
            assert proc.stdout is not None
            out = proc.stdout.read()
            _, status, usage = os.wait4(proc.pid, 0)
            wall = time.perf_counter() - start
            last = out.strip().splitlines()[-1] if out.strip() else ""
            print(
                f"{code}: exit {os.waitstatus_to_exitcode(status)}, wall {wall:.1f} s, "
                f"cpu {usage.ru_utime + usage.ru_stime:.1f} s, peak {usage.ru_maxrss / 1024:.0f} MiB, "
                f"load {os.getloadavg()[0]:.1f}: {last}",
                flush=True,
            )
            server.drop_for("ab")
    finally:
        server.stop()


if __name__ == "__main__":
    main()
