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

``--src DIR`` builds the digests with the ``svodka`` package under DIR (another tree's ``src``, e.g. main's)
and still measures them with this tree's checks, so a before and an after are counted alike::

    .venv/bin/python benchmarks/bench_quotes.py /tmp/q.db --src ../main/src --sample 50
"""

from __future__ import annotations

import argparse
import importlib.util
import json
import random
import sys
from collections import Counter
from datetime import date, datetime, timedelta
from pathlib import Path
from types import ModuleType
from zoneinfo import ZoneInfo

HERE = Path(__file__).resolve().parents[1] / "src"
_src = next((sys.argv[i + 1] for i, a in enumerate(sys.argv[:-1]) if a == "--src"), None)
sys.path.insert(0, str(Path(_src).resolve() if _src else HERE))

from svodka.digest import DigestQuery, build_digest, render_json  # noqa: E402
from svodka.digest.compose import DigestOptions  # noqa: E402
from svodka.store import open_store  # noqa: E402


def _checks(name: str) -> ModuleType:
    """This tree's ``svodka.pipeline.<name>``, whichever tree builds the digests."""
    spec = importlib.util.spec_from_file_location(
        f"checks_{name}", HERE / "svodka" / "pipeline" / f"{name}.py"
    )
    assert spec is not None and spec.loader is not None
    module = sys.modules[spec.name] = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


_quotes, _headline = _checks("quotes"), _checks("headline")
Quote, card_problems = _quotes.Quote, _quotes.card_problems
digest_problems, quote_problems = _quotes.digest_problems, _quotes.quote_problems
headline_problems = _headline.headline_problems


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
    ap.add_argument("--src", help="build the digests with the svodka package under this folder")
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
