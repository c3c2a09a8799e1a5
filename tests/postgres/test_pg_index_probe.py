"""Indexing looks each post up in post_search by its key, whatever post_search's statistics say: into an index
that was vacuumed while empty, the planner made the lookup a sequential scan of post_search per post — of the
table the statement itself fills, quadratic in a chunk's posts (415 against 105 µs of server CPU a post for
22,099 real posts, ``benchmarks/bench_pg_index.py``) — and the settings that keep it a probe are the
statement's alone."""

from __future__ import annotations

import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

import psycopg

from conftest import open_test_store
from svodka.model import ChannelRef, Post

T0 = datetime(2024, 12, 2, 9, tzinfo=UTC)
NEWS = ChannelRef(handle="newsroom")
POSTS = 300


def _scans(conn: psycopg.Connection) -> tuple[int, int]:
    """Sequential and index scans of post_search so far, once every other session of the database has ended
    (a session's counts reach the statistics when it ends)."""
    for _ in range(100):
        others = conn.execute(
            "SELECT COUNT(*) FROM pg_stat_activity "
            "WHERE datname = current_database() AND pid <> pg_backend_pid()"
        ).fetchone()
        if others == (0,):
            break
        time.sleep(0.05)
    conn.execute("SELECT pg_stat_clear_snapshot()")
    row = conn.execute(
        "SELECT seq_scan, COALESCE(idx_scan, 0) FROM pg_stat_user_tables WHERE relname = 'post_search'"
    ).fetchone()
    assert row is not None
    return int(row[0]), int(row[1])


def test_indexing_into_a_vacuumed_empty_index_probes_it_by_key(tmp_path: Path) -> None:
    store = open_test_store("postgresql", tmp_path)
    url = store.url
    store.posts.save(
        [Post(NEWS, m, T0 + timedelta(minutes=m), f"Выпуск {m}: снег в Москве, пробки") for m in range(POSTS)]
    )
    store.close()
    with psycopg.connect(url, autocommit=True) as conn:
        conn.execute("VACUUM ANALYZE post_search")  # empty: the planner now trusts it to be so
        seq, idx = _scans(conn)
    store = open_test_store("postgresql", tmp_path)
    try:
        assert store.posts.index_pending() == POSTS
        assert store.posts.count_matches('"снег в москве"') == POSTS
    finally:
        store.close()
    with psycopg.connect(url, autocommit=True) as conn:
        seq2, idx2 = _scans(conn)
        indexed = conn.execute("SELECT COUNT(DISTINCT post_id) FROM post_search").fetchone()
    assert indexed == (POSTS,)
    # a lookup per post, each by the primary key (a few whole-table reads of the search, not one per post)
    assert idx2 - idx >= POSTS and seq2 - seq < 10, (seq2 - seq, idx2 - idx)


def test_indexing_inside_a_callers_transaction_leaves_its_settings_as_they_were(tmp_path: Path) -> None:
    """Indexing inside a caller's write transaction runs on its connection; the settings it makes for its
    statement (``SET LOCAL``, which would last to the end of the caller's transaction) are put back."""
    store = open_test_store("postgresql", tmp_path)
    try:
        with store.transaction():
            store.posts.save(
                [Post(NEWS, m, T0 + timedelta(minutes=m), f"Снег в Москве, {m}") for m in range(3)]
            )
            with store.db.write() as conn:  # type: ignore[attr-defined]
                conn.execute("SET LOCAL work_mem = '7MB'")
            assert store.posts.count_matches('"снег в москве"') == 3  # indexed on the caller's connection
            with store.db.write() as conn:  # type: ignore[attr-defined]
                settings = conn.execute(
                    "SELECT current_setting('enable_seqscan'), current_setting('work_mem')"
                ).fetchone()
        assert settings == ("on", "7MB")
    finally:
        store.close()
