"""Which stories and digests each user has read, in PostgreSQL (migration 0016_read_state; the reads and the
unmarking, written once for both backends: :mod:`svodka.store.records.read_state`)."""

from __future__ import annotations

from collections.abc import Iterable

from svodka.store.postgres.db import Database, now_ts
from svodka.store.records.read_state import SharedReadState, read_ids


class PgReadState(SharedReadState):
    db: Database

    def mark(self, user_id: int, kind: str, ref_ids: Iterable[int]) -> int:
        ids, at = read_ids(kind, ref_ids), now_ts()
        with self.db.write() as conn:
            return conn.execute(
                "INSERT INTO read_state (user_id, kind, ref_id, read_at) "
                "SELECT %s, %s, unnest(%s::bigint[]), %s ON CONFLICT (user_id, kind, ref_id) DO NOTHING",
                (user_id, kind, ids, at),
            ).rowcount
