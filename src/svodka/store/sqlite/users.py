"""Local accounts of the web app in SQLite (sessions, API keys, login attempts and marks have their own
modules beside this one).

Secrets never reach this module in the clear: it stores the argon2 hash of a password; hashing and checking
live in :mod:`svodka.web.auth`.
"""

from __future__ import annotations

import builtins
from datetime import UTC, datetime
from typing import Any

from svodka.errors import NotFoundError, StoreError
from svodka.model import ROLES, User, from_ts
from svodka.store.sqlite.db import Database, now_ts

USER_COLS = "u.id, u.username, u.role, u.created_at, u.last_login"


def user_from_row(r: tuple[Any, ...]) -> User:
    return User(id=r[0], username=r[1], role=r[2], created_at=when(r[3]), last_login=from_ts(r[4]))


def when(ts: int) -> datetime:
    return datetime.fromtimestamp(ts, UTC)


def check_role(role: str) -> str:
    if role not in ROLES:
        raise StoreError(f"role must be one of {', '.join(ROLES)}, not {role!r}")
    return role


class SqliteUsers:
    def __init__(self, db: Database) -> None:
        self.db = db

    # --- users ---------------------------------------------------------------------------------------
    def add(self, username: str, password_hash: str, role: str) -> User:
        name = username.strip()
        if not name or len(name) > 64 or any(c.isspace() for c in name):
            raise StoreError(f"user name must be 1-64 characters without spaces, not {username!r}")
        with self.db.write() as conn:
            if conn.execute("SELECT 1 FROM users WHERE username = ?", (name,)).fetchone():
                raise StoreError(f"user {name!r} exists already (use `svodka users set-role` or remove it)")
            conn.execute(
                "INSERT INTO users (username, password_hash, role, created_at) VALUES (?, ?, ?, ?)",
                (name, password_hash, check_role(role), now_ts()),
            )
        return self.get(name)

    def get(self, username: str) -> User:
        with self.db.read() as conn:
            row = conn.execute(
                f"SELECT {USER_COLS} FROM users u WHERE u.username = ?", (username.strip(),)
            ).fetchone()
        if row is None:
            raise NotFoundError(f"no user {username!r} (see `svodka users list`)")
        return user_from_row(row)

    def by_id(self, user_id: int) -> User:
        with self.db.read() as conn:
            row = conn.execute(f"SELECT {USER_COLS} FROM users u WHERE u.id = ?", (user_id,)).fetchone()
        if row is None:
            raise NotFoundError(f"no user with id {user_id}")
        return user_from_row(row)

    def list(self) -> builtins.list[User]:
        with self.db.read() as conn:
            return [
                user_from_row(r) for r in conn.execute(f"SELECT {USER_COLS} FROM users u ORDER BY u.username")
            ]

    def count(self, role: str | None = None) -> int:
        with self.db.read() as conn:
            if role is None:
                return int(conn.execute("SELECT COUNT(*) FROM users").fetchone()[0])
            return int(conn.execute("SELECT COUNT(*) FROM users WHERE role = ?", (role,)).fetchone()[0])

    def password_hash(self, username: str) -> tuple[User, str] | None:
        """The user and their stored password hash, or None when there is no such user."""
        with self.db.read() as conn:
            row = conn.execute(
                f"SELECT {USER_COLS}, u.password_hash FROM users u WHERE u.username = ?",
                (username.strip(),),
            ).fetchone()
        return None if row is None else (user_from_row(row[:5]), row[5])

    def set_password(self, username: str, password_hash: str) -> None:
        user = self.get(username)
        with self.db.write() as conn:
            conn.execute("UPDATE users SET password_hash = ? WHERE id = ?", (password_hash, user.id))
            conn.execute("DELETE FROM sessions WHERE user_id = ?", (user.id,))

    def set_role(self, username: str, role: str) -> User:
        user = self.get(username)
        check_role(role)
        if user.role == "admin" and role != "admin" and self.count("admin") == 1:
            raise StoreError(f"{user.username} is the last admin; make another admin first")
        with self.db.write() as conn:
            conn.execute("UPDATE users SET role = ? WHERE id = ?", (role, user.id))
        return self.get(username)

    def remove(self, username: str) -> User:
        user = self.get(username)
        if user.role == "admin" and self.count("admin") == 1 and self.count() > 1:
            raise StoreError(f"{user.username} is the last admin; make another admin first")
        with self.db.write() as conn:
            conn.execute("DELETE FROM users WHERE id = ?", (user.id,))
        return user

    def touch_login(self, user_id: int) -> None:
        with self.db.write() as conn:
            conn.execute("UPDATE users SET last_login = ? WHERE id = ?", (now_ts(), user_id))
