"""Storylines over days on tg_ru_news_2024: how many, the largest with their day spans, what the stage costs.

    .venv/bin/python benchmarks/bench_storylines.py --db /tmp/lines.db \
        [--posts ../shared/data/tg_ru_news_2024/posts.jsonl] [--embedder use] [--top 15] [--relink]

With ``--posts`` the posts are imported into ``--db`` (a fresh file) and ``svodka process`` runs on them,
timed per stage (``storylines``: this stage; the process time without it is the total less that). Then,
from the store: the storylines of two days or more, and the ``--top`` largest, each story with its day,
size and lead, and the signals of each link, for reading by hand. ``--relink`` links the stored stories
again day by day under the current settings (``svodka.toml`` / ``SVODKA_STORYLINES_*``), as the pipeline
would on the final summaries, to try thresholds without processing again (it writes nothing); the
series test (:mod:`svodka.pipeline.series`) reads each compared story's posts from the store as the
pipeline does.
"""

from __future__ import annotations

import argparse
import sys
import time
from collections import Counter
from dataclasses import replace
from datetime import UTC, datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "src"))

from svodka.digest.compose import load_story  # noqa: E402
from svodka.errors import NotFoundError  # noqa: E402
from svodka.ingest import import_file  # noqa: E402
from svodka.pipeline.storylines import StorylineSettings, link_stories  # noqa: E402
from svodka.process import process  # noqa: E402
from svodka.process.storylines import story_texts, summary_of  # noqa: E402
from svodka.settings import load  # noqa: E402
from svodka.sources.files import ReadOptions  # noqa: E402
from svodka.store import Store, open_store  # noqa: E402
from svodka.store.base import StorylineEntry  # noqa: E402

SEM_FLOOR = {"use": 0.1, "e5": 0.8}


def day(ts: float) -> str:
    return datetime.fromtimestamp(ts, UTC).date().isoformat()


def lead(store: Store, story_id: int) -> tuple[int, str]:
    try:
        story = load_story(store, story_id)
    except NotFoundError:
        return 0, "?"
    return len(story.members), " ".join(story.members[0].post.text.split())[:110]


def show(store: Store, groups: dict[int, list[StorylineEntry]], top: int) -> None:
    multi = {line: es for line, es in groups.items() if len({day(e.first) for e in es}) >= 2}
    stories, linked = sum(len(es) for es in groups.values()), sum(len(es) > 1 for es in groups.values())
    print(f"stories {stories}, storylines of 2+ stories {linked}, of 2+ days {len(multi)}")
    print(
        "days spanned:",
        dict(sorted(Counter(len({day(e.first) for e in es}) for es in multi.values()).items())),
    )
    largest = sorted(multi.items(), key=lambda kv: (-len(kv[1]), kv[0]))[:top]
    for line, entries in largest:
        days = sorted({day(e.first) for e in entries})
        posts = sum(e.posts for e in entries)
        print(f"\n== {line}: {len(entries)} stories, {posts} posts, {days[0]}…{days[-1]} ({len(days)} d)")
        for e in sorted(entries, key=lambda e: e.first):
            n, text = lead(store, e.story_id)
            print(f"  {day(e.first)} #{e.story_id} ({n} posts) {text}")
        for a, b, _score, why in store.storylines.links([e.story_id for e in entries]):
            print(f"    link {a}–{b}: {why}")


def relink(store: Store, settings: StorylineSettings) -> dict[int, list[StorylineEntry]]:
    """Every stored story linked again, a day of stories at a time, to those of the days before."""
    entries = sorted(store.storylines.since(0), key=lambda e: e.first)
    by_day: dict[str, list[StorylineEntry]] = {}
    for e in entries:
        by_day.setdefault(day(e.first), []).append(e)
    line_of: dict[int, int] = {}
    done: list = []
    texts = story_texts(store)
    for d in sorted(by_day):
        fresh = [replace(summary_of(e), story=None) for e in by_day[d]]
        lo = min(s.first for s in fresh) - settings.max_gap_days * 86400
        known = [replace(s, story=line_of[s.id]) for s in done if s.last >= lo]
        lines = link_stories([*known, *fresh], [s.id for s in fresh], settings, texts=texts)
        moves = dict(lines.merges)
        line_of = {sid: moves.get(line, line) for sid, line in line_of.items()}
        line_of.update(lines.line_of)
        done += fresh
    groups: dict[int, list[StorylineEntry]] = {}
    for e in entries:
        groups.setdefault(line_of.get(e.story_id, e.story_id), []).append(e)
    return groups


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--db", required=True)
    ap.add_argument(
        "--posts", type=Path, help="import these posts (JSONL of tg_ru_news_2024) and process them"
    )
    ap.add_argument("--embedder", default="use")
    ap.add_argument("--top", type=int, default=15)
    ap.add_argument("--relink", action="store_true")
    args = ap.parse_args()
    settings = load(None, {"pipeline.embedder": args.embedder})
    store = open_store(args.db)
    if args.posts:
        import_file(store, args.posts, fmt="jsonl", options=ReadOptions(mapping={"channel_id": "sender_id"}))
        t = time.perf_counter()
        report = process(store, settings)
        wall = time.perf_counter() - t
        stage = report.seconds.get("storylines", 0.0)
        total = report.total_seconds
        print(
            f"process: {report.posts} posts, {wall:.0f} s wall; stages {total:.0f} s, storylines {stage:.1f}s"
        )
        print(f"without the stage: {total - stage:.0f} s")
        print("per stage:", {k: round(v, 1) for k, v in report.seconds.items()})
    if args.relink:
        sem = settings["pipeline.sem_floor"]
        floor = sem if sem >= 0 else SEM_FLOOR.get(args.embedder, 0.8)
        t = time.perf_counter()
        groups = relink(store, StorylineSettings.from_settings(settings, floor))
        print(f"relinked in {time.perf_counter() - t:.1f} s")
    else:
        groups = {}
        for e in store.storylines.since(0):
            groups.setdefault(e.storyline_id, []).append(e)
    show(store, groups, args.top)


if __name__ == "__main__":
    main()
