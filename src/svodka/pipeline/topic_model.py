"""A story's topic as the team's hand labels taught it: a linear model over the story's words and the lexicon.

The lexicon (:mod:`svodka.pipeline.story_topics`) says which words point at a topic; this model, trained by
``benchmarks/train_topics.py`` on the hand-labelled days of ``tests/data`` (stories_dev 2024-11-30 and
2024-12-02 … 12-04, 338 stories), learns how a desk weighs them against each other and which other words
tell the topics apart («покусала», «выпал» for incidents beside «студенты», «ребёнок»). Features: the
lemmas of the story's posts and headline (TF-IDF, each post's counts times its vote weight, log1p of the
sum, L2 norm) and the lexicon's topic shares (times :data:`SHARE_SCALE`); a multinomial logistic
regression. The coefficients ship in ``topic_model.json`` (terms in 2+ training stories whose weight
matters, rounded); nothing is downloaded. Accuracy, leave-one-day-out and on a held-out day:
``benchmarks/README.md`` ("Topics, fourth pass").
"""

from __future__ import annotations

import json
import math
from collections import defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import TypedDict

MODEL_FILE = Path(__file__).with_name("topic_model.json")
SHARE_SCALE = 3.0


@dataclass(frozen=True, slots=True)
class TopicModel:
    topics: tuple[str, ...]  # the classes, in the order of every weight row
    idf: Mapping[str, float]  # term -> its inverse document frequency in the training stories
    terms: Mapping[str, tuple[float, ...]]  # term -> its weight for each topic
    shares: tuple[tuple[float, ...], ...]  # per lexicon topic (story_topics.TOPICS order): weights per topic
    bias: tuple[float, ...]


def term_counts(lemma_texts: Iterable[tuple[Iterable[str], float]]) -> dict[str, float]:
    """Each lemma's count over the texts, a text's counts times its weight."""
    counts: dict[str, float] = defaultdict(float)
    for lemmas, weight in lemma_texts:
        for lemma in lemmas:
            counts[lemma] += weight
    return counts


def tfidf(counts: Mapping[str, float], idf: Mapping[str, float]) -> dict[str, float]:
    """log1p(count) × idf over the terms ``idf`` knows, L2-normalised."""
    row = {t: math.log1p(n) * idf[t] for t, n in counts.items() if t in idf and n > 0}
    norm = math.sqrt(sum(v * v for v in row.values())) or 1.0
    return {t: v / norm for t, v in row.items()}


def probabilities(model: TopicModel, row: Mapping[str, float], shares: Iterable[float]) -> dict[str, float]:
    """The model's probability of each topic for a story's TF-IDF ``row`` and lexicon ``shares``."""
    z = list(model.bias)
    for term, value in row.items():
        weights = model.terms.get(term)
        if weights:
            for k, w in enumerate(weights):
                z[k] += value * w
    for share, weights in zip(shares, model.shares, strict=True):
        if share:
            for k, w in enumerate(weights):
                z[k] += SHARE_SCALE * share * w
    top = max(z)
    e = [math.exp(v - top) for v in z]
    total = sum(e)
    return {t: v / total for t, v in zip(model.topics, e, strict=True)}


class ModelDoc(TypedDict):
    """``topic_model.json`` as benchmarks/train_topics.py writes it."""

    about: str
    topics: list[str]
    idf: dict[str, float]
    terms: dict[str, list[float]]
    shares: list[list[float]]
    bias: list[float]


def model_from_json(doc: ModelDoc) -> TopicModel:
    return TopicModel(
        tuple(doc["topics"]),
        {t: float(v) for t, v in doc["idf"].items()},
        {t: tuple(map(float, w)) for t, w in doc["terms"].items()},
        tuple(tuple(map(float, w)) for w in doc["shares"]),
        tuple(map(float, doc["bias"])),
    )


@lru_cache(maxsize=1)
def load_model() -> TopicModel | None:
    """The shipped model, or None where the package has none (the lexicon alone decides then)."""
    if not MODEL_FILE.exists():
        return None
    doc: ModelDoc = json.loads(MODEL_FILE.read_text(encoding="utf-8"))
    return model_from_json(doc)
