"""Analysts' marks on posts and stories in SQLite."""

from __future__ import annotations

import builtins

from svodka.errors import StoreError
from svodka.model import Mark
from svodka.store.sqlite.db import Database, now_ts
from svodka.store.sqlite.users import when


class SqliteMarks:
    def __init__(self, db: Database) -> None:
        self.db = db

    def set(self, user_id: int, kind: str, ref_id: int, note: str = "") -> Mark:
        if kind not in ("post", "story"):
            raise StoreError(f"a mark is on a post or a story, not {kind!r}")
        with self.db.write() as conn:
            conn.execute(
                "INSERT INTO marks (user_id, kind, ref_id, note, created_at) VALUES (?, ?, ?, ?, ?) "
                "ON CONFLICT (user_id, kind, ref_id) DO UPDATE SET note = excluded.note",
                (user_id, kind, ref_id, note.strip()[:1000], now_ts()),
            )
        return next(m for m in self.list(user_id) if m.kind == kind and m.ref_id == ref_id)

    def remove(self, user_id: int, kind: str, ref_id: int) -> bool:
        with self.db.write() as conn:
            conn.execute(
                "DELETE FROM marks WHERE user_id = ? AND kind = ? AND ref_id = ?", (user_id, kind, ref_id)
            )
            return bool(conn.execute("SELECT changes()").fetchone()[0])

    def list(self, user_id: int) -> builtins.list[Mark]:
        with self.db.read() as conn:
            rows = conn.execute(
                "SELECT user_id, kind, ref_id, note, created_at FROM marks WHERE user_id = ? "
                "ORDER BY created_at DESC, kind, ref_id",
                (user_id,),
            ).fetchall()
        return [Mark(r[0], r[1], r[2], r[3], when(r[4])) for r in rows]
