"""The search index's mark (``fts_state.indexed_upto``: every post below it is indexed) never passes over a
post: not one committed late under a lower id by a second writer (PostgreSQL draws ids before commit), nor
one stored under an id freed by deleting the newest posts (SQLite's rowids are max + 1)."""

from __future__ import annotations

import threading
import time
from datetime import UTC, datetime, timedelta

import pytest

from svodka.model import ChannelRef, Post
from svodka.store import Store, open_store

T0 = datetime(2024, 12, 2, 9, tzinfo=UTC)
SLOW, FAST = ChannelRef(handle="slow_channel"), ChannelRef(handle="fast_channel")
LATE, EARLY = "Вторая новость, записана поздно", "Вторая новость, записана сразу"


def found(store: Store, query: str) -> set[str]:
    return {h.post.text for h in store.posts.search(query, limit=100)}


class SlowPage:
    """A collector's page on ``store``: its post's id drawn now, committed when :meth:`commit` is called."""

    def __init__(self, store: Store) -> None:
        self.writing, self.release = threading.Event(), threading.Event()
        self.thread = threading.Thread(target=self._write, args=(store,))
        self.thread.start()
        assert self.writing.wait(20)

    def _write(self, store: Store) -> None:
        with store.transaction():
            store.posts.save([Post(SLOW, 2, T0 + timedelta(minutes=1), LATE)])
            self.writing.set()
            self.release.wait(20)

    def commit(self) -> None:
        self.release.set()
        self.thread.join(20)


@pytest.mark.backends(
    "postgresql", reason="SQLite has one writer: no id is visible before a lower one is committed"
)
def test_a_post_committed_late_under_a_lower_id_is_indexed(store_url: str) -> None:
    with open_store(store_url) as a, open_store(store_url) as b:
        a.posts.save([Post(SLOW, 1, T0, "Первая новость медленного канала")])
        b.posts.save([Post(FAST, 1, T0, "Первая новость быстрого канала")])
        assert len(found(b, "новость")) == 2
        page = SlowPage(a)
        b.posts.save([Post(FAST, 2, T0 + timedelta(minutes=2), EARLY)])  # a higher id, committed first
        searched: list[set[str]] = []
        reader = threading.Thread(target=lambda: searched.append(found(b, "вторая")))
        reader.start()
        time.sleep(0.5)
        waited = reader.is_alive()  # the lower id is still being written: the index waits for it
        page.commit()
        reader.join(20)
        assert waited and searched == [{EARLY, LATE}]
        assert found(b, "поздно") == {LATE}
        assert b.posts.index_pending() == 0


@pytest.mark.backends(
    "postgresql", reason="SQLite has one writer: no id is visible before a lower one is committed"
)
def test_a_writer_past_the_lock_timeout_holds_no_search_back(store_url: str) -> None:
    """A search does not wait past the lock timeout for a writer: it finds what is committed, and the
    mark stays below the post in flight, which is found once it is committed."""
    with open_store(store_url) as a, open_store(store_url, busy_timeout=0.3) as b:
        a.posts.save([Post(SLOW, 1, T0, "Первая новость медленного канала")])
        page = SlowPage(a)
        b.posts.save([Post(FAST, 2, T0 + timedelta(minutes=2), EARLY)])
        started = time.monotonic()
        assert found(b, "вторая") == {EARLY}
        assert time.monotonic() - started < 5
        page.commit()
        assert found(b, "поздно") == {LATE}
        assert found(b, "вторая") == {EARLY, LATE}


def test_a_post_under_the_id_of_a_deleted_one_is_indexed(store: Store) -> None:
    """SQLite gives a new row the highest id + 1: after the newest posts are deleted (their channel
    removed), the next post takes an id the mark had passed."""
    store.posts.save([Post(SLOW, 1, T0, "Снег в Москве")])
    store.posts.save([Post(FAST, m, T0 + timedelta(minutes=m), f"Пожар на складе {m}") for m in (1, 2)])
    assert found(store, "пожар") == {"Пожар на складе 1", "Пожар на складе 2"}
    store.channels.remove(store.channels.get(FAST).id)
    store.posts.save([Post(SLOW, 2, T0 + timedelta(hours=1), "Новые выборы назначены")])
    assert found(store, "выборы") == {"Новые выборы назначены"}
    assert not found(store, "пожар") and found(store, "снег") == {"Снег в Москве"}
