"""Watchlist matching and alert latency (issue 19).

1. Matching cost per post with 1, 10 and 100 watchlists over the 22k posts of ../shared/data/tg_ru_news_2024
   (flat: only the lists one of whose words a post contains are evaluated).
2. End to end: those posts in a store, 100 watchlists, one new post stored, then `run_alerts` (match,
   record, deliver to a signed webhook on 127.0.0.1): seconds from the post stored to the alert confirmed.
3. ``--names``: the name matches of ten lists in Russian cases on the bundled day and the dev day, each
   match with the word form that matched and its context, for a hand check.

    PYTHONPATH=src python benchmarks/bench_alerts.py [--names | --million]
"""

from __future__ import annotations

import argparse
import json
import re
import statistics
import sys
import tempfile
import threading
import time
from collections import Counter
from dataclasses import replace
from datetime import UTC, datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "src"))

from svodka import settings as settings_mod  # noqa: E402
from svodka.model import ChannelRef, Post  # noqa: E402
from svodka.monitor.match import Matcher, PostFacts  # noqa: E402
from svodka.monitor.run import run_alerts  # noqa: E402
from svodka.monitor.watchlist import Watchlist, watchlist  # noqa: E402
from svodka.store import open_store  # noqa: E402

DATA = ROOT.parent / "shared" / "data"
NAMES = str.split(
    "Путин Песков Зеленский Трамп Байден Лавров Шойгу Собянин Набиуллина Мишустин Медведев Захарова "
    "Макрон Шольц Эрдоган Нетаньяху Лукашенко Кадыров Белоусов Володин Матвиенко Силуанов Орбан Асад "
    "Сырский Буданов Пригожин Навальный Маск Дуров"
)
WORDS = str.split(
    "санкции ставка нефть газ выборы мобилизация беспилотник ракета курс доллар инфляция бюджет пенсия "
    "налог ипотека землетрясение пожар авария теракт задержание суд приговор вакцина грипп ковид "
    "забастовка митинг референдум перемирие переговоры"
)
PHRASES = (
    '"ключевую ставку"',
    '"Белый дом"',
    '"курс доллара"',
    '"прямая линия"',
    '"специальной военной операции"',
)


def lists_100() -> list[Watchlist]:
    queries: list[str] = []
    for i, name in enumerate(NAMES):
        queries.append(name)
        queries.append(f"{name} {WORDS[i % len(WORDS)]}")
    for i, word in enumerate(WORDS):
        queries.append(f"{word} OR {WORDS[(i + 7) % len(WORDS)]} -реклама")
    queries += PHRASES
    queries += [f"{p} OR {n}" for p, n in zip(PHRASES, NAMES, strict=False)]
    return [
        watchlist({"name": f"w{i}", "query": q, "rules": ["post"], "targets": ["hook"]})
        for i, q in enumerate(queries[:100])
    ]


def load_posts() -> list[dict[str, object]]:
    with (DATA / "tg_ru_news_2024" / "posts.jsonl").open(encoding="utf-8") as f:
        return [json.loads(line) for line in f if line.strip()]


def matching_cost(rows: list[dict[str, object]], lists: list[Watchlist]) -> None:
    texts = [str(r.get("text") or "") for r in rows]
    median = statistics.median(map(len, texts))
    print(f"matching {len(texts):,} posts of tg_ru_news_2024 (median post {median:.0f} chars)")
    for n in (1, 10, 100):
        t = time.perf_counter()
        m = Matcher(lists[:n], [])
        compiled = time.perf_counter() - t
        matched = 0
        best = float("inf")
        for _ in range(3):
            t = time.perf_counter()
            matched = sum(bool(m.match(PostFacts(x, 1))) for x in texts)
            best = min(best, time.perf_counter() - t)
        print(
            f"  {n:>3} watchlists: compiled in {compiled * 1000:.1f} ms; "
            f"{best / len(texts) * 1e6:.0f} µs per post "
            f"({len(texts) / best:,.0f} posts/s); {matched:,} posts match one or more"
        )


def end_to_end(rows: list[dict[str, object]], lists: list[Watchlist], copies: int = 1) -> None:
    got: list[float] = []

    class Hook(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            self.rfile.read(int(self.headers["Content-Length"]))
            got.append(time.perf_counter())
            self.send_response(200)
            self.end_headers()

        def log_message(self, *a: object) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Hook)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    with tempfile.TemporaryDirectory() as tmp:
        cfg = Path(tmp) / "svodka.toml"
        specs = "".join(
            f"[[watchlists]]\nname = {json.dumps(w.name)}\n"
            f"query = {json.dumps(w.query, ensure_ascii=False)}\n"
            'rules = ["post"]\ntargets = ["hook"]\n\n'
            for w in lists
        )
        cfg.write_text(
            f'[alerts]\nwebhook_secret = "k"\nmax_age_hours = 1.0\n\n[[alerts.targets]]\nname = "hook"\n'
            f'kind = "webhook"\nurl = "http://127.0.0.1:{server.server_address[1]}/"\n\n{specs}',
            encoding="utf-8",
        )
        s = settings_mod.load(cfg, environ={})
        with open_store(Path(tmp) / "svodka.db") as store:
            t = time.perf_counter()
            posts = [
                Post(
                    ChannelRef(
                        ext_id=str(abs(int(r["sender_id"])) - 1_000_000_000_000), title=str(r.get("channel"))
                    ),  # type: ignore[call-overload]
                    int(r["message_id"]),  # type: ignore[call-overload]
                    datetime.fromisoformat(str(r["date"])).astimezone(UTC),
                    str(r.get("text") or ""),
                )
                for r in rows
            ]
            for k in range(copies):  # --million: the same posts again under other message ids
                store.posts.save([replace(p, message_id=p.message_id + k * 10_000_000) for p in posts])
            print(f"store of {store.posts.count():,} posts written in {time.perf_counter() - t:.1f} s")
            t = time.perf_counter()
            first = run_alerts(store, s)  # every stored post is old: matched, none raises an alert
            print(
                f"first run over the store: {first.posts:,} posts matched in {time.perf_counter() - t:.1f} s "
                "(all are older than alerts.max_age_hours: the store skips them)"
            )
            delays = []
            for k in range(5):
                now = datetime.now(UTC)
                post = Post(
                    ChannelRef(handle="kremlin_pool"), 10 + k, now, f"Пескову задали вопрос о санкциях {k}"
                )
                t = time.perf_counter()
                store.posts.save([post])
                r = run_alerts(store, s)
                delays.append(got[-1] - t if got else float("nan"))
                assert r.sent.sent >= 1, r
            print(
                "one new post stored → alert confirmed by the webhook: "
                f"median {statistics.median(delays) * 1000:.0f} ms, max {max(delays) * 1000:.0f} ms "
                f"({len(lists)} watchlists, store of {store.posts.count():,} posts)"
            )
    server.shutdown()


HAND_LISTS = str.split("Путин Песков Зеленский Трамп Байден Лавров Захарова Шольц Асад Лукашенко")


def names(show: int) -> None:
    rows = []
    for path in (ROOT / "samples").glob("*.jsonl"):
        rows += [json.loads(x) for x in path.read_text(encoding="utf-8").splitlines() if x.strip()]
    rows += [
        json.loads(x)
        for x in (DATA / "stories_dev" / "posts_2024-11-30.jsonl").read_text(encoding="utf-8").splitlines()
        if x.strip()
    ]
    print(f"name matches on the bundled and dev days ({len(rows):,} posts)")
    for name in HAND_LISTS:
        m = Matcher([watchlist({"name": "n", "query": name})], [])
        forms: Counter[str] = Counter()
        samples = []
        for r in rows:
            text = str(r.get("text") or "")
            if not m.match(PostFacts(text, 1)):
                continue
            found = [w for w in re.findall(r"\w+", text) if m.hits(w)]
            forms.update(found)
            if len(samples) < show:
                i = text.find(found[0]) if found else 0
                samples.append(" ".join(text[max(0, i - 40) : i + 50].split()))
        print(f"  {name}: {sum(1 for _ in forms.elements())} matches, forms {dict(forms.most_common())}")
        base = name.lower()[: max(4, len(name) - 2)]
        near = Counter(
            w
            for r in rows
            for w in re.findall(r"\w+", str(r.get("text") or ""))
            if w.lower().startswith(base) and not m.hits(w)
        )
        if near:
            print(f"      not matched, beginning like it: {dict(near.most_common(8))}")
        for s in samples:
            print(f"      … {s} …")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--names", action="store_true", help="Only the hand check of name matches.")
    ap.add_argument("--show", type=int, default=3, help="Contexts shown per name.")
    ap.add_argument(
        "--million",
        action="store_true",
        help="End to end on a store of ~1,000,000 posts (the 22k posts 46 times).",
    )
    a = ap.parse_args()
    if a.names:
        names(a.show)
        return
    rows = load_posts()
    lists = lists_100()
    if a.million:
        end_to_end(rows, lists, copies=46)
        return
    matching_cost(rows, lists)
    end_to_end(rows, lists)


if __name__ == "__main__":
    main()
