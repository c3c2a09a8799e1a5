"""A store on a read-only file system still answers ``svodka stats`` and ``svodka search``.

The folder is made read-only for real: a read-only bind mount in a private user and mount namespace
(``unshare -rm``), which stops root too, and vanishes with the command. Where ``unshare`` is not allowed
and the tests do not run as root, ``chmod a-w`` of the folder is the fallback.

SQLite only: a store that is a file in a folder (a server database has no folder to make read-only).
"""

from __future__ import annotations

import json
import os
import shlex
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from conftest import ROOT
from svodka.ingest import import_file
from svodka.store import open_store

SAMPLE = ROOT / "samples" / "tg_ru_news_2024-12-02.jsonl"
SVODKA = [sys.executable, "-m", "svodka"]


def _namespaces_work() -> bool:
    if shutil.which("unshare") is None:
        return False
    probe = "mount -t tmpfs tmpfs /mnt 2>/dev/null || mount --bind / /mnt"
    done = subprocess.run(["unshare", "-rm", "sh", "-c", probe], capture_output=True, timeout=30)
    return done.returncode == 0


NAMESPACES = _namespaces_work()


def run_read_only(folder: Path, *commands: list[str]) -> list[subprocess.CompletedProcess[str]]:
    """Run each command with ``folder`` read-only; its output and exit status, one result per command."""
    results = []
    for command in commands:
        if NAMESPACES:
            mount = f"mount --bind {folder} {folder} && mount -o remount,bind,ro {folder} {folder}"
            wrote = f"! touch {folder}/.probe 2>/dev/null || {{ echo 'folder still writable' >&2; exit 99; }}"
            script = f"{mount} && {wrote} && exec {shlex.join(command)}"
            argv = ["unshare", "-rm", "sh", "-c", script]
        elif os.geteuid() != 0:
            argv = command
        else:
            pytest.skip("cannot make a folder read-only here: no unshare -rm, and chmod does not stop root")
        results.append(subprocess.run(argv, capture_output=True, text=True, timeout=120, env=os.environ))
    return results


@pytest.fixture
def folder(tmp_path: Path):  # type: ignore[no-untyped-def]
    """A folder holding a closed store of the bundled sample (654 posts, search index built)."""
    store_dir = tmp_path / "store"
    store_dir.mkdir()
    store = open_store(store_dir / "s.db")
    import_file(store, SAMPLE)
    store.posts.index_pending()  # as `svodka import` does
    store.close()
    if not NAMESPACES:
        store_dir.chmod(0o555)
    yield store_dir
    store_dir.chmod(0o755)


def test_stats_and_search_work_on_a_read_only_file_system(folder: Path) -> None:
    db = ["--db", str(folder / "s.db")]
    before = sorted(p.name for p in folder.iterdir())
    stats, search, add = run_read_only(
        folder,
        [*SVODKA, *db, "stats", "--json"],
        [*SVODKA, *db, "search", "выборы"],
        [*SVODKA, *db, "channels", "add", "@ro_channel"],
    )
    assert stats.returncode == 0, stats.stderr
    assert sum(row["posts"] for row in json.loads(stats.stdout)) == 654
    assert search.returncode == 0, search.stderr
    assert "https://t.me/" in search.stdout and "[выбор" in search.stdout.lower()
    # a command that writes says so in one line, and nothing is left behind
    assert add.returncode != 0 and "Traceback" not in add.stderr
    assert add.stderr.strip().count("\n") == 0 and "read-only" in add.stderr, add.stderr
    assert sorted(p.name for p in folder.iterdir()) == before == ["s.db"]


def test_unmerged_changes_in_a_read_only_folder_are_named(tmp_path: Path) -> None:
    """A write-ahead log with changes not yet in the file cannot be read without its index: say so."""
    live = tmp_path / "live"
    live.mkdir()
    store = open_store(live / "s.db")
    try:
        import_file(store, SAMPLE)
        copy = tmp_path / "copy"
        copy.mkdir()
        for name in ("s.db", "s.db-wal"):  # as a backup taken while svodka was running, without -shm
            shutil.copy(live / name, copy / name)
    finally:
        store.close()
    assert (copy / "s.db-wal").stat().st_size > 0
    if not NAMESPACES:
        copy.chmod(0o555)
    try:
        (stats,) = run_read_only(copy, [*SVODKA, "--db", str(copy / "s.db"), "stats"])
    finally:
        copy.chmod(0o755)
    assert stats.returncode != 0 and "Traceback" not in stats.stderr
    assert "s.db-wal holds changes not yet in the database file" in stats.stderr, stats.stderr
