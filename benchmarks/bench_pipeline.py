"""Pipeline benchmark: posts/s per stage and end to end, peak memory, and the quality rows.

    .venv/bin/python benchmarks/bench_pipeline.py [--embedder use|e5] [--limit N] [--quality]

Speed: the 22k posts of tg_ru_news_2024 imported into a fresh store, then `svodka process` in two runs
(the first 90 %, then the last 10 % as an incremental update against it). Quality (--quality): B-cubed on
stories_dev and pair P/R on the two paraphrase sets, for the e5 and USE embedders.
"""

from __future__ import annotations

import argparse
import resource
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
DATA = ROOT.parent / "shared" / "data"
sys.path.insert(0, str(ROOT / "src"))

from svodka.evaluate.pairs_data import evaluate_pairs  # noqa: E402
from svodka.evaluate.stories import evaluate_stories  # noqa: E402
from svodka.ingest import import_file  # noqa: E402
from svodka.pipeline.embed import make_embedder  # noqa: E402
from svodka.process import process  # noqa: E402
from svodka.settings import defaults  # noqa: E402
from svodka.sources.files import ReadOptions  # noqa: E402
from svodka.store import open_store  # noqa: E402


def peak_mib() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def speed(embedder_name: str, limit: int) -> None:
    settings = defaults(pipeline__embedder=embedder_name)
    embedder = make_embedder(embedder_name)
    src = DATA / "tg_ru_news_2024" / "posts.jsonl"
    with tempfile.TemporaryDirectory() as tmp:
        lines = src.read_text(encoding="utf-8").splitlines()
        lines.sort(key=lambda x: x.split('"date": "', 1)[1][:25] if '"date": "' in x else "")
        if limit:
            lines = lines[:limit]
        cut = int(len(lines) * 0.9)
        parts = [Path(tmp) / "a.jsonl", Path(tmp) / "b.jsonl"]
        parts[0].write_text("\n".join(lines[:cut]) + "\n", encoding="utf-8")
        parts[1].write_text("\n".join(lines[cut:]) + "\n", encoding="utf-8")
        with open_store(Path(tmp) / "bench.db") as store:
            for i, part in enumerate(parts):
                import_file(store, part, fmt="jsonl", options=ReadOptions())
                t = time.perf_counter()
                r = process(store, settings, embedder=embedder)
                wall = time.perf_counter() - t
                label = "full (first 90%)" if i == 0 else "incremental (last 10%)"
                print(
                    f"| {label}: {r.posts} posts, embedder {embedder.name} | "
                    f"end to end {r.posts / wall:,.0f} posts/s"
                    f" ({wall:.1f} s); ads {r.ads}, non-news {r.non_news}, copies {r.copies}, "
                    f"embedded {r.embedded}, "
                    f"stories new {r.stories_new} / grown {r.stories_joined} / merges {r.merges} |"
                )
                for stage, sec in r.seconds.items():
                    rate = f"{r.posts / sec:,.0f} posts/s" if sec > 0 else "-"
                    print(f"|   stage {stage} | {sec:.2f} s ({rate}) |")
            print(f"| peak memory (ru_maxrss) | {peak_mib():.0f} MiB |")


def quality() -> None:
    for name in ("e5", "use"):
        settings = defaults(pipeline__embedder=name)
        t = time.perf_counter()
        result = evaluate_stories(DATA / "stories_dev", settings)
        print(
            f"| stories_dev B-cubed, {name}, all posts | {result.all_posts.row()} "
            f"({time.perf_counter() - t:.0f} s) |"
        )
        print(f"| stories_dev B-cubed, {name}, news only | {result.news_only.row()} |")
        for th in (0.2, 0.25, 0.28, 0.3, 0.35):
            r = evaluate_stories(
                DATA / "stories_dev", defaults(pipeline__embedder=name, pipeline__threshold=th)
            )
            print(
                f"|   threshold {th} ({name}) | all F1={r.all_posts.f1:.3f}, news F1={r.news_only.f1:.3f} |"
            )
    for name in ("use", "e5"):
        for folder in ("ru_paraphraser_headlines", "en_mrpc_news_paraphrase"):
            s = evaluate_pairs(DATA / folder, defaults(pipeline__embedder=name))
            print(f"| pairs {folder}, {name} | {s.row()} |")


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--embedder", default="use")
    ap.add_argument("--limit", type=int, default=0)
    ap.add_argument("--quality", action="store_true")
    args = ap.parse_args()
    speed(args.embedder, args.limit)
    if args.quality:
        quality()


if __name__ == "__main__":
    main()
