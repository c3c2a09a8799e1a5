"""The Ray engine on a real local cluster (``ray.init(num_cpus=2)``, no dashboard, its own temp dir):
the same vectors, the same stories on the bundled day and the same topics on the dev appeals as the local
engine. Results are equal by construction (the same model calls, the same k-means), so they are compared
exactly where the stages are deterministic and with allclose where floats come from another process."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from collections.abc import Iterator
from functools import partial
from pathlib import Path

import numpy as np
import pytest

from conftest import open_test_store, shared
from svodka.engine import EmbedderSpec, LocalEngine, chunks, open_engine, shards
from svodka.ingest import import_file
from svodka.process import process
from svodka.questions.dedup import DedupSettings, signature
from svodka.questions.kmeans import TopicSettings
from svodka.questions.run import triage_texts
from svodka.questions.service import export_rows, import_questions, run_triage
from svodka.settings import defaults
from svodka.store import Store

ray = pytest.importorskip("ray", reason="the Ray engine's tests need Ray (pip install -e '.[ray]')")

from svodka.engine.ray_engine import RayEngine  # noqa: E402

ROOT = Path(__file__).resolve().parent.parent
SAMPLE = ROOT / "samples" / "tg_ru_news_2024-12-02.jsonl"
APPEALS = 4000  # the first dev appeals: enough for every topic to have subtopics, a few seconds per run


@pytest.fixture(scope="module")
def engine(tmp_path_factory: pytest.TempPathFactory) -> Iterator[RayEngine]:
    """A 2-CPU local cluster for the module (run as root, offline: no usage stats, no dashboard)."""
    os.environ["RAY_USAGE_STATS_ENABLED"] = "0"
    temp = tmp_path_factory.mktemp("ray")
    ray.init(
        num_cpus=2,
        include_dashboard=False,
        log_to_driver=False,
        _temp_dir=str(temp),
        configure_logging=False,
    )
    try:
        yield RayEngine()
    finally:
        ray.shutdown()


def _texts() -> dict[int, str]:
    rows = [json.loads(line) for line in SAMPLE.read_text(encoding="utf-8").splitlines()]
    return {i: r["text"][:300] for i, r in enumerate(rows[:40]) if len(r["text"]) >= 20}


def test_ray_vectors_equal_the_local_ones(engine: RayEngine) -> None:
    texts = _texts()
    model = EmbedderSpec("e5")
    seen: list[int] = []
    here = LocalEngine().embed(texts, model, 8)
    there = engine.embed(texts, model, 8, lambda done, total: seen.append(done))
    assert set(there) == set(here)
    assert np.allclose(np.stack([there[k] for k in here]), np.stack(list(here.values())), atol=1e-5)
    assert seen[-1] == len(texts) and engine.resources(model).actors == 2  # both actors ran on 2 CPUs


def test_the_ray_engine_sums_the_cpu_its_actors_spent(engine: RayEngine) -> None:
    """Each model call reports the CPU it took in its actor (the model's load with the first), summed on
    the driver per actor: 2 actors of their own processes, every call counted."""
    texts = _texts()
    before = engine.spent
    one = time.process_time()
    LocalEngine().embed(texts, EmbedderSpec("e5"), 8)
    here = time.process_time() - one
    engine.embed(texts, EmbedderSpec("e5"), 8)
    spent = engine.spent
    new = {pid: s - dict(before.by_worker).get(pid, 0.0) for pid, s in spent.by_worker}
    workers = {pid: s for pid, s in new.items() if s > 0}
    assert spent.calls - before.calls == len(list(chunks(texts, 8)))
    assert len(workers) == 2 and os.getpid() not in workers
    # Each actor loaded the model and embedded its share: together at least a good part of what it took
    # here (the same calls and a load each; loose, as the machine is shared).
    assert sum(workers.values()) > 0.3 * here and min(workers.values()) > 0


def test_ray_tasks_keep_the_order_of_the_batches_and_report_their_cpu(engine: RayEngine) -> None:
    assert engine.map_batches(sorted, [[3, 1], [2], [9, 8, 7]]) == [[1, 3], [2], [7, 8, 9]]
    assert engine.parallelism == 2
    path = shared("citizen_appeals_dev", "appeals.jsonl")
    with path.open(encoding="utf-8") as f:
        texts = [json.loads(line)["text"] for _, line in zip(range(APPEALS), f, strict=False)]
    before = engine.spent
    sigs = engine.map_batches(partial(signature, settings=DedupSettings()), shards(texts, 4))
    spent = engine.spent
    assert sum(len(s) for s in sigs) == APPEALS
    assert spent.calls - before.calls == 4
    assert spent.cpu_s > before.cpu_s and os.getpid() not in dict(spent.by_worker)


def _partition(store: Store) -> set[frozenset[int]]:
    groups: dict[int, set[int]] = {}
    for post, story in store.stories.assignments().items():
        groups.setdefault(story, set()).add(post)
    return {frozenset(g) for g in groups.values()}


def test_process_on_ray_finds_the_local_stories_of_the_bundled_day(
    engine: RayEngine, backend: str, tmp_path: Path
) -> None:
    """The first 300 posts of the bundled day in two batches (the whole day took minutes of CI per backend:
    it is embedded by the actors and again here)."""
    settings = defaults(pipeline__embedder="use", pipeline__batch_posts=150)
    posts = tmp_path / "posts.jsonl"
    posts.write_text("".join(SAMPLE.read_text(encoding="utf-8").splitlines(True)[:300]), encoding="utf-8")
    with open_test_store(backend, tmp_path, "local") as a, open_test_store(backend, tmp_path, "ray") as b:
        for s in (a, b):
            import_file(s, posts)
        here = process(a, settings, engine=LocalEngine())
        there = process(b, settings, engine=engine)
        assert (there.posts, there.ads, there.copies, there.embedded) == (
            here.posts,
            here.ads,
            here.copies,
            here.embedded,
        )
        assert there.posts == 300 and there.batches == 2
        assert _partition(b) == _partition(a)
        assert b.stories.assignments() == a.stories.assignments()  # the same ids too


def test_auto_takes_the_running_cluster_and_leaves_it_running(engine: RayEngine) -> None:
    with open_engine(defaults(), "auto") as auto:
        assert isinstance(auto, RayEngine)
    assert ray.is_initialized()


def test_cli_process_joins_the_running_cluster(engine: RayEngine, tmp_path: Path) -> None:
    """`svodka process --engine auto` in a subprocess: its work runs as a job of this cluster."""
    env = {
        **os.environ,
        "PYTHONPATH": os.pathsep.join([str(ROOT / "src"), os.environ.get("PYTHONPATH", "")]),
        "RAY_ADDRESS": ray.get_runtime_context().gcs_address,
        "SVODKA_PIPELINE_EMBEDDER": "use",
    }
    posts = tmp_path / "posts.jsonl"
    posts.write_text("".join(SAMPLE.read_text(encoding="utf-8").splitlines(True)[:80]), encoding="utf-8")
    base = [sys.executable, "-m", "svodka", "--db", str(tmp_path / "s.db")]
    jobs = len(ray._private.state.jobs())
    for args in (["import", str(posts)], ["process", "--engine", "auto", "--json"]):
        done = subprocess.run(base + args, env=env, capture_output=True, text=True, timeout=600)
        assert done.returncode == 0, done.stderr
    report = json.loads(done.stdout[done.stdout.index("{") :])
    assert report["posts"] == 80 and report["embedded"] > 40
    assert len(ray._private.state.jobs()) == jobs + 1


def test_triage_on_ray_gives_the_local_topics_of_the_dev_appeals(engine: RayEngine) -> None:
    path = shared("citizen_appeals_dev", "appeals.jsonl")
    with path.open(encoding="utf-8") as f:
        texts = [json.loads(line)["text"] for _, line in zip(range(APPEALS), f, strict=False)]
    here, tri_here, _ = triage_texts(texts)
    there, tri_there, _ = triage_texts(texts, engine=engine)
    assert np.array_equal(there.group, here.group)
    assert np.array_equal(there.topic, here.topic)
    assert np.array_equal(there.subtopic, here.subtopic)
    assert [(t.tid, t.label, t.size) for t in tri_there.topics] == [
        (t.tid, t.label, t.size) for t in tri_here.topics
    ]
    assert len(np.unique(here.subtopic)) > 20


def test_full_triage_of_a_store_on_ray_stores_the_local_triage(
    engine: RayEngine, backend: str, tmp_path: Path
) -> None:
    path = shared("citizen_appeals_dev", "appeals.jsonl")
    part = tmp_path / "appeals.jsonl"
    with path.open(encoding="utf-8") as f:
        part.write_text("".join(line for _, line in zip(range(1500), f, strict=False)), encoding="utf-8")
    ts, ds = TopicSettings(topics=8, subtopics=40), DedupSettings()
    rows = []
    for name, runner in (("local", None), ("ray", engine)):
        with open_test_store(backend, tmp_path, name) as store:
            import_questions(store, part)
            report = run_triage(store, ts, ds, engine=runner)
            assert report.questions == 1500 and not report.incremental
            rows.append((list(export_rows(store)), store.questions.topics()))
    assert rows[1] == rows[0]
