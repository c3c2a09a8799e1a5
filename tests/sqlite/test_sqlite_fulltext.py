"""The FTS5 index off the write path (migration 0007): saving does not index, the index stays equal to its
content table through edits and deletions, and a store indexed by the old trigger of 0001 keeps its index.

SQLite only: FTS5's own integrity check and tables. (Search as every backend does it:
tests/test_store_fulltext.py.)"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path

import pytest

from svodka.model import ChannelRef
from svodka.store import Store, open_store
from svodka.store.sqlite import SqliteStore
from svodka.store.sqlite import db as db_mod
from test_store_fulltext import T0, _found, _post  # the backend-neutral half of these tests


def _check_index(path: Path) -> None:
    conn = sqlite3.connect(path)
    try:
        # FTS5 compares the index with the content table and raises if they disagree
        conn.execute("INSERT INTO posts_fts(posts_fts, rank) VALUES ('integrity-check', 1)")
    finally:
        conn.close()


@pytest.fixture
def store(tmp_path: Path) -> Iterator[Store]:
    """A SQLite store at tmp_path/test.db (the file the checks below open beside it)."""
    s = open_store(tmp_path / "test.db")
    assert isinstance(s, SqliteStore)
    yield s
    s.close()


def test_saving_does_not_index_and_search_indexes_what_is_pending(store: Store, tmp_path: Path) -> None:
    store.posts.save([_post(1, "Выборы в Грузии"), _post(2, "Снег в Москве")])
    with store.db.read() as conn:  # type: ignore[attr-defined]
        # (a query without MATCH reads the content table; MATCH reads the index)
        assert not conn.execute("SELECT rowid FROM posts_fts WHERE posts_fts MATCH 'грузии'").fetchall()
    assert _found(store, "выборах") == {1}  # the search made them searchable first
    assert store.posts.index_pending() == 0
    store.posts.save([_post(3, "Новые выборы назначены")])
    assert store.posts.index_pending() == 1
    assert _found(store, "выборы") == {1, 3}
    _check_index(tmp_path / "test.db")


def test_edits_and_deletions_on_both_sides_of_indexing(store: Store, tmp_path: Path) -> None:
    store.posts.save([_post(1, "Пожар на складе"), _post(2, "Курс рубля упал")])
    store.posts.index_pending()
    store.posts.save([_post(3, "Матч перенесли из-за дождя")])  # stored, not yet indexed
    # an edit of an indexed post re-indexes it; an edit of a pending one is indexed as edited
    later = T0 + timedelta(hours=5)
    result = store.posts.save([_post(1, "Пожар на складе потушен", later), _post(3, "Матч отменили", later)])
    assert result.edited == 2
    assert _found(store, "потушен") == {1}
    assert _found(store, "отменили") == {3} and not _found(store, "дождя")
    assert len(store.posts.versions(store.posts.by_key(1, 1).id)) == 1  # type: ignore[union-attr]
    _check_index(tmp_path / "test.db")
    # removing the channel deletes its posts, and their index entries with them
    store.channels.remove(store.channels.get(ChannelRef(handle="newsroom")).id)
    assert store.posts.count() == 0 and not _found(store, "рубля")
    _check_index(tmp_path / "test.db")


def test_a_database_indexed_by_the_old_trigger_keeps_its_index(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = tmp_path / "old.db"
    every = db_mod.migrations()
    # steps before 0007, and 0012's id columns, which today's code writes posts with
    early = [m for m in every if m[0] < "0007" or m[0] == "0012_platform_ids"]
    monkeypatch.setattr(db_mod, "migrations", lambda: early)
    with open_store(path) as old:  # posts indexed row by row by the trigger of 0001
        old.posts.save([_post(1, "Саммит в Женеве"), _post(2, "Саммит в Вене")])
    # 0007 and the steps after it, to 0033_fts_yo (which fills the index again: test_sqlite_fts_yo.py)
    monkeypatch.setattr(db_mod, "migrations", lambda: [m for m in every if m[0] < "0033"])
    with open_store(path) as store, store.db.read() as conn:  # type: ignore[attr-defined]
        assert conn.execute("SELECT indexed_upto FROM fts_state").fetchone()[0] == 2
    with open_store(path) as store:
        assert store.posts.index_pending() == 0
        assert _found(store, "саммит") == {1, 2}
        store.posts.save([_post(1, "Саммит в Женеве отложен", T0 + timedelta(hours=3))])
        assert _found(store, "отложен") == {1}
    _check_index(path)
