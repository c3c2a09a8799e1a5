"""Local accounts of the web app in SQLite (sessions, API keys, login attempts and marks have their own
modules beside this one); rows, checks and the shared SQL: :mod:`svodka.store.records.users`.

Secrets never reach this module in the clear: it stores the argon2 hash of a password; hashing and checking
live in :mod:`svodka.web.auth`.
"""

from __future__ import annotations

import builtins

from svodka.model import User
from svodka.store.records import users as rec
from svodka.store.sqlite.db import Database, now_ts

NAME = "u.username = ?"  # user names as written


class SqliteUsers:
    def __init__(self, db: Database) -> None:
        self.db = db

    def add(self, username: str, password_hash: str, role: str) -> User:
        name = rec.new_name(username)
        with self.db.write() as conn:
            if conn.execute(rec.NAMED.format(name=NAME), (name,)).fetchone():
                raise rec.taken(name)
            conn.execute(rec.INSERT, (name, password_hash, rec.check_role(role), now_ts()))
        return self.get(name)

    def get(self, username: str) -> User:
        with self.db.read() as conn:
            row = conn.execute(rec.BY_NAME.format(name=NAME), (username.strip(),)).fetchone()
        return rec.found(row, username)

    def by_id(self, user_id: int) -> User:
        with self.db.read() as conn:
            return rec.found_id(conn.execute(rec.BY_ID, (user_id,)).fetchone(), user_id)

    def list(self) -> builtins.list[User]:
        with self.db.read() as conn:
            return [rec.user_from_row(r) for r in conn.execute(rec.LIST.format(name="u.username"))]

    def count(self, role: str | None = None) -> int:
        with self.db.read() as conn:
            if role is None:
                return int(conn.execute(rec.COUNT).fetchone()[0])
            return int(conn.execute(rec.COUNT_ROLE, (role,)).fetchone()[0])

    def password_hash(self, username: str) -> tuple[User, str] | None:
        """The user and their stored password hash, or None when there is no such user."""
        with self.db.read() as conn:
            return rec.with_hash(
                conn.execute(rec.PASSWORD_HASH.format(name=NAME), (username.strip(),)).fetchone()
            )

    def set_password(self, username: str, password_hash: str) -> None:
        user = self.get(username)
        password, sessions = rec.SET_PASSWORD
        with self.db.write() as conn:
            conn.execute(password, (password_hash, user.id))
            conn.execute(sessions, (user.id,))

    def set_role(self, username: str, role: str) -> User:
        user = self.get(username)
        rec.check_demotion(user, rec.check_role(role), self.count("admin"))
        with self.db.write() as conn:
            conn.execute(rec.SET_ROLE, (role, user.id))
        return self.get(username)

    def remove(self, username: str) -> User:
        user = self.get(username)
        rec.check_removal(user, self.count("admin"), self.count())
        with self.db.write() as conn:
            conn.execute(rec.REMOVE, (user.id,))
        return user

    def touch_login(self, user_id: int) -> None:
        with self.db.write() as conn:
            conn.execute(rec.TOUCH_LOGIN, (now_ts(), user_id))
