"""The stored triage model: what places a new question into the existing topics without re-clustering.

It holds the fitted :class:`Featurizer` (lemmas → TF-IDF → SVD), one unit centroid per subtopic, each
subtopic's topic, the fit threshold ``tau`` below which a question fits no subtopic (a low quantile of the
fitted questions' own fit), the mean subtopic weight, and trimmed lemma counts per (sub)topic so labels can
be refreshed as questions arrive. It is stored as two blobs: the featurizer (large; rewritten only when the
feature space is refitted) and the rest (small; rewritten on every incremental run).
"""

from __future__ import annotations

import pickle
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np

from svodka.questions.features import Featurizer
from svodka.questions.kmeans import Triage, weighted_quantile

FEATURES_KEY = "triage-v2/features"
STATE_KEY = "triage-v2/state"


@dataclass(frozen=True, slots=True)
class ModelSettings:
    outlier_quantile: float = 0.2  # of fitted questions (by count) that fall below tau


@dataclass(slots=True)
class TriageModel:
    featurizer: Featurizer
    centroids: np.ndarray  # (subtopics, dims) unit rows, float32
    sub_ids: np.ndarray
    sub_parent: np.ndarray
    tau: float
    sub_weight: float
    terms: dict[int, Counter[str]] = field(default_factory=dict)

    @classmethod
    def from_triage(
        cls, tri: Triage, featurizer: Featurizer, weights: np.ndarray, s: ModelSettings | None = None
    ) -> TriageModel:
        s = s or ModelSettings()
        return cls(
            featurizer,
            tri.centroids.astype(np.float32),
            tri.sub_ids.astype(np.int64),
            tri.sub_parent.astype(np.int64),
            weighted_quantile(tri.fit, weights, s.outlier_quantile),
            float(weights.sum()) / max(1, len(tri.sub_ids)),
            tri.terms,
        )

    def parent(self) -> dict[int, int]:
        return dict(zip(self.sub_ids.tolist(), self.sub_parent.tolist(), strict=True))

    def place(self, texts: Sequence[str]) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """(unit vectors, nearest subtopic id, fit) for each text; fit < ``tau``: fits no subtopic."""
        if not len(texts):
            return np.zeros((0, self.centroids.shape[1]), np.float32), np.zeros(0, np.int64), np.zeros(0)
        x, energy = self.featurizer.embed(texts)
        sub = np.empty(len(texts), dtype=np.int64)
        fit = np.empty(len(texts), dtype=np.float64)
        for i in range(0, len(x), 50_000):
            sims = x[i : i + 50_000] @ self.centroids.T
            best = np.argmax(sims, axis=1)
            sub[i : i + 50_000] = self.sub_ids[best]
            fit[i : i + 50_000] = sims[np.arange(len(best)), best] * energy[i : i + 50_000]
        return x, sub, fit

    def centre(self, tid: int, sizes: dict[int, int]) -> np.ndarray:
        """A subtopic's centroid, or a topic's (its subtopics' centroids weighted by their sizes)."""
        rows = np.flatnonzero(self.sub_ids == tid)
        if not len(rows):
            rows = np.flatnonzero(self.sub_parent == tid)
        w = np.array([max(1, sizes.get(int(self.sub_ids[r]), 1)) for r in rows], dtype=np.float32)
        c = self.centroids[rows].T @ w
        return c / (np.linalg.norm(c) or 1.0)

    def dumps(self) -> tuple[bytes, bytes]:
        state = (self.centroids, self.sub_ids, self.sub_parent, self.tau, self.sub_weight, self.terms)
        return pickle.dumps(self.featurizer, protocol=5), pickle.dumps(state, protocol=5)

    @classmethod
    def loads(cls, features: bytes, state: bytes) -> TriageModel:
        # Our own blobs, written by dumps() into the store this process opened.
        featurizer = pickle.loads(features)
        centroids, sub_ids, sub_parent, tau, sub_weight, terms = pickle.loads(state)
        return cls(featurizer, centroids, sub_ids, sub_parent, tau, sub_weight, terms)
