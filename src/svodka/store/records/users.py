"""The web app's local accounts as both backends store them: a row → :class:`~svodka.model.User`, the
checks before a user is added, given a role or removed, and the SQL both dialects write alike (``?``
placeholders; ``{name}``: the dialect's test of ``u.username`` against one name — SQLite compares names as
written, PostgreSQL case-insensitively, the unique index of migration 0006)."""

from __future__ import annotations

import builtins
from collections.abc import Sequence
from typing import Any, ClassVar

from svodka.errors import NotFoundError, StoreError
from svodka.model import ROLES, User, from_ts
from svodka.store.records import when
from svodka.store.records.dialect import Database, changed, now_ts, row, rows, value

USER_COLS = "u.id, u.username, u.role, u.created_at, u.last_login"
NAMED = "SELECT 1 FROM users u WHERE {name}"
BY_NAME = f"SELECT {USER_COLS} FROM users u WHERE {{name}}"
BY_ID = f"SELECT {USER_COLS} FROM users u WHERE u.id = ?"
LIST = f"SELECT {USER_COLS} FROM users u ORDER BY {{name}}"
PASSWORD_HASH = f"SELECT {USER_COLS}, u.password_hash FROM users u WHERE {{name}}"
COUNT = "SELECT COUNT(*) FROM users"
COUNT_ROLE = "SELECT COUNT(*) FROM users WHERE role = ?"
INSERT = "INSERT INTO users (username, password_hash, role, created_at) VALUES (?, ?, ?, ?)"
# A new password ends the user's sessions.
SET_PASSWORD = ("UPDATE users SET password_hash = ? WHERE id = ?", "DELETE FROM sessions WHERE user_id = ?")
SET_ROLE = "UPDATE users SET role = ? WHERE id = ?"
REMOVE = "DELETE FROM users WHERE id = ?"
TOUCH_LOGIN = "UPDATE users SET last_login = ? WHERE id = ?"


def user_from_row(r: Sequence[Any]) -> User:
    """A row of :data:`USER_COLS` as its record."""
    return User(id=r[0], username=r[1], role=r[2], created_at=when(r[3]), last_login=from_ts(r[4]))


def check_role(role: str) -> str:
    if role not in ROLES:
        raise StoreError(f"role must be one of {', '.join(ROLES)}, not {role!r}")
    return role


def new_name(username: str) -> str:
    """A new user's name as stored; StoreError when it is empty, too long or has spaces."""
    name = username.strip()
    if not name or len(name) > 64 or any(c.isspace() for c in name):
        raise StoreError(f"user name must be 1-64 characters without spaces, not {username!r}")
    return name


def taken(name: str) -> StoreError:
    return StoreError(f"user {name!r} exists already (use `svodka users set-role` or remove it)")


def found(row: Sequence[Any] | None, username: str) -> User:
    """The row :data:`BY_NAME` read; NotFoundError when there was none."""
    if row is None:
        raise NotFoundError(f"no user {username!r} (see `svodka users list`)")
    return user_from_row(row)


def found_id(row: Sequence[Any] | None, user_id: int) -> User:
    """The row :data:`BY_ID` read; NotFoundError when there was none."""
    if row is None:
        raise NotFoundError(f"no user with id {user_id}")
    return user_from_row(row)


def with_hash(row: Sequence[Any] | None) -> tuple[User, str] | None:
    """The row :data:`PASSWORD_HASH` read: the user and the stored hash."""
    return None if row is None else (user_from_row(row[:5]), str(row[5]))


def check_demotion(user: User, role: str, admins: int) -> None:
    """StoreError when ``user`` is the last of ``admins`` admins and is to have another role."""
    if user.role == "admin" and role != "admin" and admins == 1:
        raise StoreError(f"{user.username} is the last admin; make another admin first")


def check_removal(user: User, admins: int, users: int) -> None:
    """StoreError when ``user`` is the last admin while other users remain."""
    if user.role == "admin" and admins == 1 and users > 1:
        raise StoreError(f"{user.username} is the last admin; make another admin first")


class SharedUsers:
    """The users repository on either backend; a backend's class names how it tests and orders names."""

    NAME: ClassVar[str]  # the test of ``u.username`` against one name (``{name}``)
    ORDER: ClassVar[str]  # what the list is ordered by

    def __init__(self, db: Database) -> None:
        self.db = db

    def add(self, username: str, password_hash: str, role: str) -> User:
        name = new_name(username)
        sql = self.db.dialect.sql
        with self.db.write() as conn:
            if conn.execute(sql(NAMED.format(name=self.NAME)), (name,)).fetchone():
                raise taken(name)
            conn.execute(sql(INSERT), (name, password_hash, check_role(role), now_ts()))
        return self.get(name)

    def get(self, username: str) -> User:
        return found(row(self.db, BY_NAME.format(name=self.NAME), (username.strip(),)), username)

    def by_id(self, user_id: int) -> User:
        return found_id(row(self.db, BY_ID, (user_id,)), user_id)

    def list(self) -> builtins.list[User]:
        return [user_from_row(r) for r in rows(self.db, LIST.format(name=self.ORDER))]

    def count(self, role: str | None = None) -> int:
        return int(value(self.db, COUNT) if role is None else value(self.db, COUNT_ROLE, (role,)))

    def password_hash(self, username: str) -> tuple[User, str] | None:
        """The user and their stored password hash, or None when there is no such user."""
        return with_hash(row(self.db, PASSWORD_HASH.format(name=self.NAME), (username.strip(),)))

    def set_password(self, username: str, password_hash: str) -> None:
        user = self.get(username)
        password, sessions = SET_PASSWORD
        with self.db.write() as conn:
            conn.execute(self.db.dialect.sql(password), (password_hash, user.id))
            conn.execute(self.db.dialect.sql(sessions), (user.id,))

    def set_role(self, username: str, role: str) -> User:
        user = self.get(username)
        check_demotion(user, check_role(role), self.count("admin"))
        changed(self.db, SET_ROLE, (role, user.id))
        return self.get(username)

    def remove(self, username: str) -> User:
        user = self.get(username)
        check_removal(user, self.count("admin"), self.count())
        changed(self.db, REMOVE, (user.id,))
        return user

    def touch_login(self, user_id: int) -> None:
        changed(self.db, TOUCH_LOGIN, (now_ts(), user_id))
