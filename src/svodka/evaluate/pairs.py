"""Scores of a same-event decision over labelled text pairs.

Two views: precision/recall of the clusterer's decision at its story threshold, and the average precision
of the pair score itself (threshold-free: how well the score ranks same-event pairs above the others).
The story threshold is set for "same real-world event", and most negatives of the paraphrase sets are
same-event pairs that differ in detail, so at the threshold recall is near 1 and precision near the base
rate; the average precision is what tells two scoring rules apart.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from itertools import groupby


@dataclass(frozen=True, slots=True)
class PairScores:
    precision: float
    recall: float
    f1: float
    accuracy: float
    average_precision: float
    base_rate: float  # share of positive pairs: the precision and AP of a score that knows nothing
    n: int

    def row(self) -> str:
        return (
            f"P={self.precision:.3f} R={self.recall:.3f} F1={self.f1:.3f} acc={self.accuracy:.3f} "
            f"AP={self.average_precision:.3f} base={self.base_rate:.3f} (n={self.n})"
        )


def average_precision(scored: list[tuple[bool, float]]) -> float:
    """Area under the precision–recall steps, tied scores taken together (as scikit-learn does)."""
    positives = sum(gold for gold, _ in scored)
    if not positives:
        return 0.0
    ap = 0.0
    tp = seen = 0
    for _score, group in groupby(sorted(scored, key=lambda x: -x[1]), key=lambda x: x[1]):
        hits = [gold for gold, _ in group]
        seen += len(hits)
        gained = sum(hits)
        tp += gained
        ap += (gained / positives) * (tp / seen)
    return ap


def pair_scores(scored: Iterable[tuple[bool, float]], threshold: float) -> PairScores:
    """Scores from ``(gold, score)`` pairs: gold True means "same event / paraphrase"; a pair is joined
    when its score reaches ``threshold``."""
    items = list(scored)
    tp = fp = fn = tn = 0
    for gold, score in items:
        pred = score >= threshold
        if gold and pred:
            tp += 1
        elif pred:
            fp += 1
        elif gold:
            fn += 1
        else:
            tn += 1
    n = tp + fp + fn + tn
    p = tp / (tp + fp) if tp + fp else 0.0
    r = tp / (tp + fn) if tp + fn else 0.0
    f1 = 2 * p * r / (p + r) if p + r else 0.0
    acc = (tp + tn) / n if n else 0.0
    return PairScores(p, r, f1, acc, average_precision(items), (tp + fn) / n if n else 0.0, n)
