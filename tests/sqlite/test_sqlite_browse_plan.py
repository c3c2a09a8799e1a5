"""The stories browser's page query starts from the stories (their date indexes), not from every story
member, on a store that was never ANALYZEd (bench_web at 1M: an empty day cost as much as the whole store)."""

from __future__ import annotations

import sqlite3
from datetime import UTC, datetime
from pathlib import Path

from svodka.store import open_store
from svodka.store.base import StoryQuery
from svodka.store.sqlite.browse import _filtered


def test_a_days_page_query_reads_the_stories_first(tmp_path: Path) -> None:
    path = tmp_path / "plan.db"
    open_store(str(path)).close()  # migrated
    day = StoryQuery(since=datetime(2024, 11, 30, tzinfo=UTC), until=datetime(2024, 12, 1, tzinfo=UTC))
    sql, params = _filtered(day)
    with sqlite3.connect(path) as conn:
        assert conn.execute("SELECT COUNT(*) FROM sqlite_master WHERE name = 'sqlite_stat1'").fetchone() == (
            0,
        )
        plan = [row[3] for row in conn.execute(f"EXPLAIN QUERY PLAN {sql}", params)]
    first = next(step for step in plan if step.startswith(("SCAN", "SEARCH")))
    assert first.split()[1] == "s", plan  # the stories, not story_posts (sp)
