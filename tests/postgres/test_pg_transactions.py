"""``PgStore.transaction()``: every repository write inside is one PostgreSQL transaction (re-entrant, on
the thread's own connection); other threads and processes see it only once it is committed."""

from __future__ import annotations

import threading
from datetime import UTC, datetime, timedelta

import pytest

from svodka.model import ChannelRef, Post, PostAnalysis
from svodka.store import Store, open_store

T0 = datetime(2024, 12, 2, 9, tzinfo=UTC)
CH = ChannelRef(handle="newsroom")


class Boom(Exception):
    pass


def _posts(n: int, start: int = 1) -> list[Post]:
    return [Post(CH, m, T0 + timedelta(minutes=m), f"Новость номер {m}") for m in range(start, start + n)]


def test_an_error_inside_rolls_back_every_repository(store: Store) -> None:
    store.posts.save(_posts(2))
    with pytest.raises(Boom), store.transaction():
        store.posts.save(_posts(3, start=10))
        first = store.posts.by_key(store.channels.get(CH).id, 10)
        assert first is not None  # the transaction reads its own writes
        store.analysis.save([PostAnalysis(first.id, "ru", False, None, first.text, 1)])
        store.stories.save([(first.id, store.stories.reserve_ids(1), 1.0)])
        raise Boom
    assert (
        store.posts.count() == 2 and store.analysis.counts()["analysed"] == 0 and store.stories.count() == 0
    )


def test_nested_transactions_are_one_and_others_see_it_at_commit(store_url: str) -> None:
    seen_inside: list[int] = []
    with open_store(store_url) as store, open_store(store_url) as other, store.transaction():
        with store.transaction():
            store.posts.save(_posts(4))
        assert store.posts.count() == 4  # this thread, inside
        reader = threading.Thread(target=lambda: seen_inside.append(store.posts.count()))
        reader.start()
        reader.join()
        assert seen_inside == [0] and other.posts.count() == 0  # another thread, another store: not yet
    with open_store(store_url) as again:
        assert again.posts.count() == 4


def test_threads_write_side_by_side(store: Store) -> None:
    errors: list[BaseException] = []

    def write(k: int) -> None:
        try:
            ref = ChannelRef(handle=f"channel{k}")
            for b in range(5):
                store.posts.save([Post(ref, b * 20 + m, T0, f"Пост {k} {b} {m}") for m in range(20)])
        except BaseException as e:
            errors.append(e)

    threads = [threading.Thread(target=write, args=(k,)) for k in range(6)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == [] and store.posts.count() == 6 * 100
