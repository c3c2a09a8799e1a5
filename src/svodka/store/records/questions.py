"""Questions and their triage as both backends store them: a question's row, a topic's row and record, and
the folding of grouped counts into per-topic days and regions."""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Iterable, Sequence
from typing import Any

from svodka.model import Question, QuestionTopic

QUESTION_COLUMNS = "qid, text, ts, region, channel, group_id, topic_id, subtopic_id"
TOPIC_COLUMNS = "tid, parent, label, keywords, size, representatives"
# The triaged questions of ``{source}`` (a FROM clause over ``questions``) by topic, subtopic, UTC day
# (``{day}``: the dialect's date of ``ts``) and region, for :func:`fold_counts`.
COUNTS = (
    "SELECT topic_id, subtopic_id, {day}, coalesce(region, '—'), count(*) FROM {source} "
    "WHERE topic_id IS NOT NULL OR subtopic_id IS NOT NULL GROUP BY 1, 2, 3, 4"
)


def question_rows(questions: Iterable[Question], imported_at: int) -> list[tuple[Any, ...]]:
    """The rows ``(qid, text, ts, region, channel, imported_at)`` of ``questions``."""
    return [
        (q.qid, q.text, int(q.time.timestamp()) if q.time else None, q.region, q.channel, imported_at)
        for q in questions
    ]


def topic_row(t: QuestionTopic) -> tuple[Any, ...]:
    """A topic's row (:data:`TOPIC_COLUMNS`): its keywords and representatives as JSON."""
    return (
        t.tid,
        t.parent,
        t.label,
        json.dumps(t.keywords, ensure_ascii=False),
        t.size,
        json.dumps(t.representatives, ensure_ascii=False),
    )


def topic(r: Sequence[Any]) -> QuestionTopic:
    """A row of :data:`TOPIC_COLUMNS` as its record."""
    return QuestionTopic(r[0], r[1], r[2], tuple(json.loads(r[3])), r[4], tuple(json.loads(r[5])))


def fold_counts(
    rows: Iterable[Sequence[Any]],
) -> tuple[list[tuple[int, str, int]], list[tuple[int, str, int]]]:
    """Grouped counts ``(topic, subtopic, day, region, n)`` as the rows ``(topic id, day, n)`` and
    ``(topic id, region, n)`` to add: a question counts for its topic and its subtopic."""
    days: Counter[tuple[int, str]] = Counter()
    regions: Counter[tuple[int, str]] = Counter()
    for topic_id, sub, day, region, n in rows:
        for tid in {topic_id, sub} - {None}:
            regions[tid, region] += n
            if day is not None:
                days[tid, day] += n
    return (
        [(tid, day, n) for (tid, day), n in days.items()],
        [(tid, region, n) for (tid, region), n in regions.items()],
    )


def by_topic(rows: Iterable[Sequence[Any]]) -> dict[int, dict[str, int]]:
    """Rows ``(topic id, key, n)`` as ``{topic id: {key: n}}``, in their order."""
    out: dict[int, dict[str, int]] = {}
    for tid, key, n in rows:
        out.setdefault(int(tid), {})[key] = int(n)
    return out
