"""Which stories and digests each user has read, in PostgreSQL (migration 0016_read_state)."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime

from svodka.store.postgres.db import Database, now_ts
from svodka.store.records import when
from svodka.store.records.read_state import read_ids


class PgReadState:
    def __init__(self, db: Database) -> None:
        self.db = db

    def mark(self, user_id: int, kind: str, ref_ids: Iterable[int]) -> int:
        ids, at = read_ids(kind, ref_ids), now_ts()
        with self.db.write() as conn:
            return conn.execute(
                "INSERT INTO read_state (user_id, kind, ref_id, read_at) "
                "SELECT %s, %s, unnest(%s::bigint[]), %s ON CONFLICT (user_id, kind, ref_id) DO NOTHING",
                (user_id, kind, ids, at),
            ).rowcount

    def unmark(self, user_id: int, kind: str, ref_ids: Iterable[int]) -> int:
        ids = read_ids(kind, ref_ids)
        with self.db.write() as conn:
            return conn.execute(
                "DELETE FROM read_state WHERE user_id = %s AND kind = %s AND ref_id = ANY(%s)",
                (user_id, kind, ids),
            ).rowcount

    def read(self, user_id: int, kind: str, ref_ids: Iterable[int]) -> dict[int, datetime]:
        ids = read_ids(kind, ref_ids)
        with self.db.read() as conn:
            rows = conn.execute(
                "SELECT ref_id, read_at FROM read_state "
                "WHERE user_id = %s AND kind = %s AND ref_id = ANY(%s)",
                (user_id, kind, ids),
            ).fetchall()
        return {int(ref): when(at) for ref, at in rows}
