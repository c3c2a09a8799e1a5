"""Catch-all topics split: a first-level topic that is both much larger than its fair share and looser
than a typical topic is a mix of unrelated requests, so its subtopics are regrouped into parts of about
fair size.

Cohesion is the weighted mean cosine of a topic's members to its unit centroid; the fair share is
``1 / topics``. A topic is split when its share exceeds ``split_above`` fair shares *and* its cohesion is
below the median of the topics' — a large but tight topic (one request asked very often) stays whole.
The parts are checked again, since a part of a mix can still be a mix.
Measured on citizen_appeals_dev with `svodka questions eval` (benchmarks/README.md, question topics).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from sklearn.cluster import KMeans


@dataclass(frozen=True, slots=True)
class TopicCohesion:
    topic: int
    share: float  # of all question weight
    cohesion: float  # weighted mean cosine to the topic's unit centroid


def cohesion(x: np.ndarray, weights: np.ndarray, labels: np.ndarray) -> list[TopicCohesion]:
    total = float(weights.sum()) or 1.0
    out = []
    for t in np.unique(labels):
        idx = np.flatnonzero(labels == t)
        w = weights[idx]
        centre = x[idx].T @ w
        centre = centre / (np.linalg.norm(centre) or 1.0)
        cos = x[idx] @ centre
        out.append(TopicCohesion(int(t), float(w.sum()) / total, float(cos @ w / (w.sum() or 1.0))))
    return out


ROUNDS = 3  # a part of a split catch-all may itself still be one; splitting stops after this many rounds


def split_catchalls(
    x: np.ndarray,
    weights: np.ndarray,
    labels: np.ndarray,
    subs: np.ndarray,
    split_above: float,
    seed: int,
) -> np.ndarray:
    """Labels (0..k'-1) with every catch-all topic divided into ``round(share * topics)`` parts, again on
    the parts (the fair share stays that of the topics asked for) until none is left or ``ROUNDS``.

    A topic is divided along its subtopics (``subs``: per row, a subtopic inside one topic): k-means over
    their weighted centroids, so every subtopic stays whole and only its parent changes — the subtopics,
    and the model that places new questions into them, are the same as without the split."""
    k = len(np.unique(labels))
    if split_above <= 0 or k < 2:
        return labels
    out = labels.copy()
    for _ in range(ROUNDS):
        stats = cohesion(x, weights, out)
        loose = float(np.median([s.cohesion for s in stats]))
        mixed = [s for s in stats if s.share > split_above / k and s.cohesion < loose]
        nxt = int(out.max()) + 1
        changed = False
        for s in mixed:
            idx = np.flatnonzero(out == s.topic)
            members, inner = np.unique(subs[idx], return_inverse=True)
            parts = min(len(members), max(2, round(s.share * k)))
            if parts < 2:
                continue
            w = np.bincount(inner, weights=weights[idx])
            cents = np.zeros((len(members), x.shape[1]))
            np.add.at(cents, inner, x[idx] * weights[idx, None])
            cents /= np.maximum(np.linalg.norm(cents, axis=1, keepdims=True), 1e-12)
            part = KMeans(parts, n_init=1, random_state=seed).fit_predict(cents, sample_weight=w)[inner]
            out[idx[part > 0]] = nxt + part[part > 0] - 1
            nxt += int(part.max())
            changed = True
        if not changed:
            break
    _, dense = np.unique(out, return_inverse=True)
    return dense.astype(labels.dtype)
