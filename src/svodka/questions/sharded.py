"""The parts of a full triage an engine runs in parallel (``svodka questions triage --engine ray``).

Per text and independent of the others, so cut into shards: normalising and MinHash-signing for the
duplicate groups (:func:`signatures`), and lemmatising the distinct words the featuriser's TF-IDF reads
(:func:`warm_lemmas`). Per topic: the subtopic k-means (:func:`svodka.questions.kmeans.cluster`). The
global steps stay with the caller — grouping in order over the signatures, the TF-IDF vocabulary and
the SVD over every text, the topic k-means — so the result is the local one.
"""

from __future__ import annotations

from collections.abc import Sequence
from functools import partial

import simplemma
from rensa import RMinHash

from svodka.engine import Engine, shards
from svodka.questions.dedup import Deduper, DedupSettings, signature
from svodka.questions.features import LemmaTokens, words

Signature = tuple[str, int, RMinHash | None]  # (normalised text, exact-duplicate key, MinHash)


def signatures(engine: Engine, texts: Sequence[str], settings: DedupSettings) -> list[Signature]:
    """:func:`~svodka.questions.dedup.signature` of every text, shard by shard, in order."""
    parts = engine.map_batches(partial(signature, settings=settings), shards(texts, engine.parallelism))
    return [s for part in parts for s in part]


def group_signed(sigs: Sequence[Signature], settings: DedupSettings) -> list[int]:
    """Per text, its duplicate-group id (as :func:`~svodka.questions.dedup.group_duplicates` gives)."""
    d = Deduper(settings)
    return [int(d.add_signed(i, norm, mh)) for i, (norm, _key, mh) in enumerate(sigs)]


def _lemmas(batch: Sequence[str]) -> dict[str, str]:
    return {w: simplemma.lemmatize(w, lang="ru").lower() for w in batch}


def warm_lemmas(engine: Engine, tokens: LemmaTokens, texts: Sequence[str]) -> None:
    """Fill ``tokens``' cache with the lemma of every distinct word of ``texts``, lemmatised in shards
    (the cache holds what :class:`LemmaTokens` would compute itself: the tokens stay the same)."""
    todo = sorted({w for t in texts for w in words(t)} - tokens.cache.keys())
    for part in engine.map_batches(_lemmas, shards(todo, engine.parallelism)):
        tokens.cache.update(part)
