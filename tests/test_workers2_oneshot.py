"""A one-shot `svodka process` that finds another worker placing stories (issue 18 §3) does its part of
"process what is stored now": it embeds for the holder while any post is free to claim, then waits — it
does not exit while the holder still works — and ends once the posts stored when it started are placed; if
the holder lets go of the lease first (stopped, or died), it takes the lease and places the rest itself.
Real subprocesses on a store of real posts (tg_ru_news_2024); the test itself is the holder."""

from __future__ import annotations

import json
import time
from pathlib import Path

import pytest

from collect_server import load_channels
from conftest import shared
from processes import Processes
from svodka.engine import EmbedderSpec
from svodka.model import ChannelRef, Post
from svodka.process import process
from svodka.process.batches import WATERMARK
from svodka.process.stages import analyse, plan_embedding
from svodka.settings import defaults
from svodka.store import Store, open_store

MODEL = EmbedderSpec("use").name
CONFIG = """
[pipeline]
embedder = "use"
batch_posts = 100
claim_posts = 10
claim_ttl = 30.0
follow_poll = 0.3
lease_ttl = 5.0
"""


def _fill(url: str, channels: range) -> tuple[int, int]:
    """Real posts of some channels (30 each) stored in ``url``: how many, and the highest post id now."""
    found = load_channels(shared("tg_ru_news_2024", "posts.jsonl"), max_channels=channels.stop, max_posts=30)
    rows = [
        Post(ChannelRef(handle=ch.handle, title=ch.title), p.message_id, p.date, p.text)
        for ch in found[channels.start :]
        for p in ch.posts
    ]
    with open_store(url) as store:
        store.posts.save(rows)
        return len(rows), max(p.id for p in store.posts.iter())


def _embedded(store: Store) -> bool:
    todo = [p for p in store.posts.iter() if p.id > store.analysis.get_state(WATERMARK)]
    need = plan_embedding(analyse(todo), ()).need
    return set(store.analysis.vectors(MODEL, list(need.items()))) == set(need)


def _claimed_by(store: Store, pid: int) -> int:
    return sum(r.posts for r in store.embed_claims.log() if r.holder.startswith(f"pid {pid} "))


@pytest.mark.slow
def test_a_one_shot_worker_helps_until_the_posts_are_placed_and_places_what_the_holder_left(
    store_url: str, tmp_path: Path
) -> None:
    cfg = tmp_path / "workers.toml"
    cfg.write_text(CONFIG, encoding="utf-8")
    settings = {**defaults(), "pipeline.embedder": "use", "pipeline.batch_posts": 100}
    _fill(store_url, range(0, 4))
    with Processes(tmp_path) as procs, open_store(store_url) as store:
        # the holder places everything itself: the helper embeds, waits, and ends once it is placed
        with store.lease.hold("process", 600.0) as lease:
            assert lease.held
            helper = procs.start(store_url, cfg, "process")
            procs.wait("the helper embedding every post", lambda: _embedded(store), 180)
            time.sleep(2.0)  # nothing is free to claim now, and the holder has placed nothing yet
            assert helper.poll() is None, procs.output(helper)  # it helps until the posts are placed
            placed = process(store, settings)
            assert placed.embedded == 0 and placed.posts > 0  # the helper embedded them all
            procs.wait("the helper ending", lambda: helper.poll() is not None, 60)  # the lease still held
        assert helper.returncode == 0, procs.output(helper)
        assert _claimed_by(store, helper.pid) > 0
        out = procs.output(helper, "out")
        assert "for the worker placing stories" in out and "until the posts stored now are placed" in (
            procs.output(helper)
        )

        # the holder lets go with posts left: the helper takes the lease and places them itself
        added, top = _fill(store_url, range(4, 6))
        with store.lease.hold("process", 600.0):
            second = procs.start(store_url, cfg, "process", "--json")
            procs.wait("the second helper claiming", lambda: _claimed_by(store, second.pid) > 0, 180)
        procs.wait("the second helper ending", lambda: second.poll() is not None, 180)
        assert second.returncode == 0, procs.output(second)
        report = json.loads(procs.output(second, "out"))
        assert store.analysis.get_state(WATERMARK) == top  # every post placed
        assert report["posts"] == added and report["claimed"] > 0, report
