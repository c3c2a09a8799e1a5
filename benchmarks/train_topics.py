"""Can tg_ru_news_2024's machine categories teach the story topics? Issue 14's topic target, tried, measured.

Both models are trained on the posts of ``../shared/data/tg_ru_news_2024`` (CC BY 4.0; categories by Qwen
2.5, not hand labels) of every day but the two hand-labelled ones (2024-11-30, 2024-12-02) and the unseen
ranking day (2024-12-03); ads and posts under 40 characters are left out. Features: TF-IDF over the lemmas the
lexicon matches on (:mod:`svodka.pipeline.story_topics`), sublinear tf, words in 3+ posts; a logistic
regression.

1. **category model**: the 11 machine categories; a story's category probabilities (its original posts and
   headline as one text) go through the categories -> topics table of ``bench_topics.WEAK`` (a category
   outside it allows every topic) into a prior over topics, multiplied into the lexicon's shares (× prior^β).
2. **self-trained topic model**: the lexicon's topic of each post where the lexicon is confident (share ≥ 0.7,
   evidence ≥ 3) and the post's category allows it; a story's topic probabilities are the mean of its posts'
   (a copy a quarter), added to the lexicon's shares (+ α × p) or multiplied (× p^β).

Each is scored, alone and with the lexicon, against the team's hand labels: stories_dev (both halves) and the
bundled day 2024-12-02 (the same stories as ``bench_topics.py``). Nothing is written into the package: no
variant beat the lexicon on both days (figures: benchmarks/README.md, "An editor's digest").

    PYTHONPATH=src python benchmarks/train_topics.py        # 1-5 minutes
"""

from __future__ import annotations

import json
import sys
import tempfile
from collections import Counter
from collections.abc import Callable, Sequence
from pathlib import Path

import numpy as np
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.linear_model import LogisticRegression

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "src"))
sys.path.insert(0, str(ROOT / "benchmarks"))

from bench_topics import WEAK  # noqa: E402
from svodka.evaluate.gold import gold_stories, topic_labelled_stories  # noqa: E402
from svodka.model import Story  # noqa: E402
from svodka.pipeline import story_topics as st  # noqa: E402
from svodka.pipeline.summarize import summarize  # noqa: E402
from svodka.store import open_store  # noqa: E402

DATA = ROOT.parent / "shared" / "data"
HELD_OUT = ("2024-11-30", "2024-12-02", "2024-12-03")
COPY = 0.25


def lemmas(text: str) -> str:
    """The text as the lexicon reads it: lower case, ё→е, channel plugs out, each word's lemma."""
    clean = st._NOT_WORDS.sub(" ", text).lower().replace("ё", "е")
    return " ".join(st._lemma(tok) for tok in st._TOKEN.findall(clean))


def training_posts() -> list[dict[str, str]]:
    rows = []
    for line in (DATA / "tg_ru_news_2024" / "posts.jsonl").open(encoding="utf-8"):
        row = json.loads(line)
        if row["date"][:10] in HELD_OUT or row["category"] == "advertisement" or len(row["text"]) < 40:
            continue
        rows.append(row)
    return rows


def self_labels(rows: Sequence[dict[str, str]]) -> tuple[list[str], list[str]]:
    """The lexicon's confident topic of each post that its machine category allows."""
    texts, labels = [], []
    for row in rows:
        guess = st.classify_texts([row["text"]], headline=row["text"].split("\n")[0])
        evidence = sum(n for _w, n in guess.words)
        allowed = WEAK.get(row["category"])
        if guess.topic == "other" or guess.score < 0.7 or evidence < 3:
            continue
        if allowed is not None and guess.topic not in allowed:
            continue
        texts.append(lemmas(row["text"]))
        labels.append(guess.topic)
    return texts, labels


def fit(texts: list[str], labels: list[str]) -> tuple[TfidfVectorizer, LogisticRegression]:
    vec = TfidfVectorizer(analyzer=str.split, min_df=3, sublinear_tf=True)
    model = LogisticRegression(C=5.0, max_iter=3000).fit(vec.fit_transform(texts), labels)
    return vec, model


Row = tuple[str, Story, str, str]  # gold label, story, headline, hand label


def labelled_days() -> dict[str, list[Row]]:
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
    return {
        name: [(label, s, summarize(s).headline.text, want) for label, s, want in rows]
        for name, rows in (("dev", dev), ("day", day))
    }


def category_prior(
    vec: TfidfVectorizer, model: LogisticRegression, story: Story, headline: str
) -> np.ndarray:
    """P(topic) of the story through its category probabilities and the WEAK table (uniform elsewhere)."""
    text = " ".join(lemmas(m.post.text) for m in story.members[:40] if not m.is_copy) + " " + lemmas(headline)
    probs = model.predict_proba(vec.transform([text]))[0]
    prior = np.zeros(len(st.TOPICS))
    for cat, p in zip(model.classes_, probs, strict=True):
        allowed = WEAK.get(str(cat), set(st.TOPICS))
        for t in allowed:
            prior[st.TOPICS.index(t)] += p / len(allowed)
    return prior * len(st.TOPICS)


def topic_probs(
    vec: TfidfVectorizer, model: LogisticRegression, story: Story, headline: str
) -> dict[str, float]:
    members = story.members[:40]
    texts = [lemmas(m.post.text) for m in members] + [lemmas(headline)]
    weights = np.array([COPY if m.is_copy else 1.0 for m in members] + [1.0])
    probs = (model.predict_proba(vec.transform(texts)) * weights[:, None]).sum(0) / weights.sum()
    return {str(c): float(p) for c, p in zip(model.classes_, probs, strict=True)}


Decide = Callable[[st.TopicGuess, int, str], str]  # lexicon guess, row index, day -> topic


def accuracy(days: dict[str, list[Row]], decide: Decide) -> str:
    out = []
    for name, rows in days.items():
        hits = [decide(guess_of[name][i], i, name) == want for i, (_l, _s, _h, want) in enumerate(rows)]
        figure = f"{name} {sum(hits) / len(hits):.3f}"
        if name == "dev":
            first = [h for h, r in zip(hits, rows, strict=True) if r[0] <= "s074"]
            second = [h for h, r in zip(hits, rows, strict=True) if r[0] > "s074"]
            figure += f" ({sum(first) / len(first):.3f} / {sum(second) / len(second):.3f})"
        out.append(figure)
    return "  ".join(out)


def best(scores: dict[str, float]) -> str:
    return max(st.TOPICS, key=lambda t: (scores.get(t, 0.0), -st.TOPICS.index(t)))


guess_of: dict[str, list[st.TopicGuess]] = {}


def main() -> None:
    rows = training_posts()
    days = labelled_days()
    for name, day in days.items():
        guess_of[name] = [
            st.classify_weighted(((m.post.text, COPY if m.is_copy else 1.0) for m in s.members[:40]), h)
            for _l, s, h, _w in day
        ]
    cat_vec, cat_model = fit([lemmas(r["text"]) for r in rows], [r["category"] for r in rows])
    texts, labels = self_labels(rows)
    top_vec, top_model = fit(texts, labels)
    print(f"training posts: {len(rows)} (categories), {len(texts)} self-labelled {dict(Counter(labels))}")
    prior = {n: [category_prior(cat_vec, cat_model, s, h) for _l, s, h, _w in d] for n, d in days.items()}
    probs = {n: [topic_probs(top_vec, top_model, s, h) for _l, s, h, _w in d] for n, d in days.items()}

    def shares(g: st.TopicGuess) -> dict[str, float]:
        return dict(g.scores)

    print("story topics vs the hand labels: day (halves)  bundled day")
    print("  lexicon                        ", accuracy(days, lambda g, i, n: g.topic))
    print(
        "  lexicon, best share (reference)",
        accuracy(days, lambda g, i, n: g.topic if g.topic == "other" else best(shares(g))),
    )
    for beta in (0.5, 1.0):
        print(
            f"  lexicon × category prior^{beta:<4}  ",
            accuracy(
                days,
                lambda g, i, n, b=beta: (
                    g.topic
                    if g.topic == "other"
                    else best({t: v * prior[n][i][st.TOPICS.index(t)] ** b for t, v in shares(g).items()})
                ),
            ),
        )
    print("  self-trained model alone       ", accuracy(days, lambda g, i, n: best(probs[n][i])))
    for alpha in (1.0, 2.0):
        print(
            f"  lexicon + {alpha:g} × model           ",
            accuracy(
                days,
                lambda g, i, n, a=alpha: (
                    g.topic
                    if g.topic == "other"
                    else best({t: shares(g).get(t, 0.0) + a * p for t, p in probs[n][i].items()})
                ),
            ),
        )
    for beta in (0.5, 1.0):
        print(
            f"  lexicon × model^{beta:<4}           ",
            accuracy(
                days,
                lambda g, i, n, b=beta: (
                    g.topic
                    if g.topic == "other"
                    else best({t: v * (probs[n][i].get(t, 0.0) + 0.02) ** b for t, v in shares(g).items()})
                ),
            ),
        )


if __name__ == "__main__":
    main()
