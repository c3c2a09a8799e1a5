"""`svodka store copy SRC DST`: a real store (the bundled day, accounts, keys, marks, stories, a digest)
copied SQLite → PostgreSQL → SQLite with equal counts and checksums and the same pages; a copy killed with
``kill -9`` resumes; a destination already in use is refused."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest

from conftest import ROOT, new_store_url
from svodka.model import ChannelRef, Post
from svodka.store import open_store
from svodka.store.copy import BOOKKEEPING, canonical, checksum, open_dump
from svodka.web.app import create_app
from svodka.web.auth import WebConfig
from svodka.web.server import running
from test_web_support import WebEnv, build_store


def svodka(*args: str, timeout: float = 300) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "PYTHONPATH": str(ROOT / "src")}
    return subprocess.run(
        [sys.executable, "-m", "svodka", *args], capture_output=True, text=True, timeout=timeout, env=env
    )


def sums(url: str) -> dict[str, tuple[int, int]]:
    """Rows and checksum of every copied table of the store at ``url``."""
    dump = open_dump(url)
    try:
        return {t.name: checksum(dump, t) for t in dump.tables() if t.name not in BOOKKEEPING}
    finally:
        dump.close()


@pytest.fixture(scope="module")
def source(tmp_path_factory: pytest.TempPathFactory) -> WebEnv:
    """A SQLite store of the bundled day: accounts, API keys, source states, marks, stories, a digest."""
    path = str(tmp_path_factory.mktemp("copy") / "source.db")
    env = build_store(path)
    viewer = env.store.users.get("viewer")
    posts = env.store.posts.search("Байден", limit=3)
    for hit in posts:
        env.store.marks.set(viewer.id, "post", hit.post.id, note="к отчёту")
    if env.story_id is not None:
        env.store.marks.set(viewer.id, "story", env.story_id)
    env.store.close()
    return env


def _api(store_url: str, env: WebEnv, paths: list[str]) -> list[object]:
    store = open_store(store_url)
    try:
        with running(create_app(store, WebConfig())) as base:
            headers = {"Authorization": f"Bearer {env.keys['viewer']}"}
            return [httpx.get(base + p, headers=headers, timeout=30).json() for p in paths]
    finally:
        store.close()


def test_copy_sqlite_to_postgresql_and_back(source: WebEnv, tmp_path: Path) -> None:
    pg = new_store_url("postgresql", tmp_path, "copy_pg")
    back = str(tmp_path / "back.db")
    there = svodka("store", "copy", source.path, pg)
    assert there.returncode == 0, there.stderr
    again = svodka("store", "copy", pg, back)
    assert again.returncode == 0, again.stderr
    # The report: every table, rows and checksum of the source beside the destination's, all equal.
    lines = {ln.split()[0]: ln.split()[1:] for ln in again.stdout.splitlines()[1:-1]}
    assert lines["posts"][0] == lines["posts"][1] and int(lines["posts"][0]) >= 654
    assert all(v[0] == v[1] and v[2] == v[3] for v in lines.values())
    assert "MISMATCH" not in there.stdout + again.stdout

    original, on_pg, copied = sums(source.path), sums(pg), sums(back)
    assert original == on_pg == copied
    for table in ("posts", "users", "api_keys", "marks", "source_state", "story_posts", "digests"):
        assert original[table][0] > 0, table
    assert len(original) >= 35  # every table the migrations make, found from the schema

    # The web app reads the same from the round trip's copy: a story page, a digest, a search. (On the
    # PostgreSQL copy the story as its repository reads it: that backend has no networks repository and
    # no count_matches yet, which the web app's story page and search call.)
    paths = ["/api/search?q=Байден&limit=50"]
    if source.story_id is not None:
        paths.append(f"/api/stories/{source.story_id}")
    if source.digest_id is not None:
        paths.append(f"/api/digests/{source.digest_id}")
    assert paths, "needs ../shared/data/stories_dev for the story and the digest"
    assert _api(source.path, source, paths) == _api(back, source, paths)
    stories = []
    for url in (source.path, pg, back):
        store = open_store(url)
        try:
            stories.append(store.stories.get(source.story_id or 0))
        finally:
            store.close()
    assert stories[0] == stories[1] == stories[2]

    # New ids continue after the copied ones, on both backends.
    for url in (pg, back):
        store = open_store(url)
        try:
            top = max(c.id for c in store.channels.list())
            new = store.channels.resolve(ChannelRef(handle="after_copy", ext_id="990001", title="After"))
            assert new > top
        finally:
            store.close()


def _progress_rows(url: str) -> int:
    dump = open_dump(url)
    try:
        return sum(p.rows for p in dump.progress().values())
    finally:
        dump.close()


@pytest.fixture(scope="module")
def pg_source(source: WebEnv, tmp_path_factory: pytest.TempPathFactory) -> str:
    """The same store on PostgreSQL (a copy of ``source``), for the copies that start there."""
    url = new_store_url("postgresql", tmp_path_factory.mktemp("copy-pg"), "pg_source")
    made = svodka("store", "copy", source.path, url)
    assert made.returncode == 0, made.stderr
    return url


@pytest.mark.parametrize(
    ("origin", "dest"), [("sqlite", "sqlite"), ("sqlite", "postgresql"), ("postgresql", "sqlite")]
)
def test_killed_copy_resumes_with_same_checksums(
    source: WebEnv, request: pytest.FixtureRequest, tmp_path: Path, origin: str, dest: str
) -> None:
    """A copy killed between two batches, run again: it copies exactly the rows not yet committed (none
    twice, none lost) and ends with the source's counts and checksums, in both directions."""
    src = source.path if origin == "sqlite" else str(request.getfixturevalue("pg_source"))
    dst = new_store_url(dest, tmp_path, "killed")
    env = {**os.environ, "PYTHONPATH": str(ROOT / "src")}
    args = [sys.executable, "-m", "svodka", "store", "copy", "--batch-rows", "20", src, dst]
    proc = subprocess.Popen(args, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    deadline = time.monotonic() + 240
    done_before_kill = 0
    while time.monotonic() < deadline and proc.poll() is None:
        done_before_kill = _progress_rows(dst)
        if done_before_kill >= 400:
            break
        time.sleep(0.05)
    assert proc.poll() is None, "the copy finished before it could be killed"
    os.kill(proc.pid, signal.SIGKILL)
    proc.wait()
    original = sums(src)
    total = sum(n for n, _ in original.values())
    committed = _progress_rows(dst)
    if committed >= total:  # an idle machine copies the small store between two polls
        pytest.skip("the copy had finished every batch when the kill landed: nothing left to resume")
    assert 0 < committed < total

    rerun = svodka("store", "copy", "--batch-rows", "500", src, dst)
    assert rerun.returncode == 0, rerun.stderr
    assert f"copied {total - committed} rows (resumed)" in rerun.stdout
    assert sums(dst) == original


def test_nonempty_destination_is_refused(source: WebEnv, tmp_path: Path) -> None:
    dst = str(tmp_path / "used.db")
    store = open_store(dst)
    post = Post(channel=ChannelRef(handle="own_channel", title="Own"), message_id=1, date=_day(), text="своё")
    store.posts.save([post])
    store.close()
    refused = svodka("store", "copy", source.path, dst)
    assert refused.returncode != 0
    assert refused.stderr.strip().count("\n") == 0 and "not empty" in refused.stderr
    assert "--into-nonempty" in refused.stderr
    assert sums(dst)["posts"][0] == 1  # nothing of it touched

    # A store that holds a copy of another store is refused as a destination for this one.
    other = str(tmp_path / "other.db")
    open_store(other).close()
    first = svodka("store", "copy", other, str(tmp_path / "twice.db"))
    assert first.returncode == 0, first.stderr
    second = svodka("store", "copy", source.path, str(tmp_path / "twice.db"))
    assert second.returncode != 0 and "holds a copy from" in second.stderr


def test_canonical_text_is_the_same_for_both_backends_values() -> None:
    assert canonical(True) == canonical(1) == "1"
    assert canonical(2.0) == canonical(2) == "2"
    assert canonical(b"\x00\xff") == canonical(memoryview(b"\x00\xff")) == "\\x00ff"
    assert canonical('{"b": 1, "a": [1, 2]}') == canonical('{"a":[1,2],"b":1}')
    assert canonical("a\x00b") == "a\ufffdb"  # PostgreSQL's text holds no NUL: stored as U+FFFD
    assert canonical(None) != canonical("") and canonical("[not json") == "[not json"


def _day():  # type: ignore[no-untyped-def]
    from datetime import UTC, datetime

    return datetime(2024, 12, 2, 12, tzinfo=UTC)


def test_leases_and_claims_are_bookkeeping_not_copied(backend: str, tmp_path: Path) -> None:
    """A source and the run lease held while the copy runs stay the source's: the copy is free to claim
    and lease at once, and its logs start empty."""
    src = str(tmp_path / "busy.db")
    dst = new_store_url(backend, tmp_path, "quiet")
    with open_store(src) as store:
        store.posts.save([Post(ChannelRef(handle="busy_channel"), 1, _day(), "пост")])
        with store.claims.hold("web:busy_channel", 600.0), store.claims.hold("web:done", 600.0):
            pass  # a claim released: a row and a log entry
        with store.embed_claims.hold("model", 0, 10, 600.0) as embedding, store.transaction():
            store.embed_claims.done(embedding, embedded=0)  # a worker's embedding claim, done
        with store.claims.hold("web:busy_channel", 600.0) as claim, store.lease.hold("process", 600.0):
            assert claim.held
            copied = svodka("store", "copy", src, dst)
    assert copied.returncode == 0, copied.stderr
    tables = {ln.split()[0] for ln in copied.stdout.splitlines()[1:-1]}
    bookkeeping = {"lease", "source_claims", "source_claim_log", "embed_claims", "embed_claim_log"}
    assert "posts" in tables and not tables & bookkeeping
    with open_store(dst) as there:
        assert there.posts.count() == 1
        assert there.claims.log() == [] and there.embed_claims.log() == []
        with there.claims.hold("web:busy_channel", 60.0) as claim, there.lease.hold("process", 60.0) as lease:
            assert claim.held and lease.held


def test_a_destination_changed_after_its_copy_is_caught_on_the_next_run(
    source: WebEnv, backend: str, tmp_path: Path
) -> None:
    """The source's checksums come from the rows as they are copied; a run that copies nothing (every
    table done) reads the source again, and a destination row changed since is a MISMATCH, exit 3."""
    dst = new_store_url(backend, tmp_path, "changed")
    first = svodka("store", "copy", source.path, dst)
    assert first.returncode == 0, first.stderr
    with open_store(dst) as there:
        post = there.posts.search("Байден", limit=1)[0].post
    dump = open_dump(dst)
    try:
        dump.conn.execute(f"UPDATE posts SET text = 'изменён' WHERE id = {post.id}")  # type: ignore[attr-defined]
    finally:
        dump.close()
    again = svodka("store", "copy", source.path, dst)
    assert again.returncode == 3  # StoreError
    assert "copied 0 rows (resumed)" in again.stdout
    bad = [ln.split()[0] for ln in again.stdout.splitlines() if "MISMATCH" in ln]
    assert bad == ["posts"] and "differs from its source in posts" in again.stderr
