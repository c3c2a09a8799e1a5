"""`svodka eval stories` on a gold day and on each half of it, for one code tree or several, at both levels.

    .venv/bin/python benchmarks/eval_stories_halves.py ../shared/data/stories_dev [--embedder use]
        [--src DIR ...] [--threshold T ...]

The halves are the posts before the day's median time (*morning*) and from it on (*evening*), each with
its own gold labels, written to a temporary folder and evaluated like the whole day: the whole pipeline
(``evaluate_stories``) in a fresh store, default settings but ``pipeline.embedder`` and, where given,
``pipeline.threshold``. Each ``--src`` (a code tree's src/ folder; default: this tree's) runs in its own
subprocess, so old and new code are measured in one run on the same files.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent

CHILD = r"""
import json, sys
from svodka.evaluate.stories import evaluate_stories
from svodka.settings import defaults
folder, embedder, threshold = sys.argv[1], sys.argv[2], sys.argv[3]
over = {"pipeline__embedder": embedder}
if threshold != "-":
    over["pipeline__threshold"] = float(threshold)
r = evaluate_stories(folder, defaults(**over))
def row(level):
    return {"all": [level.all_posts.precision, level.all_posts.recall, level.all_posts.f1],
            "news": [level.news_only.precision, level.news_only.recall, level.news_only.f1]}
print(json.dumps({"story": row(r.story), "development": row(r.development)}))
"""


def halves(gold_dir: Path, out: Path) -> dict[str, Path]:
    """Write ``out/morning`` and ``out/evening``: each half's posts and its gold rows."""
    posts = [
        line for p in sorted(gold_dir.glob("posts_*.jsonl")) for line in p.read_text("utf-8").splitlines()
    ]
    posts = [line for line in posts if line.strip()]
    dates = sorted(json.loads(line)["date"] for line in posts)
    median = dates[len(dates) // 2]
    labels = [
        line for p in sorted(gold_dir.glob("stories_*.jsonl")) for line in p.read_text("utf-8").splitlines()
    ]
    folders = {}
    for name, keep in (("morning", lambda d: d < median), ("evening", lambda d: d >= median)):
        rows = [json.loads(line) for line in posts]
        part = [line for line, r in zip(posts, rows, strict=True) if keep(r["date"])]
        keys = {f"{r['sender_id']}:{r['message_id']}" for r in map(json.loads, part)}
        gold = [line for line in labels if line.strip() and json.loads(line)["key"] in keys]
        folder = out / name
        folder.mkdir()
        (folder / "posts_half.jsonl").write_text("\n".join(part) + "\n", encoding="utf-8")
        (folder / "stories_half.jsonl").write_text("\n".join(gold) + "\n", encoding="utf-8")
        folders[name] = folder
    return folders


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("gold_dir", type=Path)
    ap.add_argument("--embedder", default="e5")
    ap.add_argument("--src", type=Path, action="append", help="A code tree's src/ folder; repeatable.")
    ap.add_argument(
        "--threshold", action="append", help="pipeline.threshold values (default: the setting's)."
    )
    args = ap.parse_args()
    srcs = [p.resolve() for p in (args.src or [ROOT / "src"])]
    thresholds = args.threshold or ["-"]
    with tempfile.TemporaryDirectory(prefix="svodka-halves-") as tmp:
        parts = {"whole day": args.gold_dir.resolve(), **halves(args.gold_dir, Path(tmp))}
        print(
            f"| code | threshold | part | story level: all posts P / R / F1 | news only F1 | "
            f"development level: all posts P / R / F1 | news only F1 | s | ({args.embedder})"
        )
        print("| --- | --- | --- | --- | --- | --- | --- | ---: |")
        for threshold in thresholds:
            for part, folder in parts.items():
                for src in srcs:
                    env = {**os.environ, "PYTHONPATH": str(src)}
                    t = time.perf_counter()
                    cmd = [sys.executable, "-c", CHILD, str(folder), args.embedder, threshold]
                    out = subprocess.run(cmd, env=env, cwd=tmp, capture_output=True, text=True, check=True)
                    r = json.loads(out.stdout.strip().splitlines()[-1])
                    code = src.parent.name if src.name == "src" else src.name
                    cells = []
                    for level in ("story", "development"):
                        p, rc, f = r[level]["all"]
                        cells.append(f"{p:.3f} / {rc:.3f} / **{f:.3f}** | {r[level]['news'][2]:.3f}")
                    print(
                        f"| {code} | {threshold if threshold != '-' else 'default'} | {part} | "
                        + " | ".join(cells)
                        + f" | {time.perf_counter() - t:.1f} |",
                        flush=True,
                    )


if __name__ == "__main__":
    main()
