"""Per-topic day and region counts (migration 0010): kept at triage time, read by /questions without a scan
of every question; a store triaged before the migration gets its counts when it is opened."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

from svodka.model import Question, TriageRecord
from svodka.store import open_store
from svodka.store.sqlite import db as db_module

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


def test_full_assignment_rebuilds_and_incremental_adds(tmp_path: Path) -> None:
    with open_store(tmp_path / "q.db") as store:
        store.questions.add(QUESTIONS[:2])
        store.questions.replace_triage(_assigned([("q1", "q1", 2, 21), ("q2", "q1", 2, 21)]))  # an earlier
        store.questions.replace_triage(_assigned(_rows(["q1", "q2"])))  # a full triage: counts rebuilt
        days, regions = store.questions.topic_stats()
        assert days == {t: d for t, d in DAYS.items() if t in (1, 11, 12)}
        assert regions == {t: r for t, r in REGIONS.items() if t in (1, 11, 12)}
        store.questions.add(QUESTIONS[2:])
        store.questions.add_triage(_assigned(_rows(["q3", "q4"])))  # incremental: the new ones added
        assert store.questions.topic_stats() == (DAYS, REGIONS)


def test_a_store_triaged_before_the_migration_gets_its_counts(tmp_path: Path, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    every = db_module.migrations()
    path = tmp_path / "old.db"
    monkeypatch.setattr(db_module, "migrations", lambda: [m for m in every if m[0] < "0010"])
    with open_store(path) as store:
        store.questions.add(QUESTIONS)
        with store.questions.db.write() as conn:  # what the assignment of an older svodka wrote
            conn.executemany(
                "UPDATE questions SET group_id = ?, topic_id = ?, subtopic_id = ? WHERE qid = ?",
                [(g, t, s, q) for q, (g, t, s) in PLACE.items()],
            )
    monkeypatch.setattr(db_module, "migrations", lambda: every)
    with open_store(path) as store:
        assert "0010_question_stats" in store.db.applied_migrations()  # type: ignore[attr-defined]
        assert store.questions.topic_stats() == (DAYS, REGIONS)
