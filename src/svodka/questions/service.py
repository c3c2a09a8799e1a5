"""Store-facing triage: import files, run full or incremental triage, export rows (storage at the edge)."""

from __future__ import annotations

import pickle
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path

from svodka.questions.dedup import DedupSettings, normalise
from svodka.questions.ingest import BadRow, Question, read_questions
from svodka.questions.run import triage_texts
from svodka.questions.topics import TopicSettings, assign
from svodka.store import Store

MODEL_KEY = "triage-v1"


@dataclass(frozen=True, slots=True)
class ImportReport:
    read: int
    new: int
    bad: list[BadRow]


def import_questions(
    store: Store,
    path: str | Path,
    mapping: Mapping[str, str] | None = None,
    batch_size: int = 5000,
    on_progress: Callable[[int], None] | None = None,
) -> ImportReport:
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
    return ImportReport(read, new, bad)


@dataclass(frozen=True, slots=True)
class TriageReport:
    questions: int
    groups: int
    topics: int
    subtopics: int
    incremental: bool


def run_triage(
    store: Store,
    topic_settings: TopicSettings,
    dedup_settings: DedupSettings,
    full: bool = False,
    on_progress: Callable[[int], None] | None = None,
) -> TriageReport:
    """Full triage the first time (or with ``full``); afterwards new questions join existing subtopics
    (nearest centroid in the fitted feature space) and topic ids stay as they were."""
    blob = None if full else store.questions.load_model(MODEL_KEY)
    if blob is None:
        rows = list(store.questions.iter_all())
        texts = [r.text for r in rows]
        a, tri, featurizer = triage_texts(texts, topic_settings, dedup_settings, on_progress=on_progress)
        store.questions.assign(
            (r.qid, rows[int(g)].qid, int(t), int(s))
            for r, g, t, s in zip(rows, a.group, a.topic, a.subtopic, strict=True)
        )
        store.questions.save_topics(tri.topics, replace=True)
        store.questions.save_model(
            MODEL_KEY, pickle.dumps((featurizer, tri.centroids, tri.sub_ids, tri.sub_parent))
        )
        return TriageReport(
            len(rows), len(set(a.group.tolist())), int(a.topic.max(initial=0)), len(tri.sub_ids), False
        )
    featurizer, centroids, sub_ids, sub_parent = pickle.loads(blob)  # our own blob, written above
    new = list(store.questions.iter_all(untriaged_only=True))
    # Exact duplicates of questions already grouped join those groups; the rest start their own.
    heads: dict[str, str] = {}
    for r in store.questions.iter_all():
        if r.group_id is not None:
            heads.setdefault(normalise(r.text), r.group_id)
    subs = assign(featurizer, centroids, sub_ids, [r.text for r in new])
    parent = dict(zip(sub_ids.tolist(), sub_parent.tolist(), strict=True))
    out = []
    for r, s in zip(new, subs, strict=True):
        g = heads.setdefault(normalise(r.text), r.qid)
        out.append((r.qid, g, int(parent[int(s)]), int(s)))
    store.questions.assign(out)
    store.questions.refresh_sizes()
    if on_progress:
        on_progress(len(new))
    return TriageReport(len(new), len(set(heads.values())), len(set(parent.values())), len(sub_ids), True)


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
