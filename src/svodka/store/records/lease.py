"""Named run leases as both backends keep them (table ``lease``): who this process is, the row it writes
when it takes a lease, and the SQL both dialects write alike (``?`` placeholders)."""

from __future__ import annotations

import os
import socket
import time

LEASE_COLUMNS = "name, holder, pid, host, token, expires_at"
RELEASE = "DELETE FROM lease WHERE name = ? AND token = ?"
# the holder's check (and renewal): no row changed, the lease is another's now
CONFIRM = "UPDATE lease SET expires_at = ? WHERE name = ? AND token = ?"


def describe(pid: int, host: str) -> str:
    """A holder as the others are told of it."""
    return f"pid {pid} on {host}"


def this_process() -> str:
    """This process as a holder."""
    return describe(os.getpid(), socket.gethostname())


def lease_row(name: str, token: str, ttl: float) -> tuple[object, ...]:
    """The row (:data:`LEASE_COLUMNS`) of ``name`` taken by this process for ``ttl`` seconds."""
    pid, host = os.getpid(), socket.gethostname()
    return (name, describe(pid, host), pid, host, token, time.time() + ttl)
