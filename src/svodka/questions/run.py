"""Whole-set triage: duplicate groups → topics/subtopics → one assignment per question."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

import numpy as np

from svodka.engine import Engine
from svodka.questions.dedup import DedupSettings, group_duplicates
from svodka.questions.features import FeatureSettings, Featurizer
from svodka.questions.kmeans import TopicSettings, Triage, triage
from svodka.questions.sharded import group_signed, signatures


@dataclass(frozen=True, slots=True)
class TriageLabels:
    group: np.ndarray  # per question: duplicate-group id (index of its first member)
    topic: np.ndarray
    subtopic: np.ndarray


def triage_texts(
    texts: Sequence[str],
    topic_settings: TopicSettings | None = None,
    dedup_settings: DedupSettings | None = None,
    feature_settings: FeatureSettings | None = None,
    on_progress: Callable[[int], None] | None = None,
    engine: Engine | None = None,
) -> tuple[TriageLabels, Triage, Featurizer]:
    """``engine``: where the per-text and per-topic parts run (:mod:`svodka.questions.sharded`)."""
    if engine is None:
        grouped = group_duplicates(texts, dedup_settings, on_progress)
    else:
        settings = dedup_settings or DedupSettings()
        grouped = group_signed(signatures(engine, texts, settings), settings)
    groups = np.asarray(grouped, dtype=np.int64)
    heads, inverse, counts = np.unique(groups, return_inverse=True, return_counts=True)
    featurizer = Featurizer(feature_settings)
    tri = triage(
        [texts[h] for h in heads], counts.astype(np.float64), featurizer, topic_settings, engine=engine
    )
    return TriageLabels(groups, tri.group_topic[inverse], tri.group_sub[inverse]), tri, featurizer
