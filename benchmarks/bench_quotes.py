"""Quote quality: how many quoted sentences of a run of daily digests fail the checks of issue 14 §2.

One digest per Moscow day over a store that holds the days (built once, e.g. for tg_ru_news_2024)::

    svodka --db /tmp/q.db import ../shared/data/tg_ru_news_2024/posts.jsonl --map channel_id=sender_id
    svodka --db /tmp/q.db --config use.toml process        # use.toml: [pipeline] embedder = "use"
    .venv/bin/python benchmarks/bench_quotes.py /tmp/q.db --from 2024-11-25 --to 2024-12-04 \
        --sample 50 --sample-out quotes.txt

Each digest is rendered as JSON (what every renderer shows) and its quotes are read back from it: every
key sentence is run through :func:`svodka.pipeline.quotes.quote_problems`, every card through
:func:`~svodka.pipeline.quotes.card_problems`, every digest through
:func:`~svodka.pipeline.quotes.digest_problems` (a post quoted on two cards), every headline through
:func:`svodka.pipeline.headline.headline_problems`. ``--sample N`` writes N random key sentences (a fixed
seed) with their story's headline for a hand read.
"""

from __future__ import annotations

import argparse
import json
import random
import sys
from collections import Counter
from datetime import date, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "src"))

from svodka.digest import DigestQuery, build_digest, render_json
from svodka.digest.compose import DigestOptions
from svodka.pipeline.quotes import Quote, card_problems, digest_problems, quote_problems
from svodka.store import open_store

try:
    from svodka.pipeline.headline import headline_problems
except ImportError:  # before the headline module existed: measure the quotes only

    def headline_problems(text: str) -> list[str]:
        return []


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("db", type=Path)
    ap.add_argument("--from", dest="first", default="2024-11-25")
    ap.add_argument("--to", dest="last", default="2024-12-04")
    ap.add_argument("--tz", default="Europe/Moscow")
    ap.add_argument("--top", type=int, default=15)
    ap.add_argument("--sample", type=int, default=0)
    ap.add_argument("--sample-out", type=Path)
    ap.add_argument("--seed", type=int, default=14)
    ap.add_argument("--cards-out", type=Path, help="write every card (day, headline, key sentences) here")
    ap.add_argument("--show", action="store_true", help="print every failing quote")
    args = ap.parse_args()
    tz = ZoneInfo(args.tz)
    store = open_store(args.db)
    day, last = date.fromisoformat(args.first), date.fromisoformat(args.last)
    kinds: Counter[str] = Counter()
    pool: list[tuple[str, str, str]] = []
    total_quotes = failing = 0
    head_lengths: list[int] = []
    bad_heads = 0
    card_lines: list[str] = []
    while day <= last:
        since = datetime(day.year, day.month, day.day, tzinfo=tz)
        query = DigestQuery(since=since, until=since + timedelta(days=1), top=args.top, tz=args.tz)
        digest = build_digest(store, query, DigestOptions())
        doc = json.loads(render_json(digest))
        day_fail = 0
        cards = [
            [Quote(c["text"], c["post_id"]) for c in (i["headline"], *i["sentences"])] for i in doc["items"]
        ]
        across = digest_problems(cards)  # a post quoted on two cards
        for problem in across:
            kinds[problem.split(":", 1)[0]] += 1
            failing += 1
            day_fail += 1
            if args.show:
                print(f"  {day} DIGEST {problem}")
        for it in doc["items"]:
            head = it["headline"]
            head_lengths.append(len(head["text"]))
            hp = headline_problems(head["text"])
            if hp:
                bad_heads += 1
                kinds.update(f"headline: {p}" for p in hp)
                if args.show:
                    print(f"  {day} HEADLINE {hp}: {head['text']}")
            sents = [Quote(c["text"], c["post_id"]) for c in it["sentences"]]
            card_lines += [f"[{day}] {head['text']}", *(f"    — {c['text']}" for c in it["sentences"])]
            card = card_problems(sents, Quote(head["text"], head["post_id"]))
            for problem in card:
                kinds[problem.split(":", 1)[0]] += 1
                if args.show:
                    print(f"  {day} CARD {problem}")
            bad_in_card = {p.split(": ", 1)[1].split(" ~ ")[0] for p in card}
            for c in it["sentences"]:
                total_quotes += 1
                problems = quote_problems(c["text"])
                kinds.update(problems)
                if problems or c["text"] in bad_in_card:
                    failing += 1
                    day_fail += 1
                    if args.show and problems:
                        print(f"  {day} {problems}: {c['text']}")
                pool.append((str(day), head["text"], c["text"]))
        print(
            f"{day}: {len(doc['items'])} stories, {sum(len(i['sentences']) for i in doc['items'])} quotes, "
            f"{day_fail} failing"
        )
        day += timedelta(days=1)
    print(
        f"total: {total_quotes} key sentences, {failing} failing the checks; "
        f"{len(head_lengths)} headlines, {bad_heads} failing, longest {max(head_lengths, default=0)} chars"
    )
    for kind, n in kinds.most_common():
        print(f"  {n:4d}  {kind}")
    if args.cards_out:
        args.cards_out.write_text("\n".join(card_lines) + "\n", encoding="utf-8")
    if args.sample and args.sample_out:
        rng = random.Random(args.seed)
        picked = rng.sample(pool, min(args.sample, len(pool)))
        lines = [f"{i + 1:2d}. [{d}] {head}\n    — {text}" for i, (d, head, text) in enumerate(picked)]
        args.sample_out.write_text("\n".join(lines) + "\n", encoding="utf-8")
        print(f"{len(picked)} random quotes written to {args.sample_out}")
    store.close()


if __name__ == "__main__":
    main()
