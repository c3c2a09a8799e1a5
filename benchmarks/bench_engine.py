"""The Ray engine: embedding throughput with 1 vs 2 Ray workers, and question triage on Ray vs local.

    .venv/bin/python benchmarks/bench_engine.py [--posts N] [--embedder e5|use] [--cpus 2]
        [--questions /tmp/questions_1m.jsonl --limit N]

Embedding: the posts of tg_ru_news_2024 (the first N; all 22k by default) as the pipeline embeds them
(normalised, ads and short texts left out, one text per distinct text), on a local Ray cluster of
``--cpus`` CPUs: the local engine (this process, the model's own threads), then 1 and 2 Ray embedding
actors (1 model thread each); texts/s and the 2-worker speed-up, the vectors checked against the local
ones. Triage (``--questions``, a file of benchmarks/make_synthetic_questions.py): the first ``--limit``
questions triaged locally and on Ray, seconds of each and whether the labels are the same.

The machine is shared, so each row has its CPU next to its wall time: the CPU seconds the engine's actors
and tasks spent (measured inside each, :attr:`RayEngine.spent`), the driver's (this process) and the
1-minute load average sampled each second. The parallel efficiency is the 2-worker speed-up divided by
the speed-up the CPU the workers actually got allows (= 1-worker CPU / 2-worker CPU); the idle-core figure
takes each worker's CPU as its wall time (a core each). For triage, the best Ray can do on idle cores:
the local CPU over the driver's CPU plus the tasks' CPU shared among the cluster's CPUs.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import tempfile
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import TypeVar

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
DATA = ROOT.parent / "shared" / "data"
sys.path.insert(0, str(ROOT / "src"))
os.environ.setdefault("RAY_USAGE_STATS_ENABLED", "0")

from svodka.engine import EmbedderSpec, LocalEngine, Spent  # noqa: E402
from svodka.engine.ray_engine import RayEngine, import_ray  # noqa: E402
from svodka.pipeline.ads import classify_ad  # noqa: E402
from svodka.pipeline.normalize import normalize, text_hash  # noqa: E402
from svodka.process.stages import MIN_EMBED_CHARS  # noqa: E402
from svodka.questions.run import triage_texts  # noqa: E402

T = TypeVar("T")


def post_texts(limit: int) -> dict[int, str]:
    """{text hash: normalised text} of the first ``limit`` posts, as the pipeline would embed them."""
    texts: dict[int, str] = {}
    with (DATA / "tg_ru_news_2024" / "posts.jsonl").open(encoding="utf-8") as f:
        for n, line in enumerate(f):
            if n >= limit:
                break
            raw = json.loads(line)["text"] or ""
            norm = normalize(raw)
            if len(norm) >= MIN_EMBED_CHARS and not classify_ad(raw, norm).is_ad:
                texts.setdefault(text_hash(norm), norm)
    return texts


@dataclass(frozen=True, slots=True)
class Measured:
    """One run: wall seconds, the driver's CPU seconds (this process, all its threads), what the engine's
    workers spent (:class:`~svodka.engine.Spent`, nothing for the local engine) and the 1-minute load
    average sampled each second during the run (mean, max)."""

    wall: float
    driver_cpu: float
    spent: Spent
    load: tuple[float, float]

    @property
    def workers_cpu(self) -> float:
        return self.spent.cpu_s

    @property
    def busiest(self) -> float:
        return max((s for _, s in self.spent.by_worker), default=self.driver_cpu)

    def cells(self) -> str:
        per = " + ".join(f"{s:.1f}" for _, s in self.spent.by_worker) or "–"
        return (
            f"{self.wall:.1f} | {self.workers_cpu:.1f} ({per}) | {self.driver_cpu:.1f} "
            f"| {self.load[0]:.2f} / {self.load[1]:.2f}"
        )


def measure(run: Callable[[], T], engine: RayEngine | None = None) -> tuple[T, Measured]:
    """``run()`` timed, with the load average sampled by a thread while it runs."""
    samples = [os.getloadavg()[0]]
    stop = threading.Event()

    def sample() -> None:
        while not stop.wait(1.0):
            samples.append(os.getloadavg()[0])

    sampler = threading.Thread(target=sample, daemon=True)
    before = engine.spent if engine else Spent()
    sampler.start()
    wall, cpu = time.perf_counter(), time.process_time()
    try:
        out = run()
    finally:
        wall, cpu = time.perf_counter() - wall, time.process_time() - cpu
        stop.set()
        sampler.join()
    spent = engine.spent if engine else Spent()
    own = dict(before.by_worker)
    delta = tuple((pid, s - own.get(pid, 0.0)) for pid, s in spent.by_worker if s - own.get(pid, 0.0) > 0)
    load = (sum(samples) / len(samples), max(samples))
    return out, Measured(wall, cpu, Spent(delta, spent.calls - before.calls), load)


HEADER = "| run | wall s | workers' CPU s (per worker) | driver CPU s | load avg mean / max | {} |"


def efficiency(one: Measured, two: Measured) -> str:
    """The 2-worker speed-up, and what it is against the one the CPU the workers got allowed."""
    speedup = one.wall / two.wall
    allowed = (two.workers_cpu / two.wall) / (one.workers_cpu / one.wall)
    return (
        f"2 workers vs 1: {speedup:.2f}× wall; CPU the workers got: {allowed:.2f}× as much per second; "
        f"parallel efficiency (speed-up / that) = {speedup / allowed:.2f} "
        f"(= 1-worker CPU / 2-worker CPU: {one.workers_cpu:.1f} / {two.workers_cpu:.1f}); "
        f"on idle cores (a core per worker, the busiest worker's CPU as wall): "
        f"{one.workers_cpu / two.busiest:.2f}×"
    )


def embedding(args: argparse.Namespace) -> None:
    texts = post_texts(args.posts)
    model = EmbedderSpec(args.embedder)
    print(f"\nembedding {len(texts):,} texts ({args.posts:,} posts), {args.embedder}, {args.cpus} CPUs")
    print(HEADER.format("texts/s") + "\n" + "| --- " * 6 + "|")
    here, run = measure(lambda: LocalEngine().embed(texts, model, 64))
    print(f"| local (model threads: default) | {run.cells()} | {len(texts) / run.wall:.1f} |", flush=True)
    runs = {}
    for workers in (1, 2):
        engine = RayEngine(workers=workers)
        there, runs[workers] = measure(
            lambda e=engine: e.embed(texts, EmbedderSpec(args.embedder, threads=1), 64), engine
        )
        same = np.allclose(np.stack([there[k] for k in here]), np.stack(list(here.values())), atol=1e-4)
        res = engine.resources(model)
        print(
            f"| ray, {workers} worker(s) × 1 thread ({res.num_cpus} CPU each) | {runs[workers].cells()} "
            f"| {len(texts) / runs[workers].wall:.1f} | vectors allclose: {same}",
            flush=True,
        )
    print(efficiency(runs[1], runs[2]))


def triage(args: argparse.Namespace) -> None:
    with open(args.questions, encoding="utf-8") as f:
        texts = [json.loads(line)["text"] for _, line in zip(range(args.limit), f, strict=False)]
    (here, _, _), local = measure(lambda: triage_texts(texts))
    engine = RayEngine()
    (there, _, _), on_ray = measure(lambda: triage_texts(texts, engine=engine), engine)
    same = all(np.array_equal(getattr(here, k), getattr(there, k)) for k in ("group", "topic", "subtopic"))
    print(f"\ntriage of {len(texts):,} questions ({len(np.unique(here.group)):,} groups)")
    print(HEADER.format("tasks") + "\n" + "| --- " * 6 + "|")
    print(f"| local | {local.cells()} | – |")
    print(f"| ray ({engine.parallelism} CPUs) | {on_ray.cells()} | {on_ray.spent.calls} |")
    # The driver waits while the tasks run: on idle cores the run would take its own CPU plus the tasks'
    # shared among the cluster's CPUs at best (Amdahl), against the local run's CPU.
    bound = local.driver_cpu / (on_ray.driver_cpu + on_ray.workers_cpu / engine.parallelism)
    print(
        f"ray vs local: {local.wall / on_ray.wall:.2f}× wall; driver CPU on ray / local "
        f"{on_ray.driver_cpu / local.driver_cpu:.2f}; on idle cores at best {bound:.2f}× (local CPU / "
        f"(driver CPU + tasks' CPU / {engine.parallelism})); same groups, topics and subtopics: {same}"
    )


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--posts", type=int, default=1_000_000, help="the first N posts (default: all)")
    ap.add_argument("--embedder", default="e5")
    ap.add_argument("--cpus", type=int, default=os.cpu_count() or 2)
    ap.add_argument("--questions", help="a synthetic questions JSONL (make_synthetic_questions.py)")
    ap.add_argument("--limit", type=int, default=1_000_000, help="the first N questions")
    ap.add_argument("--skip-embedding", action="store_true")
    args = ap.parse_args()
    ray = import_ray()
    with tempfile.TemporaryDirectory(prefix="svodka-ray-") as temp:
        ray.init(num_cpus=args.cpus, include_dashboard=False, log_to_driver=False, _temp_dir=temp)
        try:
            if not args.skip_embedding:
                embedding(args)
            if args.questions:
                triage(args)
        finally:
            ray.shutdown()


if __name__ == "__main__":
    main()
