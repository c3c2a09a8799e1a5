"""Collection state per source (saved position, health, next attempt) in PostgreSQL."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from psycopg.types.json import Jsonb

from svodka.model import SourceState, from_ts
from svodka.store.postgres.db import Database

_COLUMNS = (
    "key, position, oldest, last_success, last_error, last_error_at, failures, next_attempt, "
    "posts_collected, extra"
)


def _ts(dt: datetime | None) -> int | None:
    return None if dt is None else int(dt.timestamp())


def _to_state(r: tuple[Any, ...]) -> SourceState:
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
        extra=r[9],
    )


class PgState:
    def __init__(self, db: Database) -> None:
        self.db = db

    def get(self, key: str) -> SourceState:
        with self.db.read() as conn:
            row = conn.execute(f"SELECT {_COLUMNS} FROM source_state WHERE key = %s", (key,)).fetchone()
        return SourceState(key=key) if row is None else _to_state(row)

    def put(self, state: SourceState, channel_id: int | None = None) -> None:
        with self.db.write() as conn:
            conn.execute(
                f"INSERT INTO source_state ({_COLUMNS}, channel_id) "
                "VALUES (%s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s) "
                "ON CONFLICT (key) DO UPDATE SET position = excluded.position, oldest = excluded.oldest, "
                "last_success = excluded.last_success, last_error = excluded.last_error, "
                "last_error_at = excluded.last_error_at, failures = excluded.failures, "
                "next_attempt = excluded.next_attempt, posts_collected = excluded.posts_collected, "
                "extra = excluded.extra, channel_id = COALESCE(excluded.channel_id, source_state.channel_id)",
                (
                    state.key,
                    state.position,
                    state.oldest,
                    _ts(state.last_success),
                    state.last_error,
                    _ts(state.last_error_at),
                    state.failures,
                    _ts(state.next_attempt),
                    state.posts_collected,
                    Jsonb(state.extra),
                    channel_id,
                ),
            )

    def all(self) -> list[SourceState]:
        with self.db.read() as conn:
            rows = conn.execute(f"SELECT {_COLUMNS} FROM source_state ORDER BY key").fetchall()
        return [_to_state(r) for r in rows]
