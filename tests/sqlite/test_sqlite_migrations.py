"""SQLite migrations are ordered, named steps recorded in the database, applied once; each creates its tables.

SQLite only: the steps of svodka/store/sqlite/migrations and what they leave in sqlite_master."""

from __future__ import annotations

import sqlite3
from pathlib import Path

from svodka.store import open_store
from svodka.store.sqlite.db import migrations, split_sql


def test_migrations_are_named_and_ordered() -> None:
    names = [name for name, _ in migrations()]
    assert names == sorted(names)
    assert names[0] == "0001_core"
    assert all(len(n) > 5 and n[:4].isdigit() and n[4] == "_" for n in names)
    assert len({n[:4] for n in names}) == len(names), "two migrations share a number"


def test_applied_once_and_recorded(tmp_path: Path) -> None:
    db = tmp_path / "m.db"
    with open_store(db) as s:
        applied = s.db.applied_migrations()  # type: ignore[attr-defined]
    assert applied == [n for n, _ in migrations()]
    with open_store(db) as s:  # reopening applies nothing new
        assert s.db.migrate() == []  # type: ignore[attr-defined]
    conn = sqlite3.connect(db)
    assert conn.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    tables = {r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
    assert {"channels", "posts", "post_versions", "deletions", "source_state", "posts_fts"} <= tables


def test_a_new_migration_is_applied_to_an_old_database(tmp_path: Path, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    from svodka.store.sqlite import db as db_module

    every = migrations()
    new_step = ("9999_test_step", "CREATE TABLE test_step (x INTEGER);")
    db = tmp_path / "old.db"
    with open_store(db) as s:  # an "old" database: every step so far
        assert s.db.applied_migrations() == [n for n, _ in every]  # type: ignore[attr-defined]
    monkeypatch.setattr(db_module, "migrations", lambda: [*every, new_step])
    with open_store(db) as s:  # a newer svodka adds a step: only that one is applied
        assert s.db.applied_migrations()[-1] == "9999_test_step"  # type: ignore[attr-defined]
    conn = sqlite3.connect(db)
    assert conn.execute("SELECT COUNT(*) FROM test_step").fetchone()[0] == 0
    assert conn.execute("SELECT COUNT(*) FROM schema_migrations").fetchone()[0] == len(every) + 1


def test_split_sql_keeps_triggers_whole() -> None:
    stmts = split_sql(
        "-- c\nCREATE TABLE a (x);\n"
        "CREATE TRIGGER t AFTER INSERT ON a BEGIN\n  SELECT 1;\n  SELECT 2;\nEND;\n"
    )
    assert len(stmts) == 2 and stmts[1].endswith("END;")


def test_migration_0004_is_applied(tmp_path: Path) -> None:
    with open_store(tmp_path / "d.db") as s:
        assert "0004_digests" in s.db.applied_migrations()  # type: ignore[attr-defined]


def test_migration_0006_tables(tmp_path: Path) -> None:
    with open_store(tmp_path / "w.db") as s:
        assert "0006_web" in s.db.applied_migrations()  # type: ignore[attr-defined]
        tables = {r[0] for r in s.db.conn.execute("SELECT name FROM sqlite_master")}  # type: ignore[attr-defined]
    assert {"users", "sessions", "api_keys", "login_attempts", "marks"} <= tables


def test_sequence_starts_after_the_ids_an_existing_store_used(tmp_path: Path) -> None:
    """Migration 0011 on a store written before it: story and alias ids stay, new ids come after both."""
    db = tmp_path / "old.db"
    open_store(db).close()
    conn = sqlite3.connect(db)
    conn.executescript(
        "DROP TABLE story_id_seq; DROP INDEX embeddings_hash;"
        "DELETE FROM schema_migrations WHERE name = '0011_story_ids';"
        "INSERT INTO stories VALUES (40, 0, 0, 0, 0, 0);"
        "INSERT INTO story_aliases VALUES (57, 40, 0);"
    )
    conn.close()
    with open_store(db) as s:
        assert s.stories.reserve_ids(1) == 58
        assert s.stories.resolve(57) == 40
