"""The interface language as both backends store it (``users.language``, migration 0027) and the stored
posts' detected languages that ``web.language = auto`` is decided from."""

from __future__ import annotations

import builtins

from svodka.store.records.dialect import Database, changed, row, rows

POST_LANGUAGES = "SELECT language FROM post_analysis WHERE language IS NOT NULL ORDER BY post_id DESC LIMIT ?"


class SharedInterface:
    def __init__(self, db: Database) -> None:
        self.db = db

    def post_languages(self, limit: int = 1000) -> builtins.list[str]:
        return [r[0] for r in rows(self.db, POST_LANGUAGES, (limit,))]

    def user_language(self, user_id: int) -> str | None:
        found = row(self.db, "SELECT language FROM users WHERE id = ?", (user_id,))
        return None if found is None else found[0]

    def set_user_language(self, user_id: int, language: str | None) -> None:
        changed(self.db, "UPDATE users SET language = ? WHERE id = ?", (language, user_id))
