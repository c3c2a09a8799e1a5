"""Which stories and digests each user has read, in SQLite (the reads and the unmarking, written once for both
backends: :mod:`svodka.store.records.read_state`)."""

from __future__ import annotations

from collections.abc import Iterable

from svodka.store.records.read_state import SharedReadState, read_ids
from svodka.store.sqlite.db import Database, now_ts


class SqliteReadState(SharedReadState):
    db: Database

    def mark(self, user_id: int, kind: str, ref_ids: Iterable[int]) -> int:
        ids, at = read_ids(kind, ref_ids), now_ts()
        with self.db.write() as conn:
            before = conn.total_changes
            conn.executemany(
                "INSERT INTO read_state (user_id, kind, ref_id, read_at) VALUES (?, ?, ?, ?) "
                "ON CONFLICT (user_id, kind, ref_id) DO NOTHING",
                [(user_id, kind, i, at) for i in ids],
            )
            return conn.total_changes - before
