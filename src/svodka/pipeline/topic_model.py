"""A story's topic as the team's hand labels taught it: a linear model over the story's words and the lexicon,
times a head over the story's mean post vector where one ships for the embedder that made it.

The lexicon (:mod:`svodka.pipeline.story_topics`) says which words point at a topic; this model, trained by
``benchmarks/train_topics.py`` on the hand-labelled days of ``tests/data`` (stories_dev 2024-11-30, 2024-12-02
… 12-04, 11-28, 11-26, 12-01, 11-29: 730 stories), learns how a desk weighs them against each other and which
other words tell the topics apart («покусала», «выпал» for incidents beside «студенты», «ребёнок»). Features:
the lemmas of the story's posts and headline (TF-IDF, each post's counts times its vote weight, log1p of the
sum, L2 norm) and the lexicon's topic shares (times :data:`SHARE_SCALE`); a multinomial logistic regression,
each topic weighing as much as the others in training (balanced class weights: the small topics are not
drowned by politics). Where the lexicon's gate says "other", the model's topic stands only at
``gate_override`` or more. The coefficients ship in ``topic_model.json`` (terms in 2+ training stories whose
weight matters, rounded). A *head* (``topic_heads.json``) is a logistic regression over one embedder's story
vectors (the L2-normalised mean of the original posts' vectors ``svodka process`` cached), keyed by that
embedder's cache name: e5 ships one; USE or a user's model have none — a head never reads another model's
vectors (:func:`head_for`) —, and for them (or a story without vectors) the head :data:`WORD_VECTORS` reads
the story's own words as one vector (:func:`word_vector`: natasha's navec, SIF-weighted). The topic is ∝
p_words × p_head ** mix. Nothing is downloaded. Accuracy, leave-one-day-out and on the held-out days:
``benchmarks/README.md`` ("Topics") and ``benchmarks/bench_topics.py``.
"""

from __future__ import annotations

import json
import math
from collections import defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import NotRequired, TypedDict

import numpy as np

MODEL_FILE = Path(__file__).with_name("topic_model.json")
HEADS_FILE = Path(__file__).with_name("topic_heads.json")
SHARE_SCALE = 3.0


@dataclass(frozen=True, slots=True)
class TopicModel:
    topics: tuple[str, ...]  # the classes, in the order of every weight row
    idf: Mapping[str, float]  # term -> its inverse document frequency in the training stories
    terms: Mapping[str, tuple[float, ...]]  # term -> its weight for each topic
    shares: tuple[tuple[float, ...], ...]  # per lexicon topic (story_topics.TOPICS order): weights per topic
    bias: tuple[float, ...]
    # Where the lexicon's gate says "other" (no topic word) and the model has no "other": the model's topic
    # stands where its probability (with the head) is at least this; math.inf where the gate always holds.
    gate_override: float = math.inf


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
    gate_override: NotRequired[float]


def model_from_json(doc: ModelDoc) -> TopicModel:
    return TopicModel(
        tuple(doc["topics"]),
        {t: float(v) for t, v in doc["idf"].items()},
        {t: tuple(map(float, w)) for t, w in doc["terms"].items()},
        tuple(tuple(map(float, w)) for w in doc["shares"]),
        tuple(map(float, doc["bias"])),
        float(doc.get("gate_override", math.inf)),
    )


@lru_cache(maxsize=1)
def load_model() -> TopicModel | None:
    """The shipped model, or None where the package has none (the lexicon alone decides then)."""
    if not MODEL_FILE.exists():
        return None
    doc: ModelDoc = json.loads(MODEL_FILE.read_text(encoding="utf-8"))
    return model_from_json(doc)


@dataclass(frozen=True, slots=True)
class StoryVector:
    """A story's mean post vector (its original posts', L2-normalised, as ``svodka process`` cached them) and
    the name of the embedder's vector cache that made it (``Embedder.name``: ``e5-small-q4-query``, …)."""

    model: str
    vector: np.ndarray


@dataclass(frozen=True, slots=True)
class TopicHead:
    """A logistic regression over one embedder's story vectors, and how much it weighs beside the words'
    model: the topic's probability is ∝ p_words × p_head ** ``mix``."""

    model: str  # the embedder's cache name: a head reads that embedder's vectors and no other's
    topics: tuple[str, ...]
    weights: np.ndarray  # (topics, dim)
    bias: np.ndarray  # (topics,)
    mix: float


class HeadDoc(TypedDict):
    """One head in ``topic_heads.json`` (benchmarks/train_topics.py writes it)."""

    topics: list[str]
    mix: float
    bias: list[float]
    weights: list[list[float]]


def head_from_json(model: str, doc: HeadDoc) -> TopicHead:
    return TopicHead(
        model,
        tuple(doc["topics"]),
        np.asarray(doc["weights"], dtype=np.float32),
        np.asarray(doc["bias"], dtype=np.float32),
        float(doc["mix"]),
    )


@lru_cache(maxsize=1)
def load_heads() -> Mapping[str, TopicHead]:
    """The shipped heads by embedder cache name (none where the package has no file)."""
    if not HEADS_FILE.exists():
        return {}
    doc: dict[str, HeadDoc] = json.loads(HEADS_FILE.read_text(encoding="utf-8"))["heads"]
    return {name: head_from_json(name, d) for name, d in doc.items()}


def head_for(vector: StoryVector | None, heads: Mapping[str, TopicHead] | None = None) -> TopicHead | None:
    """The head trained on ``vector``'s embedder, None where there is none (another model's vectors, or a
    vector of another size): a head never reads the vectors of an embedder it was not trained on."""
    if vector is None:
        return None
    head = (load_heads() if heads is None else heads).get(vector.model)
    if head is None or head.weights.shape[1] != vector.vector.shape[-1]:
        return None
    return head


# The story's words as one vector, for the stories without a vector of an embedder that has a head (USE, a
# user's model, none cached): natasha's navec (news, 250 000 word forms, 300 dimensions; it ships in natasha's
# wheel, nothing is downloaded), each word weighted by SIF, a / (a + its frequency in navec's corpus) with the
# paper's a = 1e-3 (Arora et al. 2017: «the» and «в» weigh almost nothing, rare words fully).
WORD_VECTORS = "navec-news-v1-sif"
_SIF_A = 1e-3


@dataclass(frozen=True, slots=True)
class _WordTable:
    ids: Mapping[str, int]  # word form -> its row
    weights: np.ndarray  # (words,): each word's SIF weight
    indexes: np.ndarray  # (words, parts): the product quantiser's code of each part of the word's vector
    codes: np.ndarray  # (parts, centroids, part size)


@lru_cache(maxsize=1)
def _word_table() -> _WordTable:
    from natasha import NewsEmbedding

    navec = NewsEmbedding()
    counts = np.asarray(navec.vocab.counts, dtype=np.float64)
    weights = (_SIF_A / (_SIF_A + counts / counts.sum())).astype(np.float32)
    return _WordTable(navec.vocab.word_ids, weights, navec.pq.indexes, navec.pq.codes)


def word_vector(counts: Mapping[str, float]) -> StoryVector | None:
    """The SIF-weighted mean navec vector of word forms given with their (weighted) counts, L2-normalised, as
    :data:`WORD_VECTORS`' head reads it; None where navec knows none of the words."""
    table = _word_table()
    found = [
        (i, n)
        for w, n in counts.items()
        if n > 0 and (i := table.ids.get(w, table.ids.get(w.replace("ё", "е")))) is not None
    ]
    if not found:
        return None
    ids = np.fromiter((i for i, _ in found), dtype=np.int64, count=len(found))
    weights = np.fromiter((n for _, n in found), dtype=np.float32, count=len(found)) * table.weights[ids]
    parts = table.codes[np.arange(table.codes.shape[0]), table.indexes[ids]]  # (words, parts, part size)
    mean = weights @ parts.reshape(len(found), -1)
    norm = float(np.linalg.norm(mean))
    return StoryVector(WORD_VECTORS, (mean / norm).astype(np.float32)) if norm > 0 else None


def head_probabilities(head: TopicHead, vector: np.ndarray) -> dict[str, float]:
    """The head's probability of each topic for a story vector."""
    z = head.weights @ np.asarray(vector, dtype=np.float32) + head.bias
    e = np.exp(z - z.max())
    p = e / e.sum()
    return {t: float(v) for t, v in zip(head.topics, p, strict=True)}


def combined(words: Mapping[str, float], head: Mapping[str, float], mix: float) -> dict[str, float]:
    """The product of the words' model's probabilities and the head's to the power ``mix``, normalised
    (a topic the head does not know keeps the words' probability)."""
    out = {t: p * head.get(t, 1.0) ** mix for t, p in words.items()}
    total = sum(out.values()) or 1.0
    return {t: v / total for t, v in out.items()}
