"""The handle check reads the posts links point to in a few statements (``PostRepo.get_many``, both
backends), not one ``posts.get`` each: on the bundled day's real posts BBC Russian's handle is still learned
from its links to its own posts, and no post is read alone."""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from datetime import datetime
from pathlib import Path
from typing import Any

from svodka.ingest import import_file
from svodka.model import StoredPost
from svodka.pipeline.handles import learn_store_handles
from svodka.store import Store
from svodka.store.records.posts import GET_MANY_CHUNK

SAMPLE = Path(__file__).resolve().parents[1] / "samples" / "tg_ru_news_2024-12-02.jsonl"


def test_get_many_reads_the_posts_get_reads(store: Store) -> None:
    import_file(store, SAMPLE)
    ids = [p.id for p in store.posts.iter()]
    assert len(ids) > GET_MANY_CHUNK  # SQLite reads them in more than one statement
    unknown = max(ids) + 1000
    got = store.posts.get_many([*reversed(ids), unknown, ids[0]])
    assert sorted(got) == sorted(ids)  # an unknown id is left out, one asked twice is read once
    for i in (ids[0], ids[len(ids) // 2], ids[-1]):
        assert got[i] == store.posts.get(i)
    assert store.posts.get_many([]) == {}


class _Counted:
    """``store.posts`` as the handle check sees it, counting the reads by id."""

    def __init__(self, posts: Any) -> None:
        self.posts, self.gets, self.batches = posts, 0, 0

    def get(self, post_id: int) -> StoredPost:
        self.gets += 1
        return self.posts.get(post_id)  # type: ignore[no-any-return]

    def get_many(self, post_ids: Iterable[int]) -> dict[int, StoredPost]:
        self.batches += 1
        return self.posts.get_many(post_ids)  # type: ignore[no-any-return]

    def iter(
        self,
        since: datetime | None = None,
        until: datetime | None = None,
        after_id: int = 0,
        channel_ids: Any = None,
        include_deleted: bool = True,
    ) -> Iterator[StoredPost]:
        return self.posts.iter(  # type: ignore[no-any-return]
            since=since,
            until=until,
            after_id=after_id,
            channel_ids=channel_ids,
            include_deleted=include_deleted,
        )


def test_the_link_check_reads_the_linked_posts_in_one_batch(store: Store) -> None:
    import_file(store, SAMPLE)
    posts = _Counted(store.posts)
    learned = {h.handle: h.evidence for h in learn_store_handles(store.channels, posts)}
    assert learned.get("bbcrussian", "").startswith("links")
    assert (posts.gets, posts.batches) == (0, 1)
