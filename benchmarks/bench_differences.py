"""How sources differ, on the hand-labelled day: every difference shown for the top stories, with its quotes.

    python benchmarks/bench_differences.py [--top 20] [--folder ../shared/data/stories_dev] [--names]

Imports the day's posts (stories_dev, 2024-11-30) into a scratch store, groups them by the gold labels,
ranks them as the digest does (top N) and prints, for each story with 3+ independent sources, every
difference :func:`svodka.pipeline.differences.differences` finds, each quote with its channel and post
id, so a reader can check each one by hand (benchmarks/README.md, "How sources differ").

--names: also the people, places and organisations only a minority of the sources name (natasha's NER,
:class:`svodka.pipeline.differences.NatashaEntities`), each with the sentences naming it.
"""

from __future__ import annotations

import argparse
import tempfile
from collections import Counter
from datetime import UTC, datetime, timedelta
from pathlib import Path

from svodka.digest.compose import DigestOptions, build_digest
from svodka.digest.model import DigestQuery
from svodka.evaluate.gold import gold_stories
from svodka.pipeline.credibility import independent_sources
from svodka.pipeline.differences import differences, natasha_entities
from svodka.store import open_store

ROOT = Path(__file__).resolve().parent.parent


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--folder", default=str(ROOT.parent / "shared/data/stories_dev"))
    ap.add_argument("--top", type=int, default=20)
    ap.add_argument("--names", action="store_true", help="Also names only a minority of sources give.")
    args = ap.parse_args()
    finder = natasha_entities() if args.names else None
    day = datetime(2024, 11, 30, tzinfo=UTC)
    with tempfile.TemporaryDirectory(prefix="bench-differences-") as tmp:
        store = open_store(Path(tmp) / "d.db")
        with store:
            gold = gold_stories(store, args.folder)
            channels = {c.id: c for c in store.channels.list()}
    q = DigestQuery(day, day + timedelta(days=1), top=args.top)
    digest = build_digest(gold.stories, q, DigestOptions(channels=channels, networks={}))
    by_id = {s.id: s for s in gold.stories}
    kinds: Counter[str] = Counter()
    eligible = 0
    for it in digest.items:
        s = by_id[it.card.story_id]
        n = len(independent_sources(s))
        label = gold.labels[s.id]
        print(f"\n#{it.rank} {label} ({n} sources, {len(s.members)} posts): {gold.titles.get(label, '')}")
        eligible += n >= 3
        for d in differences(s, names=finder):
            kinds[d.kind] += 1
            print(f"  [{d.kind}] {d.line()}")
            for quote in d.quotes:
                print(f"      {channels[quote.channel_id].name} (post {quote.post_id}): {quote.sentence}")
    shown = ", ".join(f"{n} {k}" for k, n in sorted(kinds.items())) or "none"
    print(f"\n{len(digest.items)} stories, {eligible} with 3+ sources; differences shown: {shown}")


if __name__ == "__main__":
    main()
