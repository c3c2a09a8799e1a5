"""`svodka process` checks its placement lease before each batch: a holder whose lease may have expired
(SQLite: its renewals refused, as a busy store holds them up; PostgreSQL: its session ended, the advisory
lock gone with it) stops before its next batch with one line (LeaseLost), every batch it committed kept,
and the next run goes on from there."""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from pathlib import Path

import numpy as np
import psycopg
import pytest

from svodka.errors import LeaseLost
from svodka.ingest import import_file
from svodka.process import process
from svodka.settings import defaults
from svodka.store import Store
from svodka.store.postgres.lease import NAMESPACE, lock_key
from test_corrections_merges import OFFENSIVE, PROTEST, Keywords, write

POSTS = [(1, "08:00", PROTEST[0]), (2, "08:10", OFFENSIVE[0]), (3, "08:20", PROTEST[1])]
POSTS += [(4, "08:30", OFFENSIVE[1]), (5, "08:40", OFFENSIVE[2]), (6, "08:50", OFFENSIVE[3])]
TTL = 0.6  # renewed (or refused) every 0.2 s; a batch takes 0.4 s
SETTINGS = dict(defaults(pipeline__sem_floor=0.0, pipeline__batch_posts=2, pipeline__lease_ttl=TTL).items())


class SlowModel(Keywords):
    """The keywords embedder, as slow as a real model on a busy machine; ``first`` runs at its first call
    (inside the first batch)."""

    def __init__(self, first: Callable[[], None] = lambda: None) -> None:
        self.first: Callable[[], None] | None = first

    def embed(self, texts: Sequence[str]) -> np.ndarray:
        if self.first is not None:
            self.first, first = None, self.first
            first()
        time.sleep(0.4)
        return super().embed(texts)


def _end_the_lease_session(store: Store) -> None:
    """What a restarted or administered server does to the holder's session: end it (the lock goes)."""
    url = store.db.url  # type: ignore[attr-defined]
    with psycopg.connect(url, autocommit=True) as conn:
        (ended,) = conn.execute(
            "SELECT count(pg_terminate_backend(pid)) FROM pg_locks WHERE locktype = 'advisory' "
            "AND classid = %s AND objid = %s",
            (NAMESPACE, lock_key("process")),
        ).fetchone()  # type: ignore[misc]
        assert ended == 1


def test_a_placer_whose_lease_went_unrenewed_stops_before_its_next_batch(
    store: Store, backend: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import_file(store, write(tmp_path / "posts.jsonl", POSTS), fmt="jsonl")
    if backend == "sqlite":  # each renewal finds the lease another's (taken over meanwhile)
        monkeypatch.setattr(type(store.lease), "_renew", lambda self, name, token, ttl: False)
        model = SlowModel()
    else:
        model = SlowModel(lambda: _end_the_lease_session(store))
    with store.lease.hold("process", TTL) as lease:
        assert lease.held
        with pytest.raises(LeaseLost, match=r"lease \(process\) was not renewed in time or was lost"):
            process(store, SETTINGS, embedder=model, lease=lease)
        if backend == "postgresql":  # the lock went with the session: another worker could place now
            with store.lease.hold("process", TTL) as other:
                assert other.held
    placed = store.stories.assignments()
    assert len(placed) == 2  # the first batch, committed whole; none after the lease was lost
    monkeypatch.undo()
    with store.lease.hold("process", 60.0) as lease:  # the next holder goes on from there
        report = process(store, SETTINGS, embedder=Keywords(), lease=lease)
    assert report.posts == 4 and len(store.stories.assignments()) == 6
    assert store.stories.assignments().items() >= placed.items()
