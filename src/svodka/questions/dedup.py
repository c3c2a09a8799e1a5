"""Exact and near-duplicate merging: one entry per question however many times it was asked.

Exact: texts equal after normalisation (case, punctuation, masked digits). Near: MinHash LSH (rensa, Rust)
over word 3-shingles of the normalised text, Jaccard ≥ ``threshold``; each near-duplicate joins the
first group it matches, so a group id is the position of its first member and stays stable when more
questions arrive in the same order.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from rensa import RMinHash, RMinHashLSH

_NON_WORD = re.compile(r"[\W_]+", re.UNICODE)
_MASK = re.compile(r"x{2,}|\d+")


def normalise(text: str) -> str:
    t = text.lower().replace("ё", "е")
    t = _MASK.sub(" 0 ", t)
    return " ".join(_NON_WORD.sub(" ", t).split())


@dataclass(frozen=True, slots=True)
class DedupSettings:
    threshold: float = 0.8
    num_perm: int = 64
    bands: int = 16
    shingle: int = 3
    min_words: int = 4  # shorter texts merge only exactly: a few shared words are not the same question


def _shingles(norm: str, k: int) -> list[str]:
    w = norm.split()
    if len(w) <= k:
        return [norm]
    return [" ".join(w[i : i + k]) for i in range(len(w) - k + 1)]


def group_duplicates(
    texts: Sequence[str],
    settings: DedupSettings | None = None,
    on_progress: Callable[[int], None] | None = None,
) -> list[int]:
    """For each text, the index of its group's first member (its duplicate-group id)."""
    s = settings or DedupSettings()
    exact: dict[str, int] = {}
    lsh = RMinHashLSH(s.threshold, s.num_perm, s.bands)
    out: list[int] = []
    for i, text in enumerate(texts):
        norm = normalise(text)
        head = exact.get(norm)
        if head is None:
            head = i
            if len(norm.split()) >= s.min_words:
                mh = RMinHash(s.num_perm, 42)
                mh.update(_shingles(norm, s.shingle))
                found = lsh.query(mh)
                if found:
                    head = min(found)
                else:
                    lsh.insert(i, mh)
            exact[norm] = head
        out.append(head)
        if on_progress is not None and i % 10_000 == 9_999:
            on_progress(10_000)
    if on_progress is not None:
        on_progress(len(texts) % 10_000)
    return out
