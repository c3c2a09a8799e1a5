"""``pyformat``: a SQL text both backends share, written with ``?`` placeholders, runs on PostgreSQL with
its parameters in place and a literal ``%`` kept as it is."""

from __future__ import annotations

from svodka.store import Store
from svodka.store.postgres.db import pyformat
from svodka.store.records.channel_stats import RECENT


def test_a_shared_text_runs_in_psycopg_style(store: Store) -> None:
    sql = pyformat("SELECT ? || '%', ? + 1")
    assert sql == "SELECT %s || '%%', %s + 1"
    with store.db.read() as conn:  # type: ignore[attr-defined]
        assert conn.execute(sql, ("50", 41)).fetchone() == ("50%", 42)
        assert conn.execute(pyformat(RECENT), (1, 5)).fetchall() == []
