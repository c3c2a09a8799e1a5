"""A SQLite connection with svodka's pragmas, named migrations and one-writer transactions.

Every write goes through :meth:`Database.write`: ``BEGIN IMMEDIATE`` … ``COMMIT``, so a batch is either
stored whole or not at all, and SQLite's own errors (locked, read-only, disk full, not a database) come out
as one-line :class:`~svodka.errors.StoreError` messages that name the file.

Reads (:meth:`Database.read`) use one read-only connection per thread: in WAL mode readers never block each
other or the writer, so concurrent web requests run side by side instead of queueing on one connection.
A thread inside a write transaction reads through the writer's connection (and so sees its own changes).
"""

from __future__ import annotations

import logging
import os
import sqlite3
import threading
import weakref
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from importlib import resources
from pathlib import Path
from urllib.parse import quote

from svodka.errors import StoreError
from svodka.store.records.dialect import SQLITE, Dialect, now_ts

log = logging.getLogger(__name__)

MIGRATIONS_PACKAGE = "svodka.store.sqlite.migrations"


def migrations() -> list[tuple[str, str]]:
    """The ordered, named migration steps: ``(name, sql)`` from ``migrations/NNNN_name.sql``."""
    files = [f for f in resources.files(MIGRATIONS_PACKAGE).iterdir() if f.name.endswith(".sql")]
    return [(f.name[:-4], f.read_text(encoding="utf-8")) for f in sorted(files, key=lambda f: f.name)]


def explain(path: Path, err: sqlite3.Error) -> StoreError:
    """Turn a sqlite3 error into a one-line StoreError a person can act on."""
    msg = str(err)
    low = msg.lower()
    if "locked" in low or "busy" in low:
        text = "database is locked by another writer; try again when it has finished"
    elif "readonly" in low or "read-only" in low:
        text = "database is read-only (check the permissions of the file and its folder, and whether its"
        text += " file system is mounted read-only)"
    elif "disk is full" in low or ("full" in low and "database" in low):
        text = "disk full: nothing of the interrupted batch was stored; free space and run again"
    elif "not a database" in low or "malformed" in low:
        text = f"not a svodka database or damaged ({msg})"
    elif "unable to open" in low:
        text = "cannot open the database file (does its folder exist and is it writable?)"
    else:
        text = msg
    return StoreError(f"{path}: {text}")


def _writable(path: Path) -> bool:
    """Whether SQLite can write ``path`` here: the file (if it exists) and its folder (for the WAL files)."""
    if not path.exists():
        return True  # a new database: creating it says what is wrong, if anything
    return os.access(path, os.W_OK) and os.access(path.parent, os.W_OK)


def _read_only_uri(path: Path) -> str:
    """The URI to read a database that cannot be written.

    A WAL database is read through its ``-shm`` index, which a reader creates when missing — impossible in
    a folder it cannot write. Without a ``-shm`` file no connection has the database open (a WAL
    connection keeps one), so it is opened ``immutable``: read as the file is, with no locks and no index.
    With one, the ordinary read-only URI shares the writer's index.
    """
    uri = f"file:{quote(str(path))}?mode=ro"
    if os.access(path.parent, os.W_OK) or Path(f"{path}-shm").exists():
        return uri
    wal = Path(f"{path}-wal")
    if wal.exists() and wal.stat().st_size > 0:
        raise StoreError(
            f"{path}: its folder cannot be written and {wal.name} holds changes not yet in the database"
            " file: open it once where the folder can be written, then it reads anywhere"
        )
    return uri + "&immutable=1"


READER_CACHE_KIB = 16_384  # page cache of each per-thread reader (the writer keeps 64 MiB)


class _Reader:
    """A thread's read connection; closed when its thread ends (the thread-local goes) or the store closes."""

    __slots__ = ("__weakref__", "conn")

    def __init__(self, conn: sqlite3.Connection) -> None:
        self.conn = conn

    def __del__(self) -> None:
        with suppress(Exception):
            self.conn.close()


class Database:
    """One SQLite database file; thread-safe for one writer and many readers in this process."""

    dialect: Dialect = SQLITE

    def __init__(self, path: Path, busy_timeout: float = 10.0, readonly: bool = False) -> None:
        self.path = path
        self.readonly = readonly
        self.busy_timeout = busy_timeout
        self._lock = threading.RLock()
        self._local = threading.local()
        self._readers: weakref.WeakSet[_Reader] = weakref.WeakSet()
        self._readers_lock = threading.Lock()  # not the writer's lock: opening a reader never waits for it
        self._closed = False
        # An in-memory database cannot be opened twice: it is read through the writer's connection.
        self._shared_reads = str(path) in ("", ":memory:") or str(path).startswith("file::memory:")
        # Readers open with this URI; a store that cannot be written (read-only file system, folder or
        # file) is opened with it too, so every command that only reads still works there.
        self._read_uri = f"file:{quote(str(path))}?mode=ro"
        if not self._shared_reads and not readonly and not _writable(path):
            log.info("%s cannot be written here: opening it read-only", path)
            self.readonly = readonly = True
        if readonly and not self._shared_reads:
            self._read_uri = _read_only_uri(path)
        try:
            if readonly:
                self.conn = sqlite3.connect(
                    self._read_uri, uri=True, timeout=busy_timeout, check_same_thread=False
                )
            else:
                self.conn = sqlite3.connect(str(path), timeout=busy_timeout, check_same_thread=False)
            self.conn.isolation_level = None  # we issue BEGIN/COMMIT ourselves
            self.conn.execute("PRAGMA foreign_keys = ON")
            if not readonly:
                self.conn.execute("PRAGMA journal_mode = WAL")
                self.conn.execute("PRAGMA synchronous = NORMAL")
            self.conn.execute("PRAGMA temp_store = MEMORY")
            self.conn.execute("PRAGMA cache_size = -65536")
            self.migrate()
        except sqlite3.Error as e:
            raise explain(path, e) from None

    def close(self) -> None:
        with self._lock:
            with self._readers_lock:
                self._closed = True
                readers = list(self._readers)
                self._readers.clear()
            for reader in readers:
                with suppress(sqlite3.Error):
                    reader.conn.close()
            self.conn.close()

    @contextmanager
    def write(self) -> Iterator[sqlite3.Connection]:
        """One write transaction (``BEGIN IMMEDIATE``): all of it is stored, or none of it.

        Re-entrant on one thread: a write opened inside another joins it, so a caller can make several
        repositories' writes one transaction (``SqliteStore.transaction``); an error anywhere inside rolls
        back the outermost transaction, which then re-raises it.
        """
        if getattr(self._local, "writing", 0):
            with self._lock, self._writing():
                try:
                    yield self.conn
                except sqlite3.Error as e:
                    raise explain(self.path, e) from None
            return
        with self._lock, self._writing():
            try:
                self.conn.execute("BEGIN IMMEDIATE")
            except sqlite3.Error as e:
                raise explain(self.path, e) from None
            try:
                yield self.conn
                self.conn.execute("COMMIT")
            except sqlite3.Error as e:
                self._rollback()
                raise explain(self.path, e) from None
            except BaseException:
                self._rollback()
                raise

    def _rollback(self) -> None:
        # the transaction may already be gone (e.g. after SQLITE_FULL)
        with suppress(sqlite3.Error):
            self.conn.execute("ROLLBACK")

    @contextmanager
    def _writing(self) -> Iterator[None]:
        self._local.writing = getattr(self._local, "writing", 0) + 1
        try:
            yield
        finally:
            self._local.writing -= 1

    @contextmanager
    def read(self) -> Iterator[sqlite3.Connection]:
        """A connection to read from: this thread's own reader, or the writer's inside a write transaction."""
        writing: int = getattr(self._local, "writing", 0)
        if self._shared_reads or writing:
            with self._lock:
                try:
                    yield self.conn
                except sqlite3.Error as e:
                    raise explain(self.path, e) from None
            return
        try:
            conn = self._reader()
            yield conn
        except sqlite3.Error as e:
            raise explain(self.path, e) from None

    def _reader(self) -> sqlite3.Connection:
        reader: _Reader | None = getattr(self._local, "reader", None)
        if reader is not None:
            return reader.conn
        conn = sqlite3.connect(self._read_uri, uri=True, timeout=self.busy_timeout, check_same_thread=False)
        try:
            conn.isolation_level = None
            conn.execute("PRAGMA query_only = ON")
            conn.execute("PRAGMA temp_store = MEMORY")
            conn.execute(f"PRAGMA cache_size = -{READER_CACHE_KIB}")
        except sqlite3.Error:
            conn.close()
            raise
        reader = _Reader(conn)
        with self._readers_lock:
            if self._closed:
                conn.close()
                raise sqlite3.ProgrammingError("Cannot operate on a closed database.")
            self._readers.add(reader)
        self._local.reader = reader
        return conn

    def applied_migrations(self) -> list[str]:
        with self._lock:
            exists = self.conn.execute(
                "SELECT 1 FROM sqlite_master WHERE type='table' AND name='schema_migrations'"
            ).fetchone()
            if not exists:
                return []
            return [r[0] for r in self.conn.execute("SELECT name FROM schema_migrations ORDER BY name")]

    def migrate(self) -> list[str]:
        """Apply the migration steps this database has not seen, each in its own transaction."""
        done = set(self.applied_migrations())
        pending = [(n, sql) for n, sql in migrations() if n not in done]
        if pending and self.readonly:
            raise StoreError(
                f"{self.path}: database needs migrations {[n for n, _ in pending]} but is read-only"
            )
        applied = []
        for name, sql in pending:
            log.info("applying migration %s", name)
            with self.write() as conn:
                conn.execute(
                    "CREATE TABLE IF NOT EXISTS schema_migrations"
                    " (name TEXT PRIMARY KEY, applied_at INTEGER NOT NULL)"
                )
                for statement in split_sql(sql):
                    conn.execute(statement)
                conn.execute("INSERT INTO schema_migrations VALUES (?, ?)", (name, now_ts()))
            applied.append(name)
        return applied


def split_sql(script: str) -> list[str]:
    """Split a migration into statements (``sqlite3.complete_statement`` keeps triggers whole)."""
    out: list[str] = []
    buf = ""
    for line in script.splitlines(keepends=True):
        if not buf and (not line.strip() or line.lstrip().startswith("--")):
            continue
        buf += line
        if sqlite3.complete_statement(buf):
            out.append(buf.strip())
            buf = ""
    if buf.strip():
        out.append(buf.strip())
    return out
