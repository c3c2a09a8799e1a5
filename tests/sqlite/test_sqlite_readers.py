"""Per-thread read connections (WAL): readers see committed data and never wait for the writer; a thread
inside a write transaction reads its own changes; reads stay read-only; the store's close ends them all.

SQLite only: these are the connections of svodka.store.sqlite.db (WAL, one writer, a reader per thread)."""

from __future__ import annotations

import gc
import sqlite3
import threading
import time
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from svodka.errors import StoreError
from svodka.model import ChannelRef, Post
from svodka.store import open_store
from svodka.store.sqlite import SqliteStore

CHANNEL = ChannelRef(handle="readers_test", ext_id="555000001", title="Readers")


def _posts(first: int, n: int) -> list[Post]:
    day = datetime(2024, 12, 2, 9, tzinfo=UTC)
    return [
        Post(channel=CHANNEL, message_id=i, date=day, text=f"Пост номер {i} о выборах")
        for i in range(first, first + n)
    ]


def _in_thread(fn: Callable[[], Any]) -> Any:
    out: list[Any] = []
    t = threading.Thread(target=lambda: out.append(fn()))
    t.start()
    t.join(timeout=30)
    assert not t.is_alive(), "the read waited for the writer"
    return out[0]


def _store(tmp_path: Path) -> SqliteStore:
    store = open_store(tmp_path / "readers.db")
    assert isinstance(store, SqliteStore)
    return store


def test_readers_do_not_wait_for_the_writer_and_see_what_is_committed(tmp_path: Path) -> None:
    store = _store(tmp_path)
    store.posts.save(_posts(1, 10))
    store.posts.index_pending()  # (a search indexes what is pending first, which would wait for the writer)
    with store.db.write() as conn:
        conn.execute(
            "INSERT INTO posts (channel_id, message_id, date, text, content_hash, first_seen, last_seen) "
            "SELECT channel_id, 99, date, text, content_hash, first_seen, last_seen FROM posts WHERE id = 1"
        )
        # This thread, inside its transaction, reads its own change (through the writer's connection) …
        assert store.posts.count() == 11
        # … while another thread reads at once, without the uncommitted row.
        t0 = time.perf_counter()
        assert _in_thread(store.posts.count) == 10
        assert time.perf_counter() - t0 < 5
        assert _in_thread(lambda: store.posts.search("выборах", limit=100)) != []
    assert _in_thread(store.posts.count) == 11  # committed: every reader sees it
    store.close()


def test_a_failed_write_leaves_nothing_for_readers_and_errors_stay_one_line(tmp_path: Path) -> None:
    store = _store(tmp_path)
    store.posts.save(_posts(1, 5))
    with pytest.raises(StoreError) as err, store.db.write() as conn:
        conn.execute("DELETE FROM posts WHERE message_id = 1")
        conn.execute("INSERT INTO no_such_table VALUES (1)")
    assert "\n" not in str(err.value) and str(tmp_path) in str(err.value)
    assert _in_thread(store.posts.count) == 5 and store.posts.count() == 5
    with pytest.raises(StoreError, match="no such table"), store.db.read() as conn:
        conn.execute("SELECT * FROM no_such_table")
    with pytest.raises(StoreError), store.db.read() as conn:  # a read connection cannot write
        conn.execute("DELETE FROM posts")
    assert store.posts.count() == 5
    store.close()


def test_each_thread_has_its_own_reader_closed_with_its_thread_or_the_store(tmp_path: Path) -> None:
    store = _store(tmp_path)
    store.posts.save(_posts(1, 3))

    def reader() -> sqlite3.Connection:
        with store.db.read() as a, store.db.read() as b:
            assert a is b  # one per thread, reused
            return a

    mine = reader()
    theirs = [_in_thread(reader) for _ in range(3)]
    assert len({id(c) for c in (mine, *theirs)}) == 4 and all(c is not store.db.conn for c in theirs)
    gc.collect()
    for c in theirs:  # their threads ended: their connections are closed
        with pytest.raises(sqlite3.ProgrammingError):
            c.execute("SELECT 1")
    store.close()
    with pytest.raises(sqlite3.ProgrammingError):
        mine.execute("SELECT 1")


def test_read_only_store_reads_through_per_thread_readers(tmp_path: Path) -> None:
    store = _store(tmp_path)
    store.posts.save(_posts(1, 4))
    store.posts.index_pending()
    store.close()
    ro = open_store(tmp_path / "readers.db", readonly=True)
    assert _in_thread(ro.posts.count) == 4
    assert len(_in_thread(lambda: ro.posts.search("выборах"))) == 4
    ro.close()
