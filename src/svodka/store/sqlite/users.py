"""Local accounts of the web app in SQLite: users, sessions, API keys, login attempts and marks.

Secrets never reach this module in the clear: it stores the argon2 hash of a password and the SHA-256 of
a session token or an API key; hashing and checking live in :mod:`svodka.web.auth`.
"""

from __future__ import annotations

import builtins
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from svodka.errors import NotFoundError, StoreError
from svodka.model import ROLES, ApiKey, Mark, User, from_ts
from svodka.store.sqlite.db import Database, now_ts

_USER = "u.id, u.username, u.role, u.created_at, u.last_login"


def _user(r: tuple[Any, ...]) -> User:
    return User(id=r[0], username=r[1], role=r[2], created_at=_when(r[3]), last_login=from_ts(r[4]))


def _when(ts: int) -> datetime:
    return datetime.fromtimestamp(ts, UTC)


def _key(r: tuple[Any, ...]) -> ApiKey:
    return ApiKey(
        id=r[0], user_id=r[1], prefix=r[2], name=r[3], created_at=_when(r[4]), last_used=from_ts(r[5])
    )


def check_role(role: str) -> str:
    if role not in ROLES:
        raise StoreError(f"role must be one of {', '.join(ROLES)}, not {role!r}")
    return role


@dataclass(frozen=True, slots=True)
class SessionRow:
    user: User
    csrf: str
    expires_at: int


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
                f"SELECT {_USER} FROM users u WHERE u.username = ?", (username.strip(),)
            ).fetchone()
        if row is None:
            raise NotFoundError(f"no user {username!r} (see `svodka users list`)")
        return _user(row)

    def by_id(self, user_id: int) -> User:
        with self.db.read() as conn:
            row = conn.execute(f"SELECT {_USER} FROM users u WHERE u.id = ?", (user_id,)).fetchone()
        if row is None:
            raise NotFoundError(f"no user with id {user_id}")
        return _user(row)

    def list(self) -> builtins.list[User]:
        with self.db.read() as conn:
            return [_user(r) for r in conn.execute(f"SELECT {_USER} FROM users u ORDER BY u.username")]

    def count(self, role: str | None = None) -> int:
        with self.db.read() as conn:
            if role is None:
                return int(conn.execute("SELECT COUNT(*) FROM users").fetchone()[0])
            return int(conn.execute("SELECT COUNT(*) FROM users WHERE role = ?", (role,)).fetchone()[0])

    def password_hash(self, username: str) -> tuple[User, str] | None:
        """The user and their stored password hash, or None when there is no such user."""
        with self.db.read() as conn:
            row = conn.execute(
                f"SELECT {_USER}, u.password_hash FROM users u WHERE u.username = ?", (username.strip(),)
            ).fetchone()
        return None if row is None else (_user(row[:5]), row[5])

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

    # --- sessions ------------------------------------------------------------------------------------
    def create_session(self, token_hash: str, user_id: int, csrf: str, expires_at: int) -> None:
        now = now_ts()
        with self.db.write() as conn:
            conn.execute("DELETE FROM sessions WHERE expires_at < ?", (now,))
            conn.execute(
                "INSERT INTO sessions (token_hash, user_id, csrf, created_at, expires_at) "
                "VALUES (?, ?, ?, ?, ?)",
                (token_hash, user_id, csrf, now, expires_at),
            )

    def session(self, token_hash: str) -> SessionRow | None:
        """The live session with this token hash (None when unknown or expired)."""
        with self.db.read() as conn:
            row = conn.execute(
                f"SELECT {_USER}, s.csrf, s.expires_at FROM sessions s JOIN users u ON u.id = s.user_id "
                "WHERE s.token_hash = ? AND s.expires_at >= ?",
                (token_hash, now_ts()),
            ).fetchone()
        return None if row is None else SessionRow(_user(row[:5]), row[5], row[6])

    def delete_session(self, token_hash: str) -> None:
        with self.db.write() as conn:
            conn.execute("DELETE FROM sessions WHERE token_hash = ?", (token_hash,))

    # --- API keys ------------------------------------------------------------------------------------
    def add_key(self, user_id: int, prefix: str, key_hash: str, name: str = "") -> ApiKey:
        with self.db.write() as conn:
            cur = conn.execute(
                "INSERT INTO api_keys (user_id, prefix, key_hash, name, created_at) VALUES (?, ?, ?, ?, ?)",
                (user_id, prefix, key_hash, name.strip()[:100], now_ts()),
            )
            key_id = int(cur.lastrowid)  # type: ignore[arg-type]
        return next(k for k in self.keys(user_id) if k.id == key_id)

    def key_by_prefix(self, prefix: str) -> tuple[ApiKey, str, User] | None:
        """The key with this prefix, its stored hash and its owner."""
        with self.db.read() as conn:
            row = conn.execute(
                "SELECT k.id, k.user_id, k.prefix, k.name, k.created_at, k.last_used, k.key_hash, "
                f"{_USER} FROM api_keys k JOIN users u ON u.id = k.user_id WHERE k.prefix = ?",
                (prefix,),
            ).fetchone()
        return None if row is None else (_key(row[:6]), row[6], _user(row[7:]))

    def keys(self, user_id: int) -> builtins.list[ApiKey]:
        with self.db.read() as conn:
            rows = conn.execute(
                "SELECT id, user_id, prefix, name, created_at, last_used FROM api_keys WHERE user_id = ? "
                "ORDER BY id",
                (user_id,),
            ).fetchall()
        return [_key(r) for r in rows]

    def revoke_key(self, user_id: int, key_id: int) -> bool:
        with self.db.write() as conn:
            conn.execute("DELETE FROM api_keys WHERE id = ? AND user_id = ?", (key_id, user_id))
            return bool(conn.execute("SELECT changes()").fetchone()[0])

    def touch_key(self, key_id: int) -> None:
        with self.db.write() as conn:
            conn.execute("UPDATE api_keys SET last_used = ? WHERE id = ?", (now_ts(), key_id))

    # --- login attempts ------------------------------------------------------------------------------
    def record_attempt(self, username: str, client: str, ok: bool) -> None:
        now = now_ts()
        with self.db.write() as conn:
            # Attempts older than a day decide nothing; keep the table small.
            conn.execute("DELETE FROM login_attempts WHERE at < ?", (now - 86400,))
            conn.execute(
                "INSERT INTO login_attempts (username, client, at, ok) VALUES (?, ?, ?, ?)",
                (username.strip()[:64], client, now, int(ok)),
            )

    def failures_since(self, username: str, client: str, since: int) -> tuple[int, int]:
        """Failed logins since ``since``: (for this user name, from this client)."""
        with self.db.read() as conn:
            by_user = conn.execute(
                "SELECT COUNT(*) FROM login_attempts WHERE username = ? AND at >= ? AND ok = 0",
                (username.strip()[:64], since),
            ).fetchone()[0]
            by_client = conn.execute(
                "SELECT COUNT(*) FROM login_attempts WHERE client = ? AND at >= ? AND ok = 0", (client, since)
            ).fetchone()[0]
        return int(by_user), int(by_client)

    # --- marks ---------------------------------------------------------------------------------------
    def set_mark(self, user_id: int, kind: str, ref_id: int, note: str = "") -> Mark:
        if kind not in ("post", "story"):
            raise StoreError(f"a mark is on a post or a story, not {kind!r}")
        with self.db.write() as conn:
            conn.execute(
                "INSERT INTO marks (user_id, kind, ref_id, note, created_at) VALUES (?, ?, ?, ?, ?) "
                "ON CONFLICT (user_id, kind, ref_id) DO UPDATE SET note = excluded.note",
                (user_id, kind, ref_id, note.strip()[:1000], now_ts()),
            )
        return next(m for m in self.marks(user_id) if m.kind == kind and m.ref_id == ref_id)

    def remove_mark(self, user_id: int, kind: str, ref_id: int) -> bool:
        with self.db.write() as conn:
            conn.execute(
                "DELETE FROM marks WHERE user_id = ? AND kind = ? AND ref_id = ?", (user_id, kind, ref_id)
            )
            return bool(conn.execute("SELECT changes()").fetchone()[0])

    def marks(self, user_id: int) -> builtins.list[Mark]:
        with self.db.read() as conn:
            rows = conn.execute(
                "SELECT user_id, kind, ref_id, note, created_at FROM marks WHERE user_id = ? "
                "ORDER BY created_at DESC, kind, ref_id",
                (user_id,),
            ).fetchall()
        return [Mark(r[0], r[1], r[2], r[3], _when(r[4])) for r in rows]
