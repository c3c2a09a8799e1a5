"""Analysts' marks on posts and stories in SQLite (the rows and SQL: :mod:`svodka.store.records.accounts`)."""

from __future__ import annotations

import builtins

from svodka.model import Mark
from svodka.store.records.accounts import LIST_MARKS, REMOVE_MARK, SET_MARK, mark, mark_row
from svodka.store.sqlite.db import Database, now_ts


class SqliteMarks:
    def __init__(self, db: Database) -> None:
        self.db = db

    def set(self, user_id: int, kind: str, ref_id: int, note: str = "") -> Mark:
        row = mark_row(user_id, kind, ref_id, note, now_ts())
        with self.db.write() as conn:
            conn.execute(SET_MARK, row)
        return next(m for m in self.list(user_id) if m.kind == kind and m.ref_id == ref_id)

    def remove(self, user_id: int, kind: str, ref_id: int) -> bool:
        with self.db.write() as conn:
            conn.execute(REMOVE_MARK, (user_id, kind, ref_id))
            return bool(conn.execute("SELECT changes()").fetchone()[0])

    def list(self, user_id: int) -> builtins.list[Mark]:
        with self.db.read() as conn:
            rows = conn.execute(LIST_MARKS, (user_id,)).fetchall()
        return [mark(r) for r in rows]
