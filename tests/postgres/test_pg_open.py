"""Opening a PostgreSQL store: named migrations recorded in the database, applied once (also when two
processes open a new database at once), a wrong database name in one line, the URL shown without password."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import psycopg
import pytest

from conftest import ROOT
from svodka.errors import StoreError
from svodka.store import open_store
from svodka.store.postgres.db import migrations, safe_url
from svodka.store.sqlite.db import migrations as sqlite_migrations


def test_every_migration_is_recorded_in_order_and_mirrors_sqlites(store_url: str) -> None:
    names = [n for n, _ in migrations()]
    assert names == sorted(names) and names[0] == "0001_core"
    sqlite_names = [n for n, _ in sqlite_migrations()]
    assert names[: len(sqlite_names)] == sqlite_names or set(sqlite_names) <= set(names)
    with open_store(store_url) as store, psycopg.connect(store_url) as conn:
        assert store.posts.count() == 0
        recorded = [
            r[0] for r in conn.execute("SELECT name FROM schema_migrations ORDER BY applied_at, name")
        ]
        assert recorded == names
    with open_store(store_url), psycopg.connect(store_url) as conn:  # opened again: nothing applied twice
        assert conn.execute("SELECT COUNT(*) FROM schema_migrations").fetchone() == (len(names),)


def test_two_processes_opening_a_new_database_migrate_it_once(store_url: str) -> None:
    with psycopg.connect(store_url, autocommit=True) as conn:  # an empty database, as `createdb` leaves it
        conn.execute("DROP SCHEMA public CASCADE")
        conn.execute("CREATE SCHEMA public")
    code = (
        "import sys; from svodka.store import open_store; s = open_store(sys.argv[1]); print(s.posts.count())"
    )
    procs = [
        subprocess.Popen(
            [sys.executable, "-c", code, store_url], stdout=subprocess.PIPE, stderr=subprocess.PIPE
        )
        for _ in range(3)
    ]
    results = [p.communicate(timeout=120) for p in procs]
    assert [p.returncode for p in procs] == [0, 0, 0], [e.decode() for _, e in results]
    with psycopg.connect(store_url) as conn:
        assert conn.execute("SELECT COUNT(*) FROM schema_migrations").fetchone() == (len(migrations()),)


def test_a_wrong_database_name_is_one_line(store_url: str) -> None:
    wrong = store_url.rsplit("/", 1)[0] + "/no_such_database"
    with pytest.raises(StoreError, match=r"no such database \(create it first") as caught:
        open_store(wrong)
    assert "\n" not in str(caught.value) and "no_such_database" in str(caught.value)


def test_urls_are_shown_without_their_password(store_url: str) -> None:
    assert (
        safe_url("postgresql://svodka:pa%40ss@db.example:5432/news")
        == "postgresql://svodka@db.example:5432/news"
    )
    assert safe_url("postgresql://db/news?password=x&sslmode=require") == (
        "postgresql://db/news?password=***&sslmode=require"
    )
    with_password = store_url.replace("postgres@", "postgres:unused-secret@")  # trust: any password logs in
    with open_store(with_password) as store:
        assert "unused-secret" not in store.url and store.url == store_url


def test_the_cli_runs_on_a_postgresql_url(store_url: str, tmp_path: Path) -> None:
    jsonl = tmp_path / "posts.jsonl"
    jsonl.write_text(
        '{"channel": "Newsroom", "message_id": 1, "date": "2024-12-02T09:00Z", "text": "Выборы в Грузии"}\n'
        '{"channel": "Newsroom", "message_id": 2, "date": "2024-12-02T10:00Z", "text": "Снег в Москве"}\n',
        encoding="utf-8",
    )
    run = [sys.executable, "-m", "svodka", "--db", store_url]
    done = subprocess.run([*run, "import", str(jsonl)], capture_output=True, text=True, cwd=ROOT, timeout=120)
    assert done.returncode == 0, done.stderr
    found = subprocess.run([*run, "search", "выборах"], capture_output=True, text=True, cwd=ROOT, timeout=120)
    assert found.returncode == 0, found.stderr
    assert "Грузии" in found.stdout and "Москве" not in found.stdout


def test_text_with_nul_characters_is_stored_marked_not_refused(store_url: str) -> None:
    """PostgreSQL text cannot hold NUL (SQLite's can): a post or a group name with one is stored with U+FFFD
    in its place, and saving the same post again is no edit (the hash is of the text as it came)."""
    from datetime import UTC, datetime

    from svodka.model import ChannelRef, Post

    post = Post(ChannelRef(handle="nul"), 1, datetime(2024, 12, 2, tzinfo=UTC), "до\x00после")
    with open_store(store_url) as store:
        assert store.posts.save([post]).new == 1
        assert store.posts.save([post]).unchanged == 1
        stored = store.posts.by_key(store.channels.get(ChannelRef(handle="nul")).id, 1)
        assert stored is not None and stored.text == "до\ufffdпосле"
        channel = store.channels.add(ChannelRef(handle="other"), groups=["a\x00b"])
        assert channel.groups == ("a\ufffdb",)
