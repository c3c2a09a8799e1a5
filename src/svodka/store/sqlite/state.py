"""Collection state per source (saved position, health, next attempt) in SQLite (``extra`` as JSON text; the
reads, written once for both backends: :mod:`svodka.store.records.state`)."""

from __future__ import annotations

import orjson

from svodka.model import SourceState
from svodka.store.records.state import PUT_STATE, SharedStateReads, state_row
from svodka.store.sqlite.db import Database


class SqliteState(SharedStateReads):
    db: Database

    def put(self, state: SourceState, channel_id: int | None = None) -> None:
        with self.db.write() as conn:
            conn.execute(PUT_STATE, state_row(state, channel_id, orjson.dumps(state.extra).decode()))
