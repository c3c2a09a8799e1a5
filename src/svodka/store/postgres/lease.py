"""Named run leases in PostgreSQL: a session advisory lock (``pg_try_advisory_lock``) on a connection of
its own, held for the block and freed with that session — so a holder killed with ``kill -9`` frees it as
soon as the server sees its connection go. The ``lease`` table says who holds it, for the others' message,
and its row's token is what :meth:`PgLease.confirm` fences a holder's transaction with: a session that ended
has lost the lock, and whoever took it meanwhile has written a token of its own."""

from __future__ import annotations

import logging
import secrets
import time
import zlib
from collections.abc import Iterator
from contextlib import contextmanager, suppress

import psycopg

from svodka.store.base import Lease
from svodka.store.postgres.db import Database, explain, pyformat
from svodka.store.records.lease import CONFIRM, LEASE_COLUMNS, RELEASE, lease_row, this_process

log = logging.getLogger(__name__)

NAMESPACE = 0x53564B  # the first key of svodka's two-key advisory locks ("SVK")


def lock_key(name: str) -> int:
    return zlib.crc32(name.encode("utf-8")) & 0x7FFFFFFF


class PgLease:
    def __init__(self, db: Database) -> None:
        self.db = db
        self._sessions: dict[str, psycopg.Connection] = {}  # by token: the connection holding the lock

    def confirm(self, lease: Lease) -> bool:
        # the row first (locked to the end of the caller's transaction, when it has one: a worker that takes
        # the lock meanwhile waits there to write its own), then the lock's session
        row = (time.time() + lease.ttl, lease.name, lease.token)
        with self.db.write() as conn:
            mine = conn.execute(pyformat(CONFIRM), row).rowcount
        return mine > 0 and _answers(self._sessions.get(lease.token))

    def _holder(self, conn: psycopg.Connection, name: str) -> str:
        row = conn.execute("SELECT holder FROM lease WHERE name = %s", (name,)).fetchone()
        return str(row[0]) if row else "unknown"

    @contextmanager
    def hold(self, name: str, ttl: float) -> Iterator[Lease]:
        holder = this_process()
        token = secrets.token_hex(8)
        try:
            conn = psycopg.connect(self.db.url, autocommit=True, connect_timeout=10)
        except psycopg.Error as e:
            raise explain(self.db.url, e) from None
        try:
            try:
                got = conn.execute(
                    "SELECT pg_try_advisory_lock(%s, %s)", (NAMESPACE, lock_key(name))
                ).fetchone()
                if not (got and got[0]):
                    other = self._holder(conn, name)
                    conn.close()
                    yield Lease(name, held=False, holder=other)
                    return
                conn.execute(
                    f"INSERT INTO lease ({LEASE_COLUMNS}) VALUES (%s, %s, %s, %s, %s, %s) "
                    "ON CONFLICT (name) DO UPDATE SET holder = excluded.holder, pid = excluded.pid, "
                    "host = excluded.host, token = excluded.token, expires_at = excluded.expires_at",
                    lease_row(name, token, ttl),
                )
            except psycopg.Error as e:
                raise explain(self.db.url, e) from None
            self._sessions[token] = conn
            yield Lease(name, held=True, holder=holder, token=token, ttl=ttl)
        finally:
            self._sessions.pop(token, None)
            if not conn.closed:
                with suppress(psycopg.Error):
                    conn.execute(pyformat(RELEASE), (name, token))
                    conn.execute("SELECT pg_advisory_unlock(%s, %s)", (NAMESPACE, lock_key(name)))
                conn.close()


def _answers(session: psycopg.Connection | None) -> bool:
    """Whether the lock's session still answers: ended (by an administrator, ``idle_session_timeout``, a
    restart), its lock went with it."""
    if session is None:
        return False
    try:
        session.execute("SELECT 1")
    except psycopg.Error:
        return False
    return True
