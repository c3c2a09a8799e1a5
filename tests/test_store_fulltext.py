"""Full-text search off the write path: posts become searchable in bulk, edits and deletions keep search
exact, whichever side of the indexing they happen on; a read-only store searches what was indexed.

(The FTS5 index itself — its integrity, the trigger of migration 0001: tests/sqlite/test_sqlite_fulltext.py.)
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

from conftest import new_store_url
from svodka.model import ChannelRef, Post
from svodka.store import Store, open_store

T0 = datetime(2024, 12, 2, 9, tzinfo=UTC)
CH = ChannelRef(handle="newsroom", title="Newsroom")


def _post(mid: int, text: str, edited: datetime | None = None) -> Post:
    return Post(CH, mid, T0 + timedelta(minutes=mid), text, edited=edited)


def _found(store: Store, query: str) -> set[int]:
    return {h.post.message_id for h in store.posts.search(query, limit=100)}


def test_search_indexes_what_is_pending(store: Store) -> None:
    store.posts.save([_post(1, "Выборы в Грузии"), _post(2, "Снег в Москве")])
    assert _found(store, "выборах") == {1}  # the search made them searchable first
    assert store.posts.index_pending() == 0
    store.posts.save([_post(3, "Новые выборы назначены")])
    assert store.posts.index_pending() == 1
    assert _found(store, "выборы") == {1, 3}


def test_edits_and_deletions_on_both_sides_of_indexing(store: Store) -> None:
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
    # removing the channel deletes its posts, and their index entries with them
    store.channels.remove(store.channels.get(ChannelRef(handle="newsroom")).id)
    assert store.posts.count() == 0 and not _found(store, "рубля")


def test_a_read_only_store_searches_what_was_indexed(backend: str, tmp_path: Path) -> None:
    url = new_store_url(backend, tmp_path, "ro")
    with open_store(url) as store:
        store.posts.save([_post(1, "Саммит в Женеве")])
        store.posts.index_pending()
        store.posts.save([_post(2, "Саммит в Вене")])  # left pending
    with open_store(url, readonly=True) as ro:
        assert _found(ro, "саммит") == {1}
    with open_store(url) as store:
        assert _found(store, "саммит") == {1, 2}
