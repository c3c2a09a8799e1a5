"""Migration 0010 on a store triaged by an older svodka: the per-topic counts are built when it is opened.

SQLite only: the older store is made by leaving out SQLite's migration steps and writing its columns."""

from __future__ import annotations

from pathlib import Path

from svodka.store import open_store
from svodka.store.sqlite import db as db_module
from test_questions_stats import DAYS, PLACE, QUESTIONS, REGIONS


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
