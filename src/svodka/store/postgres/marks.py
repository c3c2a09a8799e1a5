"""Analysts' marks on posts and stories in PostgreSQL."""

from __future__ import annotations

import builtins

from svodka.errors import StoreError
from svodka.model import Mark
from svodka.store.postgres.db import Database, now_ts
from svodka.store.sqlite.users import when


class PgMarks:
    def __init__(self, db: Database) -> None:
        self.db = db

    def set(self, user_id: int, kind: str, ref_id: int, note: str = "") -> Mark:
        if kind not in ("post", "story"):
            raise StoreError(f"a mark is on a post or a story, not {kind!r}")
        with self.db.write() as conn:
            conn.execute(
                "INSERT INTO marks (user_id, kind, ref_id, note, created_at) VALUES (%s, %s, %s, %s, %s) "
                "ON CONFLICT (user_id, kind, ref_id) DO UPDATE SET note = excluded.note",
                (user_id, kind, ref_id, note.strip()[:1000], now_ts()),
            )
        return next(m for m in self.list(user_id) if m.kind == kind and m.ref_id == ref_id)

    def remove(self, user_id: int, kind: str, ref_id: int) -> bool:
        with self.db.write() as conn:
            cur = conn.execute(
                "DELETE FROM marks WHERE user_id = %s AND kind = %s AND ref_id = %s", (user_id, kind, ref_id)
            )
            return cur.rowcount > 0

    def list(self, user_id: int) -> builtins.list[Mark]:
        with self.db.read() as conn:
            rows = conn.execute(
                "SELECT user_id, kind, ref_id, note, created_at FROM marks WHERE user_id = %s "
                "ORDER BY created_at DESC, kind, ref_id",
                (user_id,),
            ).fetchall()
        return [Mark(r[0], r[1], r[2], r[3], when(r[4])) for r in rows]
