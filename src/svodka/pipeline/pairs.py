"""Pairs of summaries close enough to be judged: the candidates of the story level and of storylines.

Both stages summarise a group of posts by a centroid (:class:`svodka.pipeline.developing.Development`) and
judge a pair only when some rule could accept it; the cheapest cut every rule shares is the centroid
similarity its lowest threshold asks for. :func:`close_pairs` finds those pairs for the summaries a batch
touched against all the others in one matrix product, so a window of thousands of summaries costs no Python
loop over all pairs.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence, Set
from typing import Protocol, TypeVar

import numpy as np


class Centred(Protocol):
    """Anything with an id and a centroid (L2-normalised; None when none of its posts has a vector)."""

    @property
    def id(self) -> int: ...

    @property
    def centroid(self) -> np.ndarray | None: ...


C = TypeVar("C", bound=Centred)


def close_pairs(items: Sequence[C], touched: Set[int], floor: float, lowest: float) -> Iterator[tuple[C, C]]:
    """Each pair of a ``touched`` item and any other whose centroids' similarity, rescaled from the model's
    ``floor`` (the cosine of unrelated texts) to 0…1, reaches ``lowest``; each pair once (two touched
    items: from the one with the smaller id), the touched one first, in the order of ``items``."""
    with_vec = [(x, x.centroid) for x in items if x.centroid is not None]
    rows = [(x, v) for x, v in with_vec if x.id in touched]
    if not rows:
        return
    sims = np.stack([v for _x, v in rows]) @ np.stack([v for _x, v in with_vec]).T
    for i, j in zip(*np.nonzero((sims - floor) / (1 - floor) >= lowest - 1e-6), strict=True):
        a, b = rows[i][0], with_vec[j][0]
        if a.id == b.id or (b.id in touched and b.id < a.id):
            continue
        yield a, b
