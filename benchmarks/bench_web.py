"""Load test of the web app: a store of 1,000,000 posts, 20 concurrent clients on 127.0.0.1.

The store is synthesised with SQL from the 22,099 real posts of ``tg_ru_news_2024`` (copies shifted by
whole weeks, spread over 5× the channels, every tenth copy a forward of another channel, random views),
plus the hand-labelled day of ``stories_dev``, whose 147 gold stories are saved in the store's story
repository (as the story stage saves its own). The real posts' languages are told by the pipeline's language
stage (stored in ``post_analysis`` as `svodka process` stores them); each copy gets its original's. The SQL
copies bypass full-text indexing, so the build indexes them once (``store.posts.index_pending()``).
The server runs in its own process (``svodka.web`` under uvicorn, as ``svodka serve`` runs it); the
clients are threads of this process, each logged in with its own session, for a bounded time per scenario.
With ``--workers N`` the server is N uvicorn processes (``svodka.web.server.serve_workers``); its CPU time and
peak RSS are then those of every process it runs.

    .venv/bin/python benchmarks/bench_web.py [--posts 1000000] [--clients 20] [--seconds 20] [--db PATH]
        [--scenarios story,stories-newest,stories-day,...]   # a few of them, in this order (default: all)
        [--src ../main/src --src src]   # the server on each checkout's sources in turn, for a before/after
        [--workers N]   # the server as `svodka serve --workers N` runs it: N processes on one port
        [--warm]   # every story page asked once before the story scenario: the windows see a warm server

The stories browser's scenarios (``BROWSER``) each ask one fixed page: the default (the day before the newest
post), the busy gold day, every story by size / first seen / last activity, page 50 by size, the JSON API with
200 rows, and the gold day in the Russian interface (``lang=ru``).

Prints one row per scenario: requests, req/s, p50/p95/p99 latency in ms, errors, the server's CPU time per
request; the load average before and after; and the server's peak RSS.
"""

from __future__ import annotations

import argparse
import itertools
import os
import random
import re
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx

ROOT = Path(__file__).resolve().parent.parent
SHARED = ROOT.parent / "shared" / "data"
CORPUS = SHARED / "tg_ru_news_2024" / "posts.jsonl"
GOLD = SHARED / "stories_dev"
WORDS = [
    "Байден",
    "Трамп",
    "Москва",
    "выборы",
    "Украина",
    "ставка",
    "Сирия",
    "биткоин",
    "пожар",
    "суд",
    "Грузия",
    "нефть",
    "ЦБ",
    "Путин",
    "дрон",
    '"ключевая ставка"',
    "санкции",
    "армия",
    "школа",
    "погода",
]
PASSWORD = "bench-password-1"


def build(db: Path, posts: int) -> None:
    """The store: real posts imported once, then copied with SQL until it holds ``posts`` posts."""
    sys.path.insert(0, str(ROOT / "src"))
    from svodka.ingest import import_file
    from svodka.store import open_store
    from svodka.web.auth import hash_password

    t0 = time.perf_counter()
    store = open_store(db)
    import_file(store, CORPUS)
    base = store.posts.count()
    copies = max(0, -(-(posts - base) // base))
    with store.db.write() as conn:  # type: ignore[attr-defined]
        n_channels = conn.execute("SELECT MAX(id) FROM channels").fetchone()[0]
        # Four more channels per real one, so statistics and filters see ~120 channels.
        conn.execute(
            "INSERT INTO channels (platform, handle, ext_id, title, added_at) "
            "SELECT 'telegram', 'syn' || g.k || '_' || c.id, CAST(900000000000 + g.k * 1000 + c.id AS TEXT), "
            "c.title || ' · ' || g.k, c.added_at FROM channels c, "
            "(SELECT 1 AS k UNION ALL SELECT 2 UNION ALL SELECT 3 UNION ALL SELECT 4) g"
        )
        conn.execute(
            f"""
            WITH RECURSIVE k(n) AS (SELECT 1 UNION ALL SELECT n + 1 FROM k WHERE n < {copies})
            INSERT INTO posts (channel_id, message_id, date, text, views, forwards, fwd_platform, fwd_ext_id,
                               fwd_message_id, content_hash, first_seen, last_seen)
            SELECT CASE WHEN k.n % 5 = 0 THEN p.channel_id ELSE {n_channels} * (k.n % 5) + p.channel_id END,
                   p.message_id + k.n * 10000000, p.date - k.n * 7 * 86400, p.text,
                   abs(random()) % 200000, abs(random()) % 500,
                   CASE WHEN k.n % 10 = 0 THEN 'telegram' END,
                   CASE WHEN k.n % 10 = 0
                        THEN (SELECT ext_id FROM channels WHERE id = 1 + (p.channel_id % 24)) END,
                   CASE WHEN k.n % 10 = 0 THEN p.message_id END,
                   p.content_hash, p.first_seen, p.last_seen
              FROM posts p, k WHERE p.id <= {base}
            """
        )
        conn.execute(f"DELETE FROM posts WHERE id > {posts} AND id > {base}")
    t1 = time.perf_counter()
    indexed = store.posts.index_pending()  # the SQL copies bypass indexing: index them once, here
    print(f"indexed {indexed:,} posts for full-text search in {time.perf_counter() - t1:.0f} s", flush=True)
    analyse_languages(store, base)
    store.users.add("bench", hash_password(PASSWORD), "admin")
    if GOLD.exists():  # the gold stories, kept by the store's story repository as the pipeline keeps them
        sys.path.insert(0, str(ROOT / "tests"))
        from test_web_support import keep_stories

        keep_stories(store, gold_day_stories(store))
        copy_stories(store, copies)
    print(
        f"built {store.posts.count():,} posts ({base:,} real, {copies} copies) "
        f"in {time.perf_counter() - t0:.0f} s",
        flush=True,
    )
    store.close()


STORY_STRIDE = 1_000_000  # a copied story's id: its gold story's + STORY_STRIDE × the copy's week


def copy_stories(store: Any, copies: int) -> None:
    """The gold stories once more in every copied week, over the copies of their posts (same channel
    mapping and message ids as ``build``), so the browser pages a few thousand stories, not 147."""
    t0 = time.perf_counter()
    with store.db.write() as conn:
        n_channels = conn.execute("SELECT COUNT(*) / 5 FROM channels").fetchone()[0]  # real + 4 × syn
        top = conn.execute("SELECT MAX(id) FROM stories").fetchone()[0] or 0
        assert top < STORY_STRIDE, top
        weeks = f"WITH RECURSIVE k(n) AS (SELECT 1 UNION ALL SELECT n + 1 FROM k WHERE n < {copies}) "
        conn.execute(
            weeks + "INSERT INTO stories (id, first_date, last_date, n_posts, created_at, updated_at) "
            f"SELECT s.id + k.n * {STORY_STRIDE}, s.first_date - k.n * 604800, s.last_date - k.n * 604800, "
            f"s.n_posts, s.created_at, s.updated_at FROM stories s, k WHERE s.id < {STORY_STRIDE}"
        )
        conn.execute(
            weeks + "INSERT INTO story_posts (post_id, story_id, similarity, added_at) "
            f"SELECT q.id, sp.story_id + k.n * {STORY_STRIDE}, sp.similarity, sp.added_at "
            "FROM story_posts sp JOIN posts p ON p.id = sp.post_id CROSS JOIN k "
            "JOIN posts q ON q.channel_id = CASE WHEN k.n % 5 = 0 THEN p.channel_id "
            f"ELSE {n_channels} * (k.n % 5) + p.channel_id END "
            "AND q.message_id = p.message_id + k.n * 10000000 "
            f"WHERE sp.story_id < {STORY_STRIDE}"
        )
        conn.execute(  # the last week may be cut short by --posts: its stories keep the posts there are
            "UPDATE stories SET n_posts = "
            "(SELECT COUNT(*) FROM story_posts sp WHERE sp.story_id = stories.id) "
            f"WHERE id >= {STORY_STRIDE}"
        )
        conn.execute(f"DELETE FROM stories WHERE id >= {STORY_STRIDE} AND n_posts = 0")
        n, members = conn.execute("SELECT COUNT(*), SUM(n_posts) FROM stories").fetchone()
    print(
        f"stories copied to every week: {n:,} stories of {members:,} posts "
        f"in {time.perf_counter() - t0:.0f} s"
    )


def analyse_languages(store: Any, base: int) -> None:
    """The pipeline's language stage over the real posts (as `svodka process` stores it), copied to copies."""
    from svodka.pipeline.language import detect_language
    from svodka.pipeline.normalize import normalize, text_hash
    from svodka.store.sqlite.stories import PostAnalysis

    t0 = time.perf_counter()
    rows = []
    for p in itertools.takewhile(lambda p: p.id <= base, store.posts.iter()):
        norm = normalize(p.text)
        rows.append(PostAnalysis(p.id, detect_language(norm), False, None, norm, text_hash(norm)))
    store.analysis.save(rows)
    with store.db.write() as conn:  # a copy has its original's text, so its language
        conn.execute(
            "CREATE TEMP TABLE lang AS SELECT p.content_hash AS h, MIN(a.language) AS language "
            "FROM posts p JOIN post_analysis a ON a.post_id = p.id "
            f"WHERE p.id <= {base} GROUP BY p.content_hash"
        )
        conn.execute("CREATE UNIQUE INDEX temp.lang_h ON lang(h)")
        conn.execute(
            "INSERT OR IGNORE INTO post_analysis "
            "(post_id, language, is_ad, norm_text, text_hash, analysed_at) "
            "SELECT p.id, l.language, 0, '', 0, p.first_seen "
            f"FROM posts p JOIN lang l ON l.h = p.content_hash WHERE p.id > {base}"
        )
        conn.execute("DROP TABLE temp.lang")
    with store.db.read() as conn:
        langs = dict(
            conn.execute(
                "SELECT language, COUNT(*) FROM post_analysis GROUP BY language ORDER BY 2 DESC LIMIT 4"
            ).fetchall()
        )
    print(f"languages told in {time.perf_counter() - t0:.0f} s: {langs}", flush=True)


def gold_day_stories(store: Any) -> list[Any]:
    """The 147 hand-labelled stories of stories_dev, over the real posts of that day in ``store``."""
    from svodka.evaluate.gold import group_by_labels, read_labels

    labels, _titles = read_labels(GOLD)
    tg = {c.id: c.tg_id for c in store.channels.list()}
    day = datetime(2024, 11, 30, tzinfo=UTC)  # the labelled day; its posts are among the real ones
    return group_by_labels(store.posts.iter(since=day, until=day + timedelta(days=1)), labels, tg.get).stories


BUSY_DAY = "2024-11-30"  # the hand-labelled day: the gold stories, the busiest day of the story repository
BROWSER = {  # the stories browser (web/stories_browser.py): one fixed path per scenario
    "stories-newest": "/stories",  # default: the day before the newest post
    "stories-day": f"/stories?day={BUSY_DAY}",
    "stories-size": "/stories?hours=0&sort=size",  # every story, largest first
    "stories-first": "/stories?hours=0&sort=first",
    "stories-recent": "/stories?hours=0&sort=recent",
    "stories-deep": "/stories?hours=0&sort=size&page=50",
    "api-stories": "/api/stories?hours=0&limit=200",
    "stories-ru": f"/stories?day={BUSY_DAY}&lang=ru",  # the Russian interface
}
SCENARIOS = "story,stories,post,channel,search,search-page2,search-filtered,search-language," + ",".join(
    BROWSER
)


def scenario_path(scenario: str, rnd: random.Random, ids: dict[str, list[int]]) -> str:
    """The next request of a client running ``scenario``."""
    if scenario in BROWSER:
        return BROWSER[scenario]
    if scenario == "story":
        return f"/stories/{rnd.choice(ids['stories'])}"
    if scenario == "stories":  # the browser mixed: the gold day by sources, or every story by size, a page
        return rnd.choice(
            [f"/stories?day={BUSY_DAY}", f"/stories?hours=0&sort=size&page={rnd.randint(1, 5)}"]
        )
    if scenario == "post":
        return f"/posts/{rnd.randint(1, ids['posts'][0])}"
    if scenario == "channel":
        return f"/channels/{rnd.choice(ids['channels'])}"
    if scenario == "search":
        return f"/search?q={rnd.choice(WORDS)}"
    if scenario == "search-page2":  # posts only: stories are searched on page 1
        return f"/search?q={rnd.choice(WORDS)}&page=2"
    if scenario == "search-language":
        return f"/search?q={rnd.choice(WORDS)}&language=ru"
    if scenario == "search-filtered":  # page 2 within half a year
        return f"/search?q={rnd.choice(WORDS)}&page=2&since=2024-06-01&until=2024-12-31"
    raise SystemExit(f"unknown scenario {scenario!r}; one of {SCENARIOS}")


def serve(db: str, port: int, src: str, workers: int = 1) -> None:
    """The server process: the app over ``db``, on the sources in ``src`` (``workers`` processes)."""
    sys.path.insert(0, src)
    if (
        workers > 1
    ):  # as `svodka serve --workers N`: each spawned worker opens the store the environment names
        from svodka.web.server import serve_workers

        os.environ["SVODKA_STORE_DB"] = db
        os.environ["PYTHONPATH"] = os.pathsep.join([src, *filter(None, [os.environ.get("PYTHONPATH")])])
        serve_workers(workers, port=port, log_level="warning")
        return
    from svodka.store import open_store
    from svodka.web.app import create_app
    from svodka.web.server import serve as run

    run(create_app(open_store(db)), port=port, log_level="warning")


def log_in(c: httpx.Client) -> None:
    """Log ``c`` in as the bench user. The app checks one try of a (name, address) pair at a time and answers
    429 to the others (web/auth.login), so 20 clients logging in at once wait their turn."""
    for _ in range(200):
        page = c.get("/login")
        token = re.search(r'name="csrf_token" value="([^"]+)"', page.text).group(1)  # type: ignore[union-attr]
        r = c.post("/login", data={"username": "bench", "password": PASSWORD, "csrf_token": token})
        if r.status_code == 303:
            return
        if r.status_code != 429:
            raise SystemExit(f"login failed: {r.status_code}")
        time.sleep(random.uniform(0.05, 0.5))
    raise SystemExit("login: still 429 after 200 tries")


def client(
    base: str,
    scenario: str,
    ready: threading.Barrier,
    ids: dict[str, list[int]],
    out: list[float],
    errors: list[str],
    seconds: float,
) -> None:
    rnd = random.Random(threading.get_ident())
    with httpx.Client(base_url=base, timeout=60) as c:
        try:
            log_in(c)
        except BaseException:
            ready.abort()  # the run stops rather than waiting for this client
            raise
        ready.wait()  # every client logged in: the timed part starts together
        stop = time.perf_counter() + seconds
        while time.perf_counter() < stop:
            path = scenario_path(scenario, rnd, ids)
            t = time.perf_counter()
            r = c.get(path)
            out.append(time.perf_counter() - t)
            if r.status_code != 200:
                errors.append(f"{r.status_code} {path}")


def processes(pid: int) -> list[int]:
    """``pid`` and the processes it started, theirs too (the workers of ``--workers N``)."""
    parents: dict[int, int] = {}
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            parents[int(stat.parent.name)] = int(stat.read_text().rsplit(")", 1)[1].split()[1])
        except (OSError, ValueError):
            continue  # ended meanwhile
    found = [pid]
    for p in found:
        found += [c for c, parent in parents.items() if parent == p]
    return found


def cpu_seconds(pid: int) -> float:
    """CPU time (user + system, all threads) the server's processes have used: a figure the machine's load
    does not inflate the way it inflates latency."""
    total = 0
    for p in processes(pid):
        try:
            fields = Path(f"/proc/{p}/stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        total += int(fields[11]) + int(fields[12])
    return total / os.sysconf("SC_CLK_TCK")


def load_average() -> str:
    return " ".join(f"{x:.1f}" for x in os.getloadavg())


def pct(values: list[float], q: float) -> float:
    return sorted(values)[min(len(values) - 1, int(q * len(values)))] * 1000


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--posts", type=int, default=1_000_000)
    ap.add_argument("--clients", type=int, default=20)
    ap.add_argument("--seconds", type=float, default=20.0, help="per scenario")
    ap.add_argument("--db", type=Path, default=Path(tempfile.gettempdir()) / "svodka-bench-web.db")
    ap.add_argument("--rebuild", action="store_true")
    ap.add_argument(
        "--scenarios",
        default=SCENARIOS,
        help="comma-separated, run in this order (default: all): %(default)s",
    )
    ap.add_argument(
        "--src",
        action="append",
        help="run the server on these sources (repeat it: each in turn, one store; default: this checkout's)",
    )
    ap.add_argument("--workers", type=int, default=1, help="server processes (svodka serve --workers)")
    ap.add_argument(
        "--warm",
        action="store_true",
        help="ask every story page once before the story scenario's first window (a server that has run)",
    )
    ap.add_argument("--serve", nargs=4, metavar=("DB", "PORT", "SRC", "WORKERS"), help=argparse.SUPPRESS)
    args = ap.parse_args()
    if args.serve:
        serve(args.serve[0], int(args.serve[1]), args.serve[2], int(args.serve[3]))
        return
    unknown = set(args.scenarios.split(",")) - set(SCENARIOS.split(","))
    if unknown:
        sys.exit(f"unknown scenarios {', '.join(sorted(unknown))}; known: {SCENARIOS}")
    if not CORPUS.exists():
        sys.exit(f"needs the real posts at {CORPUS}")
    if args.rebuild or not args.db.exists():
        for f in args.db.parent.glob(args.db.name + "*"):
            f.unlink()
        build(args.db, args.posts)
    for src in args.src or [str(ROOT / "src")]:
        run_server(args, str(Path(src).resolve()))


def run_server(args: argparse.Namespace, src: str) -> None:
    """Serve the store from the sources in ``src`` and run the scenarios against it."""
    sys.path.insert(0, str(ROOT / "src"))
    from svodka.web.server import free_port

    port = free_port()
    server = subprocess.Popen(
        [sys.executable, __file__, "--serve", str(args.db), str(port), src, str(args.workers)]
    )
    base = f"http://127.0.0.1:{port}"
    try:
        for _ in range(600):
            try:
                httpx.get(base + "/login", timeout=2)
                break
            except httpx.TransportError:
                time.sleep(0.5)
        import sqlite3

        conn = sqlite3.connect(args.db)
        ids = {
            "posts": [conn.execute("SELECT MAX(id) FROM posts").fetchone()[0]],
            "channels": [r[0] for r in conn.execute("SELECT id FROM channels")],
        }
        total = ids["posts"][0]
        conn.close()
        probe = httpx.Client(base_url=base, timeout=60)
        log_in(probe)
        stories = probe.get("/api/stories", params={"limit": 200, "hours": 0})  # every story
        ids["stories"] = [s["id"] for s in stories.json()["stories"]] if stories.status_code == 200 else []
        print(f"server on {src}" + (f", {args.workers} worker processes" if args.workers > 1 else ""))
        print(
            f"store: {total:,} posts, {len(ids['channels'])} channels, {len(ids['stories'])} stories; "
            f"{args.clients} clients, {args.seconds:.0f} s per scenario; {os.cpu_count()} cores, "
            f"load average before: {load_average()}"
        )
        print(
            f"{'scenario':<16} {'requests':>8} {'req/s':>7} {'p50 ms':>8} {'p95 ms':>8} {'p99 ms':>8} "
            f"{'errors':>6} {'CPU ms/req':>9}"
        )
        warmed = False
        for scenario in args.scenarios.split(","):
            if scenario == "story" and not ids["stories"]:
                print("story: no stories in this store (skipped)")
                continue
            probe.get(
                BROWSER.get(scenario)
                or {
                    "story": f"/stories/{ids['stories'][0] if ids['stories'] else 1}",
                    "channel": "/channels/1",
                }.get(scenario, "/search?q=Москва")
            )  # warm caches the way a running server has them
            if args.warm and scenario == "story" and not warmed:
                t = time.perf_counter()
                for sid in ids["stories"]:  # every story the scenario picks among, once
                    probe.get(f"/stories/{sid}")
                warmed = True
                print(f"(warmed: {len(ids['stories'])} story pages in {time.perf_counter() - t:.0f} s)")
            out: list[float] = []
            errors: list[str] = []
            ready = threading.Barrier(args.clients + 1)
            threads = [
                threading.Thread(target=client, args=(base, scenario, ready, ids, out, errors, args.seconds))
                for _ in range(args.clients)
            ]
            for t in threads:
                t.start()
            ready.wait()
            t0, cpu0 = time.perf_counter(), cpu_seconds(server.pid)
            for t in threads:
                t.join()
            wall = time.perf_counter() - t0
            cpu = (cpu_seconds(server.pid) - cpu0) / max(1, len(out)) * 1000
            print(
                f"{scenario:<16} {len(out):>8} {len(out) / wall:>7.1f} {pct(out, 0.5):>8.0f} "
                f"{pct(out, 0.95):>8.0f} {pct(out, 0.99):>8.0f} {len(errors):>6} {cpu:>9.1f}"
                + (f"  e.g. {errors[0]}" if errors else ""),
                flush=True,
            )
            if out:
                assert statistics.median(out) > 0
        peaks = [
            re.search(r"VmHWM:\s+(\d+) kB", Path(f"/proc/{p}/status").read_text())
            for p in processes(server.pid)
        ]
        peak = sum(int(m.group(1)) for m in peaks if m)
        print(
            f"server peak RSS: {peak / 1024:.0f} MiB"
            + (f" ({len(peaks)} processes)" if len(peaks) > 1 else "")
        )
        print(f"load average after: {load_average()}")
    finally:
        server.terminate()
        server.wait(timeout=30)


if __name__ == "__main__":
    os.environ.setdefault("PYTHONUNBUFFERED", "1")
    main()
