"""The Ray engine: embedding throughput with 1 vs 2 Ray workers, and question triage on Ray vs local.

    .venv/bin/python benchmarks/bench_engine.py [--posts N] [--embedder e5|use] [--cpus 2]
        [--questions /tmp/questions_1m.jsonl --limit N]

Embedding: the posts of tg_ru_news_2024 (the first N; all 22k by default) as the pipeline embeds them
(normalised, ads and short texts left out, one text per distinct text), on a local Ray cluster of
``--cpus`` CPUs: the local engine (this process, the model's own threads), then 1 and 2 Ray embedding
actors (1 model thread each); texts/s and the 2-worker speed-up, the vectors checked against the local
ones. Triage (``--questions``, a file of benchmarks/make_synthetic_questions.py): the first ``--limit``
questions triaged locally and on Ray, seconds of each and whether the labels are the same.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
DATA = ROOT.parent / "shared" / "data"
sys.path.insert(0, str(ROOT / "src"))
os.environ.setdefault("RAY_USAGE_STATS_ENABLED", "0")

from svodka.engine import EmbedderSpec, LocalEngine  # noqa: E402
from svodka.engine.ray_engine import RayEngine, import_ray  # noqa: E402
from svodka.pipeline.ads import classify_ad  # noqa: E402
from svodka.pipeline.normalize import normalize, text_hash  # noqa: E402
from svodka.process.stages import MIN_EMBED_CHARS  # noqa: E402
from svodka.questions.run import triage_texts  # noqa: E402


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


def embedding(args: argparse.Namespace) -> None:
    texts = post_texts(args.posts)
    model = EmbedderSpec(args.embedder)
    t = time.perf_counter()
    here = LocalEngine().embed(texts, model, 64)
    local = time.perf_counter() - t
    print(f"\nembedding {len(texts):,} texts ({args.posts:,} posts), {args.embedder}, {args.cpus} CPUs")
    print("| engine | seconds | texts/s |\n| --- | --- | --- |")
    print(f"| local (model threads: default) | {local:.1f} | {len(texts) / local:.1f} |", flush=True)
    seconds = {}
    for workers in (1, 2):
        engine = RayEngine(workers=workers)
        t = time.perf_counter()
        there = engine.embed(texts, EmbedderSpec(args.embedder, threads=1), 64)
        seconds[workers] = time.perf_counter() - t
        same = np.allclose(np.stack([there[k] for k in here]), np.stack(list(here.values())), atol=1e-4)
        res = engine.resources(model)
        print(
            f"| ray, {workers} worker(s) × 1 thread ({res.num_cpus} CPU each) | {seconds[workers]:.1f} "
            f"| {len(texts) / seconds[workers]:.1f} | vectors allclose: {same}",
            flush=True,
        )
    print(f"2 workers vs 1: {seconds[1] / seconds[2]:.2f}×")


def triage(args: argparse.Namespace) -> None:
    with open(args.questions, encoding="utf-8") as f:
        texts = [json.loads(line)["text"] for _, line in zip(range(args.limit), f, strict=False)]
    t = time.perf_counter()
    here, _, _ = triage_texts(texts)
    local = time.perf_counter() - t
    engine = RayEngine()
    t = time.perf_counter()
    there, _, _ = triage_texts(texts, engine=engine)
    on_ray = time.perf_counter() - t
    same = all(np.array_equal(getattr(here, k), getattr(there, k)) for k in ("group", "topic", "subtopic"))
    print(f"\ntriage of {len(texts):,} questions ({len(np.unique(here.group)):,} groups)")
    print("| engine | seconds |\n| --- | --- |")
    print(f"| local | {local:.1f} |\n| ray ({engine.parallelism} CPUs) | {on_ray:.1f} |")
    print(f"ray vs local: {local / on_ray:.2f}×; same groups, topics and subtopics: {same}")


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
