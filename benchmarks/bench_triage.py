"""Per-stage time and peak memory of question triage on a synthetic file (make_synthetic_questions.py).

    .venv/bin/python benchmarks/bench_triage.py [/tmp/questions_1m.jsonl]

Stages: read (parse + map), store import (SQLite), dedup (exact + MinHash LSH), features (lemmatised
TF-IDF → SVD on duplicate groups), clustering + labels + representatives, and quality vs `reason`.
"""

from __future__ import annotations

import resource
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

from svodka.questions.dedup import group_duplicates
from svodka.questions.features import Featurizer
from svodka.questions.ingest import Question, read_questions
from svodka.questions.quality import score
from svodka.questions.topics import TopicSettings, triage
from svodka.store import open_store


def peak_mib() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def row(stage: str, t0: float, n: int) -> float:
    dt = time.perf_counter() - t0
    print(
        f"| {stage} | {dt:8.1f} s | {n / dt if dt else 0:,.0f}/s | peak {peak_mib():,.0f} MiB |", flush=True
    )
    return time.perf_counter()


def main() -> None:
    path = Path(sys.argv[1] if len(sys.argv) > 1 else "/tmp/questions_1m.jsonl")
    t_all = t = time.perf_counter()
    qs = [q for q in read_questions(path) if isinstance(q, Question)]
    t = row("read", t, len(qs))
    with tempfile.TemporaryDirectory() as d, open_store(str(Path(d) / "q.db")) as store:
        for i in range(0, len(qs), 20_000):
            store.questions.add(qs[i : i + 20_000])
        t = row("store import (SQLite)", t, len(qs))
    texts = [q.text for q in qs]
    del qs
    groups = np.asarray(group_duplicates(texts), dtype=np.int64)
    heads, inverse, counts = np.unique(groups, return_inverse=True, return_counts=True)
    t = row(f"dedup → {len(heads):,} groups", t, len(texts))
    tri = triage([texts[h] for h in heads], counts.astype(np.float64), Featurizer(), TopicSettings())
    t = row("features + topics + subtopics + labels", t, len(texts))
    print(f"| total | {time.perf_counter() - t_all:8.1f} s | | peak {peak_mib():,.0f} MiB |")
    import json

    truth = [json.loads(line).get("reason", "") for line in path.open(encoding="utf-8")]
    print("topics", score(truth, tri.group_topic[inverse]))
    print("subtopics", score(truth, tri.group_sub[inverse]))


if __name__ == "__main__":
    main()
