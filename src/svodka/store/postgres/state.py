"""Collection state per source (saved position, health, next attempt) in PostgreSQL (``extra`` as JSONB; the
reads, written once for both backends: :mod:`svodka.store.records.state`)."""

from __future__ import annotations

from psycopg.types.json import Jsonb

from svodka.model import SourceState
from svodka.store.postgres.db import Database, pyformat
from svodka.store.records.state import PUT_STATE, SharedStateReads, state_row

_PUT_STATE = pyformat(PUT_STATE)


class PgState(SharedStateReads):
    db: Database

    def put(self, state: SourceState, channel_id: int | None = None) -> None:
        with self.db.write() as conn:
            conn.execute(_PUT_STATE, state_row(state, channel_id, Jsonb(state.extra)))
