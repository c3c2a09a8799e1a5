"""Exact and near-duplicate merging: one entry per question however many times it was asked.

Exact: texts equal after normalisation (case, punctuation, masked digits). Near: MinHash LSH (rensa, Rust)
over word 3-shingles of the normalised text, Jaccard ≥ ``threshold``; each near-duplicate joins the
first group it matches, so a group id is the position of its first member and stays stable when more
questions arrive in the same order.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

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


def norm_key(norm: str) -> int:
    """A 64-bit signed key of a normalised text (how the store finds exact duplicates of new questions)."""
    return int.from_bytes(hashlib.blake2b(norm.encode(), digest_size=8).digest(), "big", signed=True)


class Deduper:
    """Exact map + MinHash LSH over group heads; ``add`` returns the head a text joins (or its own id).

    Heads are any hashable ids: positions for a whole-set run, stored group ids for an incremental one
    (seeded with the stored heads via :meth:`seed` and their known normalised texts via ``exact``).
    """

    def __init__(self, settings: DedupSettings | None = None) -> None:
        self.s = settings or DedupSettings()
        self.exact: dict[str, Any] = {}
        self.lsh = RMinHashLSH(self.s.threshold, self.s.num_perm, self.s.bands)
        self.heads: list[Any] = []  # LSH key -> head id (LSH keys are ints)

    def _minhash(self, norm: str) -> RMinHash | None:
        if len(norm.split()) < self.s.min_words:
            return None
        mh = RMinHash(self.s.num_perm, 42)
        mh.update(_shingles(norm, self.s.shingle))
        return mh

    def seed(self, head: Any, text: str) -> None:
        """An existing group head: later texts may near-match it."""
        norm = normalise(text)
        self.exact.setdefault(norm, head)
        mh = self._minhash(norm)
        if mh is not None:
            self.lsh.insert(len(self.heads), mh)
            self.heads.append(head)

    def add(self, item: Any, text: str, norm: str | None = None) -> Any:
        norm = normalise(text) if norm is None else norm
        head = self.exact.get(norm)
        if head is None:
            head = self._join(item, self._minhash(norm))
            self.exact[norm] = head
        return head

    def add_signed(self, item: Any, norm: str, mh: RMinHash | None) -> Any:
        """:meth:`add` of a text whose normalised form and MinHash were computed elsewhere (a shard on an
        engine, :func:`signature`)."""
        head = self.exact.get(norm)
        if head is None:
            head = self._join(item, mh)
            self.exact[norm] = head
        return head

    def _join(self, item: Any, mh: RMinHash | None) -> Any:
        if mh is None:
            return item
        found = self.lsh.query(mh)
        if found:
            return self.heads[min(found)]  # the earliest head it matches
        self.lsh.insert(len(self.heads), mh)
        self.heads.append(item)
        return item


def signature(texts: Sequence[str], settings: DedupSettings) -> list[tuple[str, int, RMinHash | None]]:
    """(normalised text, :func:`norm_key`, MinHash or None when too short) per text: what
    :meth:`Deduper.add_signed` and the store's exact-duplicate keys need, computable shard by shard."""
    d = Deduper(settings)
    out = []
    for text in texts:
        norm = normalise(text)
        out.append((norm, norm_key(norm), d._minhash(norm)))
    return out


def group_duplicates(
    texts: Sequence[str],
    settings: DedupSettings | None = None,
    on_progress: Callable[[int], None] | None = None,
) -> list[int]:
    """For each text, the index of its group's first member (its duplicate-group id)."""
    d = Deduper(settings)
    out: list[int] = []
    for i, text in enumerate(texts):
        out.append(int(d.add(i, text)))
        if on_progress is not None and i % 10_000 == 9_999:
            on_progress(10_000)
    if on_progress is not None:
        on_progress(len(texts) % 10_000)
    return out
