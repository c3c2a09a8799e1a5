"""A store's change stamp: one cheap read that gives the same value twice only when nothing was committed to
the store in between, by this process or any other (an import, ``svodka process``, an analyst's correction).
A reader may keep what it computed from the store under the stamp it read first and reuse it while the stamp
stays the same: a web page read by many is then computed once per change, not once per request.

Neither backend keeps a counter of its own for this (no table, no trigger, no migration):

- SQLite: ``PRAGMA data_version`` is per connection: it changes when *another* connection has committed a
  change to the file since this connection's previous look, and never for its own commits. So each reader
  connection's last value is kept, and a process-wide generation moves on whenever any reader sees its value
  move (or opens): every look after a commit moves it, whichever connection looks first. The writer's own
  connection cannot see its own commits, so a look from it (inside a write, or an in-memory store that reads
  through the writer) gives a value equal to no other.
- PostgreSQL: ``pg_current_snapshot()``, the transactions that are running and the next transaction id. A
  transaction that writes takes an id, so the snapshot moves when it starts writing and again when it ends;
  a read takes none. The snapshot is the cluster's: another database's writes move it too (a value computed
  again, never a stale one).

Either way a stamp may move without a change that matters (a user's read mark, a login): that costs a
computation, never a stale value.
"""

from __future__ import annotations

import itertools
import sqlite3
import threading
from collections.abc import Hashable
from contextlib import AbstractContextManager
from typing import Any, Protocol


class SqliteDatabase(Protocol):
    """What the stamp reads of svodka.store.sqlite.db.Database: this thread's reader, and the writer's own."""

    conn: sqlite3.Connection

    def read(self) -> AbstractContextManager[sqlite3.Connection]: ...


class PgDatabase(Protocol):
    """What the stamp reads of svodka.store.postgres.db.Database."""

    @property
    def writing(self) -> bool: ...

    def read(self) -> AbstractContextManager[Any]: ...


_UNIQUE = itertools.count(1)


def unique() -> Hashable:
    """A stamp equal to no other: what a look that cannot tell gives."""
    return ("unique", next(_UNIQUE))


class SqliteStamp:
    """The change stamp of one SQLite store (the module's docstring)."""

    def __init__(self, db: SqliteDatabase) -> None:
        self.db = db
        self._local = threading.local()  # this thread's reader and its data_version at its last look
        self._generation = 0
        self._lock = threading.Lock()

    def __call__(self) -> Hashable:
        with self.db.read() as conn:
            if conn is self.db.conn:  # the writer's: its own commits do not move its data_version
                return unique()
            version = int(conn.execute("PRAGMA data_version").fetchone()[0])
        seen: tuple[sqlite3.Connection, int] | None = getattr(self._local, "seen", None)
        with self._lock:
            if seen is None or seen[0] is not conn or seen[1] != version:  # a commit since, or a new reader
                self._local.seen = (conn, version)
                self._generation += 1
            return ("sqlite", self._generation)


class PostgresStamp:
    """The change stamp of one PostgreSQL store (the module's docstring)."""

    def __init__(self, db: PgDatabase) -> None:
        self.db = db

    def __call__(self) -> Hashable:
        if self.db.writing:  # inside this thread's write: what it wrote is not committed yet
            return unique()
        with self.db.read() as conn:
            row = conn.execute("SELECT pg_current_snapshot()::text").fetchone()
        return ("postgres", str(row[0]) if row else "")
