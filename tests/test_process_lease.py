"""Two `svodka process` at once on one store: one places stories, the other says who does and exits 0; a
holder killed with ``kill -9`` frees the lease (PostgreSQL: with its session; SQLite: its pid is gone, or
the row expires); `svodka process --follow` places posts as they arrive and stops on SIGTERM."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from svodka.model import ChannelRef, Post
from svodka.store import open_store

HOLDER = """
import sys, time
from svodka.store import open_store
store = open_store(sys.argv[1])
with store.lease.hold("process", 120.0) as lease:
    print("held" if lease.held else "not held", flush=True)
    time.sleep(600)
"""

BUSY = "another svodka process is placing stories"


def _process(url: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "svodka", "--db", url, "process"],
        capture_output=True,
        text=True,
        timeout=300,
    )


def test_one_holder_at_a_time(store_url: str) -> None:
    with open_store(store_url) as store, open_store(store_url) as other:
        with store.lease.hold("process", 60.0) as first:
            assert first.held and first.holder == f"pid {os.getpid()} on {os.uname().nodename}"
            with other.lease.hold("process", 60.0) as second:
                assert not second.held and second.holder == first.holder
            with other.lease.hold("another", 60.0) as third:  # leases are per name
                assert third.held
        with other.lease.hold("process", 60.0) as again:  # released at the end of the block
            assert again.held


def test_second_process_leaves_and_a_killed_holder_frees_it(store_url: str) -> None:
    open_store(store_url).close()  # migrated before two processes race for it
    holder = subprocess.Popen(
        [sys.executable, "-c", HOLDER, store_url], stdout=subprocess.PIPE, text=True, start_new_session=True
    )
    try:
        assert holder.stdout is not None and holder.stdout.readline().strip() == "held"
        busy = _process(store_url)
        assert busy.returncode == 0, busy.stderr
        assert f"{BUSY} (pid {holder.pid} on " in busy.stderr
        assert "posts:" not in busy.stdout  # it placed nothing
    finally:
        os.kill(holder.pid, signal.SIGKILL)
        holder.wait(10)
    deadline = time.monotonic() + 30  # PostgreSQL ends the dead client's session when it sees the socket go
    while True:
        after = _process(store_url)
        if BUSY not in after.stderr or time.monotonic() > deadline:
            break
        time.sleep(0.5)
    assert after.returncode == 0 and BUSY not in after.stderr, after.stderr
    assert "0 posts:" in after.stdout


@pytest.mark.backends("sqlite", reason="the expiry of a lease row is SQLite's; PostgreSQL's lock has none")
def test_sqlite_lease_of_a_vanished_host_expires(tmp_path: Path) -> None:
    url = str(tmp_path / "lease.db")
    with open_store(url) as store:
        with store.db.write() as conn:  # type: ignore[attr-defined]
            conn.execute(
                "INSERT INTO lease (name, holder, pid, host, token, expires_at) VALUES (?, ?, ?, ?, ?, ?)",
                ("process", "pid 1 on elsewhere", 1, "elsewhere", "t", time.time() + 60),
            )
        with store.lease.hold("process", 60.0) as lease:  # another host's live lease: left alone
            assert not lease.held and lease.holder == "pid 1 on elsewhere"
        with store.db.write() as conn:  # type: ignore[attr-defined]
            conn.execute("UPDATE lease SET expires_at = ?", (time.time() - 1,))
        with store.lease.hold("process", 60.0) as lease:  # expired: taken over
            assert lease.held
        with store.db.read() as conn:  # type: ignore[attr-defined]
            assert conn.execute("SELECT count(*) FROM lease").fetchone()[0] == 0  # released


@pytest.mark.backends("sqlite", reason="the renewal keeps SQLite's expiry ahead; PostgreSQL's lock has none")
def test_sqlite_lease_is_renewed_while_held(tmp_path: Path) -> None:
    with open_store(str(tmp_path / "renew.db")) as store, store.lease.hold("process", 0.6) as lease:
        assert lease.held
        time.sleep(1.5)  # longer than the ttl: renewed every 0.2 s
        with store.db.read() as conn:  # type: ignore[attr-defined]
            (expires_at,) = conn.execute("SELECT expires_at FROM lease").fetchone()
        assert expires_at > time.time()


@pytest.mark.backends("sqlite", reason="the lease row is SQLite's; PostgreSQL has none")
def test_sqlite_lease_on_this_host_follows_the_holders_pid(tmp_path: Path) -> None:
    dead = subprocess.Popen([sys.executable, "-c", "pass"])
    dead.wait(10)  # a pid that has gone
    host = os.uname().nodename
    with open_store(str(tmp_path / "pid.db")) as store:
        for pid, expires_in, held_by_other in ((os.getpid(), -60, True), (dead.pid, 60, False)):
            with store.db.write() as conn:  # type: ignore[attr-defined]
                conn.execute(
                    "INSERT OR REPLACE INTO lease (name, holder, pid, host, token, expires_at) "
                    "VALUES (?, ?, ?, ?, ?, ?)",
                    ("process", f"pid {pid} on {host}", pid, host, "t", time.time() + expires_in),
                )
            # a live holder whose renewal is late keeps it; a dead one's lease is free before its expiry
            with store.lease.hold("process", 60.0) as lease:
                assert lease.held is not held_by_other


FOLLOW_CONFIG = """
[pipeline]
embedder = "use"
batch_posts = 10
follow_poll = 0.2
"""


def test_follow_places_posts_as_they_arrive_and_stops_on_sigterm(store_url: str, tmp_path: Path) -> None:
    cfg = tmp_path / "svodka.toml"
    cfg.write_text(FOLLOW_CONFIG, encoding="utf-8")
    t0 = datetime(2024, 12, 2, 9, tzinfo=UTC)
    texts = [
        "Центробанк сохранил ключевую ставку на уровне 21 процента, сообщила пресс-служба регулятора.",
        "Банк России оставил ключевую ставку без изменений — 21 процент годовых.",
        "В Москве открылась новая станция метро на Большой кольцевой линии.",
    ]
    with open_store(store_url) as store:
        store.posts.save(
            [Post(ChannelRef(handle=f"ch{i}"), 1, t0 + timedelta(minutes=i), texts[i]) for i in (0, 2)]
        )
        worker = subprocess.Popen(
            [sys.executable, "-m", "svodka", "--db", store_url, "--config", str(cfg), "process", "--follow"],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
            env={**os.environ, "PYTHONUNBUFFERED": "1"},
        )
        try:
            assert worker.stdout is not None
            assert worker.stdout.readline().startswith("2 posts:")  # what was there when it started
            store.posts.save([Post(ChannelRef(handle="ch1"), 1, t0 + timedelta(minutes=5), texts[1])])
            assert worker.stdout.readline().startswith("1 posts:")  # and what arrived after
            with store.lease.hold("process", 60.0) as lease:  # it holds the lease while it follows
                assert not lease.held and lease.holder.startswith(f"pid {worker.pid} on ")
            worker.send_signal(signal.SIGTERM)
            _, err = worker.communicate(timeout=60)
        finally:
            if worker.poll() is None:
                worker.kill()
                worker.wait(10)
        assert worker.returncode == 0, err
        assert "stopped after 3 post(s)" in err
        placed = store.stories.assignments()
        ids = {p.text: p.id for p in store.posts.iter()}
        assert placed[ids[texts[0]]] == placed[ids[texts[1]]] != placed.get(ids[texts[2]])
        with store.lease.hold("process", 60.0) as lease:  # released when it stopped
            assert lease.held
