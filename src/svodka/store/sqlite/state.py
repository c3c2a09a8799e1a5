"""Collection state per source (saved position, health, next attempt) in SQLite (``extra`` as JSON text)."""

from __future__ import annotations

import orjson

from svodka.model import SourceState
from svodka.store.records.state import PUT_STATE, STATE_COLUMNS, source_state, state_row
from svodka.store.sqlite.db import Database


class SqliteState:
    def __init__(self, db: Database) -> None:
        self.db = db

    def get(self, key: str) -> SourceState:
        with self.db.read() as conn:
            row = conn.execute(f"SELECT {STATE_COLUMNS} FROM source_state WHERE key = ?", (key,)).fetchone()
        return SourceState(key=key) if row is None else source_state(row, orjson.loads(row[9]))

    def put(self, state: SourceState, channel_id: int | None = None) -> None:
        with self.db.write() as conn:
            conn.execute(PUT_STATE, state_row(state, channel_id, orjson.dumps(state.extra).decode()))

    def all(self) -> list[SourceState]:
        with self.db.read() as conn:
            rows = conn.execute(f"SELECT {STATE_COLUMNS} FROM source_state ORDER BY key").fetchall()
        return [source_state(r, orjson.loads(r[9])) for r in rows]
