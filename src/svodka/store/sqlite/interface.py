"""The interface language in SQLite: each user's choice (``users.language``, migration 0027) and the stored
posts' detected languages that ``web.language = auto`` is decided from."""

from __future__ import annotations

import builtins

from svodka.store.sqlite.db import Database


class SqliteInterface:
    def __init__(self, db: Database) -> None:
        self.db = db

    def post_languages(self, limit: int = 1000) -> builtins.list[str]:
        with self.db.read() as conn:
            rows = conn.execute(
                "SELECT language FROM post_analysis WHERE language IS NOT NULL ORDER BY post_id DESC LIMIT ?",
                (limit,),
            ).fetchall()
        return [r[0] for r in rows]

    def user_language(self, user_id: int) -> str | None:
        with self.db.read() as conn:
            row = conn.execute("SELECT language FROM users WHERE id = ?", (user_id,)).fetchone()
        return None if row is None else row[0]

    def set_user_language(self, user_id: int, language: str | None) -> None:
        with self.db.write() as conn:
            conn.execute("UPDATE users SET language = ? WHERE id = ?", (language, user_id))
