"""Repost → origin: forward metadata first, then exact and near-duplicate text within a time window.

Every copy points to the earliest post it copies (its origin's origin when the first match was itself a
copy), so "independent reports" are the posts without an origin. Near-duplicates come from MinHash LSH
(``rensa``, ~8× faster than datasketch here) over word 3-shingles of normalised text, confirmed by the
exact Jaccard of the shingle sets, so an LSH false positive never links two posts.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass, field

from rensa import RMinHash, RMinHashLSH

_WORDS = re.compile(r"\w+")
NUM_PERM = 64


@dataclass(frozen=True, slots=True)
class CopyItem:
    id: int
    channel_id: int
    ts: float  # post date, Unix seconds
    text: str  # normalised text
    text_hash: int
    forward_origin: int | None = None  # post id the forward metadata names, when that post is stored


@dataclass(frozen=True, slots=True)
class CopySettings:
    window_hours: float = 48.0
    threshold: float = 0.7  # Jaccard of word 3-shingles
    min_words: int = 8  # shorter texts ("Просыпаемся.") are alike without being copies


def shingles(text: str, k: int = 3) -> set[str]:
    words = _WORDS.findall(text.lower().replace("ё", "е"))
    if len(words) < k:
        return {" ".join(words)} if words else set()
    return {" ".join(words[i : i + k]) for i in range(len(words) - k + 1)}


@dataclass(slots=True)
class CopyIndex:
    """Recent posts by text hash and MinHash; items are added in date order and expire after the window."""

    settings: CopySettings = field(default_factory=CopySettings)
    _lsh: RMinHashLSH = field(init=False)
    _by_hash: dict[int, int] = field(default_factory=dict)  # text hash -> earliest post id
    _items: dict[int, tuple[float, set[str], int]] = field(default_factory=dict)  # id -> (ts, shingles, hash)
    _origin: dict[int, int] = field(default_factory=dict)  # id -> origin id (copies only)
    _order: list[int] = field(default_factory=list)

    def __post_init__(self) -> None:
        self._lsh = RMinHashLSH(threshold=self.settings.threshold, num_perm=NUM_PERM, num_bands=16)

    def root(self, post_id: int) -> int:
        seen = set()
        while post_id in self._origin and post_id not in seen:
            seen.add(post_id)
            post_id = self._origin[post_id]
        return post_id

    def _expire(self, now: float) -> None:
        horizon = now - self.settings.window_hours * 3600
        keep = 0
        for pid in self._order:
            ts, _sh, h = self._items[pid]
            if ts >= horizon:
                break
            self._lsh.remove(pid)
            if self._by_hash.get(h) == pid:
                del self._by_hash[h]
            del self._items[pid]
            keep += 1
        if keep:
            del self._order[:keep]

    def add(self, item: CopyItem, known_origin: int | None = None) -> int | None:
        """Index ``item``; return the post id it copies (earliest of its chain), or None for an original."""
        self._expire(item.ts)
        origin = known_origin if known_origin is not None else item.forward_origin
        sh = shingles(item.text)
        long_enough = len(_WORDS.findall(item.text)) >= self.settings.min_words
        if origin is None and long_enough:
            earlier = self._by_hash.get(item.text_hash)
            if earlier is not None:
                origin = earlier
            else:
                mh = _minhash(sh)
                best, best_j = None, self.settings.threshold
                for cand in self._lsh.query(mh):
                    other = self._items.get(cand)
                    if other is None:
                        continue
                    j = len(sh & other[1]) / max(1, len(sh | other[1]))
                    if j >= best_j and (best is None or other[0] < self._items[best][0] or j > best_j):
                        best, best_j = cand, j
                origin = best
        if origin is not None:
            origin = self.root(origin)
            if origin == item.id:
                origin = None
        if origin is not None:
            self._origin[item.id] = origin
        if long_enough:
            self._lsh.insert(item.id, _minhash(sh))
            self._by_hash.setdefault(item.text_hash, item.id)
            self._items[item.id] = (item.ts, sh, item.text_hash)
            self._order.append(item.id)
        return origin


def _minhash(sh: set[str]) -> RMinHash:
    m = RMinHash(num_perm=NUM_PERM, seed=42)
    m.update(list(sh))
    return m


def find_origins(items: Iterable[CopyItem], settings: CopySettings | None = None) -> dict[int, int]:
    """``{copy id: origin id}`` for a batch (items in any order; the earliest of a family is the origin)."""
    index = CopyIndex(settings or CopySettings())
    out: dict[int, int] = {}
    for item in sorted(items, key=lambda i: (i.ts, i.id)):
        origin = index.add(item)
        if origin is not None:
            out[item.id] = origin
    return out
