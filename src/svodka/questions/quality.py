"""Topic quality against reference labels, and the TF-IDF → SVD → k-means baseline at equal k."""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
from sklearn.cluster import KMeans
from sklearn.decomposition import TruncatedSVD
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.metrics import homogeneity_completeness_v_measure, normalized_mutual_info_score
from sklearn.preprocessing import normalize


@dataclass(frozen=True, slots=True)
class Scores:
    k: int
    nmi: float
    homogeneity: float
    completeness: float
    purity: float


def score(truth: Sequence[str], pred: Sequence[int] | np.ndarray) -> Scores:
    h, c, _ = homogeneity_completeness_v_measure(truth, pred)
    by: dict[int, Counter[str]] = {}
    for t, p in zip(truth, pred, strict=True):
        by.setdefault(int(p), Counter())[t] += 1
    purity = sum(c.most_common(1)[0][1] for c in by.values()) / max(1, len(truth))
    return Scores(len(by), normalized_mutual_info_score(truth, pred), h, c, purity)


def baseline(texts: Sequence[str], k: int, seed: int = 0) -> np.ndarray:
    """The issue's baseline: TF-IDF (1–2-grams) → SVD(150) → k-means."""
    x = TfidfVectorizer(ngram_range=(1, 2), min_df=2, sublinear_tf=True).fit_transform(texts)
    z = normalize(TruncatedSVD(min(150, x.shape[1] - 1), random_state=seed).fit_transform(x))
    return KMeans(k, n_init=1, random_state=seed).fit_predict(z)


@dataclass(frozen=True, slots=True)
class TopicShare:
    """One predicted topic: its share of the questions and the part of the NMI it carries (the parts of
    all topics add up to the NMI), so a catch-all shows as a large share carrying little."""

    topic: int
    share: float
    nmi_part: float


def shares(truth: Sequence[str], pred: Sequence[int] | np.ndarray) -> list[TopicShare]:
    """Per predicted topic, largest first: share and NMI part (mutual information terms of that topic over
    the arithmetic mean of the two entropies, as sklearn's default NMI normalises)."""
    n = len(truth)
    joint: Counter[tuple[int, str]] = Counter(zip((int(p) for p in pred), truth, strict=True))
    size_p: Counter[int] = Counter()
    size_t: Counter[str] = Counter()
    for (p, t), c in joint.items():
        size_p[p] += c
        size_t[t] += c

    def entropy(counts: Counter[int] | Counter[str]) -> float:
        v = np.array(list(counts.values()), dtype=np.float64) / n
        return float(-(v * np.log(v)).sum())

    norm = (entropy(size_p) + entropy(size_t)) / 2 or 1.0
    part: dict[int, float] = dict.fromkeys(size_p, 0.0)
    for (p, t), c in joint.items():
        part[p] += c / n * float(np.log(c * n / (size_p[p] * size_t[t])))
    return sorted(
        (TopicShare(p, size_p[p] / n, part[p] / norm) for p in size_p), key=lambda s: (-s.share, s.topic)
    )
