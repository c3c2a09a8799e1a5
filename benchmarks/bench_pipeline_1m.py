"""Pipeline at scale: 1,000 new posts processed against a 1M-post store that is already processed.

    .venv/bin/python benchmarks/bench_pipeline_1m.py [--copies 48] [--batch 1000] [--embedder use]
        [--rebuild] [--profile] [--src DIR ...] [--build-src DIR] [--rounds N] [--no-seed]

1. Seed (cached in ``$TMPDIR/svodka-bench-1m-seed.db``): the tg_ru_news_2024 posts, all but the last
   ``--batch`` by date, imported and processed for real (normalise, language, ads, copies, embeddings,
   stories) with ``--embedder`` (USE-m3 by default: e5 would take an hour here).
2. Store (cached in ``$TMPDIR/svodka-bench-1m.db``): the seed replicated with SQL into ``--copies`` copies,
   copy k shifted back by 3k weeks, with new post ids, message ids and story ids — posts, post_analysis
   (origins remapped), cached vectors, story_posts, stories and aliases — and the pipeline's watermark
   set to the last post, so everything counts as processed. The full-text index is not built for the copies
   (``svodka process`` does not read it).
3. Run: the last ``--batch`` real posts (their real dates, after every stored post) imported into a copy of
   that store, then the real CLI ``svodka process --json`` in a subprocess: stage seconds from its report,
   wall time, peak memory (``ru_maxrss`` via ``os.wait4``). The same batch against a copy of the seed store
   (21k posts) is the reference: the difference is what the store's size costs.
``--backdated DAYS`` adds one post dated DAYS before the batch, as a channel's backlog import brings.
``--profile`` runs the 1M incremental in this process under cProfile and prints the top functions.

Old code against new in one run: ``--src ../base/src --src src --rounds 2`` runs the batch with each code
tree in turn (old, new, old, new: the machine's load falls on both alike). The seed and the store are built
once, by ``--build-src`` (default: the first ``--src``); a code tree with other migrations than the builder's
gets a migrated copy of each store, made once and cached (``…-m<hash>.db``; the migration's one-off seconds
are printed). The batch is imported and processed by each tree's own CLI (``python -m svodka`` with
``PYTHONPATH`` = that tree).
"""

from __future__ import annotations

import argparse
import cProfile
import hashlib
import json
import os
import pstats
import shutil
import sqlite3
import subprocess
import sys
import tempfile
import time
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
DATA = ROOT.parent / "shared" / "data" / "tg_ru_news_2024" / "posts.jsonl"
WATERMARK = "watermark"  # svodka.process.WATERMARK: the same key in every version

TMP = Path(tempfile.gettempdir())
WEEK = 7 * 86400
SHIFT = 3 * WEEK  # the dense part of tg_ru_news_2024 spans 20 days: copies tile it back in time
MSG_STEP = 1_000_000_000  # message ids of copy k: + k * MSG_STEP (unique per channel)


def load_average() -> str:
    return " ".join(f"{x:.1f}" for x in os.getloadavg())


def split_lines(batch: int) -> tuple[list[str], list[str]]:
    lines = DATA.read_text(encoding="utf-8").splitlines()
    lines.sort(key=lambda x: (json.loads(x)["date"], x))
    return lines[:-batch], lines[-batch:]


def write_jsonl(lines: list[str], path: Path) -> Path:
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def backdated(line: str, days: float) -> str:
    """``line``'s post as a backlog post ``days`` earlier, under a message id no copy uses."""
    rec = json.loads(line)
    date = datetime.fromisoformat(rec["date"]) - timedelta(days=days)
    return json.dumps({**rec, "date": date.isoformat(), "message_id": rec["message_id"] + MSG_STEP // 2})


def build_seed(path: Path, lines: list[str], embedder: str) -> None:
    from svodka.ingest import import_file
    from svodka.process import process
    from svodka.settings import defaults
    from svodka.sources.files import ReadOptions
    from svodka.store import open_store

    tmp = path.with_suffix(".building")
    for p in (tmp, Path(f"{tmp}-wal"), Path(f"{tmp}-shm")):
        p.unlink(missing_ok=True)
    src = write_jsonl(lines, TMP / "svodka-bench-1m-seed.jsonl")
    t = time.perf_counter()
    with open_store(tmp) as store:
        import_file(store, src, fmt="jsonl", options=ReadOptions())
        r = process(store, defaults(pipeline__embedder=embedder))
    wall = time.perf_counter() - t
    stages = ", ".join(f"{k} {v:.1f} s" for k, v in r.seconds.items())
    print(
        f"| seed: {r.posts:,} real posts imported + processed ({embedder}) | {wall:.0f} s; {stages}; "
        f"{r.ads} ads, {r.non_news} non-news, {r.copies} copies, {r.embedded} embedded, "
        f"{r.stories_new} stories "
        f"(load {load_average()}) |",
        flush=True,
    )
    checkpoint(tmp)
    tmp.rename(path)


def checkpoint(path: Path) -> None:
    conn = sqlite3.connect(path)
    conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    conn.close()


def columns(conn: sqlite3.Connection, table: str) -> list[str]:
    return [r[1] for r in conn.execute(f"PRAGMA table_info({table})")]


def replicate(conn: sqlite3.Connection, table: str, k: int, shifts: dict[str, str]) -> None:
    """INSERT copy k of ``table``: each column in ``shifts`` through its expression (``k`` bound)."""
    cols = columns(conn, table)
    exprs = [shifts.get(c, c).replace(":k", str(k)) for c in cols]
    where = shifts["_where"]
    sql = f"INSERT INTO {table} ({', '.join(cols)}) SELECT {', '.join(exprs)} FROM {table} WHERE {where}"
    conn.execute(sql)


def build_store(path: Path, seed: Path, copies: int) -> None:
    tmp = path.with_suffix(".building")
    for p in (tmp, Path(f"{tmp}-wal"), Path(f"{tmp}-shm")):
        p.unlink(missing_ok=True)
    t = time.perf_counter()
    shutil.copyfile(seed, tmp)
    conn = sqlite3.connect(tmp, isolation_level=None)
    conn.execute("PRAGMA journal_mode = WAL")
    conn.execute("PRAGMA synchronous = OFF")
    conn.execute("PRAGMA cache_size = -262144")
    post_step = conn.execute("SELECT MAX(id) FROM posts").fetchone()[0]
    story_step = conn.execute(
        "SELECT MAX(m) FROM (SELECT MAX(id) AS m FROM stories "
        "UNION ALL SELECT MAX(old_id) FROM story_aliases)"
    ).fetchone()[0]
    for table in ("post_versions", "deletions"):
        n = conn.execute(f"SELECT COUNT(*) FROM {table}").fetchone()[0]
        assert n == 0, f"seed has {n} rows in {table}: not replicated by this script"
    s = f":k * {SHIFT}"
    tables: dict[str, dict[str, str]] = {
        "posts": {
            "_where": f"id <= {post_step}",
            "id": f"id + :k * {post_step}",
            "message_id": f"message_id + :k * {MSG_STEP}",
            "date": f"date - {s}",
            "first_seen": f"first_seen - {s}",
            "last_seen": f"last_seen - {s}",
            "edited": f"edited - {s}",
            "deleted_at": f"deleted_at - {s}",
        },
        "post_analysis": {
            "_where": f"post_id <= {post_step}",
            "post_id": f"post_id + :k * {post_step}",
            "origin_post_id": f"origin_post_id + :k * {post_step}",
            "analysed_at": f"analysed_at - {s}",
        },
        "embeddings": {"_where": f"post_id <= {post_step}", "post_id": f"post_id + :k * {post_step}"},
        "stories": {
            "_where": f"id <= {story_step}",
            "id": f"id + :k * {story_step}",
            "first_date": f"first_date - {s}",
            "last_date": f"last_date - {s}",
            "created_at": f"created_at - {s}",
            "updated_at": f"updated_at - {s}",
        },
        "story_posts": {
            "_where": f"post_id <= {post_step}",
            "post_id": f"post_id + :k * {post_step}",
            "story_id": f"story_id + :k * {story_step}",
            "added_at": f"added_at - {s}",
        },
        "story_aliases": {
            "_where": f"old_id <= {story_step}",
            "old_id": f"old_id + :k * {story_step}",
            "story_id": f"story_id + :k * {story_step}",
            "merged_at": f"merged_at - {s}",
        },
    }
    for k in range(1, copies):
        conn.execute("BEGIN")
        for table, shifts in tables.items():
            replicate(conn, table, k, shifts)
        conn.execute("COMMIT")
        if k % 8 == 0:
            print(f"  copy {k}/{copies - 1}: {time.perf_counter() - t:.0f} s", flush=True)
    last = conn.execute("SELECT MAX(id) FROM posts").fetchone()[0]
    conn.execute("INSERT OR REPLACE INTO pipeline_state VALUES (?, ?)", (WATERMARK, last))
    counts = {
        t: conn.execute(f"SELECT COUNT(*) FROM {t}").fetchone()[0]
        for t in ("posts", "post_analysis", "embeddings", "story_posts", "stories", "story_aliases")
    }
    conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    conn.close()
    tmp.rename(path)
    size = path.stat().st_size >> 20
    print(
        f"| 1M store: seed × {copies} with SQL | {time.perf_counter() - t:.0f} s; "
        + ", ".join(f"{k} {v:,}" for k, v in counts.items())
        + f"; {size:,} MiB (load {load_average()}) |",
        flush=True,
    )


def cli_env(src: Path, **extra: str) -> dict[str, str]:
    return {**os.environ, "PYTHONPATH": str(src), **extra}


def migrations(src: Path) -> list[str]:
    return sorted(p.name for p in (src / "svodka" / "store" / "sqlite" / "migrations").glob("*.sql"))


def unlink_db(path: Path) -> None:
    for p in (path, Path(f"{path}-wal"), Path(f"{path}-shm")):
        p.unlink(missing_ok=True)


def copy_synced(src: Path, dst: Path) -> None:
    unlink_db(dst)
    shutil.copyfile(src, dst)
    with dst.open("rb+") as f:  # flush the copy now, or its writeback lands in the run's first fsync
        os.fsync(f.fileno())


def prepared(store: Path, src: Path, built_by: Path) -> Path:
    """``store`` as ``src``'s code opens it: itself, or (other migrations) a migrated copy, made once."""
    if migrations(src) == migrations(built_by):
        return store
    tag = hashlib.sha1("\n".join(migrations(src)).encode()).hexdigest()[:8]
    target = store.with_name(f"{store.stem}-m{tag}.db")
    if target.exists():
        return target
    tmp = target.with_suffix(".building")
    copy_synced(store, tmp)
    t = time.perf_counter()
    code = "import sys; from svodka.store import open_store; open_store(sys.argv[1]).close()"
    subprocess.run([sys.executable, "-c", code, str(tmp)], env=cli_env(src), check=True, cwd=TMP)
    sec = time.perf_counter() - t
    checkpoint(tmp)
    tmp.rename(target)
    new = sorted(set(migrations(src)) - set(migrations(built_by)))
    print(
        f"| migration of {store.name} by {src} ({', '.join(new)}), one-off | {sec:.1f} s; "
        f"{target.stat().st_size >> 20:,} MiB (load {load_average()}) |",
        flush=True,
    )
    return target


def fresh_copy(src_db: Path, batch_file: Path, code: Path) -> tuple[Path, float]:
    """A throwaway copy of ``src_db`` with the batch imported by ``code``'s CLI; returns it and the
    import's seconds (the CLI's own report: start-up not included)."""
    work = TMP / f"svodka-bench-1m-work-{src_db.stem}.db"
    copy_synced(src_db, work)
    cmd = [sys.executable, "-m", "svodka", "--db", str(work), "import", "--format", "jsonl", "--json"]
    out = subprocess.run(
        [*cmd, str(batch_file)], env=cli_env(code), cwd=TMP, capture_output=True, text=True, check=True
    ).stdout
    report = json.loads(out)[0]  # one report per file
    assert report["new"] > 0, report
    return work, float(report["seconds"])


def run_cli(db: Path, embedder: str, label: str, import_s: float, code: Path) -> dict[str, Any]:
    env = cli_env(code, SVODKA_DB=str(db), SVODKA_PIPELINE_EMBEDDER=embedder)
    t = time.perf_counter()
    proc = subprocess.Popen(
        [sys.executable, "-m", "svodka", "process", "--json"],
        env=env,
        cwd=TMP,
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        text=True,
    )
    assert proc.stdout is not None
    out = proc.stdout.read()
    _pid, status, usage = os.wait4(proc.pid, 0)
    wall = time.perf_counter() - t
    if status != 0:
        raise SystemExit(f"svodka process failed ({status}): {out[-2000:]}")
    r = json.loads(out)
    n = r["posts"]
    peak = usage.ru_maxrss / 1024
    print(
        f"| {label}: `svodka process` on {n:,} new posts | wall {wall:.1f} s ({n / wall:,.0f} posts/s), "
        f"peak {peak:.0f} MiB; import of the batch {import_s:.1f} s; "
        f"{r['ads']} ads, {r['copies']} copies, {r['embedded']} embedded, stories new "
        f"{r['stories_new']} / grown {r['stories_joined']} / merges {r['merges']} (load {load_average()}) |",
        flush=True,
    )
    for stage, sec in r["seconds"].items():
        rate = f"{n / sec:,.0f} posts/s" if sec > 0.001 else "-"
        print(f"|   {stage} | {sec:.2f} s ({rate}) |", flush=True)
    print(f"|   sum of stages (rest of wall: start-up, model loads) | {sum(r['seconds'].values()):.2f} s |")
    return {"label": label, "wall": wall, "peak": peak, "seconds": r["seconds"], "report": r}


def summary(runs: list[dict[str, Any]]) -> None:
    """Per code tree: each run's wall, peak and stages side by side; then the ratio of the means."""
    by: dict[str, list[dict[str, Any]]] = {}
    for r in runs:
        by.setdefault(r["label"], []).append(r)
    if len(by) < 2:
        return
    labels = list(by)
    stages = list(dict.fromkeys(s for r in runs for s in r["seconds"]))

    def mean(rs: list[dict[str, Any]], f: Any) -> float:
        return sum(f(r) for r in rs) / len(rs)

    print(f"\n| what | {' | '.join(labels)} | ratio {labels[-1]} / {labels[0]} (means) |")
    print("| --- |" + " ---: |" * (len(labels) + 1))
    rows = [("wall s", lambda r: r["wall"]), ("peak MiB", lambda r: r["peak"])]
    rows += [(f"{s} s", lambda r, s=s: r["seconds"].get(s, 0.0)) for s in stages]
    for name, f in rows:
        cells = [" / ".join(f"{f(r):.2f}" for r in by[lb]) for lb in labels]
        a, b = mean(by[labels[0]], f), mean(by[labels[-1]], f)
        ratio = f"{b / a:.2f}" if a > 0.001 else "-"
        print(f"| {name} | {' | '.join(cells)} | {ratio} |")


def profile(db: Path, embedder: str) -> None:
    from svodka.process import process
    from svodka.settings import defaults
    from svodka.store import open_store

    prof = cProfile.Profile()
    with open_store(db) as store:
        prof.enable()
        r = process(store, defaults(pipeline__embedder=embedder))
        prof.disable()
    print({k: round(v, 2) for k, v in r.seconds.items()})
    pstats.Stats(prof).sort_stats("cumulative").print_stats(30)
    pstats.Stats(prof).sort_stats("tottime").print_stats(20)


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--copies", type=int, default=48)
    ap.add_argument("--batch", type=int, default=1000)
    ap.add_argument("--embedder", default="use")
    ap.add_argument("--rebuild", action="store_true", help="Rebuild the 1M store (the seed stays cached).")
    ap.add_argument("--profile", action="store_true")
    ap.add_argument(
        "--backdated",
        type=float,
        default=0,
        help="Add one post dated this many days before the batch (a backlog post of a channel).",
    )
    ap.add_argument(
        "--src",
        type=Path,
        action="append",
        help="A code tree's src/ folder to run the batch with; repeat to compare (default: this tree's).",
    )
    ap.add_argument(
        "--build-src", type=Path, help="The code that builds seed and store (default: first --src)."
    )
    ap.add_argument("--rounds", type=int, default=1, help="Run every --src this many times, interleaved.")
    ap.add_argument("--no-seed", action="store_true", help="Skip the reference runs on the seed store.")
    args = ap.parse_args()
    srcs = [p.resolve() for p in (args.src or [ROOT / "src"])]
    build_src = (args.build_src or srcs[0]).resolve()
    sys.path.insert(0, str(build_src))
    seed_lines, batch_lines = split_lines(args.batch)
    seed = TMP / f"svodka-bench-1m-seed-{args.embedder}.db"
    big = TMP / f"svodka-bench-1m-{args.embedder}-{args.copies}.db"
    if not seed.exists():
        build_seed(seed, seed_lines, args.embedder)
    if args.rebuild:
        big.unlink(missing_ok=True)
    if not big.exists():
        build_store(big, seed, args.copies)
    if args.backdated:
        batch_lines = [*batch_lines, backdated(batch_lines[0], args.backdated)]
    batch_file = write_jsonl(batch_lines, TMP / "svodka-bench-1m-batch.jsonl")
    stores = [] if args.no_seed else [("seed store (21k)", seed)]
    stores.append((f"1M store ({args.copies} copies)", big))
    ready = {(src, db): prepared(db, src, build_src) for src in srcs for _, db in stores}
    runs: list[dict[str, Any]] = []
    for _round in range(args.rounds):
        for src in srcs:
            name = src.parent.name if src.name == "src" else src.name
            for label, db in stores:
                work, import_s = fresh_copy(ready[src, db], batch_file, src)
                if args.profile and db == big:
                    profile(work, args.embedder)
                else:
                    tag = f"{name}, {label}" if len(srcs) > 1 else label
                    r = run_cli(work, args.embedder, tag, import_s, src)
                    if db == big:
                        runs.append({**r, "label": name})
                unlink_db(work)
    summary(runs)


if __name__ == "__main__":
    main()
