"""Named run leases in SQLite: a row per lease, taken in a ``BEGIN IMMEDIATE`` transaction and renewed by a
thread while held. On the holder's own host it is free as soon as the holder's pid is gone; from another
host (a store on a shared disk), once it expires."""

from __future__ import annotations

import logging
import os
import secrets
import socket
import time
from collections.abc import Iterator
from contextlib import contextmanager

from svodka.store.base import Lease
from svodka.store.lifecycle import renewing
from svodka.store.records.lease import (
    CONFIRM,
    LEASE_COLUMNS,
    RELEASE,
    describe,
    lease_row,
    this_process,
)
from svodka.store.sqlite.db import Database

log = logging.getLogger(__name__)


def pid_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True  # another user's process
    return True


class SqliteLease:
    def __init__(self, db: Database) -> None:
        self.db = db

    def _take(self, name: str, token: str, ttl: float) -> str | None:
        """Take ``name`` for this process; None when taken, else who holds it."""
        with self.db.write() as conn:
            row = conn.execute("SELECT pid, host, expires_at FROM lease WHERE name = ?", (name,)).fetchone()
            if row is not None:
                other_pid, other_host, expires_at = row
                # on this host the holder's pid says whether it lives (a late renewal, held up behind a
                # long batch, does not free it); another host's holder is trusted until its expiry
                here = other_host == socket.gethostname()
                held = pid_alive(other_pid) if here else expires_at > time.time()
                if held:
                    return describe(other_pid, other_host)
                log.info("lease %s: taking it over from %s", name, describe(other_pid, other_host))
            conn.execute(
                f"INSERT OR REPLACE INTO lease ({LEASE_COLUMNS}) VALUES (?, ?, ?, ?, ?, ?)",
                lease_row(name, token, ttl),
            )
        return None

    def _renew(self, name: str, token: str, ttl: float) -> bool:
        with self.db.write() as conn:
            cur = conn.execute(CONFIRM, (time.time() + ttl, name, token))
        return cur.rowcount > 0

    def confirm(self, lease: Lease) -> bool:
        # in the caller's BEGIN IMMEDIATE, when it has one: no other writer takes the row before its commit
        return self._renew(lease.name, lease.token, lease.ttl)

    @contextmanager
    def hold(self, name: str, ttl: float) -> Iterator[Lease]:
        token = secrets.token_hex(8)
        other = self._take(name, token, ttl)
        if other is not None:
            yield Lease(name, held=False, holder=other)
            return
        try:
            with renewing(f"lease {name}", ttl, lambda: self._renew(name, token, ttl)):
                yield Lease(name, held=True, holder=this_process(), token=token, ttl=ttl)
        finally:
            with self.db.write() as conn:
                conn.execute(RELEASE, (name, token))
