"""B-cubed precision, recall and F1 of a clustering against gold labels (Bagga & Baldwin 1998).

For each item, precision is the share of its predicted cluster that shares its gold cluster, recall the
share of its gold cluster that shares its predicted cluster; both are averaged over items. Unlike pair
counting, a big cluster does not dominate, and a singleton is scored like any other item.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Hashable, Iterable, Mapping
from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class Scores:
    precision: float
    recall: float
    f1: float
    n: int

    def row(self) -> str:
        return f"P={self.precision:.3f} R={self.recall:.3f} F1={self.f1:.3f} (n={self.n})"


def bcubed(
    gold: Mapping[str, Hashable], predicted: Mapping[str, Hashable], items: Iterable[str] | None = None
) -> Scores:
    """Scores over ``items`` (default: every gold item); an item missing from ``predicted`` is a singleton.

    Clusters are taken over *all* gold/predicted items, so scoring a subset (news posts only) still
    counts the other items in an item's cluster against it.
    """
    keys = list(gold) if items is None else list(items)
    pred = {k: predicted.get(k, ("singleton", k)) for k in gold}
    gold_size = Counter(gold.values())
    pred_size = Counter(pred.values())
    both = Counter((gold[k], pred[k]) for k in gold)
    if not keys:
        return Scores(0.0, 0.0, 0.0, 0)
    p = r = 0.0
    for k in keys:
        common = both[(gold[k], pred[k])]
        p += common / pred_size[pred[k]]
        r += common / gold_size[gold[k]]
    p /= len(keys)
    r /= len(keys)
    f1 = 2 * p * r / (p + r) if p + r else 0.0
    return Scores(p, r, f1, len(keys))
