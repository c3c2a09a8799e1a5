"""Digest benchmark: build time, rendering time, and quality on the hand-labelled day.

    .venv/bin/python benchmarks/bench_digest.py [--data ../shared/data]

Rows:
* stories_dev (2024-11-30, 446 posts, posts grouped by the gold labels into 147 stories): digest build
  time, how many of the 15 largest gold stories are in the top 15 (and which are missed), topic accuracy
  on the team's hand labels (tests/data/topics_stories_dev.json);
* the busiest day of tg_ru_news_2024 (2024-11-27, 784 posts) as one story per post — the most stories a
  day can have, since no gold grouping exists for it — build and render times;
* ranking against the hand-written importance grades on every graded day and each half of it
  (tests/data/importance_stories_dev.json with the gold stories and with the pipeline's own;
  tests/data/importance_2024-12-03.json and 12-04, the pipeline's stories graded by their posts): soft
  stories in the top 10, lead stories in the top 15, NDCG@15, gold stories shown twice, and the mean over
  all of them (``svodka eval ranking``); then the same without the digest's fold of one event's items
  (``digest.fold``), side by side, so the fold's "twice" before → after is in every run;
* soft-news scores against the machine categories of tg_ru_news_2024 ("personal" vs "political" posts);
* topics against the machine-made ``category`` of tg_ru_news_2024 (all days but 2024-11-30, per post, a
  weak reference: categories mapped to ours where they map at all).
Peak memory is ru_maxrss of the whole process.
"""

from __future__ import annotations

import argparse
import json
import resource
import sys
import tempfile
import time
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any, TypeVar

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "src"))

from svodka.digest import DigestQuery, build_digest, render_html, render_json, render_markdown  # noqa: E402
from svodka.digest.pdf import render_pdf  # noqa: E402
from svodka.digest.render import render_telegram  # noqa: E402
from svodka.evaluate.gold import gold_stories  # noqa: E402
from svodka.model import StoredPost, Story, StoryMember  # noqa: E402
from svodka.pipeline.story_topics import classify, classify_texts  # noqa: E402
from svodka.pipeline.summarize import summarize  # noqa: E402
from svodka.store import open_store  # noqa: E402

T = TypeVar("T")

WEAK = {
    "political": {"politics", "war and security"},
    "business": {"economy"},
    "finances": {"economy"},
    "science": {"science"},
    "it": {"technology"},
    "gaming": {"culture", "technology"},
    "weather": {"society"},
}


def timed(f: Callable[..., T], *a: Any, **kw: Any) -> tuple[T, float]:
    t = time.perf_counter()
    out = f(*a, **kw)
    return out, time.perf_counter() - t


def gold_day(data: Path) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        store = open_store(Path(tmp) / "g.db")
        gold = gold_stories(store, data / "stories_dev")
        store.close()
    q = DigestQuery(datetime(2024, 11, 30, tzinfo=UTC), datetime(2024, 12, 1, tzinfo=UTC), top=15)
    digest, secs = timed(build_digest, gold.stories, q)
    posts = sum(len(s.members) for s in gold.stories)
    largest = sorted(gold.stories, key=lambda s: (-len(s.members), -len(s.channels), gold.labels[s.id]))[:15]
    top = {it.card.story_id for it in digest.items}
    hits = [s for s in largest if s.id in top]
    missed = [s for s in largest if s.id not in top]
    print(
        f"stories_dev 2024-11-30: {posts} posts, {len(gold.stories)} gold stories; build {secs:.2f} s "
        f"({posts / secs:,.0f} posts/s)"
    )
    _, all_secs = timed(build_digest, gold.stories, DigestQuery(q.since, q.until, top=len(gold.stories)))
    print(f"  every story carded and summarised (top={len(gold.stories)}): {all_secs:.2f} s")
    print(f"  largest 15 gold stories in the top 15: {len(hits)}/15")
    for s in missed:
        label = gold.labels[s.id]
        where = next(
            (
                n
                for n, it in enumerate(
                    build_digest(gold.stories, DigestQuery(q.since, q.until, top=200)).items, 1
                )
                if it.card.story_id == s.id
            ),
            None,
        )
        print(
            f"  missed {label} ({len(s.members)} posts, {len(s.channels)} channels, rank {where}): "
            f"{gold.titles.get(label, '')}"
        )
    labels = json.loads((ROOT / "tests" / "data" / "topics_stories_dev.json").read_text())["labels"]
    right = sum(
        classify(s, summarize(s).headline.text).topic == labels[gold.labels[s.id]] for s in gold.stories
    )
    print(f"  topics vs team hand labels: {right}/{len(gold.stories)} = {right / len(gold.stories):.3f}")


def pipeline_day(data: Path) -> None:
    """The same question with the stories the pipeline itself finds (``svodka process``, default settings):
    a digest story counts for the gold story most of its posts belong to."""
    from collections import Counter

    from svodka.evaluate.gold import read_labels
    from svodka.evaluate.stories import evaluate_stories
    from svodka.settings import defaults

    with tempfile.TemporaryDirectory() as tmp:
        store = open_store(Path(tmp) / "g.db")
        gold = gold_stories(store, data / "stories_dev")
        store.close()
        largest = sorted(gold.stories, key=lambda s: (-len(s.members), -len(s.channels), gold.labels[s.id]))
        want = [gold.labels[s.id] for s in largest[:15]]
        labels, titles = read_labels(data / "stories_dev")
        db = Path(tmp) / "p.db"
        (ev, secs) = timed(evaluate_stories, data / "stories_dev", defaults(), db_path=db)
        with open_store(db) as store:
            q = DigestQuery(datetime(2024, 11, 30, tzinfo=UTC), datetime(2024, 12, 1, tzinfo=UTC), top=15)
            digest, build = timed(build_digest, store, q)
            tg = {c.id: c.tg_id for c in store.channels.list()}
            found = []
            for it in digest.items:
                story = store.stories.get(it.card.story_id)
                votes = Counter(
                    labels.get(f"-100{tg[m.post.channel_id]}:{m.post.message_id}") for m in story.members
                )
                votes.pop(None, None)
                if votes:
                    found.append(votes.most_common(1)[0][0])
    hits = [w for w in want if w in found]
    print(
        f"stories_dev with the pipeline's own stories (process {secs:.0f} s, B-cubed F1 "
        f"{ev.all_posts.f1:.3f}; digest build {build:.2f} s): largest 15 gold stories in the top 15: "
        f"{len(hits)}/15"
    )
    for w in want:
        if w not in hits:
            print(f"  missed {w}: {titles.get(w, '')}")


def busiest_day(data: Path, day: str = "2024-11-27") -> None:
    posts: list[StoredPost] = []
    channels: dict[int, int] = {}
    for line in (data / "tg_ru_news_2024" / "posts.jsonl").open(encoding="utf-8"):
        row = json.loads(line)
        if not row["date"].startswith(day):
            continue
        cid = channels.setdefault(row["sender_id"], len(channels) + 1)
        tg = -row["sender_id"] - 1_000_000_000_000
        posts.append(
            StoredPost(
                len(posts) + 1,
                cid,
                row["channel"],
                row["message_id"],
                datetime.fromisoformat(row["date"]),
                row["text"],
                f"https://t.me/c/{tg}/{row['message_id']}",
            )
        )
    stories = [Story(p.id, (StoryMember(p),), p.date, p.date) for p in posts]
    since = datetime.fromisoformat(day + "T00:00:00+00:00")
    q = DigestQuery(since, since + timedelta(days=1), top=15, tz="Europe/Moscow")
    digest, secs = timed(build_digest, stories, q)
    _, md = timed(render_markdown, digest)
    _, html = timed(render_html, digest)
    _, js = timed(render_json, digest)
    _, tg = timed(render_telegram, digest)
    _, pdf = timed(render_pdf, digest)
    _, all_secs = timed(build_digest, stories, DigestQuery(q.since, q.until, top=len(stories)))
    print(
        f"tg_ru_news_2024 {day}: {len(posts)} posts as {len(stories)} one-post stories; build top 15 "
        f"{secs:.2f} s, every story summarised {all_secs:.2f} s ({len(posts) / all_secs:,.0f} posts/s); "
        f"render md {md * 1000:.0f} ms, html {html * 1000:.0f} ms, json {js * 1000:.0f} ms, "
        f"telegram {tg * 1000:.0f} ms, pdf {pdf:.2f} s"
    )


def weak_topics(data: Path) -> None:
    right = total = 0
    for line in (data / "tg_ru_news_2024" / "posts.jsonl").open(encoding="utf-8"):
        row = json.loads(line)
        if row["date"].startswith("2024-11-30") or row["category"] not in WEAK:
            continue
        text = row["text"]
        total += 1
        right += classify_texts([text], headline=text.split("\n")[0]).topic in WEAK[row["category"]]
    print(
        f"topics vs tg_ru_news_2024 machine categories (weak, held out, {total} posts of mappable "
        f"categories): {right / total:.3f}"
    )


def ranking(data: Path) -> None:
    """Every graded day: stories_dev's gold stories and the pipeline's, and the pipeline's stories of the
    days graded by their posts (tests/data/importance_2024-12-0[34].json), each day and half, then the mean
    over all of them (what a ranking change is chosen by); then the pipeline's digests without the fold."""
    from svodka.digest.compose import DigestOptions
    from svodka.digest.fold import FoldSettings
    from svodka.evaluate.ranking import (
        gold_days,
        graded_folder,
        mean_row,
        pipeline_checks,
        read_graded_day,
        read_grades,
    )
    from svodka.evaluate.stories import evaluate_stories
    from svodka.settings import defaults

    days = [("2024-11-30", data / "stories_dev", ROOT / "tests" / "data" / "importance_stories_dev.json")]
    days += [
        (t, None, ROOT / "tests" / "data" / f"importance_{t}.json") for t in ("2024-12-03", "2024-12-04")
    ]
    checks, unfolded = [], []
    off = DigestOptions(fold=FoldSettings(candidates=0))  # nothing compared: one item per story
    with tempfile.TemporaryDirectory() as tmp:
        for tag, folder, path in days:
            grades, graded = read_grades(path), read_graded_day(path)
            day = graded.day if graded else datetime(2024, 11, 30, tzinfo=UTC)
            if folder is None:
                assert graded is not None
                folder = graded_folder(graded, data / "tg_ru_news_2024" / "posts.jsonl", Path(tmp) / tag)
            checks += [(tag, c) for c in gold_days(folder, grades, day)]
            db = Path(tmp) / f"{tag}.db"
            evaluate_stories(folder, defaults(), db_path=db)  # `svodka process`, default settings (e5)
            with open_store(db) as store:
                checks += [(tag, c) for c in pipeline_checks(store, folder, grades, day)]
                unfolded += [(tag, c) for c in pipeline_checks(store, folder, grades, day, off)]
    for tag, c in checks:
        print(f"ranking {tag} {c.row()}" + (f" ({', '.join(c.twice)})" if c.twice else ""))
    print(f"ranking {mean_row([c for _, c in checks])}")
    folded = [(t, c) for t, c in checks if c.name.startswith("pipeline")]
    for (tag, a), (_, b) in zip(folded, unfolded, strict=True):
        print(
            f"ranking {tag} {a.name} without → with the fold: twice {len(b.twice)} → {len(a.twice)}, leads "
            f"{b.leads_top15} → {a.leads_top15}/{a.leads}, soft {b.soft_top10} → {a.soft_top10}, NDCG@15 "
            f"{b.ndcg15:.3f} → {a.ndcg15:.3f}"
        )


def soft_categories(data: Path) -> None:
    import random

    from svodka.pipeline.softness import softness

    by: dict[str, list[float]] = {"personal": [], "political": []}
    for line in (data / "tg_ru_news_2024" / "posts.jsonl").open(encoding="utf-8"):
        row = json.loads(line)
        if row["category"] in by and not row["date"].startswith("2024-11-30"):
            by[row["category"]].append(softness(row["text"]))
    rnd = random.Random(0)
    pairs = [(rnd.choice(by["personal"]), rnd.choice(by["political"])) for _ in range(20000)]
    auc = sum((a > b) + 0.5 * (a == b) for a, b in pairs) / len(pairs)
    means = {k: sum(v) / len(v) for k, v in by.items()}
    print(
        f"softness vs tg_ru_news_2024 categories: personal {means['personal']:.3f}, political "
        f"{means['political']:.3f} (mean), AUC personal > political {auc:.3f}"
    )


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--data", type=Path, default=ROOT.parent / "shared" / "data")
    args = ap.parse_args()
    gold_day(args.data)
    pipeline_day(args.data)
    ranking(args.data)
    soft_categories(args.data)
    busiest_day(args.data)
    weak_topics(args.data)
    print(f"peak memory: {resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024:.0f} MiB")


if __name__ == "__main__":
    main()
