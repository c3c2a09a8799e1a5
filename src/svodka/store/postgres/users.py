"""Local accounts of the web app in PostgreSQL; user names compare case-insensitively (``lower()``, the
unique index of migration 0006). Secrets arrive hashed (see :mod:`svodka.web.auth`)."""

from __future__ import annotations

import builtins

from svodka.errors import NotFoundError, StoreError
from svodka.model import User
from svodka.store.postgres.db import Database, now_ts
from svodka.store.sqlite.users import USER_COLS, check_role, user_from_row


class PgUsers:
    def __init__(self, db: Database) -> None:
        self.db = db

    def add(self, username: str, password_hash: str, role: str) -> User:
        name = username.strip()
        if not name or len(name) > 64 or any(c.isspace() for c in name):
            raise StoreError(f"user name must be 1-64 characters without spaces, not {username!r}")
        with self.db.write() as conn:
            if conn.execute("SELECT 1 FROM users WHERE lower(username) = lower(%s)", (name,)).fetchone():
                raise StoreError(f"user {name!r} exists already (use `svodka users set-role` or remove it)")
            conn.execute(
                "INSERT INTO users (username, password_hash, role, created_at) VALUES (%s, %s, %s, %s)",
                (name, password_hash, check_role(role), now_ts()),
            )
        return self.get(name)

    def get(self, username: str) -> User:
        with self.db.read() as conn:
            row = conn.execute(
                f"SELECT {USER_COLS} FROM users u WHERE lower(u.username) = lower(%s)", (username.strip(),)
            ).fetchone()
        if row is None:
            raise NotFoundError(f"no user {username!r} (see `svodka users list`)")
        return user_from_row(row)

    def by_id(self, user_id: int) -> User:
        with self.db.read() as conn:
            row = conn.execute(f"SELECT {USER_COLS} FROM users u WHERE u.id = %s", (user_id,)).fetchone()
        if row is None:
            raise NotFoundError(f"no user with id {user_id}")
        return user_from_row(row)

    def list(self) -> builtins.list[User]:
        with self.db.read() as conn:
            return [
                user_from_row(r)
                for r in conn.execute(f"SELECT {USER_COLS} FROM users u ORDER BY lower(u.username)")
            ]

    def count(self, role: str | None = None) -> int:
        with self.db.read() as conn:
            if role is None:
                return int(conn.execute("SELECT COUNT(*) FROM users").fetchone()[0])  # type: ignore[index]
            row = conn.execute("SELECT COUNT(*) FROM users WHERE role = %s", (role,)).fetchone()
            return int(row[0])  # type: ignore[index]

    def password_hash(self, username: str) -> tuple[User, str] | None:
        """The user and their stored password hash, or None when there is no such user."""
        with self.db.read() as conn:
            row = conn.execute(
                f"SELECT {USER_COLS}, u.password_hash FROM users u WHERE lower(u.username) = lower(%s)",
                (username.strip(),),
            ).fetchone()
        return None if row is None else (user_from_row(row[:5]), row[5])

    def set_password(self, username: str, password_hash: str) -> None:
        user = self.get(username)
        with self.db.write() as conn:
            conn.execute("UPDATE users SET password_hash = %s WHERE id = %s", (password_hash, user.id))
            conn.execute("DELETE FROM sessions WHERE user_id = %s", (user.id,))

    def set_role(self, username: str, role: str) -> User:
        user = self.get(username)
        check_role(role)
        if user.role == "admin" and role != "admin" and self.count("admin") == 1:
            raise StoreError(f"{user.username} is the last admin; make another admin first")
        with self.db.write() as conn:
            conn.execute("UPDATE users SET role = %s WHERE id = %s", (role, user.id))
        return self.get(username)

    def remove(self, username: str) -> User:
        user = self.get(username)
        if user.role == "admin" and self.count("admin") == 1 and self.count() > 1:
            raise StoreError(f"{user.username} is the last admin; make another admin first")
        with self.db.write() as conn:
            conn.execute("DELETE FROM users WHERE id = %s", (user.id,))
        return user

    def touch_login(self, user_id: int) -> None:
        with self.db.write() as conn:
            conn.execute("UPDATE users SET last_login = %s WHERE id = %s", (now_ts(), user_id))
