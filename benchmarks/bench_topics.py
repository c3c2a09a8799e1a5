"""Story topics against the team's hand labels: stories_dev (2024-11-30, both halves apart), the bundled
day 2024-12-02 (tests/data/topics_2024-12-02.json, labelled before the lexicon was tuned), the pipeline's
stories of 2024-12-03 and 2024-12-04 (tests/data/importance_2024-12-0[34].json, labelled with their
importance grades), plus the cases issue 14 names. ``-v`` lists every miss with the words that decided it.

    PYTHONPATH=src python benchmarks/bench_topics.py [-v]
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "src"))

from svodka.evaluate.gold import gold_stories, topic_labelled_stories  # noqa: E402
from svodka.model import Story  # noqa: E402
from svodka.pipeline.story_topics import classify, classify_texts  # noqa: E402
from svodka.pipeline.summarize import summarize  # noqa: E402
from svodka.store import open_store  # noqa: E402

DATA = ROOT.parent / "shared" / "data"
ISSUE_14_POSTS = {  # tg_ru_news_2024 posts issue 14 names: (sender_id, message_id) -> topics a desk accepts
    (-1001100158992, 74858): {"society", "politics"},  # «Храм Сатаны» признан нежелательной организацией
    (-1001003921752, 73710): {"society", "politics"},
    (-1001003921752, 73350): {"culture"},  # Большой театр: билеты на «Щелкунчик»
    (-1001003921752, 73337): {"culture"},
    (-1001101170442, 271518): {"society", "incidents"},  # кот Мир, подаренный Путиным, умер
}


def score(name: str, rows: list[tuple[str, Story, str]], verbose: bool) -> None:
    right = 0
    confusion: Counter[tuple[str, str]] = Counter()
    for label, story, want in rows:
        guess = classify(story, summarize(story).headline.text)
        right += guess.topic == want
        if guess.topic != want:
            confusion[want, guess.topic] += 1
        if verbose and guess.topic != want:
            print(f"    miss {label}: want {want}, got {guess.topic} {guess.scores[:3]} by {guess.words[:6]}")
    print(f"  {name}: {right}/{len(rows)} = {right / len(rows):.3f}")
    if verbose:
        print(
            "    misses, hand label -> lexicon:",
            ", ".join(f"{w} -> {g} {n}" for (w, g), n in confusion.most_common()),
        )


# tg_ru_news_2024's machine-made categories (Qwen 2.5, not hand labels) -> topics they allow; per post.
WEAK = {
    "political": {"politics", "war and security"},
    "business": {"economy"},
    "finances": {"economy"},
    "science": {"science"},
    "it": {"technology"},
    "gaming": {"culture", "technology"},
    "weather": {"society"},
}


def weak_reference() -> None:
    right = total = 0
    for line in (DATA / "tg_ru_news_2024" / "posts.jsonl").open(encoding="utf-8"):
        row = json.loads(line)
        if row["date"][:10] in ("2024-11-30", "2024-12-02") or row["category"] not in WEAK:
            continue
        total += 1
        right += (
            classify_texts([row["text"]], headline=row["text"].split("\n")[0]).topic in WEAK[row["category"]]
        )
    print(
        f"  tg_ru_news_2024 machine categories (weak, per post, labelled days left out): {right / total:.3f}"
    )


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("-v", "--verbose", action="store_true")
    args = ap.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        store = open_store(Path(tmp) / "dev.db")
        gold = gold_stories(store, DATA / "stories_dev")
        store.close()
        labels = json.loads((ROOT / "tests" / "data" / "topics_stories_dev.json").read_text())["labels"]
        dev = [(gold.labels[s.id], s, labels[gold.labels[s.id]]) for s in gold.stories]
        store = open_store(Path(tmp) / "day.db")
        day = topic_labelled_stories(
            store,
            ROOT / "tests" / "data" / "topics_2024-12-02.json",
            ROOT / "samples" / "tg_ru_news_2024-12-02.jsonl",
        )
        store.close()
        graded = {}
        for tag in ("2024-12-03", "2024-12-04"):
            posts = Path(tmp) / f"posts_{tag}.jsonl"
            with posts.open("w", encoding="utf-8") as out:
                for line in (DATA / "tg_ru_news_2024" / "posts.jsonl").open(encoding="utf-8"):
                    if json.loads(line)["date"].startswith(tag):
                        out.write(line)
            store = open_store(Path(tmp) / f"{tag}.db")
            graded[tag] = topic_labelled_stories(
                store, ROOT / "tests" / "data" / f"importance_{tag}.json", posts
            )
            store.close()
    print("story topics vs the team's hand labels")
    score("stories_dev 2024-11-30, all", dev, args.verbose)
    score("stories_dev, first half (s001-s074)", [r for r in dev if r[0] <= "s074"], False)
    score("stories_dev, second half (s075-)", [r for r in dev if r[0] > "s074"], False)
    score("bundled day 2024-12-02 (61 stories, 2+ posts)", day, args.verbose)
    for tag, rows in graded.items():
        score(f"{tag} (the pipeline's {len(rows)} stories, 2+ posts)", rows, args.verbose)
    ok = 0
    for line in (DATA / "tg_ru_news_2024" / "posts.jsonl").open(encoding="utf-8"):
        row = json.loads(line)
        want = ISSUE_14_POSTS.get((row["sender_id"], row["message_id"]))
        if want is not None:
            guess = classify_texts([row["text"]], headline=row["text"].split("\n")[0])
            ok += guess.topic in want
            if args.verbose:
                print(f"    issue 14 post {row['message_id']}: {guess.topic} by {guess.words[:4]}")
    print(f"  issue 14's posts: {ok}/{len(ISSUE_14_POSTS)}")
    weak_reference()


if __name__ == "__main__":
    main()
