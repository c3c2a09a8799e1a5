"""The local engine: today's behaviour, everything in this process, one model loaded once. No Ray."""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence

import numpy as np

from svodka.engine.base import EmbedderSpec, OnChunk, R, T, chunks
from svodka.pipeline.embed import Embedder


class LocalEngine:
    """Runs every stage here. ``embedder``: a model already loaded, used for every embedding (the
    library's ``process(..., embedder=…)``); otherwise each spec's model is loaded at its first use."""

    name = "local"
    parallelism = 1

    def __init__(self, embedder: Embedder | None = None) -> None:
        self._given = embedder
        self._loaded: dict[EmbedderSpec, Embedder] = {}

    def embedder(self, model: EmbedderSpec) -> Embedder:
        if self._given is not None:
            return self._given
        if model not in self._loaded:
            self._loaded[model] = model.load()
        return self._loaded[model]

    def embed(
        self, texts: Mapping[int, str], model: EmbedderSpec, batch: int, on_chunk: OnChunk | None = None
    ) -> dict[int, np.ndarray]:
        out: dict[int, np.ndarray] = {}
        if not texts:
            return out
        embedder = self.embedder(model)
        for keys, part in chunks(texts, batch):
            for k, v in zip(keys, embedder.embed(part), strict=True):
                out[k] = v.astype(np.float32)
            if on_chunk:
                on_chunk(len(out), len(texts))
        return out

    def map_batches(self, fn: Callable[[T], R], batches: Sequence[T]) -> list[R]:
        return [fn(b) for b in batches]

    def close(self) -> None:
        self._loaded.clear()
