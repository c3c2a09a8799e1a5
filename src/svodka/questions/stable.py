"""Stable ids across a full re-triage: each new cluster takes the id of the old topic it mostly is.

Old and new clusters are matched one-to-one by the questions they share (Hungarian assignment on the
overlap); a match counts when the overlap is at least ``min_jaccard`` of their union. Unmatched new
clusters get fresh ids above every id ever used, so an id never comes to mean something else.
"""

from __future__ import annotations

from dataclasses import replace

import numpy as np
from scipy.optimize import linear_sum_assignment

from svodka.questions.kmeans import Triage


def match_ids(
    old: np.ndarray, new: np.ndarray, next_id: int, min_jaccard: float = 0.2
) -> tuple[dict[int, int], int]:
    """Map each new cluster label to an id; ``old`` holds the previous id per question (-1: none).

    Returns (new label → id, next free id).
    """
    new_labels = np.unique(new)
    old_labels = np.unique(old[old >= 0])
    mapping: dict[int, int] = {}
    if len(old_labels) and len(new_labels):
        ni = np.searchsorted(new_labels, new)
        has = old >= 0
        oi = np.searchsorted(old_labels, old[has])
        overlap = np.zeros((len(new_labels), len(old_labels)), dtype=np.float64)
        np.add.at(overlap, (ni[has], oi), 1.0)
        new_size = np.bincount(ni, minlength=len(new_labels)).astype(np.float64)
        old_size = np.bincount(oi, minlength=len(old_labels)).astype(np.float64)
        jac = overlap / (new_size[:, None] + old_size[None, :] - overlap)
        rows, cols = linear_sum_assignment(-jac)
        for r, c in zip(rows, cols, strict=True):
            if jac[r, c] >= min_jaccard:
                mapping[int(new_labels[r])] = int(old_labels[c])
    for lab in new_labels.tolist():
        if lab not in mapping:
            mapping[int(lab)] = next_id
            next_id += 1
    return mapping, next_id


def relabel(tri: Triage, ids: dict[int, int]) -> Triage:
    """``tri`` with every topic and subtopic id replaced by ``ids[old]``."""
    m = np.vectorize(lambda v: ids[int(v)], otypes=[np.int64])
    topics = [
        replace(t, tid=ids[t.tid], parent=None if t.parent is None else ids[t.parent]) for t in tri.topics
    ]
    return replace(
        tri,
        topics=sorted(topics, key=lambda t: t.tid),
        group_topic=m(tri.group_topic),
        group_sub=m(tri.group_sub),
        sub_ids=m(tri.sub_ids),
        sub_parent=m(tri.sub_parent),
        terms={ids[k]: v for k, v in tri.terms.items()},
    )
