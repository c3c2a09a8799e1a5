"""Store-facing triage: import files, run full or incremental triage, export rows (storage at the edge)."""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path

from svodka.engine import Engine
from svodka.model import Question
from svodka.questions.dedup import DedupSettings
from svodka.questions.full import full_triage
from svodka.questions.incremental import UpdateSettings
from svodka.questions.ingest import BadRow, read_questions
from svodka.questions.kmeans import TopicSettings
from svodka.questions.update import incremental_triage, load_model
from svodka.store import Store


@dataclass(frozen=True, slots=True)
class QuestionImportReport:
    read: int
    new: int
    bad: list[BadRow]


def import_questions(
    store: Store,
    path: str | Path,
    mapping: Mapping[str, str] | None = None,
    batch_size: int = 5000,
    on_progress: Callable[[int], None] | None = None,
) -> QuestionImportReport:
    """Stream a file into the store in batches; re-importing stores nothing twice."""
    batch: list[Question] = []
    bad: list[BadRow] = []
    read = new = 0
    for item in read_questions(path, mapping):
        if isinstance(item, BadRow):
            bad.append(item)
            continue
        batch.append(item)
        read += 1
        if len(batch) >= batch_size:
            new += store.questions.add(batch)
            if on_progress:
                on_progress(len(batch))
            batch = []
    if batch:
        new += store.questions.add(batch)
        if on_progress:
            on_progress(len(batch))
    return QuestionImportReport(read, new, bad)


@dataclass(frozen=True, slots=True)
class TriageReport:
    questions: int  # questions triaged by this run
    groups: int  # duplicate groups made (full) or newly made (incremental)
    topics: int
    subtopics: int
    incremental: bool
    new_topics: int = 0
    timings: dict[str, float] = field(default_factory=dict)


def run_triage(
    store: Store,
    topic_settings: TopicSettings,
    dedup_settings: DedupSettings,
    full: bool = False,
    on_progress: Callable[[int], None] | None = None,
    update_settings: UpdateSettings | None = None,
    engine: Engine | None = None,
) -> TriageReport:
    """Full triage the first time (or with ``full``, keeping ids by matching); afterwards only the new
    questions are placed: duplicates join their groups, the rest the nearest subtopic, and a burst that
    fits no topic becomes a new one (:mod:`svodka.questions.update`). ``engine``: where a full triage runs
    its per-text and per-topic parts (:mod:`svodka.questions.sharded`); an incremental one runs here."""
    timings: dict[str, float] = {}
    t0 = time.perf_counter()
    model = None if full else load_model(store)
    if model is None:
        n, groups, _topics, _subs = full_triage(
            store, topic_settings, dedup_settings, timings, on_progress, engine
        )
        incremental, made = False, 0
    else:
        timings["model"] = time.perf_counter() - t0
        n, groups, made = incremental_triage(
            store, model, topic_settings, dedup_settings, update_settings or UpdateSettings(), timings
        )
        incremental = True
        if on_progress:
            on_progress(n)
    timings["total"] = time.perf_counter() - t0
    all_topics = store.questions.topics()
    return TriageReport(
        n,
        groups,
        sum(1 for t in all_topics if t.parent is None),
        sum(1 for t in all_topics if t.parent is not None),
        incremental,
        made,
        timings,
    )


def export_rows(store: Store) -> Iterator[tuple[str, str, int | None, int | None, str]]:
    """(id, duplicate-group id, topic id, subtopic id, topic label) per imported question."""
    labels = {t.tid: t.label for t in store.questions.topics()}
    for r in store.questions.iter_all():
        yield (
            r.qid,
            r.group_id or "",
            r.topic_id,
            r.subtopic_id,
            labels.get(r.topic_id, "") if r.topic_id is not None else "",
        )
