"""A PostgreSQL connection pool with svodka's named migrations and re-entrant write transactions.

Every write goes through :meth:`Database.write`: one transaction on one pooled connection, held by the
thread for as long as it lasts, so a batch is stored whole or not at all; a write opened inside another
(on the same thread) joins it. Reads take a pooled connection in autocommit mode, or the thread's writing
connection inside a write (so a transaction sees its own changes). PostgreSQL's errors come out as one-line
:class:`~svodka.errors.StoreError` messages naming the server by its URL, never with a password in it.
"""

from __future__ import annotations

import logging
import re
import threading
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from importlib import resources

import psycopg
from psycopg.adapt import AdaptersMap
from psycopg.types import string
from psycopg_pool import ConnectionPool, PoolTimeout

from svodka.errors import StoreError
from svodka.store.records.dialect import POSTGRES, Dialect, now_ts
from svodka.store.records.dialect import pyformat as pyformat  # the backend's name for it, as before

log = logging.getLogger(__name__)

MIGRATIONS_PACKAGE = "svodka.store.postgres.migrations"
POOL_SIZE = 8
MIGRATION_LOCK = 0x5F0D4A  # advisory lock: one process migrates a database at a time


def _nul_free(base: type[string.Dumper]) -> type[string.Dumper]:
    """``base`` with NUL characters written as U+FFFD: PostgreSQL text cannot hold NUL (SQLite's can), and
    a post or a name that has one is stored, visibly marked, instead of failing its whole batch."""

    def dump(self: string.Dumper, obj: str) -> bytes | bytearray | memoryview | None:
        return base.dump(self, obj.replace("\x00", "\ufffd") if "\x00" in obj else obj)

    return type(f"NulFree{base.__name__}", (base,), {"dump": dump})


ADAPTERS = AdaptersMap(psycopg.adapters)
for _dumper in (string.StrDumperUnknown, string.StrDumper, string.StrBinaryDumper):
    ADAPTERS.register_dumper(str, _nul_free(_dumper))


def safe_url(url: str) -> str:
    """``url`` without its password (``postgresql://user:secret@host/db`` → ``postgresql://user@host/db``)."""
    text = re.sub(r"(://[^/@:]*):[^/@]*@", r"\1@", url)
    return re.sub(r"(?i)(password=)[^&\s]*", r"\1***", text)


def migrations() -> list[tuple[str, str]]:
    """The ordered, named migration steps: ``(name, sql)`` from ``migrations/NNNN_name.sql``."""
    files = [f for f in resources.files(MIGRATIONS_PACKAGE).iterdir() if f.name.endswith(".sql")]
    return [(f.name[:-4], f.read_text(encoding="utf-8")) for f in sorted(files, key=lambda f: f.name)]


def split_sql(script: str) -> list[str]:
    """The statements of a migration: plain SQL separated by ``;`` at the end of a line, ``--`` comments."""
    lines = [line for line in script.splitlines() if not line.lstrip().startswith("--")]
    return [s.strip() for s in re.split(r";[ \t]*(?:\n|$)", "\n".join(lines)) if s.strip()]


def explain(url: str, err: BaseException) -> StoreError:
    """Turn a psycopg error into a one-line StoreError a person can act on."""
    msg = " ".join(str(err).split()) or type(err).__name__
    low = msg.lower()
    if isinstance(err, PoolTimeout) or "connection refused" in low or "could not connect" in low:
        text = f"cannot connect to PostgreSQL (is the server running and the URL right?): {msg}"
    elif "password authentication failed" in low or "no password supplied" in low:
        text = f"PostgreSQL refused the login (password from PGPASSWORD or ~/.pgpass): {msg}"
    elif "does not exist" in low and "database" in low:
        text = f"no such database (create it first: createdb): {msg}"
    elif isinstance(err, psycopg.errors.ReadOnlySqlTransaction):
        text = "the store is open read-only"
    elif isinstance(err, psycopg.errors.LockNotAvailable | psycopg.errors.DeadlockDetected):
        text = f"database is locked by another writer; try again when it has finished ({msg})"
    elif isinstance(err, psycopg.errors.DiskFull):
        text = "disk full: nothing of the interrupted batch was stored; free space and run again"
    else:
        text = msg
    return StoreError(f"{safe_url(url)}: {text}")


class Database:
    """One PostgreSQL database; thread-safe: each thread writes in its own transaction."""

    dialect: Dialect = POSTGRES

    def __init__(self, url: str, busy_timeout: float = 10.0, readonly: bool = False) -> None:
        self.url = url
        self.readonly = readonly
        self._local = threading.local()
        # jit off: svodka's statements are short, and a plan whose cost passes jit_above_cost (a phrase of
        # stop words read on every post; most of them on a large store) spent 4–9 ms compiling, more than
        # the JIT saved (the search of «и в» 30 → 26 ms of server CPU on 22,099 posts)
        options = f"-c lock_timeout={int(busy_timeout * 1000)} -c jit=off"
        if readonly:
            options += " -c default_transaction_read_only=on"
        self._kwargs: dict[str, object] = {"autocommit": True, "options": options, "context": ADAPTERS}
        try:
            with psycopg.connect(url, connect_timeout=10, **self._kwargs) as conn:  # type: ignore[arg-type]
                self._migrate(conn)
        except psycopg.Error as e:
            raise explain(url, e) from None
        self.pool = ConnectionPool(url, min_size=0, max_size=POOL_SIZE, kwargs=self._kwargs, open=False)
        try:
            self.pool.open(wait=True, timeout=10)
        except (PoolTimeout, psycopg.Error) as e:
            raise explain(url, e) from None

    def close(self) -> None:
        with suppress(Exception):
            self.pool.close()

    @contextmanager
    def write(self) -> Iterator[psycopg.Connection]:
        """One write transaction: all of it is stored, or none of it.

        Re-entrant on one thread: a write opened inside another joins it, so a caller can make several
        repositories' writes one transaction (``PgStore.transaction``); an error anywhere inside rolls back
        the outermost transaction, which then re-raises it.
        """
        conn: psycopg.Connection | None = getattr(self._local, "conn", None)
        if conn is not None:
            try:
                yield conn
            except psycopg.Error as e:
                raise explain(self.url, e) from None
            return
        try:
            conn = self.pool.getconn(timeout=30)
        except (PoolTimeout, psycopg.Error) as e:
            raise explain(self.url, e) from None
        self._local.conn = conn
        try:
            with conn.transaction():
                yield conn
        except psycopg.Error as e:
            raise explain(self.url, e) from None
        finally:
            self._local.conn = None
            self.pool.putconn(conn)

    @contextmanager
    def read(self) -> Iterator[psycopg.Connection]:
        """A connection to read from: the thread's writing one inside a write, else one from the pool."""
        conn: psycopg.Connection | None = getattr(self._local, "conn", None)
        try:
            if conn is not None:
                yield conn
                return
            with self.pool.connection(timeout=30) as pooled:
                yield pooled
        except (PoolTimeout, psycopg.Error) as e:
            raise explain(self.url, e) from None

    @property
    def writing(self) -> bool:
        return getattr(self._local, "conn", None) is not None

    def applied_migrations(self) -> list[str]:
        with self.read() as conn:
            return _applied(conn)

    def _migrate(self, conn: psycopg.Connection) -> list[str]:
        """Apply the migration steps this database has not seen, each in its own transaction, under an
        advisory lock (two processes opening a new database migrate it once)."""
        pending = [(n, sql) for n, sql in migrations() if n not in set(_applied(conn))]
        if not pending:
            return []
        if self.readonly:
            raise StoreError(
                f"{safe_url(self.url)}: database needs migrations {[n for n, _ in pending]} but is read-only"
            )
        conn.execute("SELECT pg_advisory_lock(%s)", (MIGRATION_LOCK,))
        try:
            conn.execute(
                "CREATE TABLE IF NOT EXISTS schema_migrations (name TEXT PRIMARY KEY, "
                "applied_at BIGINT NOT NULL)"
            )
            done = set(_applied(conn))  # another process may have migrated while we waited
            applied = []
            for name, sql in migrations():
                if name in done:
                    continue
                log.info("applying migration %s", name)
                with conn.transaction():
                    for statement in split_sql(sql):
                        conn.execute(statement)  # our own files, not user text
                    conn.execute("INSERT INTO schema_migrations VALUES (%s, %s)", (name, now_ts()))
                applied.append(name)
            return applied
        finally:
            conn.execute("SELECT pg_advisory_unlock(%s)", (MIGRATION_LOCK,))


def _applied(conn: psycopg.Connection) -> list[str]:
    if conn.execute("SELECT to_regclass('schema_migrations')").fetchone() == (None,):
        return []
    return [r[0] for r in conn.execute("SELECT name FROM schema_migrations ORDER BY name")]
