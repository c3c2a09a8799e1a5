"""Which channels' handles svodka learns from their posts, per channel and from what (issue 14 §4).

    PYTHONPATH=src python benchmarks/bench_handles.py samples/tg_ru_news_2024-12-02.jsonl
    PYTHONPATH=src python benchmarks/bench_handles.py ../shared/data/tg_ru_news_2024/posts.jsonl --days 400
    PYTHONPATH=src python benchmarks/bench_handles.py ../shared/data/tg_ru_news_2024/posts.jsonl \
        --from 2024-11-25 --to 2024-12-05      # what `svodka process` learns (30 days), on those 10 days

Imports the file into a new SQLite store in a temporary folder, runs `learn_store_handles` (as
`svodka process` does at its end) and prints each channel: posts (--from/--to: of those days), posts whose
link opens for anyone (t.me/<handle>/<msg>), the handle learned and its evidence; then how many posts the
link check read and in how many calls (``posts.get`` one by one before ``PostRepo.get_many``).
"""

from __future__ import annotations

import argparse
import tempfile
import time
from collections import Counter
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from svodka.ingest import import_file
from svodka.links import opens_publicly
from svodka.pipeline.handles import HandleOptions, learn_store_handles
from svodka.store import open_store


class _Counted:
    """``store.posts`` counting the reads by id (``get`` one at a time, or ``get_many`` batches)."""

    def __init__(self, posts: Any) -> None:
        self.posts, self.calls, self.read = posts, 0, 0

    def get(self, post_id: int) -> Any:
        self.calls, self.read = self.calls + 1, self.read + 1
        return self.posts.get(post_id)

    def get_many(self, post_ids: Any) -> Any:
        found = self.posts.get_many(post_ids)
        self.calls, self.read = self.calls + 1, self.read + len(found)
        return found

    def iter(self, *args: Any, **kwargs: Any) -> Any:
        return self.posts.iter(*args, **kwargs)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("file", type=Path)
    ap.add_argument("--days", type=float, default=30.0, help="HandleOptions.days (the window read)")
    ap.add_argument("--from", dest="since", help="count posts from this day on (2024-11-25)")
    ap.add_argument("--to", dest="until", help="… before this day (2024-12-05)")
    args = ap.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        store = open_store(Path(tmp) / "bench.db")
        import_file(store, args.file)
        reads = _Counted(store.posts)
        t0 = time.perf_counter()
        learned = {
            h.channel_id: h for h in learn_store_handles(store.channels, reads, HandleOptions(days=args.days))
        }
        took = time.perf_counter() - t0
        since = datetime.fromisoformat(args.since).replace(tzinfo=UTC) if args.since else None
        until = datetime.fromisoformat(args.until).replace(tzinfo=UTC) if args.until else None
        counted = list(store.posts.iter(since=since, until=until))
        posts = Counter(p.channel_id for p in counted)
        opened = Counter(p.channel_id for p in counted if opens_publicly(p.url))
        for c in sorted(store.channels.list(), key=lambda c: -posts[c.id]):
            how = learned[c.id].evidence if c.id in learned else ("-" if not c.handle else "before")
            print(f"{posts[c.id]:>6} {opened[c.id]:>6}  {c.title or '':<48.48} {c.handle or '-':<20} {how}")
        print(
            f"{len(learned)} handles learned in {took:.2f} s; posts whose link opens: "
            f"{sum(opened.values())} of {sum(posts.values())}; the link check read {reads.read} posts in "
            f"{reads.calls} calls"
        )
        store.close()


if __name__ == "__main__":
    main()
