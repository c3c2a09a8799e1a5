"""B-cubed and pair metrics on examples small enough to compute by hand."""

from __future__ import annotations

import pytest

from svodka.evaluate.bcubed import bcubed
from svodka.evaluate.pairs import pair_scores


def test_perfect_clustering_scores_one() -> None:
    gold = {"a": 1, "b": 1, "c": 2}
    s = bcubed(gold, {"a": "x", "b": "x", "c": "y"})
    assert (s.precision, s.recall, s.f1) == (1.0, 1.0, 1.0)


def test_all_singletons_have_full_precision_and_recall_by_cluster_size() -> None:
    # gold {a,b} {c}; predicted all alone: recall a=1/2, b=1/2, c=1 -> 2/3; precision 1
    gold = {"a": 1, "b": 1, "c": 2}
    s = bcubed(gold, {})
    assert s.precision == 1.0
    assert s.recall == pytest.approx(2 / 3)
    assert s.f1 == pytest.approx(2 * (2 / 3) / (1 + 2 / 3))


def test_one_big_cluster_hand_computed() -> None:
    # gold {a,b} {c}; predicted {a,b,c}: precision a=2/3, b=2/3, c=1/3 -> 5/9; recall 1
    s = bcubed({"a": 1, "b": 1, "c": 2}, {"a": 0, "b": 0, "c": 0})
    assert s.precision == pytest.approx(5 / 9)
    assert s.recall == 1.0


def test_subset_scoring_counts_other_items_in_clusters() -> None:
    # News-only scores: noise item n sits in a's predicted cluster, so a's precision is 1/2.
    gold = {"a": "s1", "n": "noise:n"}
    s = bcubed(gold, {"a": 7, "n": 7}, items=["a"])
    assert s.precision == pytest.approx(0.5)
    assert s.recall == 1.0
    assert s.n == 1


def test_pair_scores() -> None:
    scored = [(True, 0.9), (True, 0.1), (False, 0.6), (False, 0.2), (True, 0.7)]
    s = pair_scores(scored, threshold=0.5)
    assert s.precision == pytest.approx(2 / 3)
    assert s.recall == pytest.approx(2 / 3)
    assert s.accuracy == pytest.approx(3 / 5)
    assert s.base_rate == pytest.approx(3 / 5)
    assert s.n == 5
    # ranked 0.9+ 0.7+ 0.6- 0.2- 0.1+: precision at each positive 1, 1, 3/5
    assert s.average_precision == pytest.approx((1 + 1 + 3 / 5) / 3)


def test_average_precision_matches_scikit_learn_with_ties() -> None:
    from sklearn.metrics import average_precision_score

    from svodka.evaluate.pairs import average_precision

    gold = [True, False, True, True, False, False, True, False]
    score = [0.5, 0.5, 0.9, 0.1, 0.3, 0.9, 0.5, 0.0]
    ours = average_precision(list(zip(gold, score, strict=True)))
    assert ours == pytest.approx(average_precision_score(gold, score))
