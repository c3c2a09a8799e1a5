"""A triage is stored whole or not at all: a failure in the middle of its write leaves the previous triage
(assignments, groups, norms, topics, per-topic counts, model) exactly as it was (issue 12)."""

from __future__ import annotations

import json
from collections.abc import Iterable, Iterator
from dataclasses import replace
from itertools import islice
from pathlib import Path
from typing import Any, TypeVar

import pytest

from conftest import open_test_store, shared
from svodka.model import TriageRecord
from svodka.questions.dedup import DedupSettings, norm_key, normalise
from svodka.questions.kmeans import TopicSettings
from svodka.questions.model import FEATURES_KEY, STATE_KEY
from svodka.questions.service import import_questions, run_triage
from svodka.store import Store

T = TypeVar("T")
SETTINGS = TopicSettings(topics=6, subtopics=24)


class PulledPlug(Exception):
    """What the test injects half-way through a triage's write."""


def _failing_half_way(rows: Iterable[T]) -> Iterator[T]:
    items = list(rows)
    yield from items[: len(items) // 2]
    raise PulledPlug("the write broke off half-way")


def _files(tmp_path: Path) -> tuple[Path, Path]:
    with shared("citizen_appeals_dev", "appeals.jsonl").open(encoding="utf-8") as f:
        rows = [json.loads(line) for line in islice(f, 1500)]
    first, later = tmp_path / "first.jsonl", tmp_path / "later.jsonl"
    for path, part in ((first, rows[:1200]), (later, rows[1200:])):
        path.write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in part), encoding="utf-8")
    return first, later


def _snapshot(store: Store) -> dict[str, Any]:
    """Everything the question repository hands back."""
    rows = list(store.questions.iter_all())
    return {
        "questions": rows,
        "topics": store.questions.topics(),
        "groups": store.questions.groups(),
        "norms": store.questions.groups_for_norms(norm_key(normalise(r.text)) for r in rows),
        "stats": store.questions.topic_stats(),
        "model": (store.questions.load_model(FEATURES_KEY), store.questions.load_model(STATE_KEY)),
    }


def _triaged(backend: str, tmp_path: Path) -> tuple[Store, Path]:
    first, later = _files(tmp_path)
    store = open_test_store(backend, tmp_path, "q")
    import_questions(store, first)
    run_triage(store, SETTINGS, DedupSettings())
    import_questions(store, later)  # 300 questions not triaged yet
    return store, later


def test_a_full_triage_that_fails_mid_write_leaves_the_previous_one(
    backend: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    store, _ = _triaged(backend, tmp_path)
    with store:
        before = _snapshot(store)
        assert sum(r.topic_id is None for r in before["questions"]) == 300 and before["norms"]
        real = store.questions.replace_triage

        def broken(triage: TriageRecord) -> None:  # assignments, counts and groups go in; then it breaks
            real(replace(triage, norms=_failing_half_way(triage.norms)))

        monkeypatch.setattr(store.questions, "replace_triage", broken)
        with pytest.raises(PulledPlug):
            run_triage(store, SETTINGS, DedupSettings(), full=True)
        assert _snapshot(store) == before
        monkeypatch.undo()
        report = run_triage(store, SETTINGS, DedupSettings(), full=True)  # the same run again, whole
        after = _snapshot(store)
        assert report.questions == 1500 and all(r.topic_id is not None for r in after["questions"])
        assert sum(g[2] for g in after["groups"]) == 1500 and after["model"] != before["model"]


def test_an_incremental_triage_that_fails_mid_write_leaves_the_previous_one(
    backend: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    store, _ = _triaged(backend, tmp_path)
    with store:
        before = _snapshot(store)
        real = store.questions.add_triage

        def broken(triage: TriageRecord) -> None:
            real(replace(triage, norms=_failing_half_way(triage.norms)))

        monkeypatch.setattr(store.questions, "add_triage", broken)
        with pytest.raises(PulledPlug):
            run_triage(store, SETTINGS, DedupSettings())
        assert _snapshot(store) == before  # the 300 are still untriaged, nothing counted twice
        monkeypatch.undo()
        report = run_triage(store, SETTINGS, DedupSettings())
        after = _snapshot(store)
        assert report.incremental and report.questions == 300
        assert all(r.topic_id is not None for r in after["questions"])
        assert sum(g[2] for g in after["groups"]) == 1500
        days, _regions = after["stats"]
        topic_ids = {t.tid for t in after["topics"] if t.parent is None}
        assert sum(n for tid, d in days.items() if tid in topic_ids for n in d.values()) == sum(
            r.ts is not None for r in after["questions"]
        )
