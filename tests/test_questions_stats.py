"""Per-topic day and region counts (migration 0010): kept at triage time, read by /questions without a scan
of every question; a store triaged before the migration gets its counts when it is opened
(tests/sqlite/test_sqlite_question_stats.py)."""

from __future__ import annotations

from datetime import UTC, datetime

from svodka.model import Question, TriageRecord
from svodka.store import Store

DAY1 = datetime(2024, 11, 30, 9, 0, tzinfo=UTC)
DAY2 = datetime(2024, 12, 1, 23, 59, tzinfo=UTC)
QUESTIONS = [
    Question("q1", "Когда починят лифт?", DAY1, "Невский", None),
    Question("q2", "Лифт не работает третью неделю", DAY1, "Невский", None),
    Question("q3", "Во дворе не убирают снег", DAY2, "Приморский", None),
    Question("q4", "Снег на тротуаре", None, None, None),  # no time: counted by region only
]
# qid -> (group, topic, subtopic): topics 1 and 2, subtopics 11, 12 (of 1) and 21 (of 2)
PLACE = {"q1": ("q1", 1, 11), "q2": ("q1", 1, 12), "q3": ("q3", 2, 21), "q4": ("q3", 2, 21)}
DAYS = {
    1: {"2024-11-30": 2},
    11: {"2024-11-30": 1},
    12: {"2024-11-30": 1},
    2: {"2024-12-01": 1},
    21: {"2024-12-01": 1},
}
REGIONS = {
    1: {"Невский": 2},
    11: {"Невский": 1},
    12: {"Невский": 1},
    2: {"Приморский": 1, "—": 1},
    21: {"Приморский": 1, "—": 1},
}


def _rows(qids: list[str]) -> list[tuple[str, str, int, int]]:
    return [(q, *PLACE[q]) for q in qids]


def _assigned(rows: list[tuple[str, str, int, int]]) -> TriageRecord:
    """A triage that only assigns (no groups, norms, topics or model)."""
    return TriageRecord(assignments=rows, groups=(), norms=(), topics=())


def test_full_assignment_rebuilds_and_incremental_adds(store: Store) -> None:
    store.questions.add(QUESTIONS[:2])
    store.questions.replace_triage(_assigned([("q1", "q1", 2, 21), ("q2", "q1", 2, 21)]))  # an earlier
    store.questions.replace_triage(_assigned(_rows(["q1", "q2"])))  # a full triage: counts rebuilt
    days, regions = store.questions.topic_stats()
    assert days == {t: d for t, d in DAYS.items() if t in (1, 11, 12)}
    assert regions == {t: r for t, r in REGIONS.items() if t in (1, 11, 12)}
    store.questions.add(QUESTIONS[2:])
    store.questions.add_triage(_assigned(_rows(["q3", "q4"])))  # incremental: the new ones added
    assert store.questions.topic_stats() == (DAYS, REGIONS)
