"""Which stories and digests each user has read, in SQLite."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime

from svodka.model import from_ts
from svodka.store.records.read_state import read_ids
from svodka.store.sqlite.db import Database, now_ts

_CHUNK = 500


class SqliteReadState:
    def __init__(self, db: Database) -> None:
        self.db = db

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

    def unmark(self, user_id: int, kind: str, ref_ids: Iterable[int]) -> int:
        ids, done = read_ids(kind, ref_ids), 0
        with self.db.write() as conn:
            for i in range(0, len(ids), _CHUNK):
                chunk = ids[i : i + _CHUNK]
                cur = conn.execute(
                    "DELETE FROM read_state WHERE user_id = ? AND kind = ? "
                    f"AND ref_id IN ({','.join('?' * len(chunk))})",
                    (user_id, kind, *chunk),
                )
                done += max(cur.rowcount, 0)
        return done

    def read(self, user_id: int, kind: str, ref_ids: Iterable[int]) -> dict[int, datetime]:
        ids, out = read_ids(kind, ref_ids), {}
        with self.db.read() as conn:
            for i in range(0, len(ids), _CHUNK):
                chunk = ids[i : i + _CHUNK]
                for ref, at in conn.execute(
                    "SELECT ref_id, read_at FROM read_state WHERE user_id = ? AND kind = ? "
                    f"AND ref_id IN ({','.join('?' * len(chunk))})",
                    (user_id, kind, *chunk),
                ):
                    out[ref] = from_ts(at)
        return out  # type: ignore[return-value]
