"""Story topics against the team's hand labels: stories_dev (2024-11-30, both halves apart), the bundled
day 2024-12-02 (tests/data/topics_2024-12-02.json, labelled before the lexicon was tuned), the pipeline's
stories of 2024-12-03 and 2024-12-04 (tests/data/importance_2024-12-0[34].json, labelled with their
importance grades) and of the held-out day 2024-11-28 (tests/data/topics_2024-11-28.json: no rule and no
model was fitted on it), plus the cases issue 14 names; the shipped model beside the lexicon alone, how
often a settled topic would change with the headline, and the cost. ``-v`` lists every miss with the
words that decided it.

    PYTHONPATH=src python benchmarks/bench_topics.py [-v]
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "src"))

from svodka.evaluate.gold import gold_stories, topic_labelled_stories  # noqa: E402
from svodka.model import Story  # noqa: E402
from svodka.pipeline.story_topics import classify, classify_texts, lexicon_guess, story_posts  # noqa: E402
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
    """Accuracy of the topic (the shipped model) and of the lexicon alone, side by side."""
    right = lexicon = 0
    confusion: Counter[tuple[str, str]] = Counter()
    for label, story, want in rows:
        headline = summarize(story).headline.text
        guess = classify(story, headline)
        right += guess.topic == want
        lexicon += lexicon_guess(story_posts(story, headline)).topic == want
        if guess.topic != want:
            confusion[want, guess.topic] += 1
        if verbose and guess.topic != want:
            print(f"    miss {label}: want {want}, got {guess.topic} {guess.scores[:3]} by {guess.words[:6]}")
    print(
        f"  {name}: {right}/{len(rows)} = {right / len(rows):.3f} (lexicon alone {lexicon / len(rows):.3f})"
    )
    if verbose:
        print(
            "    misses, hand label -> topic:",
            ", ".join(f"{w} -> {g} {n}" for (w, g), n in confusion.most_common()),
        )


def settled_changes(rows: list[tuple[str, Story, str]]) -> tuple[int, int]:
    """(stories whose topic without the headline is settled, of them the ones the headline changed)."""
    settled = changed = 0
    for _label, story, _want in rows:
        guess = classify(story)
        if guess.settled(1.0):
            settled += 1
            changed += classify(story, summarize(story).headline.text).topic != guess.topic
    return settled, changed


def day_posts(tag: str, out: Path) -> Path:
    """The posts of one UTC day of tg_ru_news_2024 (all channels; the labels name the stories' posts)."""
    with out.open("w", encoding="utf-8") as f:
        for line in (DATA / "tg_ru_news_2024" / "posts.jsonl").open(encoding="utf-8"):
            if json.loads(line)["date"].startswith(tag):
                f.write(line)
    return out


def tuning_days(tmp: Path) -> dict[str, list[tuple[str, Story, str]]]:
    """The hand-labelled topic days the lexicon was reviewed against and the model trained on, as
    (label, story, topic) rows; the key names the day."""
    days: dict[str, list[tuple[str, Story, str]]] = {}
    with open_store(tmp / "dev.db") as store:
        gold = gold_stories(store, DATA / "stories_dev")
    labels = json.loads((ROOT / "tests" / "data" / "topics_stories_dev.json").read_text())["labels"]
    days["stories_dev 2024-11-30"] = [(gold.labels[s.id], s, labels[gold.labels[s.id]]) for s in gold.stories]
    with open_store(tmp / "day.db") as store:
        days["bundled day 2024-12-02"] = topic_labelled_stories(
            store,
            ROOT / "tests" / "data" / "topics_2024-12-02.json",
            ROOT / "samples" / "tg_ru_news_2024-12-02.jsonl",
        )
    for tag in ("2024-12-03", "2024-12-04"):
        days[tag] = _day(tmp, tag, ROOT / "tests" / "data" / f"importance_{tag}.json")
    return days


def held_out_day(tmp: Path) -> list[tuple[str, Story, str]]:
    """2024-11-28 (tests/data/README.md): no rule and no model is fitted on it."""
    return _day(tmp, HELD_OUT, ROOT / "tests" / "data" / f"topics_{HELD_OUT}.json")


def _day(tmp: Path, tag: str, labels: Path) -> list[tuple[str, Story, str]]:
    posts = day_posts(tag, tmp / f"posts_{tag}.jsonl")
    with open_store(tmp / f"{tag}.db") as store:
        return topic_labelled_stories(store, labels, posts)


HELD_OUT = "2024-11-28"


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
        days = tuning_days(Path(tmp))
        days[f"{HELD_OUT} (held out)"] = held_out_day(Path(tmp))
    print("story topics vs the team's hand labels (the model; the lexicon alone in brackets)")
    for name, rows in days.items():
        score(f"{name} ({len(rows)} stories, 2+ posts)", rows, args.verbose)
        if name.startswith("stories_dev"):
            score("  stories_dev, first half (s001-s074)", [r for r in rows if r[0] <= "s074"], False)
            score("  stories_dev, second half (s075-)", [r for r in rows if r[0] > "s074"], False)
    every = [r for rows in days.values() for r in rows]
    settled, changed = settled_changes(every)
    print(f"  settled without the headline: {settled}/{len(every)} stories, {changed} changed by it")
    stories = [story for _l, story, _t in every]
    heads = [summarize(story).headline.text for story in stories]
    start = time.process_time()
    for story, headline in zip(stories, heads, strict=True):
        classify(story, headline)
    cost = (time.process_time() - start) / len(stories) * 1000
    print(f"  cost: {cost:.2f} CPU s per 1,000 stories (warm caches; the headline not included)")
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
