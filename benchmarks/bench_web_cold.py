"""Story pages on a cold server, warm, and with the credibility cache expiring: 20 clients on 127.0.0.1.

A story page shows each channel's credibility, learned from the store's recent stories
(``svodka.web.adapters.records``: a third of a second on the 22k store) and cached. The first requests of a
fresh server find the cache cold, and every ``RECORDS_TTL_S`` (300 s) it expires; this measures what the
clients see then. Each row starts a server process (``svodka.web`` under uvicorn, as ``svodka serve``):

- ``cold``: a fresh server, the clients start together on its first story request;
- ``warm``: the same server, the next window;
- ``expiring``: a fresh server whose cache expires every second (``--ttl``), warmed by one request first,
  so the window holds about one refresh per second.

The store is the real ``tg_ru_news_2024`` (22,099 posts) imported and processed by ``svodka process`` —
built once, if ``--db`` does not exist, with ``pipeline.embedder = "use"``. ``--src`` runs the server on
another checkout's sources (``../main/src``: the code before the single-flight cache) for a before/after
in one run.

    .venv/bin/python benchmarks/bench_web_cold.py [--db PATH] [--clients 20] [--seconds 5] [--src DIR]

Prints one row per scenario: requests, req/s, p50/p95/p99/max latency in ms, errors, and how many times
the server learned the records in that window (from its log).
"""

from __future__ import annotations

import argparse
import os
import re
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

import httpx

sys.path.insert(0, str(Path(__file__).resolve().parent))
from bench_web import CORPUS, PASSWORD, ROOT, client, load_average, pct

LEARNED = "svodka-bench: learned the credibility records"


def build(db: Path) -> None:
    """Import the real posts and run the story pipeline with USE (~2–10 min on two cores)."""
    cfg = db.with_suffix(".toml")
    cfg.write_text('[pipeline]\nembedder = "use"\n', encoding="utf-8")
    env = {**os.environ, "PYTHONPATH": str(ROOT / "src")}
    for cmd in (["import", str(CORPUS)], ["process"]):
        subprocess.run(
            [sys.executable, "-m", "svodka", "--db", str(db), "--config", str(cfg), *cmd], env=env, check=True
        )


def serve(db: str, port: int, src: str, ttl: float) -> None:
    """The server process, on the sources in ``src``; each computation of the records is logged."""
    sys.path.insert(0, src)
    from svodka.pipeline import credibility
    from svodka.store import open_store
    from svodka.web import adapters
    from svodka.web.app import create_app
    from svodka.web.auth import hash_password
    from svodka.web.server import serve as run

    real = credibility.learn_records

    def learn_records(*args: object, **kwargs: object) -> object:
        print(LEARNED, file=sys.stderr, flush=True)
        return real(*args, **kwargs)  # type: ignore[arg-type]

    credibility.learn_records = learn_records  # type: ignore[assignment]
    if hasattr(adapters, "learn_records"):  # imported by name at the module's top
        adapters.learn_records = learn_records  # type: ignore[attr-defined]
    if ttl:
        adapters.RECORDS_TTL_S = ttl
    store = open_store(db)
    try:
        store.users.get("bench")
    except Exception:
        store.users.add("bench", hash_password(PASSWORD), "viewer")
    run(create_app(store), port=port, log_level="warning")


class Server:
    def __init__(self, db: Path, src: Path, ttl: float) -> None:
        from svodka.web.server import free_port

        self.port = free_port()
        self.log = tempfile.TemporaryFile(mode="w+")  # noqa: SIM115  (closed in stop())
        self.proc = subprocess.Popen(
            [sys.executable, __file__, "--serve", str(db), str(self.port), str(src), str(ttl)],
            stderr=self.log,
        )
        self.base = f"http://127.0.0.1:{self.port}"
        for _ in range(600):
            try:
                httpx.get(self.base + "/login", timeout=2)
                return
            except httpx.TransportError:
                time.sleep(0.2)
        raise SystemExit("the server did not start")

    def learned(self) -> int:
        """How many times the server has learned the records so far."""
        self.log.seek(0)
        return self.log.read().count(LEARNED)

    def stop(self) -> None:
        self.proc.terminate()
        self.proc.wait(timeout=30)
        self.log.close()


def story_ids(db: Path) -> list[int]:
    import sqlite3

    conn = sqlite3.connect(db)
    ids = [r[0] for r in conn.execute("SELECT id FROM stories WHERE n_posts >= 2 ORDER BY id")]
    conn.close()
    return ids


def window(
    server: Server, ids: list[int], clients: int, seconds: float
) -> tuple[list[float], float, list[str]]:
    """Every client asks for random story pages for ``seconds``: latencies, wall time, errors."""
    out: list[float] = []
    errors: list[str] = []
    ready = threading.Barrier(clients + 1)
    threads = [
        threading.Thread(
            target=client, args=(server.base, "story", ready, {"stories": ids}, out, errors, seconds)
        )
        for _ in range(clients)
    ]
    for t in threads:
        t.start()
    ready.wait()
    t0 = time.perf_counter()
    for t in threads:
        t.join()
    return out, time.perf_counter() - t0, errors


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--db", type=Path, default=Path(tempfile.gettempdir()) / "svodka-bench-news22k.db")
    ap.add_argument("--clients", type=int, default=20)
    ap.add_argument("--seconds", type=float, default=5.0, help="per scenario")
    ap.add_argument("--ttl", type=float, default=1.0, help="the cache's lifetime in the expiring scenario")
    ap.add_argument("--src", type=Path, default=ROOT / "src", help="the sources the server runs")
    ap.add_argument("--serve", nargs=4, help=argparse.SUPPRESS)
    args = ap.parse_args()
    if args.serve:
        db, port, src, ttl = args.serve
        serve(db, int(port), src, float(ttl))
        return
    sys.path.insert(0, str(ROOT / "src"))
    if not args.db.exists():
        build(args.db)
    ids = story_ids(args.db)
    print(
        f"store: {args.db} ({len(ids):,} stories of 2+ posts); server sources: {args.src}; "
        f"{args.clients} clients, {args.seconds:.0f} s per scenario; {os.cpu_count()} cores, "
        f"load average before: {load_average()}"
    )
    print(
        f"{'scenario':<10} {'requests':>8} {'req/s':>7} {'p50 ms':>8} {'p95 ms':>8} {'p99 ms':>8} "
        f"{'max ms':>8} {'errors':>6} {'learned':>7}"
    )

    for name, ttl in (("cold", 0.0), ("expiring", args.ttl)):
        server = Server(args.db, args.src, ttl)
        try:
            rounds = ["cold", "warm"] if name == "cold" else ["expiring"]
            if name == "expiring":
                probe = httpx.Client(base_url=server.base, timeout=60)
                page = probe.get("/login")
                token = re.search(r'name="csrf_token" value="([^"]+)"', page.text).group(1)  # type: ignore[union-attr]
                probe.post("/login", data={"username": "bench", "password": PASSWORD, "csrf_token": token})
                probe.get(f"/stories/{ids[0]}")  # the records learned once: from now on they expire
            for scenario in rounds:
                before = server.learned()
                out, wall, errors = window(server, ids, args.clients, args.seconds)
                print(
                    f"{scenario:<10} {len(out):>8} {len(out) / wall:>7.1f} {pct(out, 0.5):>8.0f} "
                    f"{pct(out, 0.95):>8.0f} {pct(out, 0.99):>8.0f} {max(out) * 1000:>8.0f} "
                    f"{len(errors):>6} {server.learned() - before:>7}"
                    + (f"  e.g. {errors[0]}" if errors else ""),
                    flush=True,
                )
        finally:
            server.stop()
    print(f"load average after: {load_average()}")


if __name__ == "__main__":
    os.environ.setdefault("PYTHONUNBUFFERED", "1")
    main()
