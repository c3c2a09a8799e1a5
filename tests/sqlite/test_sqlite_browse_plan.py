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
        rows = conn.execute(f"EXPLAIN QUERY PLAN {sql}", params).fetchall()
    plan = [row[3] for row in rows]
    # the query's own loops, not those of a subquery it reads first (the channels' networks, materialized)
    inner: set[int] = set()
    for node, parent, _unused, step in rows:
        if parent in inner or step.startswith(("MATERIALIZE", "CORRELATED", "LIST", "SCALAR")):
            inner.add(node)
    first = next(r[3] for r in rows if r[0] not in inner and r[3].startswith(("SCAN", "SEARCH")))
    assert first.split()[1] == "s", plan  # the stories, not story_posts (sp)
