"""Several `svodka process` workers share the embedding (issue 18 §3), as real subprocesses on one store of
real posts (tg_ru_news_2024): while one worker holds the placement lease (here: the test), two one-shot
others both embed, each claiming some batches, every post is claimed and embedded once; once the lease is
free one of them places, embedding nothing itself, and finds the stories of a single worker; a worker
killed with SIGKILL mid-batch leaves its claim to expire, and then a `--follow` worker embeds that batch
and, once the lease is free, places everything."""

from __future__ import annotations

import json
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from collect_server import load_channels
from conftest import new_store_url, shared
from processes import Processes, run_svodka
from svodka.engine import EmbedderSpec
from svodka.evaluate.bcubed import bcubed
from svodka.model import ChannelRef, Post
from svodka.process.batches import WATERMARK
from svodka.process.stages import analyse, plan_embedding
from svodka.store import Store, open_store

MODEL = EmbedderSpec("use").name
CONFIG = """
[pipeline]
embedder = "use"
batch_posts = 100
claim_posts = {claim}
claim_ttl = {ttl}
follow_poll = 0.3
lease_ttl = 5.0
"""


@pytest.fixture
def procs(tmp_path: Path) -> Iterator[Processes]:
    with Processes(tmp_path) as running:
        yield running


def _fill(url: str, channels: int = 6, posts: int = 40) -> int:
    """Real posts of ``channels`` channels (``posts`` each) stored in ``url``; returns how many."""
    found = load_channels(shared("tg_ru_news_2024", "posts.jsonl"), max_channels=channels, max_posts=posts)
    rows = [
        Post(ChannelRef(handle=ch.handle, title=ch.title), p.message_id, p.date, p.text)
        for ch in found
        for p in ch.posts
    ]
    with open_store(url) as store:
        store.posts.save(rows)
    return len(rows)


def _config(tmp_path: Path, claim: int, ttl: float) -> Path:
    cfg = tmp_path / f"workers-{claim}-{ttl}.toml"
    cfg.write_text(CONFIG.format(claim=claim, ttl=ttl), encoding="utf-8")
    return cfg


def _needing_vectors(store: Store) -> dict[int, int]:
    """``{post: text hash}`` of the stored posts the clusterer compares by vector."""
    return plan_embedding(analyse(list(store.posts.iter())), ()).need


def _claimed(store: Store) -> dict[int, str]:
    """``{post: token}`` of the claim rows (one per post and model: the primary key)."""
    with store.db.read() as conn:  # type: ignore[attr-defined]
        rows = conn.execute("SELECT post_id, token, model FROM embed_claims").fetchall()
    return {int(r[0]): str(r[1]) for r in rows if r[2] == MODEL}


def _stories(store: Store) -> dict[str, int | tuple[str, int]]:
    placed = store.stories.assignments()
    handles = {c.id: c.handle for c in store.channels.list()}
    return {
        f"{handles[p.channel_id]}:{p.message_id}": placed.get(p.id, ("alone", p.id))
        for p in store.posts.iter()
    }


def _place(url: str, cfg: Path) -> dict[str, object]:
    report: dict[str, object] = json.loads(run_svodka(url, cfg, "process", "--json").stdout)
    return report


@pytest.mark.slow
def test_two_workers_share_the_embedding_and_the_stories_are_one_workers(
    backend: str, store_url: str, tmp_path: Path, procs: Processes
) -> None:
    n = _fill(store_url)
    cfg = _config(tmp_path, claim=15, ttl=30.0)
    with open_store(store_url) as store:
        need = _needing_vectors(store)
        embedded = lambda: set(store.analysis.vectors(MODEL, list(need.items()))) == set(need)  # noqa: E731
        with store.lease.hold("process", 600.0) as lease:  # the placing worker: the two only embed
            assert lease.held
            workers = [procs.start(store_url, cfg, "process", "--json") for _ in range(2)]
            procs.wait("every post embedded", embedded, 600)
            log = store.embed_claims.log()
            claimed = _claimed(store)
        # the lease is free: one of the two places (what a one-shot worker does once the holder is gone)
        procs.wait("the workers ending", lambda: all(w.poll() is not None for w in workers), 600)
        placing = [json.loads(procs.output(w, "out")) for w in workers]
        assert all(w.returncode == 0 for w in workers), procs.logs()
        assert all("another svodka process is placing stories" in procs.output(w) for w in workers)
    by_worker = {w.pid: [r for r in log if r.holder.startswith(f"pid {w.pid} ")] for w in workers}
    assert all(by_worker.values()), {pid: len(rs) for pid, rs in by_worker.items()}  # both claimed some
    assert len(log) == sum(len(rs) for rs in by_worker.values())  # no one else
    assert all(r.done_at is not None and r.released_at is not None for r in log)
    # every post claimed once (one claim row per post, from one of the logged claims) and embedded
    assert len(claimed) == n and sum(r.posts for r in log) == n
    assert set(claimed.values()) == {r.token for r in log}
    # one placed every post, finding every vector stored: it claimed nothing for its batches
    assert sorted(r["posts"] for r in placing) == [0, n], placing
    with open_store(store_url) as store:
        assert not [r for r in store.embed_claims.log() if r.token.startswith("lease-")]
        team = _stories(store)

    single = new_store_url(backend, tmp_path, "single")
    _fill(single)
    alone = _place(single, cfg)
    assert alone["posts"] == n and alone["embedded"] == len({h for h in need.values()})
    with open_store(single) as ref:
        reference = _stories(ref)
    score = bcubed(reference, team)
    print(f"stories vs a single worker: B-cubed {score.row()}")
    # The single worker clusters with the vectors it just computed (float32); the placing worker here reads
    # them from the store's cache (float16, as every later run reads them), so a pair score on a threshold
    # could differ in its last digits: equal stories, or as good as equal.
    assert score.f1 >= 0.99, score.row()


@pytest.mark.slow
def test_a_worker_killed_mid_batch_leaves_its_batch_to_another_after_the_expiry(
    store_url: str, tmp_path: Path, procs: Processes
) -> None:
    n = _fill(store_url, channels=4, posts=30)
    ttl = 3.0
    cfg = _config(tmp_path, claim=10, ttl=ttl)
    with open_store(store_url) as store:
        with store.lease.hold("process", 600.0):
            victim = procs.start(store_url, cfg, "process")
            procs.wait(
                "the worker's first claim",
                lambda: any(r.holder.startswith(f"pid {victim.pid} ") for r in store.embed_claims.log()),
                120,
            )
            procs.kill(victim)  # its first claim: it is still loading the model
            killed_at = time.time()
            mine = [r for r in store.embed_claims.log() if r.holder.startswith(f"pid {victim.pid} ")]
            dead = [r for r in mine if r.done_at is None]
            assert len(dead) == 1 and dead[0].released_at is None  # killed holding it: nothing released
            lost = {p for p, token in _claimed(store).items() if token == dead[0].token}
            assert len(lost) == dead[0].posts > 0

            rescuer = procs.start(store_url, cfg, "process", "--follow")
            need = _needing_vectors(store)
            procs.wait(
                "the posts embedded",
                lambda: set(store.analysis.vectors(MODEL, list(need.items()))) == set(need),
                300,
            )
            claimed = _claimed(store)
            log = {r.token: r for r in store.embed_claims.log()}
        # the lease is free: the follower takes it over and places everything, embedding nothing itself
        top = max(p.id for p in store.posts.iter())
        procs.wait("the posts placed", lambda: store.analysis.get_state(WATERMARK) == top, 300)
        placed = store.stories.assignments()
    procs.stop([rescuer])
    out, err = procs.output(rescuer, "out"), procs.output(rescuer)

    taken = {log[claimed[p]] for p in lost}  # the claims that embedded the lost batch …
    assert all(r.holder.startswith(f"pid {rescuer.pid} ") and r.done_at is not None for r in taken)
    assert all(r.claimed_at >= dead[0].expires_at for r in taken)  # … taken after its expiry
    assert dead[0].expires_at <= killed_at + ttl + 1
    assert len(claimed) == n  # every post claimed, once
    assert "embedded" in out and f"{n} posts:" in out and ", 0 embedded;" in out, out
    assert "waiting to take over" in err
    assert len(placed) > 0
