"""Two-level topics over duplicate groups: k-means topics, then k-means subtopics inside each topic.

Clustering runs on one vector per duplicate group weighted by its count, so a question asked 40,000 times
costs one row but pulls its topic as 40,000 would. Labels are c-TF-IDF keywords over lemmas;
representatives are central, well-formed (neither fragment nor essay) and mutually diverse (MMR).
Topic-first (rather than merging subtopics) keeps topic quality equal to a flat k-means at that count —
measured with `svodka questions eval` on citizen_appeals_dev.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass

import numpy as np
from sklearn.cluster import KMeans

from svodka.engine import Engine
from svodka.model import QuestionTopic
from svodka.questions.features import Featurizer
from svodka.questions.sharded import warm_lemmas
from svodka.questions.split import split_catchalls


@dataclass(frozen=True, slots=True)
class TopicSettings:
    topics: int = 15
    subtopics: int = 125  # in all, shared among topics by size
    label_words: int = 4
    representatives: int = 5
    seed: int = 0
    split_above: float = 2.0  # fair shares above which a loose topic is re-clustered (0: never; see split)


@dataclass(frozen=True, slots=True)
class Triage:
    topics: list[QuestionTopic]
    group_topic: np.ndarray  # per group: topic id
    group_sub: np.ndarray  # per group: subtopic id
    centroids: np.ndarray  # per subtopic (row i = subtopic id sub_ids[i])
    sub_ids: np.ndarray
    sub_parent: np.ndarray
    fit: np.ndarray  # per group: cosine to its subtopic centroid in the TF-IDF space (see Featurizer)
    terms: dict[int, Counter[str]]  # lemma counts per topic and subtopic id (trimmed)


def _kmeans(x: np.ndarray, k: int, w: np.ndarray, seed: int) -> tuple[np.ndarray, np.ndarray]:
    k = max(1, min(k, len(x)))
    km = KMeans(k, n_init=1, random_state=seed).fit(x, sample_weight=w)
    return km.labels_, km.cluster_centers_


def cluster(
    x: np.ndarray, weights: np.ndarray, s: TopicSettings, engine: Engine | None = None
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(topic per row, subtopic per row, subtopic centroids); subtopic ids are global."""
    top, _ = _kmeans(x, s.topics, weights, s.seed)
    sub = np.zeros(len(x), dtype=np.int64)
    cents: list[np.ndarray] = []
    total = float(weights.sum())
    members = [idx for t in range(int(top.max()) + 1) if len(idx := np.flatnonzero(top == t))]
    jobs = (  # the subtopics of each topic: independent k-means, parallel tasks on an engine
        (x[idx], max(1, round(s.subtopics * float(weights[idx].sum()) / total)), weights[idx], s.seed)
        for idx in members
    )
    # here one topic's rows at a time (no copy of every topic's rows at once)
    done = engine.map_batches(_kmeans_job, list(jobs)) if engine else map(_kmeans_job, jobs)
    for idx, (lab, c) in zip(members, done, strict=True):
        sub[idx] = lab + len(cents)
        cents.extend(c)
    top = split_catchalls(x, weights, top, sub, s.split_above, s.seed)
    return top, sub, np.asarray(cents, dtype=np.float32)


def _kmeans_job(job: tuple[np.ndarray, int, np.ndarray, int]) -> tuple[np.ndarray, np.ndarray]:
    return _kmeans(*job)


TERMS_KEPT = 400  # lemma counts kept per (sub)topic so labels can be refreshed as questions arrive


def term_counts(
    docs: Sequence[list[str]], weights: np.ndarray, labels: np.ndarray
) -> dict[int, Counter[str]]:
    """Weighted lemma document counts per cluster (a lemma counts once per question)."""
    per: dict[int, Counter[str]] = {}
    for toks, w, lab in zip(docs, weights, labels, strict=True):
        c = per.setdefault(int(lab), Counter())
        for t in set(toks):
            c[t] += int(w)
    return per


def trim_counts(per: dict[int, Counter[str]], keep: int = TERMS_KEPT) -> dict[int, Counter[str]]:
    return {k: Counter(dict(c.most_common(keep))) for k, c in per.items()}


def labels_from_counts(per: dict[int, Counter[str]], n: int) -> dict[int, tuple[str, ...]]:
    """Top ``n`` lemmas per cluster by c-TF-IDF: tf within the cluster × log(1 + mean words / total tf)."""
    overall: Counter[str] = Counter()
    for c in per.values():
        overall.update(c)
    avg = sum(sum(c.values()) for c in per.values()) / max(1, len(per))
    out = {}
    for lab, c in per.items():
        tot = sum(c.values()) or 1
        scored = sorted(c, key=lambda t: (-(c[t] / tot) * np.log1p(avg / overall[t]), t))
        out[lab] = tuple(scored[:n])
    return out


def weighted_quantile(values: np.ndarray, weights: np.ndarray, q: float) -> float:
    if not len(values):
        return 0.0
    order = np.argsort(values)
    cum = np.cumsum(weights[order])
    return float(values[order][min(len(values) - 1, int(np.searchsorted(cum, q * cum[-1])))])


def representatives(
    x: np.ndarray, texts: Sequence[str], weights: np.ndarray, centre: np.ndarray, n: int
) -> list[int]:
    """Indices of up to ``n`` central, well-formed, diverse members (maximal marginal relevance)."""
    lengths = np.array([len(t) for t in texts])
    formed = np.where((lengths >= 25) & (lengths <= 300), 1.0, 0.6)
    rel = (x @ centre) * formed + 0.05 * np.log1p(weights)
    chosen: list[int] = []
    cand = list(np.argsort(-rel)[: 50 * n])
    while cand and len(chosen) < n:
        if chosen:
            sim = x[cand] @ x[chosen].T
            score = rel[cand] - 0.7 * sim.max(axis=1)
        else:
            score = rel[cand]
        best = cand.pop(int(np.argmax(score)))
        if all(texts[best].strip().lower() != texts[c].strip().lower() for c in chosen):
            chosen.append(best)
    return chosen


def triage(
    texts: Sequence[str],
    weights: np.ndarray,
    featurizer: Featurizer,
    settings: TopicSettings | None = None,
    on_progress: Callable[[int], None] | None = None,
    engine: Engine | None = None,
) -> Triage:
    """Topics and subtopics for duplicate groups (``texts`` one per group, ``weights`` their counts);
    ``engine``: where the per-text lemmas and the per-topic k-means run (:mod:`svodka.questions.sharded`)."""
    s = settings or TopicSettings()
    if engine is not None:
        warm_lemmas(engine, featurizer.tokens, texts)
    x, energy = featurizer.fit_embed(texts)
    if on_progress:
        on_progress(len(texts) // 2)
    top, sub, cents = cluster(x, weights, s, engine)
    docs = [featurizer.tokens(t) for t in texts]
    sub_parent = np.zeros(len(cents), dtype=np.int64)
    for g in range(len(texts)):
        sub_parent[sub[g]] = top[g]
    # Topic ids 1..T, subtopic ids 1001.. : disjoint so one column can hold either.
    top_ids = top + 1
    sub_ids = sub + 1001
    fit = (x * cents[sub]).sum(axis=1) * energy
    topics: list[QuestionTopic] = []
    terms: dict[int, Counter[str]] = {}
    for level_ids, parent_of in ((top_ids, None), (sub_ids, sub_parent + 1)):
        counts = term_counts(docs, weights, level_ids)
        kw = labels_from_counts(counts, s.label_words)
        terms.update(trim_counts(counts))
        for tid in sorted(set(level_ids.tolist())):
            idx = np.flatnonzero(level_ids == tid)
            centre = x[idx].T @ weights[idx]
            centre = centre / (np.linalg.norm(centre) or 1.0)
            reps = representatives(
                x[idx], [texts[int(i)] for i in idx], weights[idx], centre, s.representatives
            )
            parent = None if parent_of is None else int(parent_of[tid - 1001])
            topics.append(
                QuestionTopic(
                    tid,
                    parent,
                    ", ".join(kw[tid][:3]),
                    kw[tid],
                    int(weights[idx].sum()),
                    tuple(texts[idx[r]] for r in reps),
                )
            )
    if on_progress:
        on_progress(len(texts) - len(texts) // 2)
    return Triage(topics, top_ids, sub_ids, cents, np.arange(len(cents)) + 1001, sub_parent + 1, fit, terms)
