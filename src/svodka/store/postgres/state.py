"""Collection state per source (saved position, health, next attempt) in PostgreSQL (``extra`` as JSONB)."""

from __future__ import annotations

from psycopg.types.json import Jsonb

from svodka.model import SourceState
from svodka.store.postgres.db import Database, pyformat
from svodka.store.records.state import PUT_STATE, STATE_COLUMNS, source_state, state_row

_PUT_STATE = pyformat(PUT_STATE)


class PgState:
    def __init__(self, db: Database) -> None:
        self.db = db

    def get(self, key: str) -> SourceState:
        with self.db.read() as conn:
            row = conn.execute(f"SELECT {STATE_COLUMNS} FROM source_state WHERE key = %s", (key,)).fetchone()
        return SourceState(key=key) if row is None else source_state(row, row[9])

    def put(self, state: SourceState, channel_id: int | None = None) -> None:
        with self.db.write() as conn:
            conn.execute(_PUT_STATE, state_row(state, channel_id, Jsonb(state.extra)))

    def all(self) -> list[SourceState]:
        with self.db.read() as conn:
            rows = conn.execute(f"SELECT {STATE_COLUMNS} FROM source_state ORDER BY key").fetchall()
        return [source_state(r, r[9]) for r in rows]
