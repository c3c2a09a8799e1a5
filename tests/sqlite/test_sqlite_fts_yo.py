"""Migration 0033_fts_yo on a SQLite store made before it: the index is filled again with ё read as е (the
posts it held are found by either letter), the triggers take out of it what was indexed (FTS5's own
check of its structure, and its vocabulary), and a post under an id freed by deletions is indexed.

SQLite only: the FTS5 index, its triggers and the migration of SQLite's schema."""

from __future__ import annotations

import sqlite3
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from svodka.model import ChannelRef, Post
from svodka.store import Store, open_store
from svodka.store.sqlite import db as db_mod

T0 = datetime(2024, 12, 2, 9, tzinfo=UTC)
NEWS, WIRE = ChannelRef(handle="newsroom"), ChannelRef(handle="wire")


def found(store: Store, query: str) -> set[int]:
    return {h.post.message_id for h in store.posts.search(query, limit=100)}


def terms(path: Path) -> dict[str, int]:
    """The index's words and in how many posts each is, after FTS5 checked its own structure."""
    conn = sqlite3.connect(path)
    try:
        conn.execute("INSERT INTO posts_fts(posts_fts, rank) VALUES ('integrity-check', 0)")
        conn.execute("CREATE VIRTUAL TABLE temp.vocab USING fts5vocab(main, posts_fts, 'row')")
        return dict(conn.execute("SELECT term, doc FROM temp.vocab").fetchall())
    finally:
        conn.close()


def test_a_store_before_0033_is_indexed_again_with_yo_as_ye(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = tmp_path / "old.db"
    every = db_mod.migrations()
    monkeypatch.setattr(db_mod, "migrations", lambda: [m for m in every if m[0] < "0033"])
    with open_store(path) as old:
        old.posts.save([Post(NEWS, 1, T0, "Ёлка в Москве"), Post(WIRE, 1, T0, "Снег идёт")])
    conn = sqlite3.connect(path)  # indexed as before 0033: the text as written
    with conn:
        conn.execute("INSERT INTO posts_fts(rowid, text) SELECT id, text FROM posts")
        conn.execute("UPDATE fts_state SET indexed_upto = (SELECT MAX(id) FROM posts)")
    conn.close()
    assert "ёлка" in terms(path)  # the bug: the query's «елка», the index's «ёлка»
    monkeypatch.setattr(db_mod, "migrations", lambda: every)
    with open_store(path) as store:
        assert found(store, "ёлка") == found(store, '"елка в москве"') == {1}
        assert found(store, "идет") == {1}
        vocab = terms(path)
        assert "елка" in vocab and "ёлка" not in vocab and "идет" in vocab
        # an edit and a deletion take out the folded words they indexed
        store.posts.save([Post(NEWS, 1, T0 + timedelta(hours=1), "Сосна в Москве")])
        store.channels.remove(store.channels.get(WIRE).id)
        vocab = terms(path)
        assert "елка" not in vocab and "идет" not in vocab and vocab["сосна"] == 1
        # the newest post deleted: the next one takes its id, and is indexed
        store.posts.save([Post(NEWS, 2, T0 + timedelta(hours=2), "Ёжик замёрз")])
        assert found(store, "ежик") == {2}
