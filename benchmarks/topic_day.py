"""A new topic day for hand labels: the pipeline's stories (2+ posts) of one UTC day of tg_ru_news_2024's 17
news channels, as the ``topics_<day>.json`` files of tests/data were made — the day's posts imported into a
fresh store, ``svodka process`` with default settings (e5; :func:`bench_topics.processed_store`), every story
with 2+ posts as ``digest.compose.load_stories`` groups them, in story-id order. Writes the file with an empty
``topic`` per story, and beside it a text file of each story's original posts to read. No classifier runs:
the labels are given by hand before anything scores the day.

    PYTHONPATH=src python benchmarks/topic_day.py 2024-11-21 --out tests/data/topics_2024-11-21.json
"""

from __future__ import annotations

import argparse
import json
import sys
from datetime import UTC, datetime, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "src"))
sys.path.insert(0, str(ROOT / "benchmarks"))

from bench_topics import STORES, processed_store  # noqa: E402
from svodka.digest.compose import load_stories  # noqa: E402
from svodka.model import Story, bot_api_id  # noqa: E402
from svodka.store import open_store  # noqa: E402


def key(story: Story, tg: dict[int, int | None], i: int) -> str:
    m = story.members[i]
    channel = tg[m.post.channel_id]
    assert channel is not None, m.post.channel
    return f"{bot_api_id(channel)}:{m.post.message_id}"


def day_stories(day: str, folder: Path) -> tuple[list[dict[str, object]], list[str]]:
    """The day's stories of 2+ posts as label rows (topic empty), and a reading text of each."""
    since = datetime.fromisoformat(day).replace(tzinfo=UTC)
    with open_store(processed_store(day, folder)) as store:
        tg = {c.id: c.tg_id for c in store.channels.list()}
        stories = sorted(
            (s for s in load_stories(store, since, since + timedelta(days=1)) if len(s.members) >= 2),
            key=lambda s: s.id,
        )
    rows, texts = [], []
    for s in stories:
        posts = [key(s, tg, i) for i in range(len(s.members))]
        copies = [key(s, tg, i) for i, m in enumerate(s.members) if m.is_copy]
        first = (s.originals or s.members)[0].post.text
        rows.append(
            {
                "story": f"d{s.id}",
                "topic": "",
                "title": " ".join(first.split())[:90],
                "posts": posts,
                "copies": copies,
                "pipeline_stories": list(s.developments or (s.id,)),
            }
        )
        lines = [f"=== d{s.id}: {len(s.members)} posts, {len(s.originals)} originals"]
        for m in s.originals[:4]:
            lines.append(f"  [{m.post.channel}] {' '.join(m.post.text.split())[:700]}")
        texts.append("\n".join(lines))
    return rows, texts


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("day")
    ap.add_argument("--out", type=Path, required=True)
    ap.add_argument("--stores", type=Path, default=STORES)
    args = ap.parse_args()
    rows, texts = day_stories(args.day, args.stores)
    doc = {"about": "", "day": args.day, "stories": rows}
    args.out.write_text(json.dumps(doc, ensure_ascii=False, indent=1) + "\n", encoding="utf-8")
    args.out.with_suffix(".txt").write_text("\n\n".join(texts) + "\n", encoding="utf-8")
    print(f"{len(rows)} stories of 2+ posts -> {args.out} (posts to read: {args.out.with_suffix('.txt')})")


if __name__ == "__main__":
    main()
