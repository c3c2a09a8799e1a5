"""Import into a SQLite file that cannot take the write: locked by another writer, read-only, full. One line
naming the file, and nothing already stored is lost.

SQLite only: a write lock taken with BEGIN IMMEDIATE, file permissions, and PRAGMA max_page_count standing
in for a full disk are SQLite's own failures (bad input on every backend: tests/test_import_bad_input.py).
"""

from __future__ import annotations

import json
import os
import sqlite3
from pathlib import Path

import pytest

from conftest import shared
from test_import_bad_input import SAMPLE, count, one_error_line, svodka


@pytest.fixture
def real() -> Path:
    return shared("tg_desktop_export_samples", SAMPLE)


def test_locked_database(tmp_path: Path, real: Path) -> None:
    db = tmp_path / "t.db"
    assert (
        svodka(
            "import", "--db", str(db), str(shared("tg_desktop_export_samples", "pachumarchive_result.json"))
        ).returncode
        == 0
    )
    before = count(str(db))
    holder = sqlite3.connect(db, isolation_level=None)
    holder.execute("BEGIN IMMEDIATE")  # another writer holds the write lock
    try:
        line = one_error_line(
            svodka("import", "--db", str(db), str(real), env={"SVODKA_STORE_BUSY_TIMEOUT": "0.2"})
        )
    finally:
        holder.execute("ROLLBACK")
        holder.close()
    assert str(db) in line and "locked" in line
    assert count(str(db)) == before


def test_read_only_database(tmp_path: Path, real: Path) -> None:
    if os.geteuid() == 0:
        pytest.skip("root ignores file permissions")
    db = tmp_path / "t.db"
    assert (
        svodka(
            "import", "--db", str(db), str(shared("tg_desktop_export_samples", "pachumarchive_result.json"))
        ).returncode
        == 0
    )
    before = count(str(db))
    db.chmod(0o444)
    tmp_path.chmod(0o555)
    try:
        line = one_error_line(svodka("import", "--db", str(db), str(real)))
    finally:
        tmp_path.chmod(0o755)
        db.chmod(0o644)
    assert str(db) in line and ("read-only" in line or "cannot open" in line)
    assert count(str(db)) == before


def test_read_only_database_opened_read_only(tmp_path: Path, real: Path) -> None:
    """The same failure for root (who ignores chmod): the store itself opened ``mode=ro``."""
    from svodka.errors import StoreError
    from svodka.ingest import import_file
    from svodka.store import open_store

    db = tmp_path / "t.db"
    open_store(db).close()
    ro = open_store(db, readonly=True)
    try:
        with pytest.raises(StoreError, match="read-only"):
            import_file(ro, real)
    finally:
        ro.close()


def test_full_disk_keeps_earlier_batches_and_rerun_completes(tmp_path: Path, real: Path) -> None:
    """``PRAGMA max_page_count`` makes SQLite report SQLITE_FULL mid-import, exactly as a full disk does."""
    from svodka.errors import StoreError
    from svodka.ingest import import_file
    from svodka.store import open_store

    store = open_store(tmp_path / "t.db")
    conn = store.db.conn  # type: ignore[attr-defined]
    pages = conn.execute("PRAGMA page_count").fetchone()[0]
    conn.execute(f"PRAGMA max_page_count = {pages + 40}")
    with pytest.raises(StoreError) as info:
        import_file(store, real, batch_size=20)
    message = str(info.value)
    assert "disk full" in message and str(real) in message and "message" in message
    assert "\n" not in message
    stored = store.posts.count()
    assert stored > 0 and stored % 20 == 0  # the batches before the full one, whole
    conn.execute("PRAGMA max_page_count = 1073741823")
    again = import_file(store, real, batch_size=20)
    want = sum(m["type"] == "message" for m in json.loads(real.read_bytes())["messages"])
    assert store.posts.count() == want and again.saved.new == want - stored
    store.close()
