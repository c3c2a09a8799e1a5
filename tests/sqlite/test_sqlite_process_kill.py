"""`svodka process` killed with SIGKILL mid-run: each batch is stored whole or not at all, readers never see
analysed posts without their stories (issue 13 item 19), and the resumed run ends where an uninterrupted
one does — the same analysis, vectors, stories, ids and aliases.

Real subprocesses on the first 300 posts of the bundled day, USE embeddings, batches of 50 posts so kills
land between and inside batches (the whole day took minutes of CI: each run embeds the posts twice).

SQLite only, for now: the check reads every table the pipeline writes in one SQLite read snapshot while the
killed writer's file is left as the kill left it, and the stores are copies of one file. A backend joins it
once the store can hand out such a snapshot (the progress output: tests/test_process_progress.py).
"""

from __future__ import annotations

import random
import shutil
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import pytest

from conftest import ROOT

DAY = ROOT / "samples" / "tg_ru_news_2024-12-02.jsonl"
POSTS = 300
BATCH = 50  # 6 batches: a kill a moment after a commit lands mid-run even on a quiet machine
MIN_EMBED_CHARS = 20


def _svodka(db: Path, cfg: Path, *args: str) -> list[str]:
    return [sys.executable, "-m", "svodka", "--db", str(db), "--config", str(cfg), *args]


def _snapshot(db: Path) -> dict[str, list[tuple[object, ...]]]:
    """Everything the pipeline writes, in a comparable form (write times left out)."""
    conn = sqlite3.connect(db)
    try:
        return {
            "analysis": conn.execute(
                "SELECT post_id, language, is_ad, ad_reason, norm_text, text_hash, origin_post_id "
                "FROM post_analysis ORDER BY post_id"
            ).fetchall(),
            "vectors": conn.execute(
                "SELECT post_id, model, text_hash, vector FROM embeddings ORDER BY post_id, model"
            ).fetchall(),
            "placed": conn.execute(
                "SELECT post_id, story_id, similarity FROM story_posts ORDER BY post_id"
            ).fetchall(),
            "stories": conn.execute(
                "SELECT id, first_date, last_date, n_posts FROM stories ORDER BY id"
            ).fetchall(),
            "aliases": conn.execute("SELECT old_id, story_id FROM story_aliases ORDER BY old_id").fetchall(),
            "state": conn.execute("SELECT key, value FROM pipeline_state ORDER BY key").fetchall(),
            "next_id": conn.execute("SELECT next FROM story_id_seq").fetchall(),
        }
    finally:
        conn.close()


def _check_whole(db: Path, total: int) -> int:
    """The invariants a kill must never break; returns how many posts are analysed."""
    s = _snapshot(db)
    analysed = {r[0]: r for r in s["analysis"]}
    placed = {r[0]: r[1] for r in s["placed"]}
    vectors = {r[0] for r in s["vectors"]}
    # every post's analysis, vector and story assignment are present or absent together
    for pid, r in analysed.items():
        is_ad, norm = r[2], r[4]
        assert (pid in placed) == (not is_ad), pid
        assert (pid in vectors) == (not is_ad and len(norm) >= MIN_EMBED_CHARS), pid
    assert set(placed) <= set(analysed) and vectors <= set(analysed)
    # batches are whole: what is analysed is a number of whole batches, or everything
    assert len(analysed) % BATCH == 0 or len(analysed) == total, len(analysed)
    # no post in two stories, no story id used twice, every placed story exists and is counted right
    assert len(placed) == len(s["placed"])
    story_ids = [r[0] for r in s["stories"]]
    alias_ids = [r[0] for r in s["aliases"]]
    assert len(set(story_ids)) == len(story_ids) and not set(story_ids) & set(alias_ids)
    counts: dict[int, int] = {}
    for sid in placed.values():
        counts[sid] = counts.get(sid, 0) + 1
    assert {r[0]: r[3] for r in s["stories"]} == counts
    assert s["next_id"][0][0] > max([0, *story_ids, *alias_ids])
    return len(analysed)


def _readers_consistent(db: Path) -> int:
    """One read (one snapshot): analysed news posts and placed posts are equal in number at every moment.
    Returns how many posts are analysed."""
    conn = sqlite3.connect(f"file:{db}?mode=ro", uri=True, timeout=10)
    try:
        row = conn.execute(
            "SELECT (SELECT COUNT(*) FROM post_analysis WHERE is_ad = 0), "
            "(SELECT COUNT(*) FROM story_posts), (SELECT COUNT(*) FROM post_analysis)"
        ).fetchone()
    finally:
        conn.close()
    assert row[0] == row[1], f"readers saw {row[0]} analysed news posts but {row[1]} placed"
    return int(row[2])


def _watch(proc: subprocess.Popen[bytes], db: Path, until: float, more_than: int = -1) -> bool:
    """Read the store as readers do while ``proc`` runs, until ``until`` (monotonic) or until more than
    ``more_than`` posts are analysed; False when the process ended first."""
    while time.monotonic() < until and proc.poll() is None:
        if _readers_consistent(db) > more_than >= 0:
            return True
        time.sleep(0.02)
    return proc.poll() is None


@pytest.mark.slow
def test_kill_9_mid_run_keeps_whole_batches_and_resumes_to_the_same_result(tmp_path: Path) -> None:
    cfg = tmp_path / "svodka.toml"
    cfg.write_text(f'[pipeline]\nembedder = "use"\nbatch_posts = {BATCH}\n', encoding="utf-8")
    base, day = tmp_path / "base.db", tmp_path / "day.jsonl"
    first = DAY.read_text(encoding="utf-8").splitlines(keepends=True)[:POSTS]
    day.write_text("".join(first), encoding="utf-8")
    subprocess.run(_svodka(base, cfg, "import", str(day)), check=True, capture_output=True)
    total = sqlite3.connect(base).execute("SELECT COUNT(*) FROM posts").fetchone()[0]
    assert total == POSTS
    ref, killed = tmp_path / "ref.db", tmp_path / "killed.db"
    for path in (ref, killed):
        shutil.copy(base, path)

    rng = random.Random(12)
    seen: list[int] = []
    finished = False
    for i in range(4):
        before = _readers_consistent(killed)
        proc = subprocess.Popen(
            _svodka(killed, cfg, "process"), stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
        )
        if i == 0:  # during start-up (Python, the store, the model)
            running = _watch(proc, killed, time.monotonic() + rng.uniform(0.2, 2.0))
        else:  # after this run committed a batch, a random time into the next one (or its commit)
            running = _watch(proc, killed, time.monotonic() + 180, more_than=before)
            running = running and _watch(proc, killed, time.monotonic() + rng.uniform(0.0, 0.6))
        if not running:
            assert proc.wait(timeout=10) == 0
            finished = True
            break
        proc.send_signal(signal.SIGKILL)
        proc.wait(timeout=10)
        assert proc.returncode == -signal.SIGKILL
        seen.append(_check_whole(killed, total))
        assert seen == sorted(seen)  # a restart never loses a committed batch
    partial = [n for n in seen if 0 < n < total]
    assert partial, f"no kill landed mid-run: {seen}"  # the test must exercise resuming
    if not finished:
        subprocess.run(_svodka(killed, cfg, "process"), check=True, capture_output=True)
    assert _check_whole(killed, total) == total

    subprocess.run(_svodka(ref, cfg, "process"), check=True, capture_output=True)
    assert _snapshot(killed) == _snapshot(ref)
    again = subprocess.run(_svodka(killed, cfg, "process"), check=True, capture_output=True, text=True)
    assert again.stdout.startswith("0 posts")  # nothing left over, nothing done twice
