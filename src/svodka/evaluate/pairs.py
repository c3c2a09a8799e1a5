"""Precision and recall of a same-event decision over labelled text pairs."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class PairScores:
    precision: float
    recall: float
    f1: float
    accuracy: float
    n: int

    def row(self) -> str:
        return (
            f"P={self.precision:.3f} R={self.recall:.3f} F1={self.f1:.3f} "
            f"acc={self.accuracy:.3f} (n={self.n})"
        )


def pair_scores(decisions: Iterable[tuple[bool, bool]]) -> PairScores:
    """Scores from ``(gold, predicted)`` booleans: True means "same event / paraphrase"."""
    tp = fp = fn = tn = 0
    for gold, pred in decisions:
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
    return PairScores(p, r, f1, (tp + tn) / n if n else 0.0, n)
