"""Collection state as both backends store it: the row ↔ :class:`~svodka.model.SourceState` (``extra`` as
the backend's JSON column holds it) and the upsert both write alike (``?`` placeholders)."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from svodka.model import SourceState, from_ts
from svodka.store.records.dialect import Database, row, rows

STATE_COLUMNS = (
    "key, position, oldest, last_success, last_error, last_error_at, failures, next_attempt, "
    "posts_collected, extra"
)
# A source's state (the parameters of :func:`state_row`); a state saved without a channel keeps its channel.
PUT_STATE = (
    f"INSERT INTO source_state ({STATE_COLUMNS}, channel_id) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) "
    "ON CONFLICT (key) DO UPDATE SET position = excluded.position, oldest = excluded.oldest, "
    "last_success = excluded.last_success, last_error = excluded.last_error, "
    "last_error_at = excluded.last_error_at, failures = excluded.failures, "
    "next_attempt = excluded.next_attempt, posts_collected = excluded.posts_collected, "
    "extra = excluded.extra, channel_id = COALESCE(excluded.channel_id, source_state.channel_id)"
)


def _ts(dt: datetime | None) -> int | None:
    return None if dt is None else int(dt.timestamp())


def source_state(r: Sequence[Any], extra: dict[str, Any]) -> SourceState:
    """A row of :data:`STATE_COLUMNS` as its record, with its ``extra`` decoded."""
    return SourceState(
        key=r[0],
        position=r[1],
        oldest=r[2],
        last_success=from_ts(r[3]),
        last_error=r[4],
        last_error_at=from_ts(r[5]),
        failures=r[6],
        next_attempt=from_ts(r[7]),
        posts_collected=r[8],
        extra=extra,
    )


def state_row(state: SourceState, channel_id: int | None, extra: object) -> tuple[Any, ...]:
    """The parameters of :data:`PUT_STATE` for ``state``, with its ``extra`` encoded for the backend."""
    return (
        state.key,
        state.position,
        state.oldest,
        _ts(state.last_success),
        state.last_error,
        _ts(state.last_error_at),
        state.failures,
        _ts(state.next_attempt),
        state.posts_collected,
        extra,
        channel_id,
    )


class SharedStateReads:
    """The collection state's reads, on either backend (``extra`` read as its dialect's JSON column holds it);
    a backend's class writes it."""

    def __init__(self, db: Database) -> None:
        self.db = db

    def get(self, key: str) -> SourceState:
        found = row(self.db, f"SELECT {STATE_COLUMNS} FROM source_state WHERE key = ?", (key,))
        return SourceState(key=key) if found is None else source_state(found, self.db.dialect.json(found[9]))

    def all(self) -> list[SourceState]:
        json = self.db.dialect.json
        return [
            source_state(r, json(r[9]))
            for r in rows(self.db, f"SELECT {STATE_COLUMNS} FROM source_state ORDER BY key")
        ]
