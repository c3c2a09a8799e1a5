"""A digest's build time over a processed store, code trees side by side in one run.

    .venv/bin/python benchmarks/bench_digest_build.py \\
        --case DAY.db 2024-12-02 2024-12-03 --case TEN.db 2024-11-25 2024-12-05 \\
        --src ../main/src --src src --rounds 3

Each ``--case DB SINCE UNTIL`` is built (top 15, UTC days) with each ``--src`` tree (``PYTHONPATH``) in turn,
a fresh process for every build, as `svodka digest` builds one: the CPU time of ``build_digest`` alone (the
imports and the store's opening before it are not counted; CPU seconds, since on a shared machine the wall
clock mostly measures the others' load; wall seconds beside), and the digest's story ids, which must be the
same for every tree. The stores are read, never written (the digest is not saved); a store processed by a
newer tree can be read by an older one as long as no migration renamed what it reads.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
from pathlib import Path

BUILD = """
import json, sys, time
from datetime import datetime, UTC
from svodka.digest import DigestQuery, build_digest
from svodka.store import open_store
db, since, until = sys.argv[1:4]
store = open_store(db)
day = lambda d: datetime.fromisoformat(d).replace(tzinfo=UTC)
t, cpu = time.perf_counter(), time.process_time()
digest = build_digest(store, DigestQuery(day(since), day(until), top=15))
seconds, cpu = time.perf_counter() - t, time.process_time() - cpu
print(json.dumps({"seconds": seconds, "cpu": cpu, "ids": [i.card.story_id for i in digest.items],
                  "considered": digest.stories_considered}))
"""


def build(src: str, db: str, since: str, until: str) -> dict[str, object]:
    env = {**os.environ, "PYTHONPATH": str(Path(src).resolve())}
    done = subprocess.run(
        [sys.executable, "-c", BUILD, db, since, until], env=env, capture_output=True, text=True, check=True
    )
    out: dict[str, object] = json.loads(done.stdout.strip().splitlines()[-1])
    return out


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--case", nargs=3, action="append", metavar=("DB", "SINCE", "UNTIL"), required=True)
    ap.add_argument("--src", action="append", required=True, help="a code tree's src folder (repeatable)")
    ap.add_argument("--rounds", type=int, default=3)
    args = ap.parse_args()
    for db, since, until in args.case:
        times: dict[str, list[float]] = {src: [] for src in args.src}
        walls: dict[str, list[float]] = {src: [] for src in args.src}
        ids: dict[str, object] = {}
        considered = 0
        for _ in range(args.rounds):
            for src in args.src:  # interleaved: the machine's load falls on every tree alike
                r = build(src, db, since, until)
                times[src].append(float(str(r["cpu"])))
                walls[src].append(float(str(r["seconds"])))
                ids[src] = r["ids"]
                considered = int(str(r["considered"]))
        same = len({json.dumps(v) for v in ids.values()}) == 1
        print(f"{Path(db).name} {since}…{until}: {considered} stories considered; same top 15: {same}")
        base = statistics.median(times[args.src[0]])
        for src in args.src:
            med = statistics.median(times[src])
            each = " ".join(f"{t:.2f}" for t in times[src])
            wall = statistics.median(walls[src])
            print(
                f"  {src}: median {med:.2f} CPU s (each {each}; wall median {wall:.2f} s); "
                f"{base / med:.2f}× the first tree's speed"
            )


if __name__ == "__main__":
    main()
