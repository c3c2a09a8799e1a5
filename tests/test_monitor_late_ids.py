"""The alert scan's post watermark on a store written by several collectors: a post committed late under a
lower id than one the scan already matched is still matched (the scan reads only up to
``claims.settled_post_id()``, as `svodka process` does)."""

from __future__ import annotations

import threading
import time
from datetime import UTC, datetime, timedelta

import pytest

from svodka.model import ChannelRef, Post
from svodka.monitor.rules import RuleOptions
from svodka.monitor.run import scan
from svodka.monitor.watchlist import watchlist
from svodka.store import open_store

T0 = datetime(2024, 12, 2, 9, tzinfo=UTC)
LISTS = [watchlist({"name": "rate", "query": "ставка", "rules": ["post"], "targets": ["t"]})]


@pytest.mark.backends(
    "postgresql", reason="SQLite has one writer: no id is visible before a lower one is committed"
)
def test_a_post_committed_late_under_a_lower_id_is_still_matched(store_url: str) -> None:
    slow, fast = ChannelRef(handle="slow_channel"), ChannelRef(handle="fast_channel")
    with open_store(store_url) as a, open_store(store_url) as b:
        writing, release = threading.Event(), threading.Event()

        def slow_page() -> None:  # a collector's page: its id drawn now, committed later
            with a.transaction():
                a.posts.save([Post(slow, 1, T0, "ЦБ сохранил ставку, пишет медленный канал")])
                writing.set()
                release.wait(20)

        writer = threading.Thread(target=slow_page)
        writer.start()
        assert writing.wait(20)
        b.posts.save([Post(fast, 1, T0 + timedelta(minutes=1), "Ставка сохранена, пишет быстрый канал")])
        reader = threading.Thread(target=lambda: scan(b, LISTS, RuleOptions(max_age=None), T0))
        reader.start()
        time.sleep(0.5)
        waited = reader.is_alive()  # the lower id is still being written: the scan waits for it
        release.set()
        writer.join(20)
        reader.join(20)
        scan(b, LISTS, RuleOptions(max_age=None), T0)  # and a later scan finds nothing it passed over
        ids = {p.text: p.id for p in b.posts.iter()}
        matched = {a.subject for a in b.alerts.recent() if a.rule == "post"}
    late = ids["ЦБ сохранил ставку, пишет медленный канал"]
    assert late < ids["Ставка сохранена, пишет быстрый канал"]  # the late post has the lower id
    assert matched == {f"post:{pid}" for pid in ids.values()}
    assert waited
