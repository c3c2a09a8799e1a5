"""What the two store backends share: a stored row → its record, a record → its row's parameters, and the
checks, paging and assembly around the SQL — one module per repository (``records.posts`` …).

Each backend (:mod:`svodka.store.sqlite`, :mod:`svodka.store.postgres`) keeps only its SQL and its driver
calls; nothing here imports either of them (import-linter contract ``records-no-backend``) or a database
driver. SQL text lives here only where both dialects write it to the letter.
"""

from __future__ import annotations

from datetime import UTC, datetime


def when(ts: int | float) -> datetime:
    """A stored Unix time (never NULL) as an aware UTC datetime."""
    return datetime.fromtimestamp(ts, UTC)


def ts(dt: datetime) -> int:
    """An aware datetime as the Unix time the store keeps."""
    return int(dt.timestamp())
