"""The placement lease of `svodka process` cannot be lost silently (issue 18 §3): each batch is committed only
while the lease is still the run's own — its row keeps the holder's token (SQLite: not taken over from
another host on a shared disk; PostgreSQL: its lock's session still answers) — checked before the batch and
inside its transaction, which the check fences (no other worker takes the lease between the check and the
commit). A holder that lost it stops with LeaseLost, every batch it committed kept; the next holder goes on
from there. `--follow` lets a lost lease go and takes it again; SIGTERM right after ends it with 0."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterator, Sequence
from contextlib import ExitStack, nullcontext
from pathlib import Path

import numpy as np
import psycopg
import pytest

from processes import Processes
from svodka.engine import EmbedderSpec, LocalEngine
from svodka.errors import LeaseLost
from svodka.ingest import import_file
from svodka.process import ProcessReport, claimed, follow, process
from svodka.process.claimed import VectorJob, embed_next
from svodka.settings import defaults
from svodka.store import Store, open_store
from svodka.store.postgres.lease import NAMESPACE, lock_key
from svodka.store.records.claims import EmbedClaims
from test_corrections_merges import OFFENSIVE, PROTEST, Keywords, write
from test_process_workers import _fill

POSTS = [(1, "08:00", PROTEST[0]), (2, "08:10", OFFENSIVE[0]), (3, "08:20", PROTEST[1])]
POSTS += [(4, "08:30", OFFENSIVE[1]), (5, "08:40", OFFENSIVE[2]), (6, "08:50", OFFENSIVE[3])]
SETTINGS = dict(defaults(pipeline__sem_floor=0.0, pipeline__batch_posts=2, pipeline__lease_ttl=30.0).items())
FOLLOWER = """
[pipeline]
embedder = "use"
batch_posts = 20
claim_ttl = 3.0
follow_poll = 0.3
lease_ttl = 3.0
"""


class Hooked(Keywords):
    """The keywords embedder; ``hooks[n]`` runs at its n-th call (0: the first batch's embedding)."""

    def __init__(self, hooks: dict[int, Callable[[], None]]) -> None:
        self.hooks, self.calls = hooks, 0

    def embed(self, texts: Sequence[str]) -> np.ndarray:
        hook, self.calls = self.hooks.get(self.calls), self.calls + 1
        if hook is not None:
            hook()
        return super().embed(texts)


def _end_lock_session(store: Store) -> None:
    """What an administrator, ``idle_session_timeout`` or a restart does to the lease holder's session."""
    with psycopg.connect(store.db.url, autocommit=True) as conn:  # type: ignore[attr-defined]
        row = conn.execute(
            "SELECT count(pg_terminate_backend(pid)) FROM pg_locks WHERE locktype = 'advisory' "
            "AND database = (SELECT oid FROM pg_database WHERE datname = current_database()) "
            "AND classid = %s AND objid = %s",
            (NAMESPACE, lock_key("process")),
        ).fetchone()
    assert row is not None and row[0] == 1


def _take_from_another_host(store: Store) -> None:
    """What a worker on another host does to a lease whose renewals it saw lapse (a shared disk)."""
    with store.db.write() as conn:  # type: ignore[attr-defined]
        conn.execute(
            "UPDATE lease SET token = 'elsewhere', pid = 1, host = 'another-host', "
            "holder = 'pid 1 on another-host', expires_at = ? WHERE name = 'process'",
            (time.time() + 600,),
        )


TAKEOVERS = {"sqlite": ["another host"], "postgresql": ["session ended", "session ended, lock taken"]}


@pytest.fixture(params=[t for ts in TAKEOVERS.values() for t in ts])
def takeover(request: pytest.FixtureRequest, backend: str) -> str:
    """How the holder loses the lease: SQLite, taken over from another host; PostgreSQL, its lock's session
    ended (and, in the second, the lock taken by another worker meanwhile)."""
    if request.param not in TAKEOVERS[backend]:
        pytest.skip(f"not a way to lose a lease on {backend}")
    return str(request.param)


def test_a_placer_whose_lease_went_to_another_commits_no_batch_after(
    store: Store, takeover: str, tmp_path: Path
) -> None:
    import_file(store, write(tmp_path / "posts.jsonl", POSTS), fmt="jsonl")
    with ExitStack() as others:

        def lose() -> None:  # in the second batch, after the check before it
            if takeover == "another host":
                _take_from_another_host(store)
                return
            _end_lock_session(store)
            if takeover.endswith("taken"):
                assert others.enter_context(store.lease.hold("process", 30.0)).held

        model = Hooked({1: lose})
        with store.lease.hold("process", 30.0) as lease:
            assert lease.held
            with pytest.raises(LeaseLost, match=r"placement lease \(process\) is no longer") as lost:
                process(store, SETTINGS, embedder=model, lease=lease)
        assert isinstance(lost.value.done, ProcessReport) and lost.value.done.posts == 2
        placed = store.stories.assignments()
        assert len(placed) == 2 and model.calls == 2  # the first batch; the second not committed, no third
    if takeover == "another host":
        _release_the_other_hosts(store)
    with store.lease.hold("process", 30.0) as lease:  # the next holder goes on from there
        assert lease.held
        report = process(store, SETTINGS, embedder=Keywords(), lease=lease)
    assert report.posts == 4 and len(store.stories.assignments()) == 6
    assert store.stories.assignments().items() >= placed.items()


def _release_the_other_hosts(store: Store) -> None:
    with store.db.write() as conn:  # type: ignore[attr-defined]
        conn.execute("DELETE FROM lease WHERE token = 'elsewhere'")


def test_a_holder_keeps_placing_while_its_lease_is_its_own(store: Store, tmp_path: Path) -> None:
    """The checks cost a holder nothing while nobody took its lease, even one whose renewals lapsed (its
    row expired: still its token, nobody took it)."""
    import_file(store, write(tmp_path / "posts.jsonl", POSTS), fmt="jsonl")

    def lapse() -> None:
        with store.db.write() as conn:  # type: ignore[attr-defined]
            conn.execute("UPDATE lease SET expires_at = 0 WHERE name = 'process'")

    with store.lease.hold("process", 30.0) as lease:
        report = process(store, SETTINGS, embedder=Hooked({1: lapse}), lease=lease)
    assert report.posts == 6 and len(store.stories.assignments()) == 6


def test_a_follower_that_lost_its_lease_lets_it_go_and_places_the_rest(
    store: Store,
    backend: str,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    caplog: pytest.LogCaptureFixture,
) -> None:
    """`svodka process --follow`: a lost lease ends the holder's turn, not the worker: it lets the lease go,
    takes it again once free (here at once: nobody else wants it) and places the rest."""
    import_file(store, write(tmp_path / "posts.jsonl", POSTS), fmt="jsonl")
    if backend == "sqlite":
        model = Hooked(
            {1: lambda: _take_from_another_host(store), 2: lambda: _release_the_other_hosts(store)}
        )
    else:
        model = Hooked({1: lambda: _end_lock_session(store)})
    monkeypatch.setattr(follow, "open_engine", lambda settings: nullcontext(LocalEngine(model)))
    stop, placed, reports = threading.Event(), [], []
    settings = {**SETTINGS, "pipeline.follow_poll": 0.1}
    worker = threading.Thread(
        target=lambda: placed.append(follow.follow(store, settings, stop, reports.append, print))
    )
    worker.start()
    deadline = time.monotonic() + 60
    while len(store.stories.assignments()) < 6 and time.monotonic() < deadline:
        time.sleep(0.1)
    stop.set()
    worker.join(60)
    assert placed == [6] and len(store.stories.assignments()) == 6
    assert sum(r.posts for r in reports) == 6  # the batch before the loss reported too
    assert "placement lease (process) is no longer this worker's" in caplog.text


@pytest.fixture
def procs(tmp_path: Path) -> Iterator[Processes]:
    with Processes(tmp_path) as running:
        yield running


@pytest.mark.slow
def test_a_follower_stopped_right_after_it_lost_its_lease_exits_0(
    backend: str, store_url: str, tmp_path: Path, procs: Processes
) -> None:
    """A real `svodka process --follow` (SQLite: its lease taken from another host, which keeps it; it waits
    to take over. PostgreSQL: its lock's session ended; it takes the lease again), SIGTERM as soon as it
    says it lost the lease: exit 0, and what it placed is whole batches."""
    n = _fill(store_url, channels=4, posts=40)
    cfg = tmp_path / "follower.toml"
    cfg.write_text(FOLLOWER, encoding="utf-8")
    worker = procs.start(store_url, cfg, "process", "--follow")
    procs.wait_output(worker, "following new posts", 120)
    with open_store(store_url) as store:
        procs.wait("the worker's first batch", lambda: store.stories.assignments(), 180)
        if backend == "sqlite":
            _take_from_another_host(store)
        else:
            _end_lock_session(store)
        procs.wait_output(worker, "is no longer this worker's", 120)
        procs.stop([worker])
        analysed = store.analysis.counts()["analysed"]
    assert "stopped after" in procs.output(worker)
    assert analysed > 0 and (analysed % 20 == 0 or analysed == n)  # whole batches


class Gated(Keywords):
    """The keywords embedder of another worker: it holds its claim, embedding, until ``go``."""

    def __init__(self) -> None:
        self.go, self.entered, self.texts = threading.Event(), threading.Event(), list[str]()

    def embed(self, texts: Sequence[str]) -> np.ndarray:
        self.texts += texts
        self.entered.set()
        assert self.go.wait(60)
        return super().embed(texts)


class Recording(Keywords):
    def __init__(self) -> None:
        self.texts = list[str]()

    def embed(self, texts: Sequence[str]) -> np.ndarray:
        self.texts += texts
        return super().embed(texts)


def _helper(store: Store, model: Gated, claim_posts: int) -> threading.Thread:
    """A worker without the lease embedding its next claim of ``claim_posts`` posts (with ``model``)."""
    settings = {**SETTINGS, "pipeline.claim_posts": claim_posts, "pipeline.claim_ttl": 60.0}
    job = VectorJob(store, LocalEngine(model), EmbedderSpec("e5"), Keywords.name, settings)
    worker = threading.Thread(target=embed_next, args=(job, 0, ProcessReport()))
    worker.start()
    assert model.entered.wait(60)
    return worker


def test_the_placer_embeds_none_of_its_claims_posts_another_worker_took_meanwhile(
    store: Store, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The placer claims its batch's posts but the first, which another worker embeds, and waits for it; its
    own claim's renewals are held up meanwhile (refused here), it expires, and a third worker claims two of
    its posts. Before embedding, the placer renews its claim on the spot: it embeds the three posts it still
    holds and waits for the other two, embedding no text twice."""
    import_file(store, write(tmp_path / "posts.jsonl", POSTS), fmt="jsonl")
    ttl = 0.6
    settings = {**SETTINGS, "pipeline.batch_posts": 6, "pipeline.claim_posts": 10, "pipeline.claim_ttl": ttl}
    first, thief, placer = Gated(), Gated(), Recording()
    helping = [_helper(store, first, 1)]  # the first post, held while it embeds
    renew = EmbedClaims.renew_claim
    monkeypatch.setattr(
        EmbedClaims,
        "renew_claim",
        lambda self, token, t: not token.startswith("lease-") and renew(self, token, t),
    )
    monkeypatch.setattr(claimed, "embed_next", lambda job, after_id, report: False)  # the placer only waits
    done: list[ProcessReport] = []
    placing = threading.Thread(target=lambda: done.append(process(store, settings, embedder=placer)))
    placing.start()

    def placers_claims() -> int:
        with store.db.read() as conn:  # type: ignore[attr-defined]
            return int(
                conn.execute("SELECT count(*) FROM embed_claims WHERE token LIKE 'lease-%'").fetchone()[0]
            )

    deadline = time.monotonic() + 60
    while placers_claims() < 5 and time.monotonic() < deadline:
        time.sleep(0.05)
    time.sleep(ttl + 0.5)  # its claim expired, unrenewed
    helping.append(_helper(store, thief, 2))  # two of the placer's posts
    assert placers_claims() == 3
    first.go.set()  # the post the placer waited for is embedded: it goes on
    time.sleep(1.0)
    thief.go.set()
    for t in [*helping, placing]:
        t.join(60)
    assert done and done[0].posts == 6 and len(store.stories.assignments()) == 6
    assert len(thief.texts) == 2 and not set(placer.texts) & set(thief.texts), placer.texts
    assert len(placer.texts) == 3
