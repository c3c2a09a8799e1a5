"""The heavy stages on a Ray cluster: embedding as Ray Data ``map_batches`` over an actor pool, the other
stages as Ray tasks over batches.

Each actor loads the model once (:class:`EmbedActor`) and embeds one model call's texts per row, so the
vectors are the ones the local engine computes from the same calls. Actor resources are sized from what the
cluster has when the engine starts, never as constants: on a 2-CPU ``ray.init``, 2 actors of 1 CPU each
leave nothing for Ray Data's own tasks and the pool never starts, so the actors share what is left after a
reserve (:func:`actor_resources`). Actors of an ``st:`` model get a GPU each where the cluster has GPUs.
Results come back to the driver; workers never touch the store. Each actor and task measures the CPU it
spends and the driver sums it (:attr:`RayEngine.spent`): on a shared machine, wall time alone says little.
"""

from __future__ import annotations

import logging
import math
import os
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, replace
from typing import Any

import numpy as np

from svodka.engine.base import EmbedderSpec, OnChunk, R, Spent, T, chunks
from svodka.errors import ConfigError

log = logging.getLogger(__name__)

INSTALL = "the Ray engine needs Ray: pip install 'svodka[ray]' (or pip install 'ray[data]')"
RESERVE_CPUS = 0.5  # kept free of embedding actors for Ray Data's and the driver's own tasks


def import_ray() -> Any:
    """The ``ray`` module, or one clear line saying what to install."""
    os.environ.setdefault("RAY_USAGE_STATS_ENABLED", "0")  # nothing leaves the machine unasked
    try:
        import ray
        import ray.data
    except ImportError:
        raise ConfigError(INSTALL) from None
    return ray


@dataclass(frozen=True, slots=True)
class ActorResources:
    actors: int
    num_cpus: float
    num_gpus: float
    threads: int  # model threads inside each actor


def actor_resources(cpus: float, gpus: float, workers: int, wants_gpu: bool) -> ActorResources:
    """How many embedding actors, and what each asks for, on a cluster with ``cpus`` and ``gpus``.

    ``workers`` 0: one actor per GPU when the model can use one, else one per whole CPU. CPUs are shared
    by the actors after :data:`RESERVE_CPUS` (at most a quarter of the cluster) is kept free.
    """
    use_gpus = gpus if wants_gpu else 0.0
    if workers <= 0:
        workers = int(use_gpus) if use_gpus >= 1 else max(1, int(cpus))
    reserve = min(RESERVE_CPUS, cpus / 4)
    per_cpu = max(0.05, math.floor((cpus - reserve) / workers * 100) / 100)
    per_gpu = min(1.0, use_gpus / workers) if use_gpus else 0.0
    return ActorResources(workers, per_cpu, per_gpu, max(1, int(per_cpu)))


class EmbedActor:
    """One model, loaded once per actor; each row is one model call: ``keys`` and ``texts`` in, ``keys``
    and ``vectors`` out, with the actor's ``pid`` and the ``cpu`` seconds the call took in its process
    (the model's load counted with the first call)."""

    def __init__(self, model: EmbedderSpec) -> None:
        start = time.process_time()
        self.embedder = model.load()
        self.unreported = time.process_time() - start
        self.pid = os.getpid()

    def __call__(self, batch: dict[str, Any]) -> dict[str, Any]:
        keys, vectors, cpu = [], [], []
        for k, texts in zip(batch["keys"], batch["texts"], strict=True):
            start = time.process_time()
            keys.append(np.asarray(k, dtype=np.int64))
            vectors.append(np.asarray(self.embedder.embed([str(t) for t in texts]), dtype=np.float32))
            cpu.append(time.process_time() - start + self.unreported)
            self.unreported = 0.0
        return {"keys": keys, "vectors": vectors, "cpu": cpu, "pid": [self.pid] * len(keys)}


def _apply(fn: Callable[[T], R], batch: T) -> tuple[R, int, float]:
    """``fn(batch)``, the task's pid and the CPU seconds it took there."""
    start = time.process_time()
    out = fn(batch)
    return out, os.getpid(), time.process_time() - start


class RayEngine:
    """Runs the heavy stages on Ray. ``address``: None starts a local cluster on this machine (given back
    by :meth:`close`), ``"auto"`` joins the running one, ``"ray://HOST:PORT"`` a remote one (svodka must be
    installed on its nodes). ``workers``: embedding actors (0: from the cluster's resources)."""

    name = "ray"

    def __init__(
        self,
        address: str | None = None,
        workers: int = 0,
        num_cpus: int | None = None,
        temp_dir: str | None = None,
    ) -> None:
        ray = import_ray()
        self._ray = ray
        self._owned = not ray.is_initialized()
        if self._owned:
            options: dict[str, Any] = {"log_to_driver": False, "logging_level": logging.WARNING}
            if address:
                options["address"] = address
            else:  # a cluster of this machine for this process: no dashboard (no port opened)
                options.update(include_dashboard=False, num_cpus=num_cpus, _temp_dir=temp_dir)
            try:
                ray.init(**options)
            except ConnectionError as e:
                raise ConfigError(f"cannot reach the Ray cluster at {address}: {e}") from None
        self.workers = workers
        self.spent = Spent()  # the CPU the actors and tasks of this engine spent so far
        self.parallelism = max(1, int(ray.cluster_resources().get("CPU", 1)))
        logging.getLogger("ray.data").setLevel(logging.ERROR)  # its notes on progress bars, plans …
        context = ray.data.DataContext.get_current()
        context.enable_progress_bars = False
        context.print_on_execution_start = False

    def resources(self, model: EmbedderSpec) -> ActorResources:
        have = self._ray.cluster_resources()
        wants_gpu = model.spec.startswith("st:") and model.device in (None, "auto", "cuda")
        return actor_resources(
            float(have.get("CPU", 1.0)), float(have.get("GPU", 0.0)), self.workers, wants_gpu
        )

    def embed(
        self, texts: Mapping[int, str], model: EmbedderSpec, batch: int, on_chunk: OnChunk | None = None
    ) -> dict[int, np.ndarray]:
        out: dict[int, np.ndarray] = {}
        if not texts:
            return out
        res = self.resources(model)
        spec = replace(model, threads=model.threads or res.threads)
        if res.num_gpus:
            spec = replace(spec, device="cuda")
        rows = [{"keys": keys, "texts": part} for keys, part in chunks(texts, batch)]
        ds = self._ray.data.from_items(rows, override_num_blocks=min(len(rows), 4 * res.actors))
        vectors = ds.map_batches(
            EmbedActor,
            fn_constructor_kwargs={"model": spec},
            batch_size=1,
            batch_format="numpy",
            compute=self._ray.data.ActorPoolStrategy(size=res.actors),
            num_cpus=res.num_cpus,
            num_gpus=res.num_gpus or None,
            zero_copy_batch=True,
        )
        log.debug("embedding %d texts on %d actors (%s)", len(texts), res.actors, res)
        for row in vectors.iter_rows():
            for k, v in zip(row["keys"], row["vectors"], strict=True):
                out[int(k)] = np.asarray(v, dtype=np.float32)
            self.spent = self.spent.add(int(row["pid"]), float(row["cpu"]))
            if on_chunk:
                on_chunk(len(out), len(texts))
        return out

    def map_batches(self, fn: Callable[[T], R], batches: Sequence[T]) -> list[R]:
        if not batches:
            return []
        task = self._ray.remote(num_cpus=1)(_apply)
        out = []
        for result, pid, cpu in self._ray.get([task.remote(fn, b) for b in batches]):
            self.spent = self.spent.add(pid, cpu)
            out.append(result)
        return out

    def close(self) -> None:
        if self._owned and self._ray.is_initialized():
            self._ray.shutdown()
        self._owned = False
