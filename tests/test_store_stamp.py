"""A store's change stamp (svodka.store.stamp): the same value while nothing is committed, a new one after a
commit by this store or by another (another process's store over the same database), and the story page kept
under it (svodka.web.story_model.as_of_stamp) shows another process's change on the next request."""

from __future__ import annotations

import threading
from pathlib import Path

import pytest

from svodka.store import Store, open_store
from svodka.web import story_model, views
from svodka.web.story_model import Memo
from test_web_story_cache import NIGHT, _import, _lines, _place


def test_the_stamp_moves_with_every_commit_of_any_store(store: Store) -> None:
    first = store.stamp()
    assert store.stamp() == first  # nothing committed: the same
    other_thread: list[object] = []
    t = threading.Thread(target=lambda: other_thread.extend([store.stamp(), store.stamp()]))
    t.start()
    t.join()
    assert other_thread[0] == other_thread[1]
    settled = store.stamp()

    store.users.add("a", "x" * 60, "viewer")  # this store's own commit
    after_own = store.stamp()
    assert after_own != settled and store.stamp() == after_own

    other = open_store(store.url)  # the same database, as another process opens it: its own connections
    try:
        other.users.add("b", "x" * 60, "viewer")
        after_other = store.stamp()
        assert after_other not in (settled, after_own) and store.stamp() == after_other
    finally:
        other.close()

    with store.transaction():  # inside a write: what it wrote is not committed, so no stamp is equal
        inside = store.stamp()
        assert inside != store.stamp() and inside != after_other


def test_a_kept_story_page_shows_another_processs_change(
    store: Store, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    for memo in ("SUMMARIES", "EVIDENCE"):  # this test's own: the other tests count what theirs compute
        monkeypatch.setattr(story_model, memo, Memo(story_model.CACHED_STORIES))
    night_keys = [(ch, m) for ch, ms in NIGHT.items() for m in ms]
    _import(store, _lines(set(night_keys)), tmp_path / "tbilisi.jsonl")
    sid = store.stories.reserve_ids(1)
    ids = _place(store, sid, night_keys)
    page = views.story_page(store, sid)
    assert views.story_page(store, sid) == page
    channel = store.posts.get(ids[0]).channel_id
    assert {c["channel_id"]: c["tier"] for c in page["channels"]}[channel] != 1

    other = open_store(store.url)
    try:
        other.channels.set_tier(channel, 1)
    finally:
        other.close()
    shown = views.story_page(store, sid)
    assert {c["channel_id"]: c["tier"] for c in shown["channels"]}[channel] == 1
