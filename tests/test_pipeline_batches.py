"""The pipeline's commits: one transaction per batch, date-ordered batches that resume, story ids from the
store's sequence, texts embedded once, progress lines."""

from __future__ import annotations

import json
import random
import re
import subprocess
import sys
from collections.abc import Sequence
from datetime import UTC, datetime, timedelta
from pathlib import Path

import numpy as np
import pytest

from conftest import ROOT, open_test_store
from svodka.errors import StoreError
from svodka.model import ChannelRef, Post, PostAnalysis
from svodka.pipeline.embed import USEEmbedder
from svodka.process import process
from svodka.process.batches import RUN_UNTIL, WATERMARK
from svodka.process.progress import ProgressLog
from svodka.settings import defaults
from svodka.store import Store, open_store

DAY = ROOT / "samples" / "tg_ru_news_2024-12-02.jsonl"


@pytest.fixture(scope="module")
def use() -> USEEmbedder:
    return USEEmbedder()


class Counting:
    """An embedder that counts the texts it is given and can fail on its n-th call (a crash mid-batch)."""

    def __init__(self, inner: USEEmbedder, fail_on_call: int = 0) -> None:
        self.inner, self.name = inner, inner.name
        self.texts: list[str] = []
        self.calls = 0
        self.fail_on_call = fail_on_call

    def embed(self, texts: Sequence[str]) -> np.ndarray:
        self.calls += 1
        if self.calls == self.fail_on_call:
            raise RuntimeError("embedder died")
        self.texts.extend(texts)
        return self.inner.embed(texts)


def _day(n: int, seed: int | None = None) -> list[Post]:
    """The first ``n`` posts of the bundled day, in file order or shuffled (another arrival order)."""
    rows = [json.loads(x) for x in DAY.read_text(encoding="utf-8").splitlines()[:n]]
    if seed is not None:
        random.Random(seed).shuffle(rows)
    return [
        Post(
            channel=ChannelRef(ext_id=str(-r["sender_id"] - 1_000_000_000_000)),
            message_id=r["message_id"],
            date=datetime.fromisoformat(r["date"]),
            text=r["text"],
        )
        for r in rows
    ]


def _by_key(store: Store) -> dict[tuple[int, int], int]:
    posts = {p.id: (p.channel_id, p.message_id) for p in store.posts.iter()}
    tg = {c.id: c.tg_id for c in store.channels.list()}
    return {(tg[posts[pid][0]] or 0, posts[pid][1]): s for pid, s in store.stories.assignments().items()}


def _partition(store: Store) -> set[frozenset[tuple[int, int]]]:
    groups: dict[int, set[tuple[int, int]]] = {}
    for key, story in _by_key(store).items():
        groups.setdefault(story, set()).add(key)
    return {frozenset(g) for g in groups.values()}


def test_an_error_mid_run_keeps_whole_batches_and_the_rerun_matches(
    backend: str, tmp_path: Path, use: USEEmbedder
) -> None:
    settings = {**defaults(), "pipeline.batch_posts": 40, "pipeline.embed_batch": 16}
    posts = _day(120)
    with (
        open_test_store(backend, tmp_path, "ref") as ref,
        open_test_store(backend, tmp_path, "crash") as crash,
    ):
        ref.posts.save(posts)
        crash.posts.save(posts)
        whole = process(ref, settings, embedder=Counting(use))
        assert whole.batches == 3 and whole.posts == 120

        # the second batch dies in its second model call: the first batch is stored, nothing of the second
        with pytest.raises(RuntimeError, match="embedder died"):
            process(crash, settings, embedder=Counting(use, fail_on_call=5))
        assert crash.analysis.counts()["analysed"] == 40
        analysed = crash.analysis.get_many([p.id for p in crash.posts.iter()])
        placed = crash.stories.assignments()
        assert {pid for pid, r in analysed.items() if not r.is_ad} == set(placed)
        assert crash.analysis.get_state(WATERMARK) == 0 and crash.analysis.get_state(RUN_UNTIL) == 120

        rest = process(crash, settings, embedder=Counting(use))
        assert rest.posts == 80 and rest.batches == 2
        assert crash.stories.assignments() == ref.stories.assignments()  # same posts, same story ids
        assert crash.analysis.get_state(WATERMARK) == 120 and crash.analysis.get_state(RUN_UNTIL) == 0
        assert process(crash, settings, embedder=use).posts == 0


def test_a_backlog_does_not_depend_on_arrival_order(backend: str, tmp_path: Path, use: USEEmbedder) -> None:
    """Posts go in date order whatever order they were imported in (an import goes channel by channel)."""
    settings = {**defaults(), "pipeline.batch_posts": 50}
    with open_test_store(backend, tmp_path, "a") as a, open_test_store(backend, tmp_path, "b") as b:
        a.posts.save(_day(150))
        b.posts.save(_day(150, seed=7))
        process(a, settings, embedder=use)
        process(b, settings, embedder=use)
        assert _partition(a) == _partition(b)


def test_identical_texts_are_embedded_once(store: Store, use: USEEmbedder) -> None:
    text = "Центробанк России повысил ключевую ставку до 21 процента годовых, сообщил регулятор в пятницу."
    t0 = datetime(2024, 11, 1, 9, tzinfo=UTC)
    store.posts.save(
        [
            Post(ChannelRef(handle="a"), 1, t0, text),
            # a week later (no copy: outside the copy window), with markup that normalisation removes
            Post(ChannelRef(handle="b"), 1, t0 + timedelta(days=7), f"**{text}**"),
            Post(
                ChannelRef(handle="c"), 1, t0 + timedelta(days=7, minutes=5), "Другая новость: открылся мост."
            ),
        ]
    )
    counting = Counting(use)
    report = process(store, defaults(), embedder=counting)
    assert report.copies == 0
    assert report.embedded == 2 and len(counting.texts) == 2
    # a later run that meets the same text again takes the stored vector
    store.posts.save([Post(ChannelRef(handle="d"), 1, t0 + timedelta(days=20), text)])
    again = Counting(use)
    assert process(store, defaults(), embedder=again).embedded == 0 and again.texts == []


def test_story_ids_come_from_the_sequence_and_survive_a_rollback(store: Store) -> None:
    first = store.stories.reserve_ids(3)
    assert store.stories.reserve_ids(1) == first + 3
    with pytest.raises(RuntimeError), store.transaction():
        store.stories.reserve_ids(5)
        raise RuntimeError("crash before the commit")
    assert store.stories.reserve_ids(1) == first + 4  # the rolled-back reservation is handed out again
    # ids written without a reservation are never handed out later
    store.posts.save([Post(ChannelRef(handle="a"), 1, datetime(2024, 1, 1, tzinfo=UTC), "текст")])
    store.stories.save([(1, 100, 1.0)])
    assert store.stories.reserve_ids(1) == 101


def test_two_processes_never_reserve_the_same_story_id(store_url: str) -> None:
    db = store_url
    open_store(db).close()
    code = (
        "import sys; from svodka.store import open_store\n"
        "with open_store(sys.argv[1]) as s:\n"
        "    for _ in range(150): print(s.stories.reserve_ids(int(sys.argv[2])))\n"
    )
    procs = [
        subprocess.Popen([sys.executable, "-c", code, str(db), str(n)], stdout=subprocess.PIPE, text=True)
        for n in (1, 2, 1)
    ]
    outs = [p.communicate(timeout=120)[0] for p in procs]
    assert all(p.returncode == 0 for p in procs)
    ids: list[int] = []
    for out, n in zip(outs, (1, 2, 1), strict=True):
        for line in out.split():
            ids.extend(range(int(line), int(line) + n))
    assert len(ids) == 150 * 4 and len(set(ids)) == len(ids)
    with open_store(db) as s:
        assert s.stories.reserve_ids(1) == max(ids) + 1


def test_a_nested_write_joins_the_outer_transaction(store: Store) -> None:
    store.posts.save([Post(ChannelRef(handle="a"), 1, datetime(2024, 1, 1, tzinfo=UTC), "текст")])
    row = PostAnalysis(1, "ru", False, None, "текст", 1)
    with pytest.raises(RuntimeError), store.transaction():
        store.analysis.save([row])
        store.stories.save([(1, 7, 1.0)])
        assert store.analysis.get_many([1]) == {1: row}  # the transaction reads its own writes
        raise RuntimeError("crash")
    assert store.analysis.get_many([1]) == {} and store.stories.assignments() == {}
    with store.transaction():
        store.analysis.save([row])
        store.stories.save([(1, 7, 1.0)])
    assert store.analysis.get_many([1]) == {1: row} and store.stories.assignments() == {1: 7}


def test_progress_log_every_interval_with_eta(caplog: pytest.LogCaptureFixture) -> None:
    now = [0.0]
    log = ProgressLog(every=30, clock=lambda: now[0])
    caplog.set_level("INFO", logger="svodka.process.progress")
    for t, done in ((10, 100), (31, 300), (40, 350), (62, 600), (70, 1000)):
        now[0] = t
        log(done, 1000)
    lines = [r.getMessage() for r in caplog.records]
    assert lines == [
        "processed 300/1000 posts (30%), 9.7 posts/s, ETA 1m12s",
        "processed 600/1000 posts (60%), 9.7 posts/s, ETA 41s",
        "processed 1000/1000 posts (100%), 14.3 posts/s, ETA 0s",
    ]


def test_store_errors_inside_a_nested_write_are_one_line(store: Store) -> None:
    with pytest.raises(StoreError, match=re.escape(store.url)), store.transaction():
        store.analysis.save([PostAnalysis(999, "ru", False, None, "x", 1)])  # no such post: foreign key
